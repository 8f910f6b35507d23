//! Judging one entry's advisories: pure, no I/O. Known malware becomes
//! `known-malicious` (critical); any other advisory `vulnerable-version`,
//! at the advisory's own severity.
//!
//! An advisory that lockproof could not rule out (a range it could not
//! evaluate) is reported all the same, saying so: failing closed costs a
//! look at one advisory, failing open would hide it. Unknown evidence
//! gives no finding here; it is counted in the report (and `--strict`
//! fails on it).

use serde::Serialize;

use super::evidence::Lookup;
use super::matching;
use super::merge::Advisory;
use super::osv::Reference;
use crate::finding::{AdvisoryIds, Code, Finding, Location, PackageRef, Severity};

/// A finding about one advisory, before it is placed in a lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvisoryFinding {
    /// `known-malicious` or `vulnerable-version`.
    pub code: Code,
    /// Critical for malware; otherwise the advisory's.
    pub severity: Severity,
    /// One sentence naming the advisory (quotes its untrusted summary).
    pub message: String,
    /// The advisory: id, aliases, summary, rating, fixed versions,
    /// references.
    pub advisory: Advisory,
}

impl AdvisoryFinding {
    /// The finding, about `package` at `location`.
    pub fn into_finding(self, package: PackageRef, location: Location) -> Finding {
        Finding {
            severity: self.severity,
            advisory: Some(AdvisoryIds {
                id: self.advisory.id.clone(),
                aliases: self.advisory.aliases.clone(),
            }),
            ..Finding::new(self.code, Some(package), self.message, location)
        }
    }
}

/// The findings for `name@version` from what the database said.
pub fn judge(name: &str, version: &str, lookup: &Lookup) -> Vec<AdvisoryFinding> {
    lookup
        .advisories()
        .iter()
        .map(|a| finding(name, version, a))
        .collect()
}

fn finding(name: &str, version: &str, advisory: &Advisory) -> AdvisoryFinding {
    let also = if advisory.aliases.is_empty() {
        String::new()
    } else {
        format!(" (also {})", advisory.aliases.join(", "))
    };
    let summary = if advisory.summary.is_empty() {
        String::new()
    } else {
        format!(": {}", advisory.summary)
    };
    let maybe = advisory
        .undecided
        .as_ref()
        .map(|why| format!(" lockproof could not rule it out: {why}."))
        .unwrap_or_default();
    let see = reference(&advisory.references)
        .map(|url| format!(" See {url}"))
        .unwrap_or_default();
    let id = &advisory.id;
    let (code, severity, message) = if advisory.malicious {
        let verb = if maybe.is_empty() { "is" } else { "may be" };
        (
            Code::KnownMalicious,
            Severity::Critical,
            format!("{name}@{version} {verb} known malware: {id}{also}{summary}.{maybe}{see}"),
        )
    } else {
        let verb = if maybe.is_empty() {
            "is affected by"
        } else {
            "may be affected by"
        };
        (
            Code::VulnerableVersion,
            advisory.severity(),
            format!(
                "{name}@{version} {verb} {id}{also}{summary} ({}; {}).{maybe}{see}",
                advisory.rating.describe(),
                fixes(version, &advisory.fixed)
            ),
        )
    };
    AdvisoryFinding {
        code,
        severity,
        message,
        advisory: advisory.clone(),
    }
}

/// "fixed in 1.4.2, 2.1.0": the fixed versions an upgrade from `version`
/// can reach.
fn fixes(version: &str, fixed: &[String]) -> String {
    let ahead: Vec<&str> = fixed
        .iter()
        .filter(|f| matching::is_newer(f, version))
        .map(String::as_str)
        .collect();
    match (ahead.is_empty(), fixed.is_empty()) {
        (false, _) => format!("fixed in {}", ahead.join(", ")),
        (true, true) => "no fixed version is published".into(),
        (true, false) => format!("no fixed version above {version} is published"),
    }
}

/// The advisory's own page if it lists one, else its first link.
fn reference(references: &[Reference]) -> Option<&str> {
    references
        .iter()
        .find(|r| r.kind.as_deref() == Some("ADVISORY"))
        .or(references.first())
        .map(|r| r.url.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::cvss::Version;
    use crate::advisories::severity::{GitHubLevel, Rating};

    fn advisory(id: &str) -> Advisory {
        Advisory {
            id: id.into(),
            aliases: vec![],
            records: vec![id.into()],
            summary: String::new(),
            malicious: false,
            rating: Rating::Unrated {
                reason: "no severity given".into(),
            },
            fixed: vec![],
            references: vec![],
            undecided: None,
        }
    }

    fn present(advisories: Vec<Advisory>) -> Lookup {
        Lookup::Present {
            advisories,
            incomplete: None,
        }
    }

    #[test]
    fn malware_is_critical_and_named_with_its_summary() {
        let mal = Advisory {
            aliases: vec!["GHSA-xxxx-yyyy-zzzz".into()],
            summary: "Malicious code in evil-pkg (npm)".into(),
            malicious: true,
            references: vec![
                Reference {
                    kind: Some("WEB".into()),
                    url: "https://example.invalid/blog".into(),
                },
                Reference {
                    kind: Some("ADVISORY".into()),
                    url: "https://example.invalid/MAL-2026-77".into(),
                },
            ],
            ..advisory("MAL-2026-77")
        };
        let out = judge("evil-pkg", "9.9.9", &present(vec![mal]));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].code, Code::KnownMalicious);
        assert_eq!(out[0].severity, Severity::Critical);
        assert_eq!(
            out[0].message,
            "evil-pkg@9.9.9 is known malware: MAL-2026-77 (also GHSA-xxxx-yyyy-zzzz): \
             Malicious code in evil-pkg (npm). See https://example.invalid/MAL-2026-77"
        );
    }

    #[test]
    fn vulnerabilities_carry_the_advisory_severity_and_the_fixes_ahead() {
        let high = Advisory {
            aliases: vec!["CVE-2026-1001".into()],
            summary: "Prototype pollution".into(),
            rating: Rating::GitHub {
                level: GitHubLevel::High,
            },
            fixed: vec!["1.4.2".into(), "2.1.0".into()],
            ..advisory("GHSA-semv-0001")
        };
        let cvss = Advisory {
            rating: Rating::Cvss {
                version: Version::V31,
                tenths: 54,
                vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N".into(),
            },
            fixed: vec!["1.0.0".into()],
            ..advisory("GHSA-cvss")
        };
        let unrated = advisory("GHSA-none");
        let out = judge("semver-range", "2.0.5", &present(vec![high, cvss, unrated]));
        assert_eq!(
            out.iter().map(|f| (f.code, f.severity)).collect::<Vec<_>>(),
            [
                (Code::VulnerableVersion, Severity::High),
                (Code::VulnerableVersion, Severity::Medium),
                (Code::VulnerableVersion, Severity::High),
            ]
        );
        assert_eq!(
            out[0].message,
            "semver-range@2.0.5 is affected by GHSA-semv-0001 (also CVE-2026-1001): \
             Prototype pollution (GitHub severity HIGH; fixed in 2.1.0)."
        );
        assert_eq!(
            out[1].message,
            "semver-range@2.0.5 is affected by GHSA-cvss (CVSS 3.1 base score 5.4; \
             no fixed version above 2.0.5 is published)."
        );
        assert_eq!(
            out[2].message,
            "semver-range@2.0.5 is affected by GHSA-none (unrated: no severity given; \
             no fixed version is published)."
        );
    }

    #[test]
    fn what_could_not_be_ruled_out_says_so() {
        let maybe = Advisory {
            undecided: Some("event version \"next\" is not a SemVer version".into()),
            ..advisory("GHSA-odd")
        };
        let out = judge("p", "1.0.0", &present(vec![maybe.clone()]));
        assert!(
            out[0]
                .message
                .starts_with("p@1.0.0 may be affected by GHSA-odd")
        );
        assert!(
            out[0]
                .message
                .contains("could not rule it out: event version")
        );
        let mal = Advisory {
            malicious: true,
            ..maybe
        };
        let out = judge("p", "1.0.0", &present(vec![mal]));
        assert!(out[0].message.starts_with("p@1.0.0 may be known malware"));
        assert_eq!(out[0].severity, Severity::Critical);
    }

    #[test]
    fn absent_and_unknown_evidence_give_no_finding() {
        assert!(judge("p", "1.0.0", &Lookup::Absent).is_empty());
        assert!(
            judge(
                "p",
                "1.0.0",
                &Lookup::Unknown {
                    reason: "offline".into()
                }
            )
            .is_empty()
        );
    }

    #[test]
    fn a_finding_is_placed_in_its_lockfile() {
        let f = judge("p", "1.0.0", &present(vec![advisory("GHSA-a")]))
            .remove(0)
            .into_finding(
                PackageRef {
                    name: "p".into(),
                    version: Some("1.0.0".into()),
                    path: "node_modules/p".into(),
                },
                Location {
                    file: "package-lock.json".into(),
                    line: 12,
                },
            );
        assert_eq!(f.code, Code::VulnerableVersion);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.location.line, 12);
    }
}
