//! Evidence: what is known about each entry beyond the lockfile, in one of
//! three states per kind: present, absent, or unknown (and why).
//!
//! [`collect::collect`] asks a [`source::Source`] (the registry in
//! production, memory in unit tests) and judges what comes back: registry
//! signatures, Sigstore bundles, tarball bytes. Checks read the result and
//! never do I/O. "Unknown" is never reported as "absent" and never as
//! "verified": a registry that serves no signatures leaves every entry's
//! signature evidence unknown, with one note saying so.

pub mod attestations;
pub mod collect;
pub mod keys;
pub mod model;
pub mod previous;
pub mod provenance;
pub mod registry;
pub mod source;
pub mod summary;
pub mod tarball;
#[cfg(test)]
mod tests;
pub mod unknown;
