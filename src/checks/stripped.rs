//! npm's public registry answering without signatures: one finding per
//! lockfile and registry, not one per entry, since it is the network that
//! rewrote the answers, not the packages.

use crate::evidence::model::Evidence;
use crate::finding::{Code, Finding, Location};
use crate::lockfile::Lockfile;

pub(super) fn check(lockfile: &Lockfile, evidence: &Evidence, out: &mut Vec<Finding>) {
    for (registry, entries) in &evidence.stripped {
        out.push(Finding::new(
            Code::RegistrySignaturesStripped,
            None,
            format!(
                "npm's public registry signs every version, but the answers from {registry} \
                 for {entries} entries carry no signatures: something between lockproof and the \
                 registry rewrote them (a TLS-intercepting proxy, a mirror answering under its \
                 name, or a compromised network); their signatures, provenance and publishers \
                 are unverified"
            ),
            Location::at(&lockfile.path, 1),
        ));
    }
}
