//! Extra report files (`audit --write FORMAT=FILE`, repeatable): one audit
//! rendered in several formats at once.
//!
//! CI wants annotations on standard output, a SARIF file for code scanning,
//! Markdown for the job summary and JSON for its own outputs, all from the
//! same run: running lockproof once per format would ask the registry again
//! (or read a cache that may have moved on) and could disagree with itself.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::ValueEnum;

use super::{Format, RenderOptions, Report, render};

/// One `--write FORMAT=FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraReport {
    /// The format to render.
    pub format: Format,
    /// Where to write it.
    pub path: PathBuf,
}

/// Parses `FORMAT=FILE` (clap value parser). The format is split at the
/// first `=`, so the file name may hold more.
pub fn parse(value: &str) -> Result<ExtraReport, String> {
    let Some((format, path)) = value.split_once('=') else {
        return Err("expected FORMAT=FILE, e.g. sarif=lockproof.sarif".to_string());
    };
    let format = Format::from_str(format, true).map_err(|_| {
        format!("unknown format {format:?}: expected table, json, sarif, markdown or github")
    })?;
    if path.is_empty() {
        return Err("the file name after `=` is empty".to_string());
    }
    Ok(ExtraReport {
        format,
        path: PathBuf::from(path),
    })
}

/// Writes `report` once per extra report, without colour.
pub fn write_all(report: &Report, extra: &[ExtraReport]) -> Result<()> {
    for e in extra {
        write(&e.path, &render(report, e.format, RenderOptions::default()))?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text)
        .with_context(|| format!("{}: cannot write the report", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_format_and_file() {
        assert_eq!(
            parse("sarif=out/lockproof.sarif"),
            Ok(ExtraReport {
                format: Format::Sarif,
                path: PathBuf::from("out/lockproof.sarif")
            })
        );
        // Only the first `=` separates: file names may contain one.
        assert_eq!(
            parse("JSON=a=b.json").map(|e| (e.format, e.path)),
            Ok((Format::Json, PathBuf::from("a=b.json")))
        );
    }

    #[test]
    fn refuses_what_is_not_format_equals_file() {
        assert!(parse("sarif").is_err());
        assert!(parse("pdf=x.pdf").is_err());
        assert!(parse("json=").is_err());
    }
}
