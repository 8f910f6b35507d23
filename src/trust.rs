//! The trust ladder: how much verified evidence vouches for a version, and
//! how that compares with the package's earlier releases.
//!
//! The attacks of 2025–2026 published versions with stolen tokens: the new
//! version lacked what every earlier release had (provenance, a trusted
//! publisher, an approved staged publish). A version below the level its
//! package had already reached is the signal. Earlier versions are ranked
//! by which evidence fields they carry (verifying every historical bundle
//! would cost a fetch each); the locked version only by what lockproof
//! verified itself.

use serde::{Deserialize, Serialize};

/// Rungs of the ladder, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustLevel {
    /// No evidence beyond the registry's word.
    None,
    /// A registry signature.
    Signed,
    /// Provenance.
    Provenance,
    /// Published by a trusted (OIDC) publisher, with provenance.
    TrustedPublisher,
    /// A staged publish approved by a maintainer (with 2FA).
    Staged,
}

impl TrustLevel {
    /// Kebab-case name, as reports and configuration write it.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustLevel::None => "none",
            TrustLevel::Signed => "signed",
            TrustLevel::Provenance => "provenance",
            TrustLevel::TrustedPublisher => "trusted-publisher",
            TrustLevel::Staged => "staged",
        }
    }

    /// The level named `name` (kebab-case).
    pub fn from_name(name: &str) -> Option<TrustLevel> {
        [
            TrustLevel::None,
            TrustLevel::Signed,
            TrustLevel::Provenance,
            TrustLevel::TrustedPublisher,
            TrustLevel::Staged,
        ]
        .into_iter()
        .find(|l| l.as_str() == name)
    }

    /// The level a version document's fields claim, without verifying
    /// anything: how earlier releases are ranked.
    pub fn claimed(fields: &Fields) -> TrustLevel {
        if fields.approver.is_some() {
            TrustLevel::Staged
        } else if fields.trusted_publisher && fields.attestations {
            TrustLevel::TrustedPublisher
        } else if fields.attestations {
            TrustLevel::Provenance
        } else if fields.signed {
            TrustLevel::Signed
        } else {
            TrustLevel::None
        }
    }
}

/// The trust-relevant fields of one version document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    /// `dist.signatures` is present and not empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signed: bool,
    /// `dist.attestations` is present.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub attestations: bool,
    /// `_npmUser.trustedPublisher` is present.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trusted_publisher: bool,
    /// `_npmUser.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// `_npmUser.approver.name` (staged publish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// `dist.integrity`: what the previous release's attestations must be
    /// about when its identity is compared with this one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
}

/// One earlier release, as the baseline or the previous release names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earlier {
    /// Its version.
    pub version: String,
    /// The level its fields claim.
    pub level: TrustLevel,
    /// Its fields. (Not flattened: serde's flatten buffers the whole
    /// object, and every cached record carries two of these.)
    pub fields: Fields,
}

/// What a package's history says about one of its versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The last-published release with the highest level among those
    /// published strictly before this version: the one a reader would
    /// compare with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Earlier>,
    /// The release published last before this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Earlier>,
}

/// One version of the package: version, publish time (RFC 3339 as the
/// registry wrote it), fields.
pub type Release<'a> = (&'a str, &'a str, &'a Fields);

/// The history of `version` among `releases`. Prereleases do not count
/// unless `version` is one, so a `-beta` published with provenance does
/// not raise the bar for the next release. Versions without a publish
/// time cannot be placed and do not count.
pub fn history(version: &str, published: Option<&str>, releases: &[Release<'_>]) -> History {
    let Some(at) = published.and_then(|t| t.parse::<jiff::Timestamp>().ok()) else {
        return History::default();
    };
    let include_pre = is_prerelease(version);
    let mut earlier: Vec<(jiff::Timestamp, &str, &Fields)> = releases
        .iter()
        .filter(|(v, _, _)| *v != version && (include_pre || !is_prerelease(v)))
        .filter_map(|(v, t, f)| Some((t.parse::<jiff::Timestamp>().ok()?, *v, *f)))
        .filter(|(t, _, _)| *t < at)
        .collect();
    earlier.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let earlier_of = |(_, v, f): &(jiff::Timestamp, &str, &Fields)| Earlier {
        version: (*v).to_owned(),
        level: TrustLevel::claimed(f),
        fields: (*f).clone(),
    };
    let baseline = earlier
        .iter()
        .map(earlier_of)
        .fold(None::<Earlier>, |best, e| match best {
            Some(b) if b.level > e.level => Some(b),
            _ => Some(e),
        });
    History {
        baseline,
        previous: earlier.last().map(earlier_of),
    }
}

fn is_prerelease(version: &str) -> bool {
    node_semver::Version::parse(version).map_or(version.contains('-'), |v| v.is_prerelease())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(by: &str) -> Fields {
        Fields {
            signed: true,
            attestations: true,
            trusted_publisher: true,
            publisher: Some("GitHub Actions".into()),
            approver: Some(by.into()),
            integrity: None,
        }
    }

    fn token() -> Fields {
        Fields {
            signed: true,
            publisher: Some("someone".into()),
            ..Fields::default()
        }
    }

    #[test]
    fn the_axios_pattern_sets_the_baseline_at_the_last_staged_release() {
        let s = staged("alice");
        let t = token();
        let releases = [
            ("1.0.0", "2026-06-01T00:00:00Z", &s),
            ("1.4.0", "2026-07-01T00:00:00Z", &s),
            ("1.4.1", "2026-08-01T00:00:00Z", &t),
        ];
        let h = history("1.4.1", Some("2026-08-01T00:00:00Z"), &releases);
        let baseline = h.baseline.expect("baseline");
        assert_eq!(baseline.level, TrustLevel::Staged);
        assert_eq!(baseline.version, "1.4.0", "the last release at that level");
        assert_eq!(h.previous.expect("previous").version, "1.4.0");
        assert_eq!(TrustLevel::claimed(&t), TrustLevel::Signed);
    }

    #[test]
    fn prereleases_and_later_versions_do_not_count() {
        let s = staged("alice");
        let t = token();
        let releases = [
            ("1.0.0", "2026-06-01T00:00:00Z", &t),
            ("2.0.0-beta.1", "2026-07-01T00:00:00Z", &s),
            ("2.0.0", "2026-08-01T00:00:00Z", &t),
            ("3.0.0", "2026-09-01T00:00:00Z", &s),
        ];
        let h = history("2.0.0", Some("2026-08-01T00:00:00Z"), &releases);
        assert_eq!(h.baseline.map(|b| b.level), Some(TrustLevel::Signed));
        let pre = history("2.0.0-beta.2", Some("2026-07-02T00:00:00Z"), &releases);
        assert_eq!(pre.baseline.map(|b| b.version), Some("2.0.0-beta.1".into()));
        assert_eq!(history("1.0.0", None, &releases), History::default());
    }
}
