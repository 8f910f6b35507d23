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

/// mimalloc's `mi_option_purge_delay` (mimalloc.h), which libmimalloc-sys
/// does not name; the option numbers are mimalloc's ABI.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // A run lasts milliseconds to minutes: memory handed back to the OS is
    // soon faulted in again, and at exit mimalloc would spend about 3 % of
    // an offline audit's CPU time handing back pages the exit frees anyway.
    // SAFETY: sets a plain integer option; mimalloc reads it on its next
    // purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
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

#[cfg(test)]
mod tests {
    use super::MI_OPTION_PURGE_DELAY;

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // mimalloc's default purge delay is 1000 ms; no other option of its
        // has that default. The variable would override it.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads an integer option.
            let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(delay, 1000);
        }
    }
}
