//! Merging the records that matched one entry into advisories: records that
//! share an id or an alias, directly or through others, are one advisory
//! (a GHSA, its CVE and a MAL record listing the same aliases).
//!
//! The merge depends only on the set of records, never on the order they
//! came in: groups are the connected components of the id/alias graph, and
//! within a group records are ranked `MAL-` first (so a malware advisory is
//! named by its malware record), then `GHSA-` (GitHub's reviewed data),
//! then any other id, each by id. The first record gives the advisory's id
//! and summary; the rest of the ids become aliases. Severity follows the
//! same precedence as for one record: a GitHub label if any member has one,
//! else the highest CVSS score, else unrated.

use std::collections::BTreeMap;

use serde::Serialize;

use super::matching::{self, parse_version};
use super::osv::{Record, Reference, is_malware_id};
use super::severity::{Rating, UNRATED};
use crate::finding::Severity;

/// One advisory about one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advisory {
    /// The id it is reported under.
    pub id: String,
    /// Every other id of the merged records and their aliases, sorted.
    pub aliases: Vec<String>,
    /// The ids of the records merged into it, in rank order (`id` first).
    pub records: Vec<String>,
    /// One-line summary (untrusted text); may be empty.
    pub summary: String,
    /// Known malware.
    pub malicious: bool,
    /// What its severity rests on.
    pub rating: Rating,
    /// Versions that fix it for this package, in version order.
    pub fixed: Vec<String>,
    /// Links, each once.
    pub references: Vec<Reference>,
    /// `None` when the version is affected; otherwise why lockproof could
    /// not rule it out (a range it could not evaluate).
    pub undecided: Option<String>,
}

impl Advisory {
    /// The finding severity: the rating's, or [`UNRATED`].
    pub fn severity(&self) -> Severity {
        self.rating.severity().unwrap_or(UNRATED)
    }

    /// The id and every alias.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// A record that matched, with `None` when it affects the version and the
/// reason when it could not be ruled out.
pub type Match<'r> = (&'r Record, Option<String>);

/// Merges the records that matched package `name` into advisories, sorted
/// malware first, then by severity (highest first), then by id.
pub fn merge(name: &str, matched: &[Match<'_>]) -> Vec<Advisory> {
    let mut by_id: BTreeMap<&str, &Match<'_>> = BTreeMap::new();
    for m in matched {
        // The same record twice (two sources) counts once; a record that
        // affects the version beats one that is only undecided.
        let slot = by_id.entry(m.0.id.as_str()).or_insert(m);
        if slot.1.is_some() && m.1.is_none() {
            *slot = m;
        }
    }
    let mut groups = Groups::default();
    for (id, (record, _)) in &by_id {
        for alias in &record.aliases {
            groups.join(id, alias);
        }
        groups.find(id);
    }
    let mut members: BTreeMap<String, Vec<&Match<'_>>> = BTreeMap::new();
    for (id, m) in &by_id {
        members.entry(groups.find(id)).or_default().push(m);
    }
    let mut advisories: Vec<Advisory> = members
        .into_values()
        .map(|mut group| {
            group.sort_by(|a, b| rank(&a.0.id).cmp(&rank(&b.0.id)));
            build(name, &group)
        })
        .collect();
    advisories.sort_by(|a, b| {
        b.malicious
            .cmp(&a.malicious)
            .then(b.severity().cmp(&a.severity()))
            .then(a.id.cmp(&b.id))
    });
    advisories
}

fn rank(id: &str) -> (u8, &str) {
    let class = if is_malware_id(id) {
        0
    } else if id.starts_with("GHSA-") {
        1
    } else {
        2
    };
    (class, id)
}

fn build(name: &str, group: &[&Match<'_>]) -> Advisory {
    let records: Vec<String> = group.iter().map(|(r, _)| r.id.clone()).collect();
    let id = records.first().cloned().unwrap_or_default();
    let mut aliases: Vec<String> = group
        .iter()
        .flat_map(|(r, _)| std::iter::once(&r.id).chain(&r.aliases))
        .filter(|a| **a != id)
        .cloned()
        .collect();
    aliases.sort();
    aliases.dedup();
    let summary = group
        .iter()
        .map(|(r, _)| r.summary.as_str())
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .to_string();
    let ratings: Vec<&Rating> = group.iter().map(|(r, _)| rating_for(r, name)).collect();
    let rating = ratings
        .iter()
        .find(|r| matches!(r, Rating::GitHub { .. }))
        .or_else(|| {
            ratings
                .iter()
                .filter(|r| matches!(r, Rating::Cvss { .. }))
                .max_by_key(|r| match r {
                    Rating::Cvss { tenths, .. } => *tenths,
                    _ => 0,
                })
        })
        .or_else(|| ratings.first())
        .map(|r| (*r).clone())
        .unwrap_or(Rating::Unrated {
            reason: "no severity given".into(),
        });
    let mut fixed: Vec<_> = group
        .iter()
        .flat_map(|(r, _)| matching::fixed_versions(r, name))
        .map(|v| (parse_version(&v), v))
        .collect();
    matching::sort_versions(&mut fixed);
    let mut references: Vec<Reference> = Vec::new();
    for reference in group.iter().flat_map(|(r, _)| &r.references) {
        if !references.iter().any(|known| known.url == reference.url) {
            references.push(reference.clone());
        }
    }
    let undecided = if group.iter().any(|(_, why)| why.is_none()) {
        None
    } else {
        group.iter().find_map(|(_, why)| why.clone())
    };
    Advisory {
        id,
        aliases,
        records,
        summary,
        malicious: group.iter().any(|(r, _)| r.malicious),
        rating,
        fixed: fixed.into_iter().map(|(_, v)| v).collect(),
        references,
        undecided,
    }
}

/// The rating of `record` for package `name`: the package's own
/// `affected[].severity` when given (the spec says it replaces the
/// record-wide one), else the record's.
fn rating_for<'r>(record: &'r Record, name: &str) -> &'r Rating {
    record
        .affected
        .iter()
        .filter(|a| a.name == name)
        .find_map(|a| a.rating.as_ref())
        .unwrap_or(&record.rating)
}

/// Union-find over ids; the representative of a group is its smallest id,
/// so the grouping is the same whatever order ids are joined in.
#[derive(Default)]
struct Groups {
    parent: BTreeMap<String, String>,
}

impl Groups {
    fn find(&mut self, id: &str) -> String {
        let mut root = id.to_string();
        // Bounded: every step moves to a strictly smaller id.
        while let Some(p) = self.parent.get(&root).filter(|p| **p != root) {
            root = p.clone();
        }
        self.parent.insert(id.to_string(), root.clone());
        root
    }

    fn join(&mut self, a: &str, b: &str) {
        let (ra, rb) = (self.find(a), self.find(b));
        match ra.cmp(&rb) {
            std::cmp::Ordering::Less => {
                self.parent.insert(rb, ra);
            }
            std::cmp::Ordering::Greater => {
                self.parent.insert(ra, rb);
            }
            std::cmp::Ordering::Equal => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::osv::{Parsed, parse};
    use crate::advisories::severity::GitHubLevel;
    use serde_json::{Value, json};

    fn rec(id: &str, aliases: &[&str], extra: Value) -> Record {
        let mut doc = json!({"id": id, "aliases": aliases, "affected": [
            {"package": {"ecosystem": "npm", "name": "p"},
             "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]}]});
        if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        match parse(doc.to_string().as_bytes()) {
            Ok(Parsed::Npm(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ghsa_cve_and_mal_with_shared_aliases_are_one_advisory_in_any_order() {
        let ghsa = rec(
            "GHSA-aaaa",
            &["CVE-2026-1"],
            json!({"summary": "GitHub says", "database_specific": {"severity": "HIGH"},
                   "references": [{"type": "WEB", "url": "https://a.invalid/1"}]}),
        );
        let cve = rec(
            "CVE-2026-1",
            &[],
            json!({"summary": "NVD says",
                   "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
                   "references": [{"type": "WEB", "url": "https://a.invalid/1"},
                                  {"type": "WEB", "url": "https://a.invalid/2"}]}),
        );
        let mal = rec(
            "MAL-2026-9",
            &["CVE-2026-1"],
            json!({"summary": "Malicious code in p"}),
        );
        let other = rec("GHSA-zzzz", &[], json!({}));
        let all = [&ghsa, &cve, &mal, &other];
        let first = merge("p", &all.iter().map(|r| (*r, None)).collect::<Vec<_>>());
        let reversed = merge(
            "p",
            &all.iter().rev().map(|r| (*r, None)).collect::<Vec<_>>(),
        );
        assert_eq!(first, reversed, "the merge does not depend on input order");
        assert_eq!(first.len(), 2);
        let a = &first[0];
        assert_eq!(a.id, "MAL-2026-9");
        assert_eq!(a.records, ["MAL-2026-9", "GHSA-aaaa", "CVE-2026-1"]);
        assert_eq!(a.aliases, ["CVE-2026-1", "GHSA-aaaa"]);
        assert_eq!(a.summary, "Malicious code in p");
        assert!(a.malicious);
        assert_eq!(
            a.rating,
            Rating::GitHub {
                level: GitHubLevel::High
            }
        );
        assert_eq!(a.fixed, ["1.0.0"]);
        assert_eq!(
            a.references.len(),
            2,
            "references are merged without repeats"
        );
        assert_eq!(a.ids().count(), 3);
        assert_eq!(first[1].id, "GHSA-zzzz");
        assert_eq!(first[1].severity(), UNRATED);
    }

    #[test]
    fn the_same_record_twice_counts_once_and_affected_beats_undecided() {
        let r = rec("GHSA-a", &[], json!({}));
        let out = merge("p", &[(&r, Some("range unreadable".into())), (&r, None)]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].undecided, None);
        let out = merge("p", &[(&r, Some("range unreadable".into()))]);
        assert_eq!(out[0].undecided.as_deref(), Some("range unreadable"));
    }

    #[test]
    fn package_severity_replaces_the_record_severity() {
        let r = rec(
            "GHSA-a",
            &[],
            json!({"affected": [{"package": {"ecosystem": "npm", "name": "p"},
                     "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"}],
                     "versions": ["0.1.0"]}],
                   "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}),
        );
        let out = merge("p", &[(&r, None)]);
        assert_eq!(out[0].severity(), Severity::Medium);
    }

    #[test]
    fn cvss_highest_wins_without_a_github_label_and_sorting_is_by_severity() {
        let low = rec(
            "GHSA-b",
            &["CVE-1"],
            json!({"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}]}),
        );
        let high = rec(
            "CVE-1",
            &[],
            json!({"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}]}),
        );
        let medium = rec(
            "GHSA-a",
            &[],
            json!({"database_specific": {"severity": "MODERATE"}}),
        );
        let out = merge("p", &[(&low, None), (&high, None), (&medium, None)]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].id, "GHSA-b");
        assert_eq!(out[0].severity(), Severity::High);
        assert_eq!(out[1].id, "GHSA-a");
    }
}
