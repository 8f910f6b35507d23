//! The `trust-change` marker: a version bump whose version document
//! claims another trust level than the base version's. Field-level on
//! both sides, so the two are compared alike; what verified is judged by
//! the trust checks.

use std::collections::{BTreeMap, HashMap};

use super::{ChangeKind, LockfileDiff};
use crate::evidence::model::{Evidence, Metadata};
use crate::lockfile::Lockfile;
use crate::trust::TrustLevel;

/// Per entry index, the base version of each change that bumped a
/// version: the versions whose claimed trust levels are compared.
pub fn base_versions(diff: &LockfileDiff, lockfile: &Lockfile) -> BTreeMap<usize, String> {
    let index = entry_index(lockfile);
    diff.changes
        .iter()
        .filter_map(|change| {
            let base = change.base_version.clone()?;
            Some((*index.get(change.path.as_str())?, base))
        })
        .collect()
}

/// Marks `trust-change` on the changes whose entry's version document
/// claims another level than its base version's (`evidence.base_claims`).
pub fn mark(diff: &mut LockfileDiff, lockfile: &Lockfile, evidence: &Evidence) {
    let index = entry_index(lockfile);
    for change in &mut diff.changes {
        let Some(&i) = index.get(change.path.as_str()) else {
            continue;
        };
        let Some(&before) = evidence.base_claims.get(&i) else {
            continue;
        };
        let Some(Some(ev)) = evidence.entries.get(i) else {
            continue;
        };
        let Metadata::Found(record) = &ev.metadata else {
            continue;
        };
        let now = TrustLevel::claimed(&record.trust_fields());
        if before != now {
            change.add(
                ChangeKind::TrustChange,
                Some(format!(
                    "trust fields {} → {} (claimed by the version documents)",
                    before.as_str(),
                    now.as_str()
                )),
            );
        }
    }
}

/// Each entry's index, by install path.
fn entry_index(lockfile: &Lockfile) -> HashMap<&str, usize> {
    lockfile
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.path.as_str(), i))
        .collect()
}
