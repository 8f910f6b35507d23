//! Orchestration: lockfile → checks → policy → report → exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::checks::{self, Context, DEFAULT_ALLOWED_HOSTS};
use crate::cli::{AuditArgs, Cli, Command, ExplainArgs};
use crate::config::{self, Config, Date};
use crate::finding::Code;
use crate::lockfile;
use crate::policy::{self, Policy};
use crate::report::{self, Audited, Format, RenderOptions, Report};

/// Exit code: nothing fails the policy.
pub const EXIT_PASS: u8 = 0;
/// Exit code: a finding fails the policy.
pub const EXIT_FAIL: u8 = 1;

/// Runs the command line; returns the process exit code. Errors (exit 2)
/// are returned for `main` to print.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Some(Command::Audit(args)) => audit(args),
        Some(Command::Explain(args)) => explain(&args),
        None => audit(cli.audit),
    }
}

fn explain(args: &ExplainArgs) -> Result<u8> {
    let text = match &args.code {
        Some(name) => match Code::from_name(name) {
            Some(code) => code.doc().to_string(),
            None => bail!("unknown finding code {name:?}; `lockproof explain --list` lists them"),
        },
        None => Code::ALL
            .iter()
            .map(|c| {
                format!(
                    "{:<24} {:<9} {}\n",
                    c.as_str(),
                    c.default_severity(),
                    c.description()
                )
            })
            .collect(),
    };
    write_stdout(&text)?;
    Ok(EXIT_PASS)
}

/// `./package-lock.json` reads better as `package-lock.json`.
fn tidy(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

fn audit(args: AuditArgs) -> Result<u8> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let explicit = args.config.as_deref().map(config::load).transpose()?;
    let today = Date::today();
    let mut audited = Vec::with_capacity(paths.len());
    for path in &paths {
        let mut lockfile = lockfile::load(path)?;
        lockfile.path = tidy(&lockfile.path);
        let config = match &explicit {
            Some(c) => c.clone(),
            None => match config::find_beside(&lockfile.path) {
                Some(p) => config::load(&p)?,
                None => Config::default(),
            },
        };
        let ctx = Context {
            allowed_hosts: config.allowed_hosts.clone().unwrap_or_else(|| {
                DEFAULT_ALLOWED_HOSTS
                    .iter()
                    .map(|h| h.to_string())
                    .collect()
            }),
        };
        let findings = checks::run(&lockfile, &ctx);
        let policy = Policy::new(&config, args.fail_on, today);
        let outcome = policy::apply(&policy, findings);
        audited.push(Audited {
            lockfile,
            config: config.path.as_ref().map(|p| p.display().to_string()),
            fail_on: policy.fail_on,
            outcome,
        });
    }
    let report = Report::build(audited);
    let format = args.format.unwrap_or(Format::Table);
    let color = format == Format::Table
        && args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let rendered = report::render(&report, format, RenderOptions { color });
    match &args.output {
        Some(file) => std::fs::write(file, rendered)
            .with_context(|| format!("{}: cannot write the report", file.display()))?,
        None if !args.quiet => write_stdout(&rendered)?,
        None => {}
    }
    Ok(if report.passed { EXIT_PASS } else { EXIT_FAIL })
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
