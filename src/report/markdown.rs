//! Markdown for pull request comments and GitHub job summaries.

use std::fmt::Write;

use super::escape::{markdown as md, markdown_code as code};
use super::table::package_label;
use super::{Report, listed_changes};

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let icon = if report.passed { "✅" } else { "❌" };
    let _ = writeln!(out, "## {icon} lockproof\n");
    let _ = writeln!(out, "**{}**\n", report.headline_with_diff(code));
    out.push_str("| Lockfile | Format | Entries | Fail on |\n|---|---|---:|---|\n");
    for l in &report.lockfiles {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            code(&l.path),
            l.lockfile_version,
            l.entries,
            l.fail_on
        );
    }
    out.push('\n');
    if !report.findings.is_empty() {
        out.push_str("### Findings\n\n");
        out.push_str("| Severity | Code | Package | Location | Message |\n|---|---|---|---|---|\n");
        for f in &report.findings {
            let verdict = if f.fails { "" } else { " (pass)" };
            let _ = writeln!(
                out,
                "| {}{verdict} | `{}` | {} | {} | {} |",
                f.finding.severity,
                f.finding.code,
                code(&package_label(f)),
                code(&format!(
                    "{}:{}",
                    f.finding.location.file, f.finding.location.line
                )),
                md(&f.finding.message)
            );
        }
        out.push('\n');
    }
    changes(&mut out, report);
    let _ = writeln!(out, "**Entries:** {}\n", report.source_line());
    let _ = writeln!(out, "**Evidence:** {}\n", report.evidence_line());
    if let Some(line) = report.tarball_line() {
        let _ = writeln!(out, "**Tarballs:** {}\n", md(&line));
    }
    let unverifiable: Vec<String> = report
        .lockfiles
        .iter()
        .flat_map(|l| &l.unverifiable)
        .map(|u| format!("{} {} ({})", u.count, u.kind, u.reason))
        .collect();
    if !unverifiable.is_empty() {
        let _ = writeln!(
            out,
            "**Not independently verifiable:** {}\n",
            unverifiable.join("; ")
        );
    }
    if !report.ignored.is_empty() {
        out.push_str("<details><summary>Ignored by policy</summary>\n\n");
        out.push_str("| Code | Package | Location | Reason |\n|---|---|---|---|\n");
        for i in &report.ignored {
            let name = i.finding.package.as_ref().map_or("-", |p| p.name.as_str());
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                i.finding.code,
                md(name),
                code(&format!(
                    "{}:{}",
                    i.finding.location.file, i.finding.location.line
                )),
                md(&i.reason)
            );
        }
        out.push_str("\n</details>\n\n");
    }
    if !report.suppressed.is_empty() {
        let list: Vec<String> = report
            .suppressed_by_name()
            .iter()
            .map(|(c, n)| format!("{n} `{c}`"))
            .collect();
        let _ = writeln!(
            out,
            "**Allowed by policy (not shown):** {}\n",
            list.join(", ")
        );
    }
    for n in &report.policy_notes {
        let _ = writeln!(
            out,
            "> **Policy:** {}: {}\n",
            code(&format!(
                "{}:{}",
                n.file.as_deref().unwrap_or("config"),
                n.line
            )),
            md(&n.message)
        );
    }
    // Notes quote lockfile paths, which a pull request can choose.
    for n in &report.notes {
        let _ = writeln!(out, "> **Note:** {}\n", md(n));
    }
    out
}

/// Diff mode: per lockfile, the entries added or changed and what changed.
fn changes(out: &mut String, report: &Report) {
    for l in &report.lockfiles {
        let Some(d) = &l.diff else { continue };
        if d.changes.is_empty() {
            let _ = writeln!(
                out,
                "No entries added or changed in {} against {}.\n",
                code(&l.path),
                code(&d.base)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "### Added or changed in {} against {} ({})\n",
            code(&l.path),
            code(&d.base),
            d.changes.len()
        );
        out.push_str("| Change | Package | Path | Details |\n|---|---|---|---|\n");
        let (listed, rest) = listed_changes(&d.changes);
        for c in listed {
            let kinds: Vec<String> = c
                .kinds
                .iter()
                .map(|k| format!("`{}`", k.as_str()))
                .collect();
            let package = match &c.version {
                Some(v) => format!("{}@{}", c.name, v),
                None => c.name.clone(),
            };
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} |",
                if c.suspicious {
                    "\u{26a0}\u{fe0f} "
                } else {
                    ""
                },
                if kinds.is_empty() {
                    "-".to_string()
                } else {
                    kinds.join(", ")
                },
                code(&package),
                code(&c.path),
                md(&c.details.join("; "))
            );
        }
        if rest > 0 {
            let _ = writeln!(
                out,
                "\n... and {rest} more (`--format json` lists them all)"
            );
        }
        out.push('\n');
    }
}
