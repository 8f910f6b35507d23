//! The terminal table: findings, then the summary a person reads first.

use std::fmt::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};

use super::escape::text;
use super::{RenderOptions, Report, listed_changes};
use crate::finding::Severity;
use crate::policy::Judged;

fn colour(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
        Severity::Info => Color::Grey,
    }
}

/// `name@version` of a finding's package (escaped), or `-`.
pub(super) fn package_label(f: &Judged) -> String {
    f.finding.package.as_ref().map_or_else(
        || "-".to_string(),
        |p| match &p.version {
            Some(v) => format!("{}@{}", p.name, v),
            None => p.name.clone(),
        },
    )
}

pub(super) fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut out = String::new();
    for l in &report.lockfiles {
        let _ = writeln!(
            out,
            "{} (lockfileVersion {}, {} entries, fail-on {})",
            text(&l.path),
            l.lockfile_version,
            l.entries,
            l.fail_on
        );
    }
    out.push('\n');
    if report.findings.is_empty() {
        out.push_str("No findings.\n");
    } else {
        let mut table = new_table(opts);
        table.set_header(["Severity", "Code", "Package", "Location", "Message"]);
        for f in &report.findings {
            let sev = f.finding.severity;
            let mut sev_cell = Cell::new(if f.fails {
                sev.to_string()
            } else {
                format!("{sev} (pass)")
            });
            if opts.color {
                sev_cell = sev_cell.fg(colour(sev));
            }
            table.add_row(vec![
                sev_cell,
                Cell::new(f.finding.code),
                Cell::new(text(&package_label(f))),
                Cell::new(format!(
                    "{}:{}",
                    text(&f.finding.location.file),
                    f.finding.location.line
                )),
                Cell::new(text(&f.finding.message)),
            ]);
        }
        let _ = writeln!(out, "{table}");
    }
    out.push('\n');
    changes(&mut out, report, opts);
    let _ = writeln!(out, "Entries: {}", report.source_line());
    let _ = writeln!(out, "Evidence: {}", report.evidence_line());
    if let Some(line) = report.tarball_line() {
        let _ = writeln!(out, "Tarballs: {line}");
    }
    for l in &report.lockfiles {
        for u in &l.unverifiable {
            let _ = writeln!(
                out,
                "Not independently verifiable: {} {} ({})",
                u.count, u.kind, u.reason
            );
        }
    }
    if !report.ignored.is_empty() {
        let _ = writeln!(out, "Ignored by policy: {}", report.ignored.len());
        for i in &report.ignored {
            // The location names the lockfile: with several, the package
            // name alone does not say which file the ignore applied to.
            let _ = writeln!(
                out,
                "  {} {} ({}:{}): {}",
                i.finding.code,
                text(i.finding.package.as_ref().map_or("-", |p| p.name.as_str())),
                text(&i.finding.location.file),
                i.finding.location.line,
                text(&i.reason)
            );
        }
    }
    if !report.suppressed.is_empty() {
        let list: Vec<String> = report
            .suppressed_by_name()
            .iter()
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
        let _ = writeln!(out, "Allowed by policy (not shown): {}", list.join(", "));
    }
    for n in &report.policy_notes {
        let _ = writeln!(
            out,
            "Policy: {}:{}: {}",
            text(n.file.as_deref().unwrap_or("config")),
            n.line,
            text(&n.message)
        );
    }
    // Notes quote lockfile paths, which a pull request can choose.
    for n in &report.notes {
        let _ = writeln!(out, "Note: {}", text(n));
    }
    let _ = writeln!(out, "Result: {}", report.headline_with_diff(text));
    out
}

/// Diff mode: per lockfile, the entries added or changed and what changed.
fn changes(out: &mut String, report: &Report, opts: &RenderOptions) {
    for l in &report.lockfiles {
        let Some(d) = &l.diff else { continue };
        if d.changes.is_empty() {
            let _ = writeln!(
                out,
                "No entries added or changed in {} against {}.\n",
                text(&l.path),
                text(&d.base)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "Added or changed in {} against {} ({}):",
            text(&l.path),
            text(&d.base),
            d.changes.len()
        );
        let mut table = new_table(opts);
        table.set_header(["Change", "Package", "Path", "Details"]);
        let (listed, rest) = listed_changes(&d.changes);
        for c in listed {
            let kinds: Vec<&str> = c.kinds.iter().map(|k| k.as_str()).collect();
            let mut kind_cell = Cell::new(if kinds.is_empty() {
                "-".to_string()
            } else {
                kinds.join(", ")
            });
            if opts.color && c.suspicious {
                kind_cell = kind_cell.fg(Color::Red);
            }
            let package = match &c.version {
                Some(v) => format!("{}@{}", c.name, v),
                None => c.name.clone(),
            };
            table.add_row(vec![
                kind_cell,
                Cell::new(text(&package)),
                Cell::new(text(&c.path)),
                Cell::new(text(&c.details.join("; "))),
            ]);
        }
        let _ = writeln!(out, "{table}");
        if rest > 0 {
            let _ = writeln!(out, "... and {rest} more (--format json lists them all)");
        }
        out.push('\n');
    }
}

/// A table in the report's style: coloured and fitted to the terminal only
/// when colour is on, plain otherwise (so snapshots and pipes are stable).
fn new_table(opts: &RenderOptions) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    if opts.color {
        table.enforce_styling();
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.force_no_tty();
    }
    table
}
