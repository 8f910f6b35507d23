//! Registry evidence: each entry's version document and its registry
//! signatures, judged from what the source brought back. A registry that
//! signs nothing leaves every signature unknown, with one note saying so.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rayon::prelude::*;
use url::Url;

use super::model::{EntryEvidence, Evidence, Metadata, Signatures};
use super::provenance::Provenance;
use super::source::{KeysOutcome, PackageKey, PackageOutcome};
use super::unknown::Unknown;
use crate::lockfile::{Entry, Lockfile};
use crate::registry::packument::VersionRecord;
use crate::signatures::{self, KeySet};

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

/// Builds the evidence of `lockfile` from fetch outcomes.
/// `per_entry` holds the package key of each entry, aligned with
/// `lockfile.entries`.
pub fn gather(
    lockfile: &Lockfile,
    per_entry: &[Option<(PackageKey, String)>],
    packages: &BTreeMap<PackageKey, PackageOutcome>,
    keys: &BTreeMap<Url, KeysOutcome>,
    now: Timestamp,
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
                Some(PackageOutcome::Failed(why)) => {
                    Metadata::Unknown(Unknown::Failed(why.clone()))
                }
                Some(PackageOutcome::NotCached) => Metadata::Unknown(Unknown::NotCached),
                None => Metadata::Unknown(Unknown::NotFetched),
            };
            let signatures = match (&metadata, signs.get(&key.registry)) {
                (Metadata::Found(record), Some(true)) => {
                    judge(entry, version, record, keys.get(&key.registry), now)
                }
                (Metadata::Found(_), _) => Signatures::Unknown(Unknown::SignaturesNotServed),
                _ => Signatures::Unknown(Unknown::NoVersionDocument),
            };
            // A registry that strips signatures strips attestations too
            // (DESIGN.md, "Registries in the wild"): their absence there
            // says nothing.
            let provenance = match (&metadata, signs.get(&key.registry)) {
                (Metadata::Found(r), Some(true)) if r.attestations.is_some() => {
                    Provenance::Unknown(Unknown::AttestationsNotFetched)
                }
                (Metadata::Found(_), Some(true)) => Provenance::Absent,
                (Metadata::Found(_), _) => Provenance::Unknown(Unknown::AttestationsNotServed),
                _ => Provenance::Unknown(Unknown::NoVersionDocument),
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
        if ev.signatures == Signatures::Unknown(Unknown::SignaturesNotServed) {
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
        ..Evidence::default()
    }
}

fn judge(
    entry: &Entry,
    version: &str,
    record: &VersionRecord,
    keys: Option<&KeysOutcome>,
    now: Timestamp,
) -> Signatures {
    let key_set: &KeySet = match keys {
        Some(KeysOutcome::Served(k)) | Some(KeysOutcome::NotServed(Some(k))) => k,
        Some(KeysOutcome::Failed(why)) => {
            return Signatures::Unknown(Unknown::KeysFailed(why.clone()));
        }
        _ => return Signatures::Unknown(Unknown::NoKeys),
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
