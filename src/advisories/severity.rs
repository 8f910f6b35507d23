//! How bad an advisory says it is: GitHub's label, else a CVSS v3 base
//! score, else unrated.
//!
//! GitHub's reviewed advisories carry `database_specific.severity` (`LOW`,
//! `MODERATE`, `HIGH`, `CRITICAL`), set by people who read the advisory: it
//! wins. Otherwise the highest base score of the record's CVSS v3.0/v3.1
//! vectors is used, banded as the CVSS specification bands it. CVSS v4
//! vectors are not scored: v4 scores come from a table of 270 macro-vector
//! values that lockproof does not carry, and a guessed score would be worse
//! than an honest "unrated". An unrated advisory gets [`UNRATED`], which is
//! high: an advisory nobody rated must not slip under the default gate.

use serde::{Deserialize, Serialize};

use super::cvss::{self, Score, Version};
use crate::finding::Severity;

/// The severity of a `vulnerable-version` finding whose advisory states
/// none lockproof can use.
pub const UNRATED: Severity = Severity::High;

/// Longest vector string kept; real ones are under 150 characters.
const MAX_VECTOR: usize = 256;

/// GitHub's severity labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GitHubLevel {
    /// `LOW`.
    Low,
    /// `MODERATE`.
    Moderate,
    /// `HIGH`.
    High,
    /// `CRITICAL`.
    Critical,
}

impl GitHubLevel {
    /// Reads a label, ignoring case; `MEDIUM` is read as `MODERATE`.
    pub fn from_label(label: &str) -> Option<Self> {
        match label.trim().to_ascii_uppercase().as_str() {
            "LOW" => Some(Self::Low),
            "MODERATE" | "MEDIUM" => Some(Self::Moderate),
            "HIGH" => Some(Self::High),
            "CRITICAL" => Some(Self::Critical),
            _ => None,
        }
    }

    /// The label as GitHub writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Moderate => "MODERATE",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

/// What an advisory's severity rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "lowercase")]
pub enum Rating {
    /// GitHub's `database_specific.severity`.
    GitHub {
        /// The label.
        level: GitHubLevel,
    },
    /// The highest CVSS v3 base score among the record's vectors.
    Cvss {
        /// 3.0 or 3.1.
        version: Version,
        /// Base score in tenths.
        tenths: u8,
        /// The vector it was computed from (untrusted text, validated).
        vector: String,
    },
    /// Nothing usable: why.
    Unrated {
        /// E.g. "no severity given", "only CVSS v4 vectors".
        reason: String,
    },
}

impl Rating {
    /// The finding severity this rating maps to; `None` when unrated.
    pub fn severity(&self) -> Option<Severity> {
        match self {
            Self::GitHub { level } => Some(match level {
                GitHubLevel::Low => Severity::Low,
                GitHubLevel::Moderate => Severity::Medium,
                GitHubLevel::High => Severity::High,
                GitHubLevel::Critical => Severity::Critical,
            }),
            // CVSS v3.1 section 5: None 0.0, Low 0.1-3.9, Medium 4.0-6.9,
            // High 7.0-8.9, Critical 9.0-10.0.
            Self::Cvss { tenths, .. } => Some(match tenths {
                0 => Severity::Info,
                1..=39 => Severity::Low,
                40..=69 => Severity::Medium,
                70..=89 => Severity::High,
                _ => Severity::Critical,
            }),
            Self::Unrated { .. } => None,
        }
    }

    /// One short phrase for messages: "GitHub severity HIGH", "CVSS 3.1
    /// base score 9.8", "unrated: …".
    pub fn describe(&self) -> String {
        match self {
            Self::GitHub { level } => format!("GitHub severity {}", level.as_str()),
            Self::Cvss {
                version, tenths, ..
            } => {
                let v = match version {
                    Version::V30 => "3.0",
                    Version::V31 => "3.1",
                };
                format!("CVSS {v} base score {}", Score(*tenths))
            }
            Self::Unrated { reason } => format!("unrated: {reason}"),
        }
    }
}

/// One `severity[]` entry as OSV writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct RawSeverity {
    /// `CVSS_V3`, `CVSS_V4`, … (the vector's own prefix is what counts).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The vector.
    pub score: Option<String>,
}

/// Rates a record from GitHub's label (if any) and its `severity[]`.
pub fn rate(github_label: Option<&str>, severities: &[RawSeverity]) -> Rating {
    if let Some(level) = github_label.and_then(GitHubLevel::from_label) {
        return Rating::GitHub { level };
    }
    let mut best: Option<(Version, Score, &str)> = None;
    let mut notes = Vec::new();
    for s in severities {
        let Some(vector) = s.score.as_deref().filter(|v| v.len() <= MAX_VECTOR) else {
            notes.push("a severity without a usable vector");
            continue;
        };
        match cvss::base_score(vector) {
            Ok((version, score)) => {
                if best.is_none_or(|(_, b, _)| score > b) {
                    best = Some((version, score, vector));
                }
            }
            Err(_) if vector.starts_with("CVSS:4.") => {
                notes.push("a CVSS v4 vector, which lockproof does not score");
            }
            Err(cvss::VectorError::NotV3) => notes.push("a vector that is not CVSS v3"),
            Err(_) => notes.push("a malformed CVSS v3 vector"),
        }
    }
    match best {
        Some((version, Score(tenths), vector)) => Rating::Cvss {
            version,
            tenths,
            vector: vector.to_string(),
        },
        None if notes.is_empty() => Rating::Unrated {
            reason: "no severity given".into(),
        },
        None => {
            notes.dedup();
            Rating::Unrated {
                reason: format!("only {}", notes.join(", ")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(kind: &str, score: &str) -> RawSeverity {
        RawSeverity {
            kind: Some(kind.into()),
            score: Some(score.into()),
        }
    }

    const V31_CRIT: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const V31_MED: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N";
    const V4: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

    #[test]
    fn github_label_wins_over_cvss() {
        let r = rate(Some("moderate"), &[sev("CVSS_V3", V31_CRIT)]);
        assert_eq!(
            r,
            Rating::GitHub {
                level: GitHubLevel::Moderate
            }
        );
        assert_eq!(r.severity(), Some(Severity::Medium));
        for (label, s) in [
            ("LOW", Severity::Low),
            ("HIGH", Severity::High),
            ("CRITICAL", Severity::Critical),
        ] {
            assert_eq!(rate(Some(label), &[]).severity(), Some(s));
        }
    }

    #[test]
    fn the_highest_cvss_v3_score_counts_and_v4_is_unrated() {
        let r = rate(
            Some("unknown-label"),
            &[
                sev("CVSS_V3", V31_MED),
                sev("CVSS_V4", V4),
                sev("CVSS_V3", V31_CRIT),
            ],
        );
        assert!(matches!(r, Rating::Cvss { tenths: 98, .. }), "{r:?}");
        assert_eq!(r.severity(), Some(Severity::Critical));
        assert_eq!(r.describe(), "CVSS 3.1 base score 9.8");
        assert_eq!(
            rate(None, &[sev("CVSS_V3", V31_MED)]).severity(),
            Some(Severity::Medium)
        );
        let v4 = rate(None, &[sev("CVSS_V4", V4)]);
        assert_eq!(v4.severity(), None);
        assert!(v4.describe().contains("CVSS v4"), "{}", v4.describe());
        let none = rate(None, &[]);
        assert_eq!(none.describe(), "unrated: no severity given");
        let bad = rate(None, &[sev("CVSS_V3", "CVSS:3.1/AV:N")]);
        assert!(bad.describe().contains("malformed"), "{}", bad.describe());
    }

    #[test]
    fn cvss_bands_follow_the_specification() {
        let band = |tenths| {
            Rating::Cvss {
                version: Version::V31,
                tenths,
                vector: String::new(),
            }
            .severity()
        };
        assert_eq!(band(0), Some(Severity::Info));
        assert_eq!(band(1), Some(Severity::Low));
        assert_eq!(band(39), Some(Severity::Low));
        assert_eq!(band(40), Some(Severity::Medium));
        assert_eq!(band(69), Some(Severity::Medium));
        assert_eq!(band(70), Some(Severity::High));
        assert_eq!(band(89), Some(Severity::High));
        assert_eq!(band(90), Some(Severity::Critical));
        assert_eq!(band(100), Some(Severity::Critical));
    }
}
