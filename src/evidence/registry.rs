//! Registry evidence: each entry's version document and its registry
//! signatures, judged from what the source brought back. A registry that
//! signs nothing leaves every signature unknown, with one note saying so.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use rayon::prelude::*;
use url::Url;

use super::keys::RegistryKeys;
use super::model::{EntryEvidence, Evidence, Metadata, Signatures};
use super::provenance::Provenance;
use super::source::{PackageKey, PackageOutcome};
use super::unknown::Unknown;
use crate::hashing;
use crate::lockfile::name::name_problem;
use crate::lockfile::{Entry, Lockfile, SourceKind};
use crate::registry::npmrc::NpmConfig;
use crate::registry::packument::{VersionRecord, Versions};
use crate::signatures::{self, KeySet};

/// The package an entry's registry evidence comes from, with its version,
/// when it has one: a registry entry with a valid name and a version.
fn package_of<'e>(entry: &'e Entry, npm: &'e NpmConfig) -> Option<(&'e Url, &'e str, &'e str)> {
    if entry.source != SourceKind::Registry || name_problem(&entry.name).is_some() {
        return None;
    }
    let version = entry.version.as_deref()?;
    Some((npm.registry_for(&entry.name), entry.name.as_str(), version))
}

/// The packages a lockfile's entries come from, each once: entries share
/// a package far more often than not, so questions and lookups are per
/// package, and each entry points at its package by index.
pub(super) struct Packages<'e> {
    /// Each package, in first-seen order, with the versions wanted.
    pub keys: Vec<(PackageKey, Versions<'e>)>,
    /// Per entry: its package's index and its version.
    pub per_entry: Vec<Option<(usize, &'e str)>>,
}

impl<'e> Packages<'e> {
    /// `base_versions` (diff mode): per entry index, a base version also
    /// wanted of the entry's package.
    pub(super) fn of(
        lockfile: &'e Lockfile,
        npm: &'e NpmConfig,
        in_scope: impl Fn(usize) -> bool,
        base_versions: &'e BTreeMap<usize, String>,
    ) -> Self {
        // A name's registry follows from the name (its scope), so the name
        // alone tells packages apart.
        let mut index: hashing::Map<&str, usize> =
            hashing::map_with_capacity(lockfile.entries.len());
        // Room for as many packages as entries: growing the list as it
        // fills copies it whole each time, and thousands of packages make
        // it hundreds of kilobytes.
        let mut keys: Vec<(PackageKey, Vec<&str>)> = Vec::with_capacity(lockfile.entries.len());
        // One copy of each registry's URL, shared by its packages.
        let mut registries: BTreeMap<&Url, Arc<Url>> = BTreeMap::new();
        let per_entry = lockfile
            .entries
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let (registry, name, version) = in_scope(i).then(|| package_of(entry, npm))??;
                let at = *index.entry(name).or_insert_with(|| {
                    keys.push((
                        PackageKey {
                            registry: Arc::clone(
                                registries
                                    .entry(registry)
                                    .or_insert_with(|| Arc::new(registry.clone())),
                            ),
                            name: name.to_owned(),
                        },
                        // Nearly always the only version.
                        Vec::with_capacity(1),
                    ));
                    keys.len() - 1
                });
                // Repeats are dropped once, when the list is sorted; here
                // only the cheap one, the same version as the last.
                if let Some((_, versions)) = keys.get_mut(at)
                    && versions.last() != Some(&version)
                {
                    versions.push(version);
                }
                Some((at, version))
            })
            .collect::<Vec<_>>();
        for (i, base) in base_versions {
            if let Some(Some((at, _))) = per_entry.get(*i)
                && let Some((_, versions)) = keys.get_mut(*at)
            {
                versions.push(base);
            }
        }
        let keys = keys
            .into_iter()
            .map(|(key, versions)| (key, Versions::from(versions)))
            .collect();
        Self { keys, per_entry }
    }
}

/// How a registry's version documents are to be read for signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signing {
    /// It signs: judge every version's signatures.
    Signs,
    /// It serves neither keys nor signatures (a mirror that strips them):
    /// signatures and attestations are unknown.
    NotServed,
    /// npm's public registry, whose responses carry no signature at all:
    /// rewritten on the way.
    Stripped,
}

/// How `registry` signs: a registry that serves keys signs; so does one
/// some of whose versions carry signatures. npm's public registry always
/// signs, so when none of its versions carry any, they were stripped.
fn signing(
    registry: &Url,
    keys: &RegistryKeys,
    packages: &Packages<'_>,
    outcomes: &[Option<&PackageOutcome>],
) -> Signing {
    let any_signed = packages.keys.iter().zip(outcomes).any(|((k, _), o)| {
        *k.registry == *registry
            && matches!(o, Some(PackageOutcome::Record(r))
                if r.versions.values().any(|v| v.signatures.as_ref().is_some_and(|s| !s.is_empty())))
    });
    match keys {
        RegistryKeys::Pinned { .. } if !any_signed => Signing::Stripped,
        RegistryKeys::Pinned { .. } | RegistryKeys::Served(_) => Signing::Signs,
        RegistryKeys::Unknown(_) if any_signed => Signing::Signs,
        RegistryKeys::Unknown(_) => Signing::NotServed,
    }
}

/// Builds the evidence of `lockfile` from what fetching its `packages`
/// brought back (`outcomes`, aligned with `packages.keys`).
pub(super) fn gather(
    lockfile: &Lockfile,
    packages: &Packages<'_>,
    outcomes: &[Option<&PackageOutcome>],
    keys: &BTreeMap<Url, RegistryKeys>,
    now: Timestamp,
) -> Evidence {
    let signs: BTreeMap<&Url, Signing> = keys
        .iter()
        .map(|(r, k)| (r, signing(r, k, packages, outcomes)))
        .collect();
    // Signature checks are ECDSA verifications, the bulk of a warm run's
    // CPU: spread them over the cores.
    let entries: Vec<Option<EntryEvidence>> = lockfile
        .entries
        .par_iter()
        .zip(packages.per_entry.par_iter())
        .map(|(entry, wanted)| {
            let (at, version) = *wanted.as_ref()?;
            let key = &packages.keys.get(at)?.0;
            let metadata = match outcomes.get(at).copied().flatten() {
                Some(PackageOutcome::Record(r)) => match r.versions.get(version) {
                    Some(v) => Metadata::Found(Box::new(v.clone())),
                    None => Metadata::VersionMissing,
                },
                Some(PackageOutcome::NotFound) => Metadata::PackageMissing,
                Some(PackageOutcome::Failed(why)) => {
                    Metadata::Unknown(Unknown::Failed(why.clone()))
                }
                Some(PackageOutcome::NotCached) => Metadata::Unknown(Unknown::NotCached),
                None => Metadata::Unknown(Unknown::NotFetched),
            };
            let signing = signs.get(&*key.registry).copied();
            let signatures = match (&metadata, signing) {
                (Metadata::Found(record), Some(Signing::Signs)) => {
                    judge(entry, version, record, keys.get(&*key.registry), now)
                }
                (Metadata::Found(_), Some(Signing::Stripped)) => {
                    Signatures::Unknown(Unknown::SignaturesStripped)
                }
                (Metadata::Found(_), _) => Signatures::Unknown(Unknown::SignaturesNotServed),
                _ => Signatures::Unknown(Unknown::NoVersionDocument),
            };
            // A registry that strips signatures strips attestations too
            // (DESIGN.md, "Registries in the wild"): their absence there
            // says nothing.
            let provenance = match (&metadata, signing) {
                (Metadata::Found(r), Some(Signing::Signs)) if r.attestations.is_some() => {
                    Provenance::Unknown(Unknown::AttestationsNotFetched)
                }
                (Metadata::Found(_), Some(Signing::Signs)) => Provenance::Absent,
                (Metadata::Found(_), _) => Provenance::Unknown(Unknown::AttestationsNotServed),
                _ => Provenance::Unknown(Unknown::NoVersionDocument),
            };
            Some(EntryEvidence {
                registry: Arc::clone(&key.registry),
                metadata,
                signatures,
                provenance,
                previous_provenance: None,
            })
        })
        .collect();
    let mut unsigned: BTreeMap<&Url, usize> = BTreeMap::new();
    let mut stripped: BTreeMap<Url, usize> = BTreeMap::new();
    for ev in entries.iter().flatten() {
        match &ev.signatures {
            Signatures::Unknown(Unknown::SignaturesNotServed) => {
                *unsigned.entry(&*ev.registry).or_insert(0) += 1;
            }
            Signatures::Unknown(Unknown::SignaturesStripped) => {
                *stripped.entry(Url::clone(&ev.registry)).or_insert(0) += 1;
            }
            _ => {}
        }
    }
    let mut notes: Vec<String> = unsigned
        .into_iter()
        .map(|(registry, n)| {
            format!(
                "registry {registry} does not serve signatures or attestations (no keys, no \
                 dist.signatures): {n} entries unverifiable"
            )
        })
        .collect();
    for (registry, k) in keys {
        match k {
            RegistryKeys::Pinned { unpinned, .. } if !unpinned.is_empty() => {
                notes.push(format!(
                    "registry {registry} serves keys that are not npm's ({}): ignored; \
                     signatures under npm's public registry's name are judged with npm's own \
                     keys only",
                    unpinned.join(", ")
                ));
            }
            RegistryKeys::Served(_) => notes.push(format!(
                "registry {registry} signs with keys it serves itself: its signatures prove \
                 only that registry's say-so, not npm's"
            )),
            _ => {}
        }
    }
    Evidence {
        entries,
        notes,
        stripped,
        ..Evidence::default()
    }
}

fn judge(
    entry: &Entry,
    version: &str,
    record: &VersionRecord,
    keys: Option<&RegistryKeys>,
    now: Timestamp,
) -> Signatures {
    let key_set: &KeySet = match keys {
        Some(RegistryKeys::Unknown(why)) => return Signatures::Unknown(why.clone()),
        Some(keys) => match keys.signature_keys() {
            Some(k) => k,
            None => return Signatures::Unknown(Unknown::NoKeys),
        },
        None => return Signatures::Unknown(Unknown::NoKeys),
    };
    let Some(integrity) = record.integrity.as_deref() else {
        return Signatures::Unknown(Unknown::NoRegistryIntegrity);
    };
    let published = record
        .published
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok());
    let sigs = record.signatures.as_deref().unwrap_or(&[]);
    Signatures::Judged(signatures::verify(
        key_set,
        &entry.name,
        version,
        integrity,
        sigs,
        published,
        now,
    ))
}
