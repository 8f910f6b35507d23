//! What the report shows of the evidence: counts per state and trust
//! level, entries grouped by why their evidence is unknown, each registry
//! entry's trust level, and where each verified provenance was built.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::model::{Evidence, Metadata, Signatures, State};
use super::provenance::{Provenance, ProvenanceFacts};
use super::unknown::Unknown;
use crate::hashing;
use crate::lockfile::Lockfile;
use crate::trust::{Ladder, TrustLevel};

/// Entries per trust level (verified evidence only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TrustCounts {
    /// Approved staged publish.
    pub staged: usize,
    /// Trusted publisher with matching verified provenance.
    pub trusted_publisher: usize,
    /// Verified provenance.
    pub provenance: usize,
    /// Verified registry signature only.
    pub signed: usize,
    /// None of these.
    pub none: usize,
    /// The registry does not serve the evidence.
    pub unknown: usize,
}

impl TrustCounts {
    fn add(&mut self, level: Option<TrustLevel>) {
        *match level {
            Some(TrustLevel::Staged) => &mut self.staged,
            Some(TrustLevel::TrustedPublisher) => &mut self.trusted_publisher,
            Some(TrustLevel::Provenance) => &mut self.provenance,
            Some(TrustLevel::Signed) => &mut self.signed,
            Some(TrustLevel::None) => &mut self.none,
            None => &mut self.unknown,
        } += 1;
    }
}

impl std::ops::AddAssign for TrustCounts {
    fn add_assign(&mut self, o: TrustCounts) {
        self.staged += o.staged;
        self.trusted_publisher += o.trusted_publisher;
        self.provenance += o.provenance;
        self.signed += o.signed;
        self.none += o.none;
        self.unknown += o.unknown;
    }
}

/// One registry entry's trust level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryTrust {
    /// The entry's path in the lockfile.
    pub path: String,
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Level from verified evidence; `null` when unknown.
    pub level: Option<TrustLevel>,
    /// Level the version document's fields claim (unverified).
    pub claimed: Option<TrustLevel>,
    /// The release that sets the package's baseline, and its claimed level.
    pub baseline: Option<String>,
}

/// An entry whose provenance verified, with what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedProvenance {
    /// The entry's path in the lockfile.
    pub path: String,
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// What the verified provenance says.
    #[serde(flatten)]
    pub facts: ProvenanceFacts,
}

impl Evidence {
    /// Every registry entry's trust level, in lockfile order, with its
    /// baseline on the ladder `ladder` gives for its package.
    pub fn trust_levels(
        &self,
        lockfile: &Lockfile,
        ladder: impl Fn(&str) -> Ladder,
    ) -> Vec<EntryTrust> {
        // Room for every entry up front (nearly all come from a registry):
        // growing the list as it fills copies it whole each time.
        let mut levels = Vec::with_capacity(self.entries.len());
        levels.extend(
            lockfile
                .entries
                .iter()
                .zip(&self.entries)
                .filter_map(|(entry, ev)| {
                    let ev = ev.as_ref()?;
                    let record = match &ev.metadata {
                        Metadata::Found(r) => Some(r),
                        _ => None,
                    };
                    Some(EntryTrust {
                        path: entry.path.clone(),
                        name: entry.name.clone(),
                        version: entry.version.clone().unwrap_or_default(),
                        level: ev.trust_level(),
                        claimed: record.map(|r| TrustLevel::claimed(&r.trust_fields())),
                        baseline: record.and_then(|r| {
                            r.history
                                .baseline(&ladder(&entry.name))
                                .map(|b| format!("{} ({})", b.version, b.level.as_str()))
                        }),
                    })
                }),
        );
        levels
    }

    /// The entries whose provenance verified, in lockfile order.
    pub fn verified_provenance(&self, lockfile: &Lockfile) -> Vec<VerifiedProvenance> {
        lockfile
            .entries
            .iter()
            .zip(&self.entries)
            .filter_map(|(entry, ev)| match &ev.as_ref()?.provenance {
                Provenance::Verified(facts) => Some(VerifiedProvenance {
                    path: entry.path.clone(),
                    name: entry.name.clone(),
                    version: entry.version.clone().unwrap_or_default(),
                    facts: (**facts).clone(),
                }),
                _ => None,
            })
            .collect()
    }
}

/// Why an entry's evidence is unknown, before it is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Why<'e> {
    /// A reason.
    Unknown(&'e Unknown),
    /// A fault, already in words.
    Text(&'e str),
}

impl fmt::Display for Why<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(why) => why.fmt(f),
            Self::Text(why) => f.write_str(why),
        }
    }
}

/// Entries per evidence state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    /// Present.
    pub present: usize,
    /// Absent.
    pub absent: usize,
    /// Unknown.
    pub unknown: usize,
}

impl std::ops::AddAssign for StateCounts {
    fn add_assign(&mut self, other: Self) {
        self.present += other.present;
        self.absent += other.absent;
        self.unknown += other.unknown;
    }
}

impl StateCounts {
    fn add(&mut self, s: State) {
        match s {
            State::Present => self.present += 1,
            State::Absent => self.absent += 1,
            State::Unknown => self.unknown += 1,
        }
    }
}

/// A kind of registry evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceKind {
    /// The version document.
    Registry,
    /// Registry signatures.
    Signatures,
    /// Provenance attestations.
    Provenance,
}

impl EvidenceKind {
    /// The lowercase name, as reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registry => "registry",
            Self::Signatures => "signatures",
            Self::Provenance => "provenance",
        }
    }
}

/// Entries whose evidence is unknown for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotJudged {
    /// Which kind of evidence.
    pub kind: EvidenceKind,
    /// Why it is unknown.
    pub reason: String,
    /// How many entries.
    pub count: usize,
    /// Their install paths.
    pub paths: Vec<String>,
}

/// Evidence states of one lockfile, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EvidenceSummary {
    /// Registry version documents.
    pub registry: StateCounts,
    /// Registry signatures.
    pub signatures: StateCounts,
    /// Provenance attestations.
    pub provenance: StateCounts,
    /// Entries per verified trust level.
    pub trust: TrustCounts,
    /// Entries whose evidence is unknown, grouped by reason.
    pub not_judged: Vec<NotJudged>,
}

impl Evidence {
    /// Counts and groups the evidence of `lockfile`'s entries.
    pub fn summary(&self, lockfile: &Lockfile) -> EvidenceSummary {
        let mut s = EvidenceSummary::default();
        // Entries are grouped by the text of their reason, as the report
        // shows it; each distinct reason is written out once, not once per
        // entry (most entries share one), and mapped to its text's group.
        let mut by_text: BTreeMap<(EvidenceKind, String), usize> = BTreeMap::new();
        let mut group_of: hashing::Map<(EvidenceKind, Why<'_>), usize> = hashing::Map::default();
        let mut last: Option<((EvidenceKind, Why<'_>), usize)> = None;
        let mut groups: Vec<Vec<String>> = Vec::new();
        for (entry, ev) in lockfile.entries.iter().zip(&self.entries) {
            let Some(ev) = ev else { continue };
            s.registry.add(ev.metadata_state());
            s.signatures.add(ev.signature_state());
            s.provenance.add(ev.provenance_state());
            s.trust.add(ev.trust_level());
            let unknown = match (&ev.metadata, &ev.signatures, &ev.provenance) {
                (Metadata::Unknown(why), _, _) => Some((EvidenceKind::Registry, Why::Unknown(why))),
                (_, Signatures::Unknown(why), _) => {
                    Some((EvidenceKind::Signatures, Why::Unknown(why)))
                }
                (_, _, Provenance::Unknown(why)) => {
                    Some((EvidenceKind::Provenance, Why::Unknown(why)))
                }
                (_, _, Provenance::FetchFailed(why)) => {
                    Some((EvidenceKind::Provenance, Why::Text(why)))
                }
                _ => None,
            };
            let Some(key) = unknown else { continue };
            let at = match last {
                Some((seen, at)) if seen == key => at,
                _ => *group_of.entry(key).or_insert_with(|| {
                    let next = groups.len();
                    *by_text
                        .entry((key.0, key.1.to_string()))
                        .or_insert_with(|| {
                            groups.push(Vec::new());
                            next
                        })
                }),
            };
            last = Some((key, at));
            if let Some(paths) = groups.get_mut(at) {
                paths.push(entry.path.clone());
            }
        }
        let mut not_judged: Vec<NotJudged> = by_text
            .into_iter()
            .map(|((kind, reason), at)| {
                let paths = groups.get_mut(at).map(std::mem::take).unwrap_or_default();
                NotJudged {
                    kind,
                    reason,
                    count: paths.len(),
                    paths,
                }
            })
            .collect();
        // Reports list the groups by kind and reason as they read.
        not_judged.sort_by(|a, b| (a.kind.as_str(), &a.reason).cmp(&(b.kind.as_str(), &b.reason)));
        s.not_judged = not_judged;
        s
    }
}
