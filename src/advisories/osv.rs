//! The OSV record model: one advisory as lockproof keeps it, reduced to what
//! matching and judging npm entries need.
//!
//! [`parse`] reads one OSV JSON record (schema 1.x) as served by the OSV
//! export or API and keeps only its npm part: the `affected[]` entries whose
//! `package.ecosystem` is exactly `npm`, their explicit `versions` and their
//! ranges. Everything a record may carry for other ecosystems is dropped, so
//! a record about a PyPI package of the same name can never match. A record
//! with a `withdrawn` time is reported as withdrawn and never matches.
//!
//! Range kinds: `SEMVER` and `ECOSYSTEM` ranges are kept. For npm the
//! ecosystem's own ordering is node-semver's, which is SemVer 2.0
//! precedence, so both kinds are evaluated the same way (GitHub's advisories
//! use `ECOSYSTEM` ranges for npm; ignoring them would miss most of them).
//! `GIT` ranges need the repository's commit graph: the spec requires such
//! records to enumerate the affected `versions`, which are matched, and the
//! range itself is kept only as a count. A range of any other type cannot be
//! evaluated and makes a non-match undecided (see [`super::matching`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use super::severity::{self, Rating, RawSeverity};

/// The ecosystem name OSV uses for the npm registry (compared exactly).
pub const NPM: &str = "npm";

/// Longest advisory id accepted; real ones are under 40 characters.
const MAX_ID: usize = 256;

/// Longest summary kept, in characters; longer ones are cut with `…`.
const MAX_SUMMARY: usize = 400;

/// An advisory, reduced to its npm part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The record's id (`GHSA-…`, `MAL-…`, `CVE-…`).
    pub id: String,
    /// Other ids of the same vulnerability, without `id` itself, sorted.
    pub aliases: Vec<String>,
    /// When the record last changed (RFC 3339, as the record says).
    pub modified: Option<String>,
    /// One-line summary (from `summary`, else the first line of `details`);
    /// untrusted text.
    pub summary: String,
    /// Known malware: the id or an alias is a `MAL-` id.
    pub malicious: bool,
    /// The record-wide severity.
    pub rating: Rating,
    /// The npm packages it affects.
    pub affected: Vec<Affected>,
    /// Links, in the record's order.
    pub references: Vec<Reference>,
}

/// One `affected[]` entry of ecosystem npm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// The npm package name, exactly as the record writes it.
    pub name: String,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
    /// Version ranges.
    pub ranges: Vec<Range>,
    /// A severity for this package only (`affected[].severity`), which
    /// the spec says replaces the record-wide one.
    pub rating: Option<Rating>,
}

/// How a range's versions are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    /// `SEMVER`: SemVer 2.0 precedence.
    Semver,
    /// `ECOSYSTEM`: npm's ordering, which is SemVer 2.0 precedence.
    Ecosystem,
    /// `GIT`: commit hashes; not evaluated (the record's `versions` are).
    Git,
    /// Any other type: cannot be evaluated.
    Unsupported,
}

/// What an event marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventKind {
    /// First affected version (inclusive); `"0"` means before all.
    Introduced,
    /// First unaffected version (exclusive end).
    Fixed,
    /// Last affected version (inclusive end).
    LastAffected,
    /// Versions at or above it are outside the range; `"*"` is infinity.
    Limit,
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// What it marks.
    pub kind: EventKind,
    /// The version string, as the record writes it.
    pub version: String,
}

/// One `ranges[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// Its type.
    pub kind: RangeKind,
    /// Its events, in the record's order (kept empty for `GIT`).
    pub events: Vec<Event>,
    /// Why the range cannot be evaluated as written (an event object with
    /// no or several known keys, a non-string version, an unknown type).
    pub problem: Option<String>,
}

/// One `references[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// Its `type` (`ADVISORY`, `WEB`, …), when given; shown, never compared.
    pub kind: Option<String>,
    /// The URL (untrusted text).
    pub url: String,
}

/// What one OSV document turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A live record affecting at least one npm package.
    Npm(Record),
    /// A withdrawn record: never matches.
    Withdrawn {
        /// Its id.
        id: String,
    },
    /// A live record about other ecosystems only.
    OtherEcosystems {
        /// Its id.
        id: String,
    },
}

/// Why a document is not a usable OSV record.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum RecordError {
    /// Not JSON, or not an OSV record's shape.
    #[error("not an OSV record: {0}")]
    Shape(String),
    /// The `id` is empty, too long or holds whitespace or control characters.
    #[error("invalid advisory id {0:?}")]
    Id(String),
}

#[derive(Deserialize)]
struct RawRecord {
    id: String,
    modified: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<RawSeverity>>,
    affected: Option<Vec<RawAffected>>,
    references: Option<Vec<RawReference>>,
    database_specific: Option<RawDatabaseSpecific>,
}

#[derive(Deserialize)]
struct RawAffected {
    package: Option<RawPackage>,
    severity: Option<Vec<RawSeverity>>,
    ranges: Option<Vec<RawRange>>,
    versions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawPackage {
    ecosystem: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: Option<String>,
    events: Option<Vec<Map<String, Value>>>,
}

#[derive(Deserialize)]
struct RawReference {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
}

/// GitHub's `database_specific`: only `severity` is read.
#[derive(Deserialize)]
struct RawDatabaseSpecific {
    severity: Option<Value>,
}

/// Reads one OSV JSON document.
pub fn parse(bytes: &[u8]) -> Result<Parsed, RecordError> {
    let raw: RawRecord =
        serde_json::from_slice(bytes).map_err(|e| RecordError::Shape(e.to_string()))?;
    if raw.id.is_empty()
        || raw.id.len() > MAX_ID
        || raw.id.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(RecordError::Id(raw.id.chars().take(MAX_ID).collect()));
    }
    if raw
        .withdrawn
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return Ok(Parsed::Withdrawn { id: raw.id });
    }
    let affected: Vec<Affected> = raw
        .affected
        .unwrap_or_default()
        .into_iter()
        .filter_map(npm_affected)
        .collect();
    if affected.is_empty() {
        return Ok(Parsed::OtherEcosystems { id: raw.id });
    }
    let mut aliases: Vec<String> = raw
        .aliases
        .unwrap_or_default()
        .into_iter()
        .filter(|a| !a.is_empty() && *a != raw.id)
        .collect();
    aliases.sort();
    aliases.dedup();
    let malicious = is_malware_id(&raw.id) || aliases.iter().any(|a| is_malware_id(a));
    let label = raw
        .database_specific
        .and_then(|d| d.severity)
        .and_then(|v| v.as_str().map(str::to_string));
    let rating = severity::rate(label.as_deref(), &raw.severity.unwrap_or_default());
    let summary = one_line(
        raw.summary
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| raw.details.as_deref().and_then(|d| d.lines().next()))
            .unwrap_or(""),
    );
    let references = raw
        .references
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| {
            Some(Reference {
                kind: r.kind,
                url: r.url.filter(|u| !u.is_empty())?,
            })
        })
        .collect();
    Ok(Parsed::Npm(Record {
        id: raw.id,
        aliases,
        modified: raw.modified,
        summary,
        malicious,
        rating,
        affected,
        references,
    }))
}

/// Whether `id` names an OpenSSF malicious-packages record.
pub fn is_malware_id(id: &str) -> bool {
    id.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("MAL-"))
}

fn npm_affected(raw: RawAffected) -> Option<Affected> {
    let package = raw.package?;
    if package.ecosystem.as_deref() != Some(NPM) {
        return None;
    }
    let name = package.name.filter(|n| !n.is_empty())?;
    let rating = raw
        .severity
        .filter(|s| !s.is_empty())
        .map(|s| severity::rate(None, &s));
    Some(Affected {
        name,
        versions: raw.versions.unwrap_or_default(),
        ranges: raw
            .ranges
            .unwrap_or_default()
            .into_iter()
            .map(range)
            .collect(),
        rating,
    })
}

fn range(raw: RawRange) -> Range {
    let kind = match raw.kind.as_deref() {
        Some("SEMVER") => RangeKind::Semver,
        Some("ECOSYSTEM") => RangeKind::Ecosystem,
        Some("GIT") => RangeKind::Git,
        _ => RangeKind::Unsupported,
    };
    if kind == RangeKind::Git {
        return Range {
            kind,
            events: Vec::new(),
            problem: None,
        };
    }
    let mut problem = (kind == RangeKind::Unsupported).then(|| match &raw.kind {
        Some(t) => format!(
            "range type {:?} is not one lockproof evaluates",
            one_line(t)
        ),
        None => "a range has no type".to_string(),
    });
    let mut events = Vec::new();
    for (i, object) in raw.events.unwrap_or_default().iter().enumerate() {
        match event(object) {
            Ok(e) => events.push(e),
            Err(why) => {
                problem.get_or_insert(format!("event {}: {why}", i + 1));
            }
        }
    }
    Range {
        kind,
        events,
        problem,
    }
}

/// One event object: exactly one known key with a string value (the spec
/// calls `{"introduced": "1.0.0", "fixed": "1.0.2"}` invalid).
fn event(object: &Map<String, Value>) -> Result<Event, String> {
    let mut found = None;
    for (key, value) in object {
        let kind = match key.as_str() {
            "introduced" => EventKind::Introduced,
            "fixed" => EventKind::Fixed,
            "last_affected" => EventKind::LastAffected,
            "limit" => EventKind::Limit,
            _ => continue,
        };
        let Some(version) = value.as_str() else {
            return Err(format!("{key} is not a string"));
        };
        if found.is_some() {
            return Err("more than one of introduced, fixed, last_affected, limit".into());
        }
        found = Some(Event {
            kind,
            version: version.to_string(),
        });
    }
    found.ok_or_else(|| "none of introduced, fixed, last_affected, limit".into())
}

/// Untrusted text as one trimmed line of at most [`MAX_SUMMARY`] characters.
fn one_line(text: &str) -> String {
    let flat: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    match flat.char_indices().nth(MAX_SUMMARY) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::severity::GitHubLevel;
    use serde_json::json;

    fn npm(doc: Value) -> Record {
        match parse(doc.to_string().as_bytes()) {
            Ok(Parsed::Npm(r)) => r,
            other => panic!("not an npm record: {other:?}"),
        }
    }

    #[test]
    fn keeps_only_the_npm_part_of_a_record() {
        let r = npm(json!({
            "id": "GHSA-aaaa-bbbb-cccc",
            "modified": "2026-01-02T03:04:05Z",
            "aliases": ["CVE-2026-0001", "GHSA-aaaa-bbbb-cccc", "CVE-2026-0001"],
            "summary": "  Prototype\npollution  in\tleft-pad ",
            "affected": [
                {"package": {"ecosystem": "PyPI", "name": "left-pad"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]},
                {"package": {"ecosystem": "npm", "name": "@scope/left-pad"},
                 "versions": ["1.0.0"],
                 "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]},
                            {"type": "GIT", "repo": "https://example.invalid/r", "events": [{"introduced": "abc"}]}]},
                {"package": {"ecosystem": "NPM", "name": "left-pad"}}
            ],
            "references": [{"type": "ADVISORY", "url": "https://example.invalid/a"}, {"type": "WEB"}],
            "database_specific": {"severity": "HIGH", "cwe_ids": ["CWE-1321"]}
        }));
        assert_eq!(r.aliases, ["CVE-2026-0001"]);
        assert_eq!(r.summary, "Prototype pollution in left-pad");
        assert!(!r.malicious);
        assert_eq!(
            r.rating,
            Rating::GitHub {
                level: GitHubLevel::High
            }
        );
        assert_eq!(
            r.affected.len(),
            1,
            "PyPI and the mis-cased NPM entry are dropped"
        );
        let a = &r.affected[0];
        assert_eq!(a.name, "@scope/left-pad");
        assert_eq!(a.versions, ["1.0.0"]);
        assert_eq!(a.ranges[0].kind, RangeKind::Semver);
        assert_eq!(a.ranges[0].events.len(), 2);
        assert_eq!(a.ranges[1].kind, RangeKind::Git);
        assert!(a.ranges[1].events.is_empty());
        assert_eq!(
            r.references.len(),
            1,
            "a reference without a URL is dropped"
        );
    }

    #[test]
    fn withdrawn_and_foreign_records_are_told_apart() {
        let doc = |extra: Value| {
            let mut d = json!({"id": "GHSA-x", "affected": [
                {"package": {"ecosystem": "npm", "name": "a"}, "versions": ["1.0.0"]}]});
            d.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            parse(d.to_string().as_bytes()).unwrap()
        };
        assert_eq!(
            doc(json!({"withdrawn": "2026-01-01T00:00:00Z"})),
            Parsed::Withdrawn {
                id: "GHSA-x".into()
            }
        );
        assert!(matches!(doc(json!({"withdrawn": ""})), Parsed::Npm(_)));
        assert_eq!(
            doc(json!({"affected": [{"package": {"ecosystem": "crates.io", "name": "a"}}]})),
            Parsed::OtherEcosystems {
                id: "GHSA-x".into()
            }
        );
        assert_eq!(
            doc(json!({"affected": null})),
            Parsed::OtherEcosystems {
                id: "GHSA-x".into()
            }
        );
    }

    #[test]
    fn malware_is_known_by_id_or_alias() {
        let base = |id: &str, aliases: Value| {
            npm(json!({"id": id, "aliases": aliases, "affected": [
                {"package": {"ecosystem": "npm", "name": "a"}, "versions": ["1.0.0"]}]}))
        };
        assert!(base("MAL-2026-1", json!([])).malicious);
        assert!(base("GHSA-x", json!(["MAL-2026-1"])).malicious);
        assert!(base("GHSA-x", json!(["mal-2026-1"])).malicious);
        assert!(!base("GHSA-x", json!(["CVE-2026-1", "MALWARE"])).malicious);
    }

    #[test]
    fn summary_falls_back_to_details_and_is_cut() {
        let r = npm(
            json!({"id": "MAL-1", "details": "first line\nsecond", "affected": [
            {"package": {"ecosystem": "npm", "name": "a"}}]}),
        );
        assert_eq!(r.summary, "first line");
        let long = "x".repeat(1000);
        let r = npm(json!({"id": "MAL-1", "summary": long, "affected": [
            {"package": {"ecosystem": "npm", "name": "a"}}]}));
        assert_eq!(r.summary.chars().count(), MAX_SUMMARY + 1);
        assert!(r.summary.ends_with('…'));
    }

    #[test]
    fn malformed_events_and_types_are_problems_not_errors() {
        let r = npm(
            json!({"id": "GHSA-x", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
            "ranges": [
                {"type": "SEMVER", "events": [{"introduced": "1.0.0", "fixed": "1.0.2"}]},
                {"type": "SEMVER", "events": [{"introduced": 1}]},
                {"type": "SEMVER", "events": [{"note": "x"}]},
                {"type": "NPMISH", "events": [{"introduced": "0"}]},
                {"events": [{"introduced": "0"}]}
            ]}]}),
        );
        let problems: Vec<_> = r.affected[0]
            .ranges
            .iter()
            .map(|r| r.problem.clone().unwrap_or_default())
            .collect();
        assert!(problems[0].contains("more than one"), "{problems:?}");
        assert!(problems[1].contains("not a string"), "{problems:?}");
        assert!(problems[2].contains("none of"), "{problems:?}");
        assert!(problems[3].contains("NPMISH"), "{problems:?}");
        assert!(problems[4].contains("no type"), "{problems:?}");
    }

    #[test]
    fn bad_documents_are_errors() {
        assert!(matches!(parse(b"not json"), Err(RecordError::Shape(_))));
        assert!(matches!(parse(b"[1,2]"), Err(RecordError::Shape(_))));
        assert!(matches!(parse(br#"{"id": 5}"#), Err(RecordError::Shape(_))));
        assert!(matches!(
            parse(br#"{"id": "a", "affected": {"x": 1}}"#),
            Err(RecordError::Shape(_))
        ));
        assert!(matches!(parse(br#"{"id": ""}"#), Err(RecordError::Id(_))));
        assert!(matches!(
            parse(br#"{"id": "GHSA x"}"#),
            Err(RecordError::Id(_))
        ));
        let long = format!(r#"{{"id": "{}"}}"#, "A".repeat(MAX_ID + 1));
        assert!(matches!(parse(long.as_bytes()), Err(RecordError::Id(_))));
    }
}
