//! Provenance evidence from fetched attestation bodies: which versions'
//! attestations to ask for (bound to the lockfile's sha512), and each
//! body judged in full, in parallel, against the trusted root.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rayon::prelude::*;
use url::Url;

use super::keys::RegistryKeys;
use super::model::{EntryEvidence, Evidence, Metadata};
use super::provenance::{Provenance, judge, sha512_of};
use super::source::{AttestationKey, AttestationsOutcome};
use super::unknown::Unknown;
use crate::anchors::Anchors;
use crate::integrity::Integrity;
use crate::lockfile::{Entry, IntegrityField, Lockfile, Pin};

/// The attestations key of an entry whose version document points to
/// attestations: `Ok((key, pointer))`, or `Err(why)` when the lockfile
/// gives nothing they could be bound to.
fn attestation_key(
    entry: &Entry,
    ev: &EntryEvidence,
) -> Option<Result<(AttestationKey, String), Unknown>> {
    let Metadata::Found(record) = &ev.metadata else {
        return None;
    };
    let pointer = record.attestations.as_ref()?;
    // Yarn Berry pins no npm integrity: the attestations are bound to the
    // registry's, which the tarball check holds the bytes to.
    let registry_integrity = matches!(entry.pin, Pin::YarnChecksum(_))
        .then(|| {
            record
                .integrity
                .as_deref()
                .and_then(|i| Integrity::parse(i).ok())
        })
        .flatten();
    let sha512 = match (&entry.integrity, &registry_integrity) {
        (IntegrityField::Valid(i), _) | (_, Some(i)) => sha512_of(i),
        _ => Err("the lockfile states no usable integrity, which attestations are bound to"),
    };
    Some(match (sha512, &entry.version) {
        (Err(why), _) => Err(Unknown::Unbound(why)),
        (Ok(sha512), Some(version)) => Ok((
            AttestationKey {
                registry: Url::clone(&ev.registry),
                name: entry.name.clone(),
                version: version.clone(),
                sha512,
            },
            pointer.url.clone(),
        )),
        (Ok(_), None) => Err(Unknown::NoVersion),
    })
}

/// The attestations to fetch: entries whose version document points to
/// some, keyed with the lockfile sha512 they must be about.
pub(super) fn wanted(lockfile: &Lockfile, evidence: &Evidence) -> BTreeMap<AttestationKey, String> {
    lockfile
        .entries
        .iter()
        .zip(&evidence.entries)
        .filter_map(|(entry, ev)| attestation_key(entry, ev.as_ref()?)?.ok())
        .collect()
}

/// Verifies fetched attestations into each entry's provenance evidence, in
/// parallel. `keys` are the registry key sets (for publish attestations).
pub(super) fn add(lockfile: &Lockfile, evidence: &mut Evidence, judging: Judging<'_>) {
    judge_into(
        lockfile,
        evidence,
        judging,
        |entry, ev| Some(attestation_key(entry, ev)?.map(|(key, _)| key)),
        |ev, provenance| ev.provenance = provenance,
    );
}

/// What judging fetched attestations needs besides the entries.
#[derive(Clone, Copy)]
pub(super) struct Judging<'a> {
    /// The fetched bodies.
    pub fetched: &'a BTreeMap<AttestationKey, AttestationsOutcome>,
    /// The registries' keys (publish attestations).
    pub keys: &'a BTreeMap<Url, RegistryKeys>,
    /// The trust anchors: the Sigstore trusted root, loaded on first use.
    pub anchors: &'a Anchors,
    /// The time certificates and keys are judged at.
    pub now: Timestamp,
}

/// Judges, in parallel, the fetched attestations of every entry that
/// `key_of` gives a key (or why it has none), and hands each verdict to
/// `set`.
pub(super) fn judge_into(
    lockfile: &Lockfile,
    evidence: &mut Evidence,
    judging: Judging<'_>,
    key_of: impl Fn(&Entry, &EntryEvidence) -> Option<Result<AttestationKey, Unknown>> + Sync,
    set: impl Fn(&mut EntryEvidence, Provenance),
) {
    let judged: Vec<(usize, Provenance)> = lockfile
        .entries
        .par_iter()
        .zip(evidence.entries.par_iter())
        .enumerate()
        .filter_map(|(i, (entry, ev))| {
            let provenance = match key_of(entry, ev.as_ref()?)? {
                Ok(key) => judge_fetched(&key, judging),
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
fn judge_fetched(key: &AttestationKey, judging: Judging<'_>) -> Provenance {
    let key_set = judging
        .keys
        .get(&key.registry)
        .and_then(RegistryKeys::attestation_keys);
    match judging.fetched.get(key) {
        Some(AttestationsOutcome::Served(body)) => match judging.anchors.trusted_root() {
            Ok(root) => judge(
                body,
                &key.name,
                &key.version,
                &key.sha512,
                root,
                key_set,
                judging.now,
            ),
            Err(why) => Provenance::Unknown(Unknown::NoTrustedRoot(why.to_string())),
        },
        Some(AttestationsOutcome::NotFound) => Provenance::FetchFailed(
            "the version document points to attestations the registry does not serve (404)"
                .to_string(),
        ),
        Some(AttestationsOutcome::Failed(why)) => Provenance::FetchFailed(why.clone()),
        Some(AttestationsOutcome::NotCached) => Provenance::Unknown(Unknown::NotCached),
        None => Provenance::Unknown(Unknown::AttestationsNotFetched),
    }
}
