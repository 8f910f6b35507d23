//! The trust ladder: how much verified evidence vouches for a version, and
//! how that compares with the package's earlier releases.
//!
//! The attacks of 2025–2026 published versions with stolen tokens: the new
//! version lacked what every earlier release had (provenance, a trusted
//! publisher, an approved staged publish). A version below the level its
//! package had already reached is the signal. Earlier versions are ranked
//! by which evidence fields they carry (verifying every historical bundle
//! would cost a fetch each); the locked version by what lockproof verified
//! itself, or by its own fields when nothing could be verified.
//!
//! Which earlier releases count, and which levels count as one, is the
//! project's choice ([`Ladder`]); the history kept for each version
//! ([`History`]) holds every release that could be the baseline under any
//! ladder, so records cached on disk serve every configuration.

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
    /// Every level, lowest first.
    pub const ALL: [TrustLevel; 5] = [
        TrustLevel::None,
        TrustLevel::Signed,
        TrustLevel::Provenance,
        TrustLevel::TrustedPublisher,
        TrustLevel::Staged,
    ];

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
        Self::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// The level a version document's fields claim, without verifying
    /// anything: how earlier releases are ranked. Provenance and a trusted
    /// publisher count only with `dist.attestations.provenance`, as pnpm
    /// counts them: a trusted publish from a private repository carries
    /// npm's publish attestation and no provenance.
    pub fn claimed(fields: &Fields) -> TrustLevel {
        if fields.approver.is_some() {
            TrustLevel::Staged
        } else if fields.trusted_publisher && fields.provenance {
            TrustLevel::TrustedPublisher
        } else if fields.provenance {
            TrustLevel::Provenance
        } else if fields.signed {
            TrustLevel::Signed
        } else {
            TrustLevel::None
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The trust-relevant fields of one version document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    /// `dist.signatures` is present and not empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signed: bool,
    /// `dist.attestations` is present: the registry has attestations to
    /// fetch.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub attestations: bool,
    /// `dist.attestations.provenance` is present: one of them is said to
    /// be SLSA provenance.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provenance: bool,
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

/// Which earlier releases set a version's baseline (`[trust] history`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistoryScope {
    /// Releases of the version's own line ([`line_of`]): a maintenance
    /// line is not held to the evidence of a newer major, as npm's
    /// proposal (npm/cli#9902) and pnpm's users (pnpm/pnpm#10202) ask.
    #[default]
    Major,
    /// Every earlier release, whatever its line.
    All,
}

impl HistoryScope {
    /// The name configuration uses.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryScope::Major => "major",
            HistoryScope::All => "all",
        }
    }

    /// The scope named `name`.
    pub fn from_name(name: &str) -> Option<HistoryScope> {
        [HistoryScope::Major, HistoryScope::All]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// Levels that count as one when versions are compared (`[trust]
/// equivalent`), so a project that alternates between two release modes
/// is not reported on every switch.
///
/// A group stands for every level from its lowest to its highest:
/// declaring `provenance` and `staged` equivalent makes
/// `trusted-publisher`, between them, equivalent too. Groups that share a
/// level merge. Each level ranks as the lowest level of its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Equivalence {
    rank: [TrustLevel; 5],
}

impl Default for Equivalence {
    fn default() -> Self {
        Self {
            rank: TrustLevel::ALL,
        }
    }
}

impl Equivalence {
    /// The equivalence `groups` declare.
    pub fn of(groups: &[Vec<TrustLevel>]) -> Self {
        let mut spans: Vec<(TrustLevel, TrustLevel)> = groups
            .iter()
            .filter_map(|g| Some((*g.iter().min()?, *g.iter().max()?)))
            .collect();
        spans.sort();
        let mut merged: Vec<(TrustLevel, TrustLevel)> = Vec::new();
        for (lo, hi) in spans {
            match merged.last_mut() {
                Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        let mut out = Self::default();
        for (lo, hi) in merged {
            for level in TrustLevel::ALL {
                if (lo..=hi).contains(&level) {
                    out.rank[level.index()] = lo;
                }
            }
        }
        out
    }

    /// The rank `level` compares by: the lowest level it is equivalent to.
    pub fn rank(&self, level: TrustLevel) -> TrustLevel {
        self.rank[level.index()]
    }
}

/// How one package's versions are compared with its earlier releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ladder {
    /// Which earlier releases count.
    pub scope: HistoryScope,
    /// Which levels count as one.
    pub equivalence: Equivalence,
}

impl Ladder {
    /// Whether `level` is below `baseline` on this ladder.
    pub fn below(&self, level: TrustLevel, baseline: TrustLevel) -> bool {
        self.equivalence.rank(level) < self.equivalence.rank(baseline)
    }
}

/// A version's release line, as npm's ranges draw them: its major
/// version, or for 0.x its minor (`^0.3.1` and `~0.3.1` never install
/// 0.4.0, so 0.3 and 0.4 are different lines). Every 0.0.x is one line
/// 0.0, the reach of `~0.0.1`; were each 0.0.x its own line, as `^0.0.1`
/// has it, no 0.0.x release would ever have a history. `None` for a
/// version that is not semver.
pub fn line_of(version: &str) -> Option<(u64, u64)> {
    node_semver::Version::parse(version)
        .ok()
        .as_ref()
        .map(line_of_semver)
}

fn line_of_semver(v: &node_semver::Version) -> (u64, u64) {
    if v.major > 0 {
        (v.major, 0)
    } else {
        (0, v.minor)
    }
}

/// One earlier release, as the baseline or the previous release names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earlier {
    /// Its version.
    pub version: String,
    /// The level its fields claim.
    pub level: TrustLevel,
    /// Its fields. (Not flattened: serde's flatten buffers the whole
    /// object, and every cached record carries several of these.)
    pub fields: Fields,
}

/// What a package's history says about one of its versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Of the releases published strictly before this version, for each
    /// claimed level the last one at that level, in publish order: every
    /// release that can be the baseline, whatever the ladder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Earlier>,
    /// The same among the releases of this version's own line; `None`
    /// when the version is not semver and has no line, and then every
    /// release counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_candidates: Option<Vec<Earlier>>,
    /// The release published last before this version, whatever its line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Earlier>,
    /// When the package itself was first published: the packument's
    /// `time.created`, else its earliest version's time (RFC 3339, as the
    /// registry wrote it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_published: Option<String>,
}

impl History {
    /// The release a reader would compare this version with on `ladder`:
    /// the last published of those at the highest rank.
    pub fn baseline(&self, ladder: &Ladder) -> Option<&Earlier> {
        let candidates = match (ladder.scope, &self.line_candidates) {
            (HistoryScope::Major, Some(line)) => line,
            _ => &self.candidates,
        };
        // In publish order, so of equal ranks the later one wins.
        candidates
            .iter()
            .fold(None::<&Earlier>, |best, e| match best {
                Some(b) if ladder.equivalence.rank(b.level) > ladder.equivalence.rank(e.level) => {
                    Some(b)
                }
                _ => Some(e),
            })
    }
}

/// One version of the package: version, publish time (RFC 3339 as the
/// registry wrote it), fields.
pub type Release<'a> = (&'a str, &'a str, &'a Fields);

/// Every release of a package, each placed once (publish time, line,
/// claimed level), in publish order: what the history of each wanted
/// version is drawn from, without parsing a release again per version.
/// Releases without a publish time cannot be placed and do not count.
pub struct Releases<'a> {
    placed: Vec<Placed<'a>>,
}

struct Placed<'a> {
    at: jiff::Timestamp,
    time: &'a str,
    version: &'a str,
    fields: &'a Fields,
    level: TrustLevel,
    prerelease: bool,
    line: Option<(u64, u64)>,
}

impl<'a> Releases<'a> {
    /// Places `releases`.
    pub fn new(releases: &[Release<'a>]) -> Self {
        let mut placed: Vec<Placed<'a>> = releases
            .iter()
            .filter_map(|&(version, time, fields)| {
                let semver = node_semver::Version::parse(version).ok();
                Some(Placed {
                    at: time.parse().ok()?,
                    time,
                    version,
                    fields,
                    level: TrustLevel::claimed(fields),
                    prerelease: semver
                        .as_ref()
                        .map_or(version.contains('-'), |v| v.is_prerelease()),
                    line: semver.as_ref().map(line_of_semver),
                })
            })
            .collect();
        placed.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.version.cmp(b.version)));
        Self { placed }
    }

    /// The publish time of the earliest release, as the registry wrote it.
    pub fn earliest(&self) -> Option<&'a str> {
        self.placed.first().map(|p| p.time)
    }

    /// The history of `version`, published at `published`. Prereleases
    /// do not count unless `version` is one, so a `-beta` published with
    /// provenance does not raise the bar for the next release. A version
    /// without a publish time has no history.
    pub fn history(&self, version: &str, published: Option<&str>) -> History {
        let Some(at) = published.and_then(|t| t.parse::<jiff::Timestamp>().ok()) else {
            return History::default();
        };
        let include_pre = is_prerelease(version);
        let before = self.placed.partition_point(|p| p.at < at);
        let earlier = || {
            self.placed[..before]
                .iter()
                .filter(move |p| p.version != version && (include_pre || !p.prerelease))
        };
        let line = line_of(version);
        History {
            candidates: last_per_level(earlier()),
            line_candidates: line
                .map(|line| last_per_level(earlier().filter(|p| p.line == Some(line)))),
            previous: earlier().next_back().map(Placed::earlier),
            first_published: None,
        }
    }
}

impl Placed<'_> {
    fn earlier(&self) -> Earlier {
        Earlier {
            version: self.version.to_owned(),
            level: self.level,
            fields: self.fields.clone(),
        }
    }
}

/// Of `releases` (in publish order), the last one at each claimed level,
/// in publish order.
fn last_per_level<'p, 'a: 'p>(releases: impl Iterator<Item = &'p Placed<'a>>) -> Vec<Earlier> {
    let mut last: [Option<(usize, &Placed<'a>)>; 5] = [None; 5];
    for (i, p) in releases.enumerate() {
        last[p.level.index()] = Some((i, p));
    }
    let mut kept: Vec<(usize, &Placed<'a>)> = last.into_iter().flatten().collect();
    kept.sort_by_key(|(i, _)| *i);
    kept.into_iter().map(|(_, p)| p.earlier()).collect()
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
            provenance: true,
            trusted_publisher: true,
            publisher: Some("GitHub Actions".into()),
            approver: Some(by.into()),
            integrity: None,
        }
    }

    fn trusted() -> Fields {
        Fields {
            approver: None,
            ..staged("")
        }
    }

    fn token() -> Fields {
        Fields {
            signed: true,
            publisher: Some("someone".into()),
            ..Fields::default()
        }
    }

    fn day(d: u32) -> String {
        format!("2026-06-{d:02}T00:00:00Z")
    }

    fn baseline_of(h: &History, ladder: &Ladder) -> Option<(String, TrustLevel)> {
        h.baseline(ladder).map(|b| (b.version.clone(), b.level))
    }

    #[test]
    fn the_axios_pattern_sets_the_baseline_at_the_last_staged_release() {
        let (s, t) = (staged("alice"), token());
        let days = [day(1), day(2), day(3)];
        let releases = [
            ("1.0.0", days[0].as_str(), &s),
            ("1.4.0", days[1].as_str(), &s),
            ("1.4.1", days[2].as_str(), &t),
        ];
        let h = Releases::new(&releases).history("1.4.1", Some(&days[2]));
        for scope in [HistoryScope::Major, HistoryScope::All] {
            let ladder = Ladder {
                scope,
                ..Ladder::default()
            };
            assert_eq!(
                baseline_of(&h, &ladder),
                Some(("1.4.0".into(), TrustLevel::Staged)),
                "the last release at that level"
            );
        }
        assert_eq!(h.previous.expect("previous").version, "1.4.0");
        assert_eq!(TrustLevel::claimed(&t), TrustLevel::Signed);
    }

    #[test]
    fn prereleases_and_later_versions_do_not_count() {
        let (s, t) = (staged("alice"), token());
        let days = [day(1), day(2), day(3), day(4)];
        let releases = [
            ("1.0.0", days[0].as_str(), &t),
            ("2.0.0-beta.1", days[1].as_str(), &s),
            ("2.0.0", days[2].as_str(), &t),
            ("3.0.0", days[3].as_str(), &s),
        ];
        let all = Ladder {
            scope: HistoryScope::All,
            ..Ladder::default()
        };
        let h = Releases::new(&releases).history("2.0.0", Some(&days[2]));
        assert_eq!(baseline_of(&h, &all).map(|b| b.1), Some(TrustLevel::Signed));
        assert_eq!(baseline_of(&h, &Ladder::default()), None, "first of 2.x");
        let pre = Releases::new(&releases).history("2.0.0-beta.2", Some("2026-06-02T01:00:00Z"));
        assert_eq!(
            baseline_of(&pre, &Ladder::default()).map(|b| b.0),
            Some("2.0.0-beta.1".into())
        );
        assert_eq!(
            Releases::new(&releases).history("1.0.0", None),
            History::default()
        );
    }

    #[test]
    fn the_major_scope_keeps_maintenance_lines_apart() {
        let (s, t) = (staged("alice"), token());
        let days = [day(1), day(2), day(3), day(4)];
        let releases = [
            ("1.0.0", days[0].as_str(), &t),
            ("2.0.0", days[1].as_str(), &s),
            ("1.0.1", days[2].as_str(), &t),
            ("0.9.1", days[3].as_str(), &t),
        ];
        let h = Releases::new(&releases).history("1.0.1", Some(&days[2]));
        assert_eq!(
            baseline_of(&h, &Ladder::default()),
            Some(("1.0.0".into(), TrustLevel::Signed))
        );
        let all = Ladder {
            scope: HistoryScope::All,
            ..Ladder::default()
        };
        assert_eq!(
            baseline_of(&h, &all),
            Some(("2.0.0".into(), TrustLevel::Staged))
        );
        assert_eq!(h.previous.map(|p| p.version), Some("2.0.0".into()));
        // Not semver: no line, so every release counts.
        let odd = Releases::new(&releases).history("latest-ish", Some(&days[3]));
        assert_eq!(odd.line_candidates, None);
        assert_eq!(
            baseline_of(&odd, &Ladder::default()).map(|b| b.1),
            Some(TrustLevel::Staged)
        );
    }

    #[test]
    fn zero_major_lines_follow_npm_ranges() {
        assert_eq!(line_of("0.3.9"), Some((0, 3)));
        assert_ne!(line_of("0.3.9"), line_of("0.4.0"));
        assert_eq!(line_of("0.0.1"), line_of("0.0.7"));
        assert_eq!(line_of("4.2.0"), line_of("4.0.0-rc.1"));
        assert_ne!(line_of("1.0.0"), line_of("0.1.0"));
        assert_eq!(line_of("one"), None);
    }

    #[test]
    fn equivalent_levels_rank_as_the_lowest_of_their_span() {
        use TrustLevel::*;
        let eq = Equivalence::of(&[vec![Staged, TrustedPublisher]]);
        assert_eq!(eq.rank(Staged), TrustedPublisher);
        assert_eq!(eq.rank(Provenance), Provenance);
        assert_eq!(eq.rank(TrustedPublisher), TrustedPublisher);
        let span = Equivalence::of(&[vec![Staged, Provenance]]);
        assert_eq!(span.rank(TrustedPublisher), Provenance, "between the two");
        let chained =
            Equivalence::of(&[vec![Signed, Provenance], vec![TrustedPublisher, Provenance]]);
        assert_eq!(chained.rank(TrustedPublisher), Signed);
        assert_eq!(chained.rank(Staged), Staged);
        let apart = Equivalence::of(&[vec![Signed, Provenance], vec![TrustedPublisher, Staged]]);
        assert_eq!(
            TrustLevel::ALL.map(|l| apart.rank(l)),
            [None, Signed, Signed, TrustedPublisher, TrustedPublisher],
            "adjacent groups stay apart"
        );
        assert_eq!(Equivalence::of(&[]), Equivalence::default());
    }

    #[test]
    fn alternating_release_modes_stop_alarming_when_declared_equivalent() {
        let (s, tp) = (staged("alice"), trusted());
        let days = [day(1), day(2), day(3)];
        let releases = [
            ("4.0.0", days[0].as_str(), &s),
            ("4.1.0", days[1].as_str(), &tp),
            ("4.2.0", days[2].as_str(), &s),
        ];
        let h = Releases::new(&releases).history("4.1.0", Some(&days[1]));
        let plain = Ladder::default();
        let base = h.baseline(&plain).expect("baseline");
        assert!(plain.below(TrustLevel::TrustedPublisher, base.level));
        let eased = Ladder {
            equivalence: Equivalence::of(&[vec![TrustLevel::Staged, TrustLevel::TrustedPublisher]]),
            ..plain
        };
        let base = h.baseline(&eased).expect("baseline");
        assert!(!eased.below(TrustLevel::TrustedPublisher, base.level));
        assert!(eased.below(TrustLevel::Signed, base.level));
    }

    #[test]
    fn provenance_counts_only_when_the_document_says_so() {
        let attested_only = Fields {
            attestations: true,
            trusted_publisher: true,
            signed: true,
            ..Fields::default()
        };
        assert_eq!(TrustLevel::claimed(&attested_only), TrustLevel::Signed);
        assert_eq!(
            TrustLevel::claimed(&trusted()),
            TrustLevel::TrustedPublisher
        );
    }
}
