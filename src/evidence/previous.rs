//! The previous release's provenance, for identity drift: a version whose
//! provenance names another source repository or workflow than the release
//! before it was built from another place, as when a stolen trusted
//! publisher configuration or a fork publishes.
//!
//! Only versions whose own provenance verified are compared, and the
//! previous release's bundles are verified in full, bound to the sha512
//! the registry states for it (its lockfile integrity is not at hand).

use std::collections::BTreeMap;

use super::attestations::{Judging, judge_into};
use super::model::{EntryEvidence, Evidence, Metadata};
use super::provenance::{Provenance, sha512_of};
use super::source::AttestationKey;
use crate::integrity::Integrity;
use crate::lockfile::Lockfile;

/// The previous releases' attestations to fetch, keyed with the sha512
/// the registry states for them, each with its attestations pointer.
pub(super) fn wanted(lockfile: &Lockfile, evidence: &Evidence) -> BTreeMap<AttestationKey, String> {
    lockfile
        .entries
        .iter()
        .zip(&evidence.entries)
        .filter_map(|(entry, ev)| key(&entry.name, ev.as_ref()?))
        .collect()
}

/// Verifies the fetched bundles into each entry's `previous_provenance`.
pub(super) fn add(lockfile: &Lockfile, evidence: &mut Evidence, judging: Judging<'_>) {
    judge_into(
        lockfile,
        evidence,
        judging,
        |entry, ev| key(&entry.name, ev).map(|(key, _)| Ok(key)),
        |ev, provenance| ev.previous_provenance = Some(provenance),
    );
    let not_compared = evidence
        .entries
        .iter()
        .flatten()
        .filter(|ev| {
            ev.previous_provenance
                .as_ref()
                .is_some_and(|p| !matches!(p, Provenance::Verified(_)))
        })
        .count();
    if not_compared > 0 {
        evidence.notes.push(format!(
            "identity drift: {not_compared} entries not compared with their previous release, \
             whose provenance could not be fetched or did not verify"
        ));
    }
}

/// The key of `name`'s previous release, when the entry's own provenance
/// verified and the previous release claims attestations and states one
/// sha512 they can be bound to.
fn key(name: &str, ev: &EntryEvidence) -> Option<(AttestationKey, String)> {
    let (Metadata::Found(record), Provenance::Verified(_)) = (&ev.metadata, &ev.provenance) else {
        return None;
    };
    let previous = record.history.previous.as_ref()?;
    if !previous.fields.attestations {
        return None;
    }
    let integrity = Integrity::parse(previous.fields.integrity.as_deref()?).ok()?;
    let sha512 = sha512_of(&integrity).ok()?;
    // The registry's own attestations path for that version, built here
    // rather than taken from a document: the same place npm looks.
    let pointer = format!(
        "-/npm/v1/attestations/{}@{}",
        name.replacen('/', "%2f", 1),
        previous.version
    );
    Some((
        AttestationKey {
            registry: url::Url::clone(&ev.registry),
            name: name.to_owned(),
            version: previous.version.clone(),
            sha512,
        },
        pointer,
    ))
}
