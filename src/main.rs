//! The `lockproof` binary: parse arguments, run the command, map the
//! result to the exit-code contract (0 pass, 1 policy violation, 2 error).
//! The one place that prints errors.

use std::process::ExitCode;

use clap::Parser;
use lockproof::cli::Cli;
use lockproof::commands::{self, ExitStatus};
use lockproof::report::escape;
use mimalloc::MiMalloc;

/// Lockfiles are parsed into many small allocations; mimalloc serves them
/// several times faster than the system allocator.
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// The longest error line printed, in characters.
const ERROR_LINE_MAX: usize = 2000;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(status) => status.into(),
        Err(e) => {
            // One escaped line: paths and values in errors come from
            // hostile input, and a newline would start a line that CI
            // runners execute as a workflow command.
            eprintln!(
                "lockproof: error: {}",
                escape::line(&format!("{e:#}"), ERROR_LINE_MAX)
            );
            ExitStatus::Error.into()
        }
    }
}
