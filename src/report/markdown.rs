//! Markdown for pull request comments and GitHub job summaries: the
//! verdict, findings grouped by code worst first, every finding inside a
//! collapsed `<details>` block, then the summary; never longer than
//! [`MAX_BYTES`], cut with a pointer to the JSON report when it would be.

use std::fmt::Write;
use std::path::Path;

use super::escape::{markdown as md, markdown_code as code};
use super::groups::{EXAMPLES, Places, label};
use super::{RenderOptions, Report, listed_changes, paths};
use crate::policy::Judged;

/// The longest report, in bytes. GitHub refuses a comment over 65,536
/// characters (a byte count never undercounts them) and a job summary
/// over 1 MiB; the margin leaves room for what a workflow adds around the
/// report (a marker comment, a warning).
pub(super) const MAX_BYTES: usize = 60_000;

/// Room kept for the note that says what was cut.
const NOTE_ROOM: usize = 400;

/// The header of a table of findings.
fn findings_header(places: Places) -> String {
    format!(
        "| Severity | Code | Package | {} | Message |\n|---|---|---|---|---|\n",
        places.header()
    )
}

/// The full list of findings: one table row each, between `open` and
/// `close`, cut first when the report is too long.
struct List {
    open: String,
    rows: Vec<String>,
    close: &'static str,
}

pub(super) fn render(report: &Report, opts: &RenderOptions) -> String {
    let base = opts.working_folder.as_deref();
    let mut head = String::new();
    let icon = if report.passed { "✅" } else { "❌" };
    let _ = writeln!(head, "## {icon} lockproof\n");
    let _ = writeln!(head, "**{}**\n", report.headline_with_diff(code));
    head.push_str("| Lockfile | Format | Entries | Fail on |\n|---|---|---:|---|\n");
    for l in &report.lockfiles {
        let _ = writeln!(
            head,
            "| {} | {} | {} | {} |",
            code(&paths::shown(&l.path, base)),
            l.lockfile_version,
            l.entries,
            l.fail_on
        );
    }
    head.push('\n');
    let mut list = None;
    if !report.findings.is_empty() {
        head.push_str("### Findings\n\n");
        let places = Places::of(report, base);
        let rows = || report.findings.iter().map(|f| row(f, places)).collect();
        if opts.verbose {
            list = Some(List {
                open: findings_header(places),
                rows: rows(),
                close: "\n",
            });
        } else if grouped(&mut head, report, places) {
            list = Some(List {
                open: format!(
                    "<details><summary>Every finding ({})</summary>\n\n{}",
                    report.findings.len(),
                    findings_header(places)
                ),
                rows: rows(),
                close: "\n</details>\n\n",
            });
        }
    }
    assemble(head, list, &tail(report, base))
}

/// One row of the full list.
fn row(f: &Judged, places: Places) -> String {
    let verdict = if f.fails { "" } else { " (pass)" };
    format!(
        "| {}{verdict} | `{}` | {} | {} | {} |\n",
        f.finding.severity,
        f.finding.code,
        code(&label(&f.finding)),
        code(&places.show(std::iter::once(&f.finding))),
        md(&f.finding.message)
    )
}

/// The grouped table: every finding of a small group, one row with the
/// count and examples for a large one. Whether any group was collapsed
/// (so the full list must follow).
fn grouped(out: &mut String, report: &Report, places: Places) -> bool {
    out.push_str(&findings_header(places));
    let groups = report.groups();
    for g in &groups {
        if !g.collapsed() {
            for f in &g.findings {
                out.push_str(&row(f, places));
            }
            continue;
        }
        let verdict = if g.fails { "" } else { " (pass)" };
        let examples: Vec<String> = g.examples().map(|f| code(&label(f))).collect();
        let message = match g.common_message() {
            Some(m) => md(m),
            None => g
                .examples()
                .next()
                .map_or_else(String::new, |f| format!("e.g. {}", md(&f.message))),
        };
        let _ = writeln!(
            out,
            "| {}{verdict} | `{}` | **{}**, e.g. {} | {} | {} |",
            g.severity,
            g.code,
            g.count(),
            examples.join(", "),
            code(&places.show(g.examples())),
            message
        );
    }
    out.push('\n');
    let collapsed = groups.iter().any(|g| g.collapsed());
    if collapsed {
        let _ = writeln!(
            out,
            "*Rows with a count group one code's findings and show {EXAMPLES} of them; \
             every finding is listed below.*\n"
        );
    }
    collapsed
}

/// What follows the findings: changes, evidence, policy, notes.
fn tail(report: &Report, base: Option<&Path>) -> String {
    let mut out = String::new();
    changes(&mut out, report, base);
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
                code(&paths::location(
                    &i.finding.location.file,
                    i.finding.location.line,
                    base
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
        let file = n
            .file
            .as_deref()
            .map_or_else(|| "config".to_string(), |f| paths::shown(f, base));
        let _ = writeln!(
            out,
            "> **Policy:** {}: {}\n",
            code(&format!("{file}:{}", n.line)),
            md(&n.message)
        );
    }
    // Notes quote lockfile paths, which a pull request can choose.
    for n in &report.notes {
        let _ = writeln!(out, "> **Note:** {}\n", md(n));
    }
    out
}

/// `head`, as many rows of `list` as fit in [`MAX_BYTES`] with a note
/// saying how many did not, and `tail`; then [`fit`] in case the rest
/// alone is too long.
fn assemble(head: String, list: Option<List>, tail: &str) -> String {
    let mut out = head;
    if let Some(list) = list {
        let fixed = out.len() + list.open.len() + list.close.len() + tail.len();
        let all: usize = list.rows.iter().map(String::len).sum();
        out.push_str(&list.open);
        if fixed + all <= MAX_BYTES {
            list.rows.iter().for_each(|r| out.push_str(r));
        } else {
            let room = MAX_BYTES.saturating_sub(fixed + NOTE_ROOM);
            let (mut used, mut shown) = (0, 0);
            for r in &list.rows {
                used += r.len();
                if used > room {
                    break;
                }
                out.push_str(r);
                shown += 1;
            }
            let _ = writeln!(
                out,
                "\n*{} more findings are not listed: GitHub limits a comment to 65,536 \
                 characters. `lockproof audit --format json` lists every finding.*",
                list.rows.len() - shown
            );
        }
        out.push_str(list.close);
    }
    out.push_str(tail);
    fit(out)
}

/// `report` if it fits in [`MAX_BYTES`]; else cut at a line end, with every
/// `<details>` block closed and a note saying where the rest is.
fn fit(mut report: String) -> String {
    if report.len() <= MAX_BYTES {
        return report;
    }
    let end = report
        .as_bytes()
        .get(..MAX_BYTES - NOTE_ROOM)
        .and_then(|kept| kept.iter().rposition(|&b| b == b'\n'))
        .unwrap_or(0);
    report.truncate(end);
    // Every `<` of untrusted text is escaped: the only tags are ours.
    let open = report.matches("<details>").count();
    let closed = report.matches("</details>").count();
    report.push_str("\n\n");
    for _ in closed..open {
        report.push_str("</details>\n\n");
    }
    report.push_str(
        "*The report was cut here: GitHub limits a comment to 65,536 characters. \
         `lockproof audit --format json` has all of it.*\n",
    );
    report
}

/// Diff mode: per lockfile, the entries added or changed and what changed.
fn changes(out: &mut String, report: &Report, base: Option<&Path>) {
    for l in &report.lockfiles {
        let Some(d) = &l.diff else { continue };
        let path = code(&paths::shown(&l.path, base));
        if d.changes.is_empty() {
            let _ = writeln!(
                out,
                "No entries added or changed in {path} against {}.\n",
                code(&d.base)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "### Added or changed in {path} against {} ({})\n",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_report_is_cut_at_a_line_end_with_its_blocks_closed() {
        let mut long = "## head\n\n<details><summary>x</summary>\n\n".to_string();
        while long.len() < 2 * MAX_BYTES {
            long.push_str("| a | b |\n");
        }
        let cut = fit(long);
        assert!(cut.len() <= MAX_BYTES, "{}", cut.len());
        assert!(cut.contains("| a | b |\n\n</details>\n\n*The report was cut here"));
        assert!(cut.ends_with("has all of it.*\n"));
    }

    #[test]
    fn a_short_report_is_left_alone() {
        assert_eq!(fit("# ok\n".to_string()), "# ok\n");
    }

    #[test]
    fn the_list_gives_way_before_the_rest() {
        let list = List {
            open: "<details>\n\n".to_string(),
            rows: vec!["| row |\n".to_string(); MAX_BYTES / 8],
            close: "\n</details>\n\n",
        };
        let out = assemble("# head\n\n".to_string(), Some(list), "**tail**\n");
        assert!(out.len() <= MAX_BYTES, "{}", out.len());
        assert!(out.starts_with("# head\n\n<details>\n\n| row |\n"));
        assert!(
            out.ends_with("every finding.*\n\n</details>\n\n**tail**\n"),
            "{out}"
        );
        let listed = out.matches("| row |").count();
        assert!(out.contains(&format!("*{} more findings", MAX_BYTES / 8 - listed)));
    }
}
