//! Advisory evidence: per entry, what the advisory database said (present,
//! absent or unknown, and why), and what the report says about the
//! database itself (its source and age, in one line).
//!
//! "Absent" means a database was consulted and nothing matched. An entry
//! is "unknown" when there was no database, the API failed, or the index
//! was damaged: it is counted and never reported as clean. A lookup that
//! found advisories but could not finish (one API record failed) is
//! present, with the reason it is incomplete.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::fmt::rfc2822::DateTimeParser;
use serde::Serialize;

use super::index::{IndexMeta, Origin};
use super::merge::Advisory;

/// What the advisory database said about one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Lookup {
    /// These advisories match.
    Present {
        /// Merged advisories, malware first, then by severity.
        advisories: Vec<Advisory>,
        /// Why the list may be incomplete (a record could not be fetched).
        incomplete: Option<String>,
    },
    /// The database was consulted and nothing matched.
    Absent,
    /// Not known: why.
    Unknown {
        /// E.g. "no advisory database", an API error. Shared: one reason
        /// usually stands for every entry of a run.
        reason: Arc<str>,
    },
}

/// The three states, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Advisories match.
    Present,
    /// Consulted, none match.
    Absent,
    /// Not known.
    Unknown,
}

impl Lookup {
    /// The state.
    pub fn state(&self) -> State {
        match self {
            Self::Present { .. } => State::Present,
            Self::Absent => State::Absent,
            Self::Unknown { .. } => State::Unknown,
        }
    }

    /// The advisories (none unless present).
    pub fn advisories(&self) -> &[Advisory] {
        match self {
            Self::Present { advisories, .. } => advisories,
            _ => &[],
        }
    }
}

/// Where advisories come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The OSV export, downloaded into the cache.
    Export,
    /// A local export file (`--advisory-db`).
    File,
    /// An OSV-compatible API, queried live.
    Api,
    /// None could be used.
    None,
}

/// The database, as the report describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbInfo {
    /// Which kind.
    pub source: SourceKind,
    /// Its URL or file.
    pub location: Option<String>,
    /// npm records in it.
    pub records: Option<u64>,
    /// Archive entries skipped as unusable.
    pub skipped: Option<u64>,
    /// The newest `modified` of its records (RFC 3339).
    pub newest_record: Option<String>,
    /// The export's `Last-Modified` (RFC 3339).
    pub last_modified: Option<String>,
    /// When it was downloaded (RFC 3339).
    pub downloaded_at: Option<String>,
    /// When the server last confirmed it current (RFC 3339).
    pub checked_at: Option<String>,
    /// Why there is no database.
    pub unavailable: Option<String>,
}

impl DbInfo {
    /// An indexed export or file.
    pub fn from_index(meta: &IndexMeta, checked_at: Option<String>) -> Self {
        let (source, location) = match &meta.origin {
            Origin::Export { url } => (SourceKind::Export, url.clone()),
            Origin::File { path } => (SourceKind::File, path.clone()),
        };
        Self {
            source,
            location: Some(location),
            records: Some(meta.records),
            skipped: Some(meta.counts.skipped()),
            newest_record: meta.counts.newest_modified.clone(),
            last_modified: meta.last_modified.as_deref().and_then(http_date),
            downloaded_at: meta.downloaded_at.clone(),
            checked_at,
            unavailable: None,
        }
    }

    /// An API at `url`.
    pub fn api(url: &str) -> Self {
        Self {
            location: Some(url.to_string()),
            ..Self::none(SourceKind::Api, None)
        }
    }

    /// No database, because of `reason`.
    pub fn unavailable(reason: &str) -> Self {
        Self::none(SourceKind::None, Some(reason.to_string()))
    }

    fn none(source: SourceKind, unavailable: Option<String>) -> Self {
        Self {
            source,
            location: None,
            records: None,
            skipped: None,
            newest_record: None,
            last_modified: None,
            downloaded_at: None,
            checked_at: None,
            unavailable,
        }
    }

    /// How current the data is: the export's `Last-Modified`, else its
    /// newest record.
    pub fn data_as_of(&self) -> Option<Timestamp> {
        self.last_modified
            .as_deref()
            .or(self.newest_record.as_deref())
            .and_then(|t| t.parse().ok())
    }

    /// The database's source and age in one line, e.g. `OSV export
    /// https://…/npm/all.zip: 41,203 npm records, data as of 2026-07-01
    /// 10:00 UTC (2 days old), downloaded 2026-07-01 11:00 UTC`.
    pub fn line(&self, now: Timestamp) -> String {
        let place = self.location.as_deref().unwrap_or("");
        let mut line = match self.source {
            SourceKind::None => {
                return format!(
                    "no advisory database ({}): advisory evidence is unknown",
                    self.unavailable.as_deref().unwrap_or("none configured")
                );
            }
            SourceKind::Api => return format!("OSV API {place}, queried live"),
            SourceKind::Export => format!("OSV export {place}"),
            SourceKind::File => format!("OSV export file {place}"),
        };
        if let Some(n) = self.records {
            line.push_str(&format!(": {} npm records", thousands(n)));
        }
        if let Some(n) = self.skipped.filter(|n| *n > 0) {
            line.push_str(&format!(" ({} entries skipped as unusable)", thousands(n)));
        }
        if let Some(t) = self.data_as_of() {
            let basis = if self.last_modified.is_some() {
                ""
            } else {
                "newest record, "
            };
            line.push_str(&format!(
                ", data as of {} ({basis}{} old)",
                minute(t),
                age(now, t)
            ));
        }
        for (what, when) in [
            ("downloaded", &self.downloaded_at),
            ("checked", &self.checked_at),
        ] {
            if let Some(t) = when.as_deref().and_then(|t| t.parse::<Timestamp>().ok()) {
                line.push_str(&format!(", {what} {}", minute(t)));
            }
        }
        line
    }
}

/// Per-state counts and finding counts for the report's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The database.
    pub database: DbInfo,
    /// Entries with matching advisories.
    pub present: u64,
    /// Entries checked with none.
    pub absent: u64,
    /// Entries whose advisories are unknown.
    pub unknown: u64,
    /// Entries matching known malware.
    pub known_malicious: u64,
    /// Entries with at least one vulnerability advisory.
    pub vulnerable: u64,
    /// Present entries whose lookup is incomplete.
    pub incomplete: u64,
    /// Why lookups were unknown, with how many each (the report's notes
    /// say it; the counts above are the serialized evidence).
    #[serde(skip)]
    pub unknown_reasons: BTreeMap<String, u64>,
}

impl Summary {
    /// Adds `other`'s counts (the database is the same for a whole run).
    pub fn add_counts(&mut self, other: &Summary) {
        self.present += other.present;
        self.absent += other.absent;
        self.unknown += other.unknown;
        self.known_malicious += other.known_malicious;
        self.vulnerable += other.vulnerable;
        self.incomplete += other.incomplete;
        for (reason, n) in &other.unknown_reasons {
            *self.unknown_reasons.entry(reason.clone()).or_insert(0) += n;
        }
    }
}

/// Counts `lookups`.
pub fn summarize<'l>(database: DbInfo, lookups: impl IntoIterator<Item = &'l Lookup>) -> Summary {
    let mut s = Summary {
        database,
        present: 0,
        absent: 0,
        unknown: 0,
        known_malicious: 0,
        vulnerable: 0,
        incomplete: 0,
        unknown_reasons: BTreeMap::new(),
    };
    for lookup in lookups {
        match lookup {
            Lookup::Present {
                advisories,
                incomplete,
            } => {
                s.present += 1;
                s.incomplete += u64::from(incomplete.is_some());
                s.known_malicious += u64::from(advisories.iter().any(|a| a.malicious));
                s.vulnerable += u64::from(advisories.iter().any(|a| !a.malicious));
            }
            Lookup::Absent => s.absent += 1,
            Lookup::Unknown { reason } => {
                s.unknown += 1;
                // Entries share a handful of reasons: count without
                // copying the text each time.
                match s.unknown_reasons.get_mut(&**reason) {
                    Some(n) => *n += 1,
                    None => {
                        s.unknown_reasons.insert(reason.to_string(), 1);
                    }
                }
            }
        }
    }
    s
}

/// An HTTP date (`Last-Modified`) as RFC 3339.
fn http_date(text: &str) -> Option<String> {
    static PARSER: DateTimeParser = DateTimeParser::new();
    PARSER
        .parse_timestamp(text.trim())
        .ok()
        .map(|t| t.to_string())
}

fn minute(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn age(now: Timestamp, then: Timestamp) -> String {
    let seconds = now.as_second().saturating_sub(then.as_second()).max(0);
    let (n, unit) = match seconds {
        s if s < 3600 => (s / 60, "minute"),
        s if s < 2 * 86_400 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::export::Counts;

    fn meta(origin: Origin, last_modified: Option<&str>) -> IndexMeta {
        IndexMeta {
            origin,
            etag: Some("\"e\"".into()),
            last_modified: last_modified.map(str::to_string),
            downloaded_at: Some("2026-07-01T11:00:00Z".into()),
            indexed_at: "2026-07-01T11:00:05Z".into(),
            counts: Counts {
                entries: 41_210,
                npm: 41_203,
                invalid: 2,
                newest_modified: Some("2026-06-30T22:15:00Z".into()),
                ..Counts::default()
            },
            records: 41_203,
            duplicates: 0,
        }
    }

    #[test]
    fn the_database_line_states_source_and_age() {
        let now: Timestamp = "2026-07-03T10:30:00Z".parse().unwrap();
        let export = DbInfo::from_index(
            &meta(
                Origin::Export {
                    url: "https://osv.example/npm/all.zip".into(),
                },
                Some("Wed, 01 Jul 2026 10:00:00 GMT"),
            ),
            Some("2026-07-03T09:00:00Z".into()),
        );
        assert_eq!(
            export.line(now),
            "OSV export https://osv.example/npm/all.zip: 41,203 npm records \
             (2 entries skipped as unusable), data as of 2026-07-01 10:00 UTC (2 days old), \
             downloaded 2026-07-01 11:00 UTC, checked 2026-07-03 09:00 UTC"
        );
        let file = DbInfo::from_index(
            &meta(
                Origin::File {
                    path: "db/all.zip".into(),
                },
                None,
            ),
            None,
        );
        assert_eq!(
            file.line(now),
            "OSV export file db/all.zip: 41,203 npm records (2 entries skipped as unusable), \
             data as of 2026-06-30 22:15 UTC (newest record, 2 days old), downloaded 2026-07-01 11:00 UTC"
        );
        assert_eq!(
            DbInfo::api("https://api.osv.example/").line(now),
            "OSV API https://api.osv.example/, queried live"
        );
        assert_eq!(
            DbInfo::unavailable("offline, and none downloaded").line(now),
            "no advisory database (offline, and none downloaded): advisory evidence is unknown"
        );
    }

    #[test]
    fn ages_and_numbers_read_naturally() {
        let t: Timestamp = "2026-07-01T00:00:00Z".parse().unwrap();
        let plus = |s: i64| Timestamp::from_second(t.as_second() + s).unwrap();
        assert_eq!(age(plus(59), t), "0 minutes");
        assert_eq!(age(plus(60), t), "1 minute");
        assert_eq!(age(plus(3600), t), "1 hour");
        assert_eq!(age(plus(47 * 3600), t), "47 hours");
        assert_eq!(age(plus(2 * 86_400), t), "2 days");
        assert_eq!(
            age(t, plus(100)),
            "0 minutes",
            "a clock behind is not negative"
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn lookups_are_counted_by_state() {
        let s = summarize(
            DbInfo::unavailable("x"),
            &[
                Lookup::Absent,
                Lookup::Unknown { reason: "x".into() },
                Lookup::Present {
                    advisories: vec![],
                    incomplete: Some("y".into()),
                },
            ],
        );
        assert_eq!((s.present, s.absent, s.unknown, s.incomplete), (1, 1, 1, 1));
        assert_eq!(Lookup::Absent.state(), State::Absent);
    }
}
