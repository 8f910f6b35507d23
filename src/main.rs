//! The `lockproof` binary: parse arguments, run, map the result to the exit
//! code contract (0 pass, 1 policy violation, 2 error). The one place that
//! prints errors.

use std::process::ExitCode;

use clap::Parser;
use lockproof::app;
use lockproof::cli::Cli;
use mimalloc::MiMalloc;

/// Lockfiles are parsed into many small allocations; mimalloc serves them
/// several times faster than the system allocator.
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// Exit code for usage, configuration, input and internal errors.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("lockproof: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
