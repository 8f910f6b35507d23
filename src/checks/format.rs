//! Findings about the lockfile as a whole: its format version and keys
//! that occur twice in one object.

use crate::finding::{Code, Finding, Location};
use crate::lockfile::{Lockfile, LockfileVersion, PackageManager};

pub(super) fn check(lockfile: &Lockfile, out: &mut Vec<Finding>) {
    let at = |line| Location::at(&lockfile.path, line);
    let old = match lockfile.version {
        LockfileVersion::Unversioned => Some(
            "the lockfile has no lockfileVersion (npm <= 4): it records no integrity hashes at all",
        ),
        LockfileVersion::V1 => {
            Some("lockfileVersion 1 (npm 5-6) records no install scripts or platform fields")
        }
        LockfileVersion::V2 | LockfileVersion::V3 => None,
    };
    if let Some(message) = old {
        out.push(Finding::new(
            Code::LockfileOldFormat,
            None,
            message.to_string(),
            at(lockfile.version_line),
        ));
    }
    let who_wins = match lockfile.format.manager() {
        PackageManager::Npm => "npm keeps this last value",
        _ => "readers disagree on which value wins",
    };
    for dup in &lockfile.duplicate_keys {
        out.push(Finding::new(
            Code::DuplicateKey,
            None,
            format!(
                "the key {:?} appears more than once in one object; {who_wins}",
                dup.key
            ),
            at(dup.line),
        ));
    }
}
