//! The `lockproof` binary: parse arguments, run the command, map the
//! result to the exit-code contract (0 pass, 1 policy violation, 2 error).
//! The one place that prints errors.

use std::process::ExitCode;

use clap::Parser;
use lockproof::cli::Cli;
use lockproof::commands::{self, ExitStatus};
use mimalloc::MiMalloc;

/// Lockfiles are parsed into many small allocations; mimalloc serves them
/// several times faster than the system allocator.
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(status) => status.into(),
        Err(e) => {
            eprintln!("lockproof: error: {e:#}");
            ExitStatus::Error.into()
        }
    }
}
