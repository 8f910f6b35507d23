//! The terminal table. By default: the verdict first, then findings grouped
//! by code, worst first (a code with many findings is one row with the
//! count and examples), then the summary, every line fitted to the width
//! and lockfile paths relative to the current folder. `--verbose`: every
//! finding on its own row, exactly as lockproof printed it before grouping.

use std::fmt::Write;
use std::path::Path;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table};

use super::escape::text;
use super::groups::{self, EXAMPLES, Places, label};
use super::wrap::wrap;
use super::{RenderOptions, Report, listed_changes, paths};
use crate::finding::{Finding, Severity};

fn colour(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
        Severity::Info => Color::Grey,
    }
}

/// How the two forms differ in layout.
struct Style<'a> {
    color: bool,
    /// The width every line and table fits in; `None` (verbose): lines as
    /// they come, tables fitted only on a terminal, as before grouping.
    fit: Option<usize>,
    /// Where paths are shown relative to; `None`: as named.
    base: Option<&'a Path>,
    /// Only for a verbose table on a terminal.
    terminal_width: usize,
}

impl Style<'_> {
    /// One line of text (already escaped), wrapped to the width.
    fn line(&self, out: &mut String, line: &str) {
        match self.fit {
            Some(width) => out.push_str(&wrap(line, width, 2)),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }

    /// A lockfile path as shown (not yet escaped).
    fn path(&self, path: &str) -> String {
        paths::shown(path, self.base)
    }

    /// A finding's `file:line` (not yet escaped).
    fn location(&self, f: &Finding) -> String {
        paths::location(&f.location.file, f.location.line, self.base)
    }

    /// A table in the report's style: coloured only with colour, so pipes
    /// and snapshots are stable.
    fn table(&self) -> Table {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        if self.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        match self.fit {
            Some(width) => {
                table.set_width(u16::try_from(width).unwrap_or(u16::MAX));
                table.set_content_arrangement(ContentArrangement::Dynamic);
            }
            None if self.color => {
                table.set_width(u16::try_from(self.terminal_width).unwrap_or(u16::MAX));
                table.set_content_arrangement(ContentArrangement::Dynamic);
            }
            None => {}
        }
        table
    }

    fn severity(&self, severity: Severity, fails: bool) -> Cell {
        let cell = Cell::new(if fails {
            severity.to_string()
        } else {
            format!("{severity} (pass)")
        });
        if self.color {
            cell.fg(colour(severity))
        } else {
            cell
        }
    }
}

pub(super) fn render(report: &Report, opts: &RenderOptions) -> String {
    let style = Style {
        color: opts.color,
        fit: (!opts.verbose).then_some(opts.width),
        base: if opts.verbose {
            None
        } else {
            opts.working_folder.as_deref()
        },
        terminal_width: opts.width,
    };
    let mut out = String::new();
    if !opts.verbose {
        style.line(&mut out, &report.headline_with_diff(text));
    }
    for l in &report.lockfiles {
        style.line(
            &mut out,
            &format!(
                "{} (lockfileVersion {}, {}, fail-on {})",
                text(&style.path(&l.path)),
                l.lockfile_version,
                super::entries(l.entries),
                l.fail_on
            ),
        );
    }
    out.push('\n');
    if report.findings.is_empty() {
        out.push_str("No findings.\n");
    } else if opts.verbose {
        every_finding(&mut out, report, &style);
    } else {
        grouped(&mut out, report, &style);
    }
    out.push('\n');
    changes(&mut out, report, &style);
    style.line(&mut out, &format!("Entries: {}", report.source_line()));
    style.line(&mut out, &format!("Evidence: {}", report.evidence_line()));
    if let Some(line) = report.tarball_line() {
        style.line(&mut out, &format!("Tarballs: {line}"));
    }
    for l in &report.lockfiles {
        for u in &l.unverifiable {
            style.line(
                &mut out,
                &format!(
                    "Not independently verifiable: {} {} ({})",
                    u.count, u.kind, u.reason
                ),
            );
        }
    }
    if !report.ignored.is_empty() {
        style.line(
            &mut out,
            &format!("Ignored by policy: {}", report.ignored.len()),
        );
        ignored(&mut out, report, &style, opts.verbose);
    }
    if !report.suppressed.is_empty() {
        let list: Vec<String> = report
            .suppressed_by_name()
            .iter()
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
        style.line(
            &mut out,
            &format!("Allowed by policy (not shown): {}", list.join(", ")),
        );
    }
    for n in &report.policy_notes {
        let file = n
            .file
            .as_deref()
            .map_or_else(|| "config".to_string(), |f| style.path(f));
        style.line(
            &mut out,
            &format!("Policy: {}:{}: {}", text(&file), n.line, text(&n.message)),
        );
    }
    // Notes quote lockfile paths, which a pull request can choose.
    for n in &report.notes {
        style.line(&mut out, &format!("Note: {}", text(n)));
    }
    style.line(
        &mut out,
        &format!("Result: {}", report.headline_with_diff(text)),
    );
    out
}

/// `--verbose`: one row per finding, in report order.
fn every_finding(out: &mut String, report: &Report, style: &Style) {
    let mut table = style.table();
    table.set_header(["Severity", "Code", "Package", "Location", "Message"]);
    for f in &report.findings {
        table.add_row(vec![
            style.severity(f.finding.severity, f.fails),
            Cell::new(f.finding.code),
            Cell::new(text(&label(&f.finding))),
            Cell::new(text(&style.location(&f.finding))),
            Cell::new(text(&f.finding.message)),
        ]);
    }
    let _ = writeln!(out, "{table}");
}

/// One row per finding of a small group, one row with the count and
/// [`EXAMPLES`] examples for a large one; groups worst first. With one
/// lockfile, named above the table, a location is its line.
fn grouped(out: &mut String, report: &Report, style: &Style) {
    let places = Places::of(report, style.base);
    let mut table = style.table();
    table.set_header(["Severity", "Code", "Package", places.header(), "Message"]);
    let groups = report.groups();
    for g in &groups {
        if !g.collapsed() {
            for f in &g.findings {
                table.add_row(vec![
                    style.severity(g.severity, g.fails),
                    Cell::new(g.code),
                    Cell::new(text(&label(&f.finding))),
                    Cell::new(text(&places.show(std::iter::once(&f.finding)))),
                    Cell::new(text(&f.finding.message)),
                ]);
            }
            continue;
        }
        // One example a line, beside its line number when the lockfile is
        // named above, so the package column stays narrow.
        let examples: Vec<String> = g.examples().map(|f| text(&label(f))).collect();
        let places = if places.one_file {
            let lines: Vec<String> = g.examples().map(|f| f.location.line.to_string()).collect();
            format!("\n{}", lines.join("\n"))
        } else {
            text(&places.show(g.examples()))
        };
        let message = match g.common_message() {
            Some(m) => text(m),
            None => g
                .examples()
                .next()
                .map_or_else(String::new, |f| format!("e.g. {}", text(&f.message))),
        };
        table.add_row(vec![
            style.severity(g.severity, g.fails),
            Cell::new(g.code),
            Cell::new(format!("{}, e.g.\n{}", g.count(), examples.join("\n"))),
            Cell::new(places),
            Cell::new(message),
        ]);
    }
    if let Some(width) = style.fit {
        // Line numbers are short; a location with its path may wrap.
        let whole: &[usize] = if places.one_file { &[0, 1, 3] } else { &[0, 1] };
        keep_whole(&mut table, whole, width);
    }
    let _ = writeln!(out, "{table}");
    if groups.iter().any(|g| g.collapsed()) {
        style.line(
            out,
            &format!(
                "Rows with a count group one code's findings and show {EXAMPLES} of them; \
                 --verbose or --format json lists all {} findings.",
                report.findings.len()
            ),
        );
    }
}

/// Keeps `columns` (severities, codes, lines: words a reader scans for)
/// from wrapping when the other columns still get at least
/// [`MIN_WRAPPED`] each; on a narrow terminal every column wraps.
fn keep_whole(table: &mut Table, columns: &[usize], width: usize) {
    let widths = table.column_max_content_widths();
    // Each column takes a border and two spaces of padding; the table one
    // more border.
    let fixed: usize = columns
        .iter()
        .filter_map(|&i| widths.get(i))
        .map(|&w| usize::from(w) + 3)
        .sum();
    let others = widths.len().saturating_sub(columns.len());
    if fixed + 1 + others * (MIN_WRAPPED + 3) > width {
        return;
    }
    for &i in columns {
        if let Some(column) = table.column_mut(i) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
}

/// The narrowest a wrapped column may get for [`keep_whole`] to apply.
const MIN_WRAPPED: usize = 16;

/// The findings ignored by policy, with the ignore's reason; grouped by
/// code and reason unless verbose.
fn ignored(out: &mut String, report: &Report, style: &Style, verbose: bool) {
    // The location names the lockfile: with several, the package name
    // alone does not say which file the ignore applied to.
    let one = |out: &mut String, f: &Finding, reason: &str| {
        style.line(
            out,
            &format!(
                "  {} {} ({}): {}",
                f.code,
                text(f.package.as_ref().map_or("-", |p| p.name.as_str())),
                text(&style.location(f)),
                text(reason)
            ),
        );
    };
    if verbose {
        for i in &report.ignored {
            one(out, &i.finding, &i.reason);
        }
        return;
    }
    for g in report.ignored_groups() {
        if !g.collapsed() {
            for i in &g.findings {
                one(out, &i.finding, g.reason);
            }
            continue;
        }
        let names: Vec<String> = g
            .examples()
            .map(|f| text(f.package.as_ref().map_or("-", |p| p.name.as_str())))
            .collect();
        style.line(
            out,
            &format!(
                "  {}: {}, e.g. {} ({}): {}",
                g.code,
                g.count(),
                names.join(", "),
                text(&groups::locations(g.examples(), style.base)),
                text(g.reason)
            ),
        );
    }
}

/// Diff mode: per lockfile, the entries added or changed and what changed.
fn changes(out: &mut String, report: &Report, style: &Style) {
    for l in &report.lockfiles {
        let Some(d) = &l.diff else { continue };
        let path = text(&style.path(&l.path));
        if d.changes.is_empty() {
            style.line(
                out,
                &format!(
                    "No entries added or changed in {path} against {}.",
                    text(&d.base)
                ),
            );
            out.push('\n');
            continue;
        }
        style.line(
            out,
            &format!(
                "Added or changed in {path} against {} ({}):",
                text(&d.base),
                d.changes.len()
            ),
        );
        let mut table = style.table();
        table.set_header(["Change", "Package", "Path", "Details"]);
        let (listed, rest) = listed_changes(&d.changes);
        for c in listed {
            let kinds: Vec<&str> = c.kinds.iter().map(|k| k.as_str()).collect();
            let mut kind_cell = Cell::new(if kinds.is_empty() {
                "-".to_string()
            } else {
                kinds.join(", ")
            });
            if style.color && c.suspicious {
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
            style.line(
                out,
                &format!("... and {rest} more (--format json lists them all)"),
            );
        }
        out.push('\n');
    }
}
