//! Evidence: what is known about each entry beyond the lockfile, in one of
//! three states per kind — present, absent, or unknown (and why).
//!
//! Built from what fetching brought back; checks read it and never do I/O.
//! "Unknown" is never reported as "absent" and never as "verified": a
//! registry that serves no signatures leaves every entry's signature
//! evidence unknown, with one note saying so.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use url::Url;

use crate::lockfile::{Entry, IntegrityField, Lockfile, SourceKind};
use crate::provenance::{self, Provenance};
use crate::registry::fetch::{
    AttestationKey, AttestationsOutcome, KeysOutcome, PackageKey, PackageOutcome,
};
use crate::registry::npmrc::NpmConfig;
use crate::registry::packument::VersionRecord;
use crate::signatures::{self, KeySet, Verdict};
use crate::sigstore::trust_root::TrustedRoot;
use crate::trust::Level;

pub mod previous;

/// The three states of one kind of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Found (and, for signatures, judged).
    Present,
    /// Looked for, and not there.
    Absent,
    /// Not known: not served, not fetched, or offline.
    Unknown,
}

/// What the registry says about an entry's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metadata {
    /// The version document.
    Found(Box<VersionRecord>),
    /// The package exists, the version does not.
    VersionMissing,
    /// The package does not exist.
    PackageMissing,
    /// Could not be had: why.
    Unknown(String),
}

/// What is known of an entry's registry signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signatures {
    /// Judged against the registry's keys.
    Judged(Verdict),
    /// Could not be judged: why.
    Unknown(String),
}

/// Evidence about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryEvidence {
    /// The registry asked.
    pub registry: Url,
    /// Its version document.
    pub metadata: Metadata,
    /// Its signatures.
    pub signatures: Signatures,
    /// Its provenance attestations.
    pub provenance: Provenance,
    /// The provenance of the package's previous release, when this
    /// version's verified and the previous release points to attestations
    /// (see [`previous`]); `None` when not looked at.
    pub previous_provenance: Option<Provenance>,
}

impl EntryEvidence {
    /// State of the registry metadata.
    pub fn metadata_state(&self) -> State {
        match self.metadata {
            Metadata::Found(_) => State::Present,
            Metadata::VersionMissing | Metadata::PackageMissing => State::Absent,
            Metadata::Unknown(_) => State::Unknown,
        }
    }

    /// State of the provenance.
    pub fn provenance_state(&self) -> State {
        match &self.provenance {
            Provenance::Absent => State::Absent,
            Provenance::Unknown(_) | Provenance::FetchFailed(_) => State::Unknown,
            _ => State::Present,
        }
    }

    /// The trust level verified evidence supports, or `None` when the
    /// registry does not serve the evidence (unknown). Only what lockproof
    /// verified counts, except the staged-publish approver, which no one
    /// can verify: the registry asserts it unsigned.
    pub fn trust_level(&self) -> Option<Level> {
        let Metadata::Found(record) = &self.metadata else {
            return None;
        };
        let signed = matches!(
            self.signatures,
            Signatures::Judged(Verdict::Verified { .. })
        );
        if matches!(self.signatures, Signatures::Unknown(_)) {
            return None;
        }
        let user = record.npm_user.as_ref();
        let provenance = match &self.provenance {
            Provenance::Verified(facts) => Some(facts),
            _ => None,
        };
        Some(
            if user.is_some_and(|u| u.approver.is_some()) && (signed || provenance.is_some()) {
                Level::Staged
            } else if let (Some(tp), Some(facts)) =
                (user.and_then(|u| u.trusted_publisher.as_ref()), provenance)
                && issuer_of(&tp.id).is_none_or(|i| facts.issuer.as_deref() == Some(i))
            {
                Level::TrustedPublisher
            } else if provenance.is_some() {
                Level::Provenance
            } else if signed {
                Level::Signed
            } else {
                Level::None
            },
        )
    }

    /// State of the signatures.
    pub fn signature_state(&self) -> State {
        match &self.signatures {
            Signatures::Judged(Verdict::Missing) => State::Absent,
            Signatures::Judged(_) => State::Present,
            Signatures::Unknown(_) => State::Unknown,
        }
    }
}

/// Evidence for every entry of one lockfile, by entry index; `None` for
/// entries the registry cannot speak for (git, links, …).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Per entry, aligned with `Lockfile::entries`.
    pub entries: Vec<Option<EntryEvidence>>,
    /// Registry-wide facts a reader must know (one line each).
    pub notes: Vec<String>,
    /// Per entry, what verifying its tarball found (`--tarballs`); empty
    /// when tarballs were not verified.
    pub tarballs: Vec<Option<crate::artifact::TarballEvidence>>,
}

/// The package an entry's registry evidence comes from, when it has one.
pub fn package_key(entry: &Entry, npm: &NpmConfig) -> Option<(PackageKey, String)> {
    if entry.source != SourceKind::Registry
        || crate::lockfile::name::name_problem(&entry.name).is_some()
    {
        return None;
    }
    let version = entry.version.clone()?;
    Some((
        PackageKey {
            registry: npm.registry_for(&entry.name).clone(),
            name: entry.name.clone(),
        },
        version,
    ))
}

/// Whether a registry signs: it serves keys, or some version it served
/// carries signatures. A mirror that strips both does not.
fn registry_signs(
    registry: &Url,
    keys: &BTreeMap<Url, KeysOutcome>,
    packages: &BTreeMap<PackageKey, PackageOutcome>,
) -> bool {
    matches!(keys.get(registry), Some(KeysOutcome::Served(_)))
        || packages.iter().any(|(k, o)| {
            &k.registry == registry
                && matches!(o, PackageOutcome::Record(r)
                    if r.versions.values().any(|v| v.signatures.as_ref().is_some_and(|s| !s.is_empty())))
        })
}

/// The OIDC issuer of a trusted-publisher provider, as npm names them.
/// For a provider not listed here the issuer cannot be matched, and the
/// verified provenance alone stands for the trusted publisher.
fn issuer_of(provider: &str) -> Option<&'static str> {
    match provider {
        "github" => Some("https://token.actions.githubusercontent.com"),
        "gitlab" => Some("https://gitlab.com"),
        _ => None,
    }
}

/// Why an entry's signatures are unknown on a registry that signs nothing.
const NOT_SERVED: &str = "the registry does not serve signatures";

/// Builds the evidence of `lockfile` from fetch outcomes.
/// `per_entry` holds [`package_key`] of each entry, aligned with
/// `lockfile.entries`.
pub fn gather(
    lockfile: &Lockfile,
    per_entry: &[Option<(PackageKey, String)>],
    packages: &BTreeMap<PackageKey, PackageOutcome>,
    keys: &BTreeMap<Url, KeysOutcome>,
) -> Evidence {
    let signs: BTreeMap<&Url, bool> = keys
        .keys()
        .map(|r| (r, registry_signs(r, keys, packages)))
        .collect();
    // Signature checks are ECDSA verifications, the bulk of a warm run's
    // CPU: spread them over the cores.
    let entries: Vec<Option<EntryEvidence>> = lockfile
        .entries
        .par_iter()
        .zip(per_entry.par_iter())
        .map(|(entry, wanted)| {
            let (key, version) = wanted.as_ref()?;
            let metadata = match packages.get(key) {
                Some(PackageOutcome::Record(r)) => match r.versions.get(version) {
                    Some(v) => Metadata::Found(Box::new(v.clone())),
                    None => Metadata::VersionMissing,
                },
                Some(PackageOutcome::NotFound) => Metadata::PackageMissing,
                Some(PackageOutcome::Failed(why)) => Metadata::Unknown(why.clone()),
                Some(PackageOutcome::NotCached) => {
                    Metadata::Unknown("offline, and not in the cache".to_string())
                }
                None => Metadata::Unknown("not fetched".to_string()),
            };
            let signatures = match (&metadata, signs.get(&key.registry)) {
                (Metadata::Found(record), Some(true)) => {
                    judge(entry, version, record, keys.get(&key.registry))
                }
                (Metadata::Found(_), _) => Signatures::Unknown(NOT_SERVED.to_string()),
                _ => Signatures::Unknown("no version document".to_string()),
            };
            // A registry that strips signatures strips attestations too
            // (DESIGN.md, "Registries in the wild"): their absence there
            // says nothing.
            let provenance = match (&metadata, signs.get(&key.registry)) {
                (Metadata::Found(r), Some(true)) if r.attestations.is_some() => {
                    Provenance::Unknown("attestations not fetched".to_string())
                }
                (Metadata::Found(_), Some(true)) => Provenance::Absent,
                (Metadata::Found(_), _) => {
                    Provenance::Unknown("the registry does not serve attestations".to_string())
                }
                _ => Provenance::Unknown("no version document".to_string()),
            };
            Some(EntryEvidence {
                registry: key.registry.clone(),
                metadata,
                signatures,
                provenance,
                previous_provenance: None,
            })
        })
        .collect();
    let mut unsigned: BTreeMap<&Url, usize> = BTreeMap::new();
    for ev in entries.iter().flatten() {
        if matches!(&ev.signatures, Signatures::Unknown(why) if why == NOT_SERVED) {
            *unsigned.entry(&ev.registry).or_insert(0) += 1;
        }
    }
    let notes = unsigned
        .into_iter()
        .map(|(registry, n)| {
            format!(
                "registry {registry} does not serve signatures or attestations (no keys, no \
                 dist.signatures): {n} entries unverifiable"
            )
        })
        .collect();
    Evidence {
        entries,
        notes,
        tarballs: Vec::new(),
    }
}

fn judge(
    entry: &Entry,
    version: &str,
    record: &VersionRecord,
    keys: Option<&KeysOutcome>,
) -> Signatures {
    let key_set: &KeySet = match keys {
        Some(KeysOutcome::Served(k)) | Some(KeysOutcome::NotServed(Some(k))) => k,
        Some(KeysOutcome::Failed(why)) => {
            return Signatures::Unknown(format!("the registry's keys could not be fetched: {why}"));
        }
        _ => return Signatures::Unknown("the registry serves no keys".to_string()),
    };
    let Some(integrity) = record.integrity.as_deref() else {
        return Signatures::Unknown("the registry states no integrity to verify".to_string());
    };
    let published = record
        .published
        .as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let sigs = record.signatures.as_deref().unwrap_or(&[]);
    Signatures::Judged(signatures::verify(
        key_set,
        &entry.name,
        version,
        integrity,
        sigs,
        published,
    ))
}

/// The attestations key of an entry whose version document points to
/// attestations: `Ok((key, pointer))`, or `Err(why)` when the lockfile
/// gives nothing they could be bound to.
fn attestation_key(
    entry: &Entry,
    ev: &EntryEvidence,
) -> Option<Result<(AttestationKey, String), String>> {
    let Metadata::Found(record) = &ev.metadata else {
        return None;
    };
    let pointer = record.attestations.as_ref()?;
    let sha512 = match &entry.integrity {
        IntegrityField::Valid(i) => provenance::sha512_of(i),
        _ => Err("the lockfile states no usable integrity, which attestations are bound to"),
    };
    Some(match (sha512, &entry.version) {
        (Err(why), _) => Err(why.to_string()),
        (Ok(sha512), Some(version)) => Ok((
            AttestationKey {
                registry: ev.registry.clone(),
                name: entry.name.clone(),
                version: version.clone(),
                sha512,
            },
            pointer.url.clone(),
        )),
        (Ok(_), None) => Err("the entry states no version".to_string()),
    })
}

/// The attestations to fetch: entries whose version document points to
/// some, keyed with the lockfile sha512 they must be about.
pub fn attestations_wanted(
    lockfile: &Lockfile,
    evidence: &Evidence,
) -> BTreeMap<AttestationKey, String> {
    lockfile
        .entries
        .iter()
        .zip(&evidence.entries)
        .filter_map(|(entry, ev)| attestation_key(entry, ev.as_ref()?)?.ok())
        .collect()
}

/// Verifies fetched attestations into each entry's provenance evidence, in
/// parallel. `keys` are the registry key sets (for publish attestations).
pub fn add_provenance(
    lockfile: &Lockfile,
    evidence: &mut Evidence,
    fetched: &BTreeMap<AttestationKey, AttestationsOutcome>,
    keys: &BTreeMap<Url, KeysOutcome>,
    root: &TrustedRoot,
) {
    judge_into(
        lockfile,
        evidence,
        (fetched, keys, root),
        |entry, ev| Some(attestation_key(entry, ev)?.map(|(key, _)| key)),
        |ev, provenance| ev.provenance = provenance,
    );
}

/// What judging fetched attestations needs besides the entries.
type Judging<'a> = (
    &'a BTreeMap<AttestationKey, AttestationsOutcome>,
    &'a BTreeMap<Url, KeysOutcome>,
    &'a TrustedRoot,
);

/// Judges, in parallel, the fetched attestations of every entry that
/// `key_of` gives a key (or why it has none), and hands each verdict to
/// `set`.
fn judge_into(
    lockfile: &Lockfile,
    evidence: &mut Evidence,
    (fetched, keys, root): Judging<'_>,
    key_of: impl Fn(&Entry, &EntryEvidence) -> Option<Result<AttestationKey, String>> + Sync,
    set: impl Fn(&mut EntryEvidence, Provenance),
) {
    let now = jiff::Timestamp::now();
    let judged: Vec<(usize, Provenance)> = lockfile
        .entries
        .par_iter()
        .zip(evidence.entries.par_iter())
        .enumerate()
        .filter_map(|(i, (entry, ev))| {
            let provenance = match key_of(entry, ev.as_ref()?)? {
                Ok(key) => judge_fetched(&key, fetched.get(&key), keys, root, now),
                Err(why) => Provenance::Unknown(why),
            };
            Some((i, provenance))
        })
        .collect();
    for (i, provenance) in judged {
        if let Some(Some(ev)) = evidence.entries.get_mut(i) {
            set(ev, provenance);
        }
    }
}

/// Judges what fetching `key`'s attestations brought back.
fn judge_fetched(
    key: &AttestationKey,
    outcome: Option<&AttestationsOutcome>,
    keys: &BTreeMap<Url, KeysOutcome>,
    root: &TrustedRoot,
    now: jiff::Timestamp,
) -> Provenance {
    let key_set = match keys.get(&key.registry) {
        Some(KeysOutcome::Served(k) | KeysOutcome::NotServed(Some(k))) => Some(k),
        _ => None,
    };
    match outcome {
        Some(AttestationsOutcome::Served(body)) => provenance::judge(
            body,
            &key.name,
            &key.version,
            &key.sha512,
            root,
            key_set,
            now,
        ),
        Some(AttestationsOutcome::NotFound) => Provenance::FetchFailed(
            "the version document points to attestations the registry does not serve (404)"
                .to_string(),
        ),
        Some(AttestationsOutcome::Failed(why)) => Provenance::FetchFailed(why.clone()),
        Some(AttestationsOutcome::NotCached) => {
            Provenance::Unknown("offline, and not in the cache".to_string())
        }
        None => Provenance::Unknown("attestations not fetched".to_string()),
    }
}

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
    fn add(&mut self, level: Option<Level>) {
        *match level {
            Some(Level::Staged) => &mut self.staged,
            Some(Level::TrustedPublisher) => &mut self.trusted_publisher,
            Some(Level::Provenance) => &mut self.provenance,
            Some(Level::Signed) => &mut self.signed,
            Some(Level::None) => &mut self.none,
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
    pub level: Option<Level>,
    /// Level the version document's fields claim (unverified).
    pub claimed: Option<Level>,
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
    pub facts: provenance::ProvenanceFacts,
}

impl Evidence {
    /// Every registry entry's trust level, in lockfile order.
    pub fn trust_levels(&self, lockfile: &Lockfile) -> Vec<EntryTrust> {
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
                    claimed: record.map(|r| Level::claimed(&r.trust_fields())),
                    baseline: record.and_then(|r| {
                        r.history
                            .baseline
                            .as_ref()
                            .map(|b| format!("{} ({})", b.version, b.level.as_str()))
                    }),
                })
            })
            .collect()
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

/// Entries whose evidence is unknown for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotJudged {
    /// Which kind of evidence (`registry` or `signatures`).
    pub kind: &'static str,
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
        let mut groups: BTreeMap<(&'static str, String), Vec<String>> = BTreeMap::new();
        for (entry, ev) in lockfile.entries.iter().zip(&self.entries) {
            let Some(ev) = ev else { continue };
            s.registry.add(ev.metadata_state());
            s.signatures.add(ev.signature_state());
            s.provenance.add(ev.provenance_state());
            s.trust.add(ev.trust_level());
            if let Metadata::Unknown(why) = &ev.metadata {
                groups
                    .entry(("registry", why.clone()))
                    .or_default()
                    .push(entry.path.clone());
            } else if let Signatures::Unknown(why) = &ev.signatures {
                groups
                    .entry(("signatures", why.clone()))
                    .or_default()
                    .push(entry.path.clone());
            } else if let Provenance::Unknown(why) | Provenance::FetchFailed(why) = &ev.provenance {
                groups
                    .entry(("provenance", why.clone()))
                    .or_default()
                    .push(entry.path.clone());
            }
        }
        s.not_judged = groups
            .into_iter()
            .map(|((kind, reason), paths)| NotJudged {
                kind,
                reason,
                count: paths.len(),
                paths,
            })
            .collect();
        s
    }
}
