//! Where evidence comes from: the [`Source`] trait the evidence pipeline
//! asks, and the outcomes it answers with.
//!
//! Production answers from the registry and the disk caches
//! ([`crate::fetch`]); unit tests answer from memory. Every outcome,
//! failures included, comes back as data: a source never judges, and a
//! fault is evidence too (unknown), never an error that stops the audit.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use url::Url;

use crate::advisories::api::Query;
use crate::advisories::evidence::Lookup;
use crate::integrity::Hash;
use crate::registry::packument::{PackageRecord, Versions};
use crate::signatures::KeySet;
use crate::tarball::Inspection;

/// One package to look up: where, and under which name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PackageKey {
    /// Registry base URL (ends with `/`): one copy per registry, shared by
    /// its packages and their entries' evidence.
    pub registry: Arc<Url>,
    /// Package name (valid npm name).
    pub name: String,
}

/// What became of one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageOutcome {
    /// The record (fresh, revalidated or, offline, from the cache). Boxed:
    /// the other outcomes, one per package, would each take its 80 bytes.
    Record(Box<PackageRecord>),
    /// The registry has no such package.
    NotFound,
    /// Nothing usable: the reason.
    Failed(String),
    /// Offline and not in the cache.
    NotCached,
}

/// One version's attestations to look up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttestationKey {
    /// Registry base URL.
    pub registry: Url,
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// The sha512 (hex) the attestations must be about. Bodies are cached
    /// under it: attestations of published bytes never change, and a
    /// cached body is verified again on every run, so the cache cannot
    /// vouch for anything by itself.
    pub sha512: String,
}

/// What became of one version's attestations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttestationsOutcome {
    /// The `/-/npm/v1/attestations/…` body.
    Served(String),
    /// The registry answered 404.
    NotFound,
    /// Nothing usable: the reason.
    Failed(String),
    /// Offline and not in the cache.
    NotCached,
}

/// What a registry's keys endpoint (`/-/npm/v1/keys`) answered.
#[derive(Debug, Clone)]
pub enum KeysOutcome {
    /// The keys it serves.
    Served(KeySet),
    /// It serves none (404).
    NotServed,
    /// The keys could not be had: the reason.
    Failed(String),
}

/// One tarball to verify: where npm would fetch it, and the hash the
/// lockfile pins (its strongest).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TarballKey {
    /// Download URL (`file:` for a tarball on the local disk).
    pub url: Url,
    /// Expected hash.
    pub hash: Hash,
}

/// What became of one tarball.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TarballOutcome {
    /// Its bytes match the lockfile and are in the store.
    Stored {
        /// The stored file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// Downloaded by this run (else it was in the store).
        downloaded: bool,
    },
    /// The bytes served hash to something else: the lockfile's integrity
    /// does not hold for them. Nothing was stored.
    Mismatch {
        /// Their hash, with the lockfile's algorithm.
        actual: Hash,
        /// Their size in bytes.
        size: u64,
    },
    /// No usable answer: the reason.
    Failed(String),
    /// Offline and not in the store.
    NotCached,
}

/// What inspecting a stored tarball found; `Err` when the file could not
/// be read back.
pub type Inspected = Result<Box<Inspection>, String>;

/// A fetched tarball: what became of it, and the inspection of its stored
/// bytes when it was stored.
pub type FetchedTarball = (TarballOutcome, Option<Inspected>);

/// Answers the evidence pipeline's questions. Implementations fetch in
/// parallel as they see fit; each answer is keyed like its question.
pub trait Source: Sync {
    /// The record of each package of `wanted` (each listed once), covering
    /// at least the versions listed for it: one outcome per package, in
    /// order.
    fn packages(&self, wanted: &[(PackageKey, Versions)]) -> Vec<PackageOutcome>;

    /// The key set of `registry`.
    fn keys(&self, registry: &Url) -> KeysOutcome;

    /// The attestations of every key of `wanted`; the value is the version
    /// document's attestations pointer.
    fn attestations(
        &self,
        wanted: &BTreeMap<AttestationKey, String>,
    ) -> BTreeMap<AttestationKey, AttestationsOutcome>;

    /// Every tarball of `wanted`, verified against its hash and inspected.
    fn tarballs(&self, wanted: &[TarballKey]) -> BTreeMap<TarballKey, FetchedTarball>;

    /// What the advisory database says of each `name@version`, one lookup
    /// per query, in order.
    fn advisories(&self, queries: &[Query<'_>]) -> Vec<Lookup>;
}
