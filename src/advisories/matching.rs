//! Whether a record affects one npm package version, by the evaluation
//! algorithm of the OSV schema (`IsVulnerable`).
//!
//! A version is affected when an `affected[]` entry names the package and
//! either lists the version in `versions` or has a range that includes it.
//! Versions compare by SemVer 2.0 precedence (node-semver's `Version`
//! ordering): build metadata is ignored (`1.0.0+build` is `1.0.0`), and a
//! prerelease sorts before its release, so `1.0.0-rc.1` lies in
//! `[0, 1.0.0)`. npm's range rule that hides prereleases from `^1.0.0` does
//! not apply: OSV ranges are plain intervals of the version order.
//!
//! A range is evaluated as the spec says: it applies only below one of its
//! `limit` events (none means `"*"`, no limit), then its other events are
//! walked in version order: `introduced` (inclusive, `"0"` before every
//! version) switches affected on, `fixed` (exclusive) and `last_affected`
//! (inclusive) switch it off. The spec leaves ties unordered; lockproof
//! orders events at the same version by the point they mark: `fixed X`
//! ends just before X, `introduced X` starts at X, `last_affected X` ends
//! just after X. Adjacent ranges written into one event list
//! (`…fixed 2.0.0, introduced 2.0.0…`) then keep 2.0.0 affected, whatever
//! order the record lists them in. A range with no `introduced` (invalid
//! by the spec) is read as starting at `"0"`, the reading that cannot hide
//! an affected version.
//!
//! What cannot be evaluated is never "not affected": a range whose event
//! versions are not SemVer, of a type lockproof cannot order, or an entry
//! version that is not SemVer facing a bounded range, make the verdict
//! [`Verdict::Undecided`], with the reason, unless another range or the
//! `versions` list already says affected.

use std::cmp::Ordering;

use node_semver::Version;

use super::osv::{Affected, EventKind, Range, RangeKind, Record};

/// The package version being asked about.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// The npm name.
    pub name: &'a str,
    /// The version as the lockfile writes it.
    pub version: &'a str,
    parsed: Option<Version>,
}

impl<'a> Target<'a> {
    /// Parses `version` once for all the records it is matched against.
    pub fn new(name: &'a str, version: &'a str) -> Self {
        Self {
            name,
            version,
            parsed: parse_version(version),
        }
    }
}

/// Whether a record affects a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// In `versions` or in a range.
    Affected,
    /// Outside every range and list.
    NotAffected,
    /// Not listed, and some range could not be evaluated: why.
    Undecided(String),
}

/// A SemVer version, as node-semver reads it.
pub fn parse_version(text: &str) -> Option<Version> {
    Version::parse(text).ok()
}

/// Evaluates `record` for `target`.
pub fn affects(record: &Record, target: &Target<'_>) -> Verdict {
    let mut undecided = None;
    for affected in record.affected.iter().filter(|a| a.name == target.name) {
        match affected_verdict(affected, target) {
            Verdict::Affected => return Verdict::Affected,
            Verdict::Undecided(why) => {
                undecided.get_or_insert(why);
            }
            Verdict::NotAffected => {}
        }
    }
    undecided.map_or(Verdict::NotAffected, Verdict::Undecided)
}

fn affected_verdict(affected: &Affected, target: &Target<'_>) -> Verdict {
    if affected
        .versions
        .iter()
        .any(|listed| same_version(listed, target))
    {
        return Verdict::Affected;
    }
    let mut undecided = None;
    for range in &affected.ranges {
        match range_verdict(range, target) {
            Verdict::Affected => return Verdict::Affected,
            Verdict::Undecided(why) => {
                undecided.get_or_insert(why);
            }
            Verdict::NotAffected => {}
        }
    }
    undecided.map_or(Verdict::NotAffected, Verdict::Undecided)
}

/// `IncludedInVersions`: equal by precedence when both are SemVer, else
/// equal as written.
fn same_version(listed: &str, target: &Target<'_>) -> bool {
    listed == target.version
        || target
            .parsed
            .as_ref()
            .is_some_and(|v| parse_version(listed).is_some_and(|l| l == *v))
}

/// A point of the version order an event marks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Point {
    /// `introduced: "0"`: before every version.
    Zero,
    /// A version.
    At(Version),
    /// `limit: "*"`: after every version.
    Infinity,
}

fn point(kind: EventKind, text: &str) -> Result<Point, String> {
    match (kind, text) {
        (EventKind::Introduced, "0") => Ok(Point::Zero),
        (EventKind::Limit, t) if t.contains('*') => Ok(Point::Infinity),
        (_, t) => parse_version(t)
            .map(Point::At)
            .ok_or_else(|| format!("event version {t:?} is not a SemVer version")),
    }
}

/// Where an event sits among events at the same version (see the module
/// documentation).
fn tie_rank(kind: EventKind) -> u8 {
    match kind {
        EventKind::Fixed => 0,
        EventKind::Introduced => 1,
        EventKind::LastAffected | EventKind::Limit => 2,
    }
}

fn range_verdict(range: &Range, target: &Target<'_>) -> Verdict {
    match range.kind {
        // The record's `versions` stand for it (the spec requires them).
        RangeKind::Git => return Verdict::NotAffected,
        RangeKind::Semver | RangeKind::Ecosystem | RangeKind::Unsupported => {}
    }
    if let Some(problem) = &range.problem {
        return Verdict::Undecided(problem.clone());
    }
    let mut limits = Vec::new();
    let mut events = Vec::new();
    for event in &range.events {
        let p = match point(event.kind, &event.version) {
            Ok(p) => p,
            Err(why) => return Verdict::Undecided(why),
        };
        if event.kind == EventKind::Limit {
            limits.push(p);
        } else {
            events.push((p, event.kind));
        }
    }
    if !events.iter().any(|(_, k)| *k == EventKind::Introduced) {
        events.push((Point::Zero, EventKind::Introduced));
    }
    let Some(v) = &target.parsed else {
        // Only a range covering every version can say anything about a
        // version that cannot be placed in the order.
        let everything = limits.iter().all(|l| *l == Point::Infinity)
            && events
                .iter()
                .all(|(p, k)| *k == EventKind::Introduced && *p == Point::Zero);
        return if everything {
            Verdict::Affected
        } else {
            Verdict::Undecided(format!(
                "version {:?} is not a SemVer version",
                target.version
            ))
        };
    };
    let at = Point::At(v.clone());
    if !limits.is_empty() && !limits.iter().any(|l| at < *l) {
        return Verdict::NotAffected;
    }
    events.sort_by(|(pa, ka), (pb, kb)| match pa.cmp(pb) {
        Ordering::Equal => tie_rank(*ka).cmp(&tie_rank(*kb)),
        other => other,
    });
    let mut affected = false;
    for (p, kind) in &events {
        match kind {
            EventKind::Introduced if at >= *p => affected = true,
            EventKind::Fixed if at >= *p => affected = false,
            EventKind::LastAffected if at > *p => affected = false,
            _ => {}
        }
    }
    if affected {
        Verdict::Affected
    } else {
        Verdict::NotAffected
    }
}

/// The `fixed` versions of `record`'s ranges for package `name`, in
/// version order, each once.
pub fn fixed_versions(record: &Record, name: &str) -> Vec<String> {
    let mut fixed: Vec<(Option<Version>, String)> = record
        .affected
        .iter()
        .filter(|a| a.name == name)
        .flat_map(|a| &a.ranges)
        .filter(|r| matches!(r.kind, RangeKind::Semver | RangeKind::Ecosystem))
        .flat_map(|r| &r.events)
        .filter(|e| e.kind == EventKind::Fixed)
        .map(|e| (parse_version(&e.version), e.version.clone()))
        .collect();
    sort_versions(&mut fixed);
    fixed.into_iter().map(|(_, s)| s).collect()
}

/// Sorts by precedence (SemVer first, others after by text) and drops
/// versions equal by precedence.
pub fn sort_versions(versions: &mut Vec<(Option<Version>, String)>) {
    versions.sort_by(|(pa, sa), (pb, sb)| match (pa, pb) {
        (Some(a), Some(b)) => a.cmp(b).then_with(|| sa.cmp(sb)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => sa.cmp(sb),
    });
    versions.dedup_by(|(pa, sa), (pb, sb)| match (pa, pb) {
        (Some(a), Some(b)) => a == b,
        _ => sa == sb,
    });
}

/// Whether `candidate` sorts after `version` (both SemVer); `false` when
/// either is not.
pub fn is_newer(candidate: &str, version: &str) -> bool {
    match (parse_version(candidate), parse_version(version)) {
        (Some(c), Some(v)) => c > v,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::osv::{Parsed, parse};
    use serde_json::{Value, json};

    fn record(affected: Value) -> Record {
        let doc = json!({"id": "GHSA-test", "affected": affected});
        match parse(doc.to_string().as_bytes()) {
            Ok(Parsed::Npm(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    fn ranged(kind: &str, events: Value) -> Record {
        record(json!([{"package": {"ecosystem": "npm", "name": "p"},
            "ranges": [{"type": kind, "events": events}]}]))
    }

    fn check(r: &Record, version: &str) -> Verdict {
        affects(r, &Target::new("p", version))
    }

    fn hits(r: &Record, versions: &[&str]) -> Vec<String> {
        versions
            .iter()
            .filter(|v| check(r, v) == Verdict::Affected)
            .map(|v| v.to_string())
            .collect()
    }

    const LADDER: &[&str] = &[
        "0.0.1",
        "0.9.0",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "1.2.0",
        "1.2.1",
        "2.0.0",
        "2.5.0",
        "3.0.0",
    ];

    #[test]
    fn introduced_is_inclusive_and_fixed_exclusive() {
        let r = ranged(
            "SEMVER",
            json!([{"introduced": "1.0.0"}, {"fixed": "1.2.0"}]),
        );
        assert_eq!(hits(&r, LADDER), ["1.0.0", "1.0.1", "1.1.0"]);
    }

    #[test]
    fn introduced_zero_covers_everything_before_the_fix_including_prereleases() {
        let r = ranged("SEMVER", json!([{"introduced": "0"}, {"fixed": "1.0.0"}]));
        assert_eq!(hits(&r, LADDER), ["0.0.1", "0.9.0", "1.0.0-rc.1"]);
        let all = ranged("SEMVER", json!([{"introduced": "0"}]));
        assert_eq!(hits(&all, LADDER), LADDER);
    }

    #[test]
    fn last_affected_is_inclusive() {
        let r = ranged(
            "SEMVER",
            json!([{"introduced": "1.0.1"}, {"last_affected": "1.2.0"}]),
        );
        assert_eq!(hits(&r, LADDER), ["1.0.1", "1.1.0", "1.2.0"]);
    }

    #[test]
    fn limit_bounds_the_range_exclusively_and_star_is_infinity() {
        let r = ranged(
            "SEMVER",
            json!([{"introduced": "1.0.0"}, {"limit": "2.0.0"}]),
        );
        assert_eq!(
            hits(&r, LADDER),
            ["1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.2.1"]
        );
        let star = ranged("SEMVER", json!([{"introduced": "2.0.0"}, {"limit": "*"}]));
        assert_eq!(hits(&star, LADDER), ["2.0.0", "2.5.0", "3.0.0"]);
        // Several limits: below any of them is enough.
        let two = ranged(
            "SEMVER",
            json!([{"introduced": "1.2.0"}, {"limit": "1.2.1"}, {"limit": "2.5.0"}]),
        );
        assert_eq!(hits(&two, LADDER), ["1.2.0", "1.2.1", "2.0.0"]);
    }

    #[test]
    fn several_pairs_in_one_range_and_several_ranges() {
        let one = ranged(
            "SEMVER",
            json!([{"introduced": "1.0.0"}, {"fixed": "1.0.1"},
                   {"introduced": "2.0.0"}, {"fixed": "2.5.0"}]),
        );
        assert_eq!(hits(&one, LADDER), ["1.0.0", "2.0.0"]);
        let many = record(
            json!([{"package": {"ecosystem": "npm", "name": "p"}, "ranges": [
            {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.0.1"}]},
            {"type": "SEMVER", "events": [{"introduced": "2.0.0"}, {"fixed": "2.5.0"}]}]}]),
        );
        assert_eq!(hits(&many, LADDER), ["1.0.0", "2.0.0"]);
    }

    #[test]
    fn unsorted_events_are_sorted_first() {
        let r = ranged(
            "SEMVER",
            json!([{"fixed": "2.5.0"}, {"introduced": "2.0.0"},
                   {"fixed": "1.0.1"}, {"introduced": "1.0.0"}]),
        );
        assert_eq!(hits(&r, LADDER), ["1.0.0", "2.0.0"]);
    }

    #[test]
    fn ties_keep_adjacent_ranges_joined_in_any_order() {
        for events in [
            json!([{"introduced": "0"}, {"fixed": "1.1.0"}, {"introduced": "1.1.0"}, {"fixed": "1.2.0"}]),
            json!([{"introduced": "1.1.0"}, {"fixed": "1.2.0"}, {"introduced": "0"}, {"fixed": "1.1.0"}]),
        ] {
            let r = ranged("SEMVER", events);
            assert_eq!(
                hits(&r, LADDER),
                ["0.0.1", "0.9.0", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0"]
            );
        }
        let single = ranged(
            "SEMVER",
            json!([{"last_affected": "1.1.0"}, {"introduced": "1.1.0"}]),
        );
        assert_eq!(hits(&single, LADDER), ["1.1.0"]);
    }

    #[test]
    fn ecosystem_ranges_use_npm_order_and_git_ranges_defer_to_versions() {
        let eco = ranged(
            "ECOSYSTEM",
            json!([{"introduced": "0"}, {"fixed": "1.0.1"}]),
        );
        assert_eq!(
            hits(&eco, LADDER),
            ["0.0.1", "0.9.0", "1.0.0-rc.1", "1.0.0"]
        );
        let git = record(json!([{"package": {"ecosystem": "npm", "name": "p"},
            "versions": ["1.1.0"],
            "ranges": [{"type": "GIT", "repo": "https://example.invalid/p",
                        "events": [{"introduced": "0"}, {"fixed": "abcdef"}]}]}]));
        assert_eq!(hits(&git, LADDER), ["1.1.0"]);
    }

    #[test]
    fn explicit_versions_match_by_precedence() {
        let r = record(json!([{"package": {"ecosystem": "npm", "name": "p"},
            "versions": ["1.0.0", "2.0.0-beta.1", "not-semver"]}]));
        assert_eq!(check(&r, "1.0.0"), Verdict::Affected);
        assert_eq!(check(&r, "1.0.0+build.7"), Verdict::Affected);
        assert_eq!(check(&r, "2.0.0-beta.1"), Verdict::Affected);
        assert_eq!(check(&r, "2.0.0-beta.2"), Verdict::NotAffected);
        assert_eq!(check(&r, "2.0.0"), Verdict::NotAffected);
        assert_eq!(check(&r, "not-semver"), Verdict::Affected);
    }

    #[test]
    fn build_metadata_is_ignored_in_ranges() {
        let r = ranged(
            "SEMVER",
            json!([{"introduced": "1.0.0+a"}, {"fixed": "1.2.0+b"}]),
        );
        assert_eq!(check(&r, "1.0.0+zzz"), Verdict::Affected);
        assert_eq!(check(&r, "1.1.9+x"), Verdict::Affected);
        assert_eq!(check(&r, "1.2.0+a"), Verdict::NotAffected);
        assert_eq!(check(&r, "1.2.0"), Verdict::NotAffected);
    }

    #[test]
    fn prereleases_follow_precedence() {
        let r = ranged(
            "SEMVER",
            json!([{"introduced": "2.0.0-alpha.2"}, {"fixed": "2.0.0-beta"}]),
        );
        assert_eq!(check(&r, "2.0.0-alpha.1"), Verdict::NotAffected);
        assert_eq!(check(&r, "2.0.0-alpha.2"), Verdict::Affected);
        assert_eq!(check(&r, "2.0.0-alpha.10"), Verdict::Affected);
        assert_eq!(check(&r, "2.0.0-beta"), Verdict::NotAffected);
        assert_eq!(check(&r, "2.0.0"), Verdict::NotAffected);
    }

    #[test]
    fn other_packages_and_names_never_match() {
        let r = ranged("SEMVER", json!([{"introduced": "0"}]));
        assert_eq!(
            affects(&r, &Target::new("P", "1.0.0")),
            Verdict::NotAffected
        );
        assert_eq!(
            affects(&r, &Target::new("@scope/p", "1.0.0")),
            Verdict::NotAffected
        );
        let scoped = record(json!([{"package": {"ecosystem": "npm", "name": "@scope/p"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]));
        assert_eq!(
            affects(&scoped, &Target::new("@scope/p", "9.9.9")),
            Verdict::Affected
        );
        assert_eq!(
            affects(&scoped, &Target::new("p", "9.9.9")),
            Verdict::NotAffected
        );
    }

    #[test]
    fn what_cannot_be_evaluated_is_undecided_never_clean() {
        let bad_event = ranged("SEMVER", json!([{"introduced": "0"}, {"fixed": "next"}]));
        assert!(
            matches!(check(&bad_event, "1.0.0"), Verdict::Undecided(w) if w.contains("\"next\""))
        );
        let bad_type = ranged("NPMISH", json!([{"introduced": "0"}]));
        assert!(matches!(check(&bad_type, "1.0.0"), Verdict::Undecided(_)));
        let bounded = ranged("SEMVER", json!([{"introduced": "0"}, {"fixed": "1.0.0"}]));
        assert!(
            matches!(check(&bounded, "latest"), Verdict::Undecided(w) if w.contains("\"latest\""))
        );
        // A range over every version needs no order.
        let all = ranged("SEMVER", json!([{"introduced": "0"}, {"limit": "*"}]));
        assert_eq!(check(&all, "latest"), Verdict::Affected);
        // Another range that does say affected wins over an undecided one.
        let mixed = record(
            json!([{"package": {"ecosystem": "npm", "name": "p"}, "ranges": [
            {"type": "SEMVER", "events": [{"introduced": "x"}]},
            {"type": "SEMVER", "events": [{"introduced": "1.0.0"}]}]}]),
        );
        assert_eq!(check(&mixed, "1.5.0"), Verdict::Affected);
        assert!(matches!(check(&mixed, "0.5.0"), Verdict::Undecided(_)));
    }

    #[test]
    fn a_range_without_introduced_starts_at_zero() {
        let r = ranged("SEMVER", json!([{"fixed": "1.0.0"}]));
        assert_eq!(hits(&r, LADDER), ["0.0.1", "0.9.0", "1.0.0-rc.1"]);
    }

    #[test]
    fn fixed_versions_are_sorted_and_per_package() {
        let r = record(json!([
            {"package": {"ecosystem": "npm", "name": "p"}, "ranges": [
                {"type": "SEMVER", "events": [{"introduced": "2.0.0"}, {"fixed": "2.5.0"}]},
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.10.0"}, {"fixed": "1.9.0"}]},
                {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.5.0+build"}]}]},
            {"package": {"ecosystem": "npm", "name": "q"}, "ranges": [
                {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "9.0.0"}]}]}]));
        assert_eq!(fixed_versions(&r, "p"), ["1.9.0", "1.10.0", "2.5.0"]);
        assert_eq!(fixed_versions(&r, "q"), ["9.0.0"]);
        assert!(is_newer("1.10.0", "1.9.0"));
        assert!(!is_newer("1.0.0", "1.0.0+b"));
        assert!(!is_newer("x", "1.0.0"));
    }
}
