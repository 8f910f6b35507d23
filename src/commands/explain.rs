//! `lockproof explain`: the documentation page of a finding code, or the
//! list of every code with its severity and summary.

use anyhow::{Result, bail};

use super::{ExitStatus, write_stdout};
use crate::cli::ExplainArgs;
use crate::finding::Code;

/// Runs the command.
pub(super) fn run(args: &ExplainArgs) -> Result<ExitStatus> {
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
    Ok(ExitStatus::Pass)
}
