//! Known-malicious and vulnerable versions: what the advisory database
//! said of each registry entry, as findings. In strict mode, entries the
//! database could not answer for fail the run, in one finding per file.

use super::{Context, EntryFindings};
use crate::advisories::evidence::Lookup;
use crate::advisories::judge;
use crate::evidence::model::Evidence;
use crate::finding::{Code, Finding, Location, PackageRef};
use crate::lockfile::Lockfile;

/// The findings of one entry's lookup.
pub(super) fn check(f: &mut EntryFindings, lookup: &Lookup) {
    let Some(version) = f.entry.version.as_deref() else {
        return;
    };
    for found in judge::judge(&f.entry.name, version, lookup) {
        let e = f.entry;
        f.out.push(found.into_finding(
            PackageRef {
                name: e.name.clone(),
                version: e.version.clone(),
                path: e.path.clone(),
            },
            Location::at(&f.lockfile.path, e.line),
        ));
    }
}

/// Strict mode: one finding for the entries whose advisories are unknown.
pub(super) fn check_unknown(
    lockfile: &Lockfile,
    evidence: &Evidence,
    ctx: &Context,
    out: &mut Vec<Finding>,
) {
    if !ctx.strict {
        return;
    }
    let mut reasons = evidence.advisories.per_entry().filter_map(|l| match l {
        Lookup::Unknown { reason } => Some(reason),
        _ => None,
    });
    let Some(first) = reasons.next() else {
        return;
    };
    let count = 1 + reasons.count();
    out.push(Finding::new(
        Code::FetchFailed,
        None,
        format!("advisory evidence unknown for {count} entries: {first}"),
        Location::at(&lockfile.path, 1),
    ));
}
