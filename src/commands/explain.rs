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
        None => {
            // Columns as wide as their widest cell: codes grow past any
            // fixed width. A severity's Display ignores padding, so it is
            // padded as text.
            let code_width = Code::ALL.iter().map(|c| c.as_str().len()).max();
            let severity_width = Code::ALL
                .iter()
                .map(|c| c.default_severity().to_string().len())
                .max();
            Code::ALL
                .iter()
                .map(|c| {
                    format!(
                        "{:<cw$} {:<sw$} {}\n",
                        c.as_str(),
                        c.default_severity().to_string(),
                        c.description(),
                        cw = code_width.unwrap_or(0),
                        sw = severity_width.unwrap_or(0),
                    )
                })
                .collect()
        }
    };
    write_stdout(&text)?;
    Ok(ExitStatus::Pass)
}
