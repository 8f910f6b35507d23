//! GitHub Actions workflow commands: one annotation per finding on its
//! lockfile line, and one per policy note on the config line.

use std::fmt::Write;

use super::Report;
use super::escape::{workflow_message, workflow_property};
use super::table::package_label;
use crate::finding::Severity;

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = if f.fails {
            "error"
        } else if f.finding.severity >= Severity::Medium {
            "warning"
        } else {
            "notice"
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},title={}::{} ({}): {}",
            workflow_property(&f.finding.location.file),
            f.finding.location.line,
            workflow_property(&format!(
                "lockproof {} ({})",
                f.finding.code, f.finding.severity
            )),
            workflow_message(&package_label(f)),
            f.finding.code,
            workflow_message(&f.finding.message)
        );
    }
    for n in &report.policy_notes {
        let _ = writeln!(
            out,
            "::warning file={},line={},title=lockproof policy::{}",
            workflow_property(n.file.as_deref().unwrap_or("lockproof.toml")),
            n.line,
            workflow_message(&n.message)
        );
    }
    let headline = report.headline_with_diff(|b| b.to_string());
    let _ = writeln!(out, "lockproof: {}", workflow_message(&headline));
    out
}
