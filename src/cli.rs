//! Command-line arguments (clap derive). Bare `lockproof` runs `audit`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::finding::Severity;
use crate::report::Format;

/// Verify an npm lockfile before anything from it is installed.
///
/// Exit codes: 0 nothing fails the policy; 1 a finding fails the policy;
/// 2 usage, configuration, input or internal error.
#[derive(Debug, Parser)]
#[command(name = "lockproof", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do (default: audit).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the default `audit` command.
    #[command(flatten)]
    pub audit: AuditArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit lockfiles and report findings (the default command).
    Audit(AuditArgs),
    /// Print the documentation of a finding code.
    Explain(ExplainArgs),
}

/// Arguments of `lockproof audit`.
#[derive(Debug, Args, Default)]
pub struct AuditArgs {
    /// Lockfiles, or folders holding one (npm-shrinkwrap.json wins over
    /// package-lock.json, as in npm). Default: the current folder.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Report format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Option<Format>,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Lowest severity that fails the run [default: high, or fail-on in
    /// lockproof.toml].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,

    /// Configuration file [default: lockproof.toml beside each lockfile].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Use no network. This version runs offline lockfile checks only, so
    /// the flag changes nothing yet; the report says what was not checked.
    #[arg(long)]
    pub offline: bool,

    /// Print nothing on standard output; the exit code is the verdict
    /// (a report is still written to --output).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `lockproof explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The finding code, e.g. `tarball-name-mismatch`.
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,

    /// List every finding code with its severity and summary.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::from_name(&s.to_ascii_lowercase())
        .ok_or_else(|| "expected critical, high, medium, low or info".to_string())
}
