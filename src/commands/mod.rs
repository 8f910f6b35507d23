//! The command layer: one module per subcommand, each turning its
//! command-line arguments into settings once ([`settings`]) and running
//! the library on them. The only layer that knows clap, prints to the
//! terminal or decides the exit status; nothing below imports it.

mod advisories;
mod audit;
mod cache;
mod explain;
mod install;
mod projects;
mod settings;
mod trust;
mod verify_bundle;

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::cli::{Cli, Command};

/// How a run ended, as the exit-code contract says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing fails the policy (exit 0).
    Pass,
    /// A finding fails the policy, or a verification failed (exit 1).
    Fail,
    /// Usage, configuration, input or internal error (exit 2).
    Error,
    /// Another program's exit code, passed on (`lockproof install`
    /// exits with npm's).
    External(u8),
}

impl ExitStatus {
    /// `Pass` when `passed`, else `Fail`.
    pub fn of_verdict(passed: bool) -> Self {
        if passed { Self::Pass } else { Self::Fail }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(match status {
            ExitStatus::Pass => 0,
            ExitStatus::Fail => 1,
            ExitStatus::Error => 2,
            ExitStatus::External(code) => code,
        })
    }
}

/// Runs the command line. Errors are returned for `main` to print (exit 2).
pub fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Some(Command::Audit(args)) => audit::run(&args),
        Some(Command::Explain(args)) => explain::run(&args),
        Some(Command::Cache(args)) => cache::run(&args),
        Some(Command::VerifyBundle(args)) => verify_bundle::run(&args),
        Some(Command::Install(args)) => install::run(&args),
        Some(Command::Trust(args)) => trust::run(&args),
        Some(Command::Advisories(args)) => advisories::run(&args),
        None => audit::run(&cli.audit),
    }
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}
