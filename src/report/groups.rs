//! Findings grouped by code for the formats people read (table, Markdown):
//! a code that fires on a thousand entries is one row with the count and a
//! few examples, so the one critical finding among them stays in view.
//! `--verbose`, JSON and SARIF list every finding.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::Path;

use super::Report;
use super::paths;
use crate::finding::{Code, Finding, Severity};
use crate::policy::{IgnoredFinding, Judged};

/// A group of at most this many findings is listed finding by finding;
/// a larger one is collapsed into one row.
pub(super) const LISTED_PER_GROUP: usize = 5;

/// How many findings a collapsed row names.
pub(super) const EXAMPLES: usize = 3;

/// The reported findings of one code with one severity and one verdict,
/// in report order.
pub(super) struct Group<'a> {
    /// Their code.
    pub code: Code,
    /// Their severity.
    pub severity: Severity,
    /// Whether they fail the run.
    pub fails: bool,
    /// The findings, at least one.
    pub findings: Vec<&'a Judged>,
}

impl Group<'_> {
    /// Whether the group is shown as one row with examples.
    pub fn collapsed(&self) -> bool {
        self.findings.len() > LISTED_PER_GROUP
    }

    /// The findings a collapsed row names.
    pub fn examples(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().take(EXAMPLES).map(|j| &j.finding)
    }

    /// `1355 entries`, or `3 findings` when some are about the whole file.
    pub fn count(&self) -> String {
        count(self.findings.iter().map(|j| &j.finding))
    }

    /// The message all the findings share, if they share one.
    pub fn common_message(&self) -> Option<&str> {
        common_message(self.findings.iter().map(|j| &j.finding))
    }
}

/// Policy's ignores of one code for one reason, in report order.
pub(super) struct IgnoredGroup<'a> {
    /// Their code.
    pub code: Code,
    /// The ignore's reason.
    pub reason: &'a str,
    /// The findings ignored, at least one.
    pub findings: Vec<&'a IgnoredFinding>,
}

impl IgnoredGroup<'_> {
    /// Whether the group is shown as one line with examples.
    pub fn collapsed(&self) -> bool {
        self.findings.len() > LISTED_PER_GROUP
    }

    /// The findings a collapsed line names.
    pub fn examples(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().take(EXAMPLES).map(|i| &i.finding)
    }

    /// `12 entries`, as [`Group::count`].
    pub fn count(&self) -> String {
        count(self.findings.iter().map(|i| &i.finding))
    }
}

impl Report {
    /// The reported findings grouped by code, severity and verdict: most
    /// severe first, failing before passing, then in the order each group
    /// first appears in the report (by file and line).
    pub(super) fn groups(&self) -> Vec<Group<'_>> {
        group(&self.findings)
    }

    /// The ignored findings grouped by code and reason, in report order.
    pub(super) fn ignored_groups(&self) -> Vec<IgnoredGroup<'_>> {
        by_key(&self.ignored, |i| (i.finding.code, i.reason.as_str()))
            .into_iter()
            .map(|((code, reason), findings)| IgnoredGroup {
                code,
                reason,
                findings,
            })
            .collect()
    }
}

fn group(findings: &[Judged]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> =
        by_key(findings, |j| (j.finding.code, j.finding.severity, j.fails))
            .into_iter()
            .map(|((code, severity, fails), findings)| Group {
                code,
                severity,
                fails,
                findings,
            })
            .collect();
    // Stable: groups of equal rank keep their order of appearance.
    groups.sort_by_key(|g| (std::cmp::Reverse(g.severity), !g.fails));
    groups
}

/// How the formats people read show where findings are: with one
/// lockfile, named above the findings, by line only; with several, as
/// `file:line` (the file relative to `base`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Places<'a> {
    /// Where paths are shown relative to.
    pub base: Option<&'a Path>,
    /// The report has one lockfile.
    pub one_file: bool,
}

impl<'a> Places<'a> {
    /// The places of `report`'s findings.
    pub fn of(report: &Report, base: Option<&'a Path>) -> Self {
        Self {
            base,
            one_file: report.lockfiles.len() == 1,
        }
    }

    /// The column's header.
    pub fn header(self) -> &'static str {
        if self.one_file { "Line" } else { "Location" }
    }

    /// Where `findings` are, as `5, 9, 13` or `file:5, 9, other:7`.
    pub fn show<'f>(self, findings: impl Iterator<Item = &'f Finding>) -> String {
        if self.one_file {
            let lines: Vec<String> = findings.map(|f| f.location.line.to_string()).collect();
            lines.join(", ")
        } else {
            locations(findings, self.base)
        }
    }
}

/// The locations of `findings` as `file:5, 9, 13`: a file is named once
/// for its consecutive lines ([`paths::shown`] relative to `base`).
pub(super) fn locations<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    base: Option<&Path>,
) -> String {
    let mut out = String::new();
    let mut last: Option<&str> = None;
    for f in findings {
        if !out.is_empty() {
            out.push_str(", ");
        }
        if last == Some(f.location.file.as_str()) {
            out.push_str(&f.location.line.to_string());
        } else {
            out.push_str(&paths::location(&f.location.file, f.location.line, base));
        }
        last = Some(&f.location.file);
    }
    out
}

/// `name@version` of a finding's package, or `-`.
pub(super) fn label(f: &Finding) -> String {
    f.package.as_ref().map_or_else(
        || "-".to_string(),
        |p| match &p.version {
            Some(v) => format!("{}@{}", p.name, v),
            None => p.name.clone(),
        },
    )
}

fn count<'a>(mut findings: impl ExactSizeIterator<Item = &'a Finding>) -> String {
    let n = findings.len();
    let noun = match (n, findings.all(|f| f.package.is_some())) {
        (1, true) => "entry",
        (_, true) => "entries",
        (1, false) => "finding",
        (_, false) => "findings",
    };
    format!("{n} {noun}")
}

fn common_message<'a>(mut findings: impl Iterator<Item = &'a Finding>) -> Option<&'a str> {
    let first = findings.next()?.message.as_str();
    findings.all(|f| f.message == first).then_some(first)
}

/// `items` grouped by `key`, groups and members in order of appearance.
fn by_key<'a, T, K: Eq + Hash + Copy>(
    items: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> Vec<(K, Vec<&'a T>)> {
    let mut index: HashMap<K, usize> = HashMap::new();
    let mut groups: Vec<(K, Vec<&'a T>)> = Vec::new();
    for item in items {
        let k = key(item);
        let i = *index.entry(k).or_insert_with(|| {
            groups.push((k, Vec::new()));
            groups.len() - 1
        });
        if let Some((_, members)) = groups.get_mut(i) {
            members.push(item);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, PackageRef};

    fn judged(code: Code, severity: Severity, fails: bool, line: u32) -> Judged {
        Judged {
            finding: Finding {
                code,
                severity,
                package: Some(PackageRef {
                    name: format!("p{line}"),
                    version: Some("1.0.0".into()),
                    path: format!("node_modules/p{line}"),
                }),
                message: "same".into(),
                location: Location {
                    file: "/w/package-lock.json".into(),
                    line,
                },
                advisory: None,
            },
            level: None,
            fails,
        }
    }

    #[test]
    fn groups_are_worst_first_then_failing_then_in_order_of_appearance() {
        let findings = vec![
            judged(Code::IntegrityMissing, Severity::High, true, 3),
            judged(Code::InsecureUrl, Severity::High, true, 4),
            judged(Code::IntegrityMissing, Severity::High, true, 5),
            judged(Code::GitSource, Severity::High, false, 6),
            judged(Code::TarballNameMismatch, Severity::Critical, true, 9),
        ];
        let ranked = group(&findings);
        let order: Vec<Code> = ranked.iter().map(|g| g.code).collect();
        assert_eq!(
            order,
            [
                Code::TarballNameMismatch,
                Code::IntegrityMissing,
                Code::InsecureUrl,
                Code::GitSource
            ]
        );
        assert_eq!(ranked[1].count(), "2 entries");
        assert_eq!(ranked[1].common_message(), Some("same"));
        assert!(!ranked[1].collapsed());
    }

    #[test]
    fn locations_name_a_file_once_for_its_lines() {
        let a = judged(Code::IntegrityMissing, Severity::High, true, 5).finding;
        let b = judged(Code::IntegrityMissing, Severity::High, true, 9).finding;
        let mut c = b.clone();
        c.location.file = "/w/other/package-lock.json".into();
        assert_eq!(
            locations([&a, &b, &c].into_iter(), Some(Path::new("/w"))),
            "package-lock.json:5, 9, other/package-lock.json:9"
        );
    }
}
