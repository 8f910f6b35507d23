//! Trust anchors: npm's public-registry keys and the Sigstore trusted root,
//! with where each came from.
//!
//! Both come from Sigstore's TUF repository ([`tuf`]) when it can be
//! reached; else from the newest verified cache; else from the copies
//! embedded in the binary. A TUF repository that cannot be reached, or
//! that fails a check, never fails the audit: it falls back, and says so
//! in one line ([`Anchors::describe`]). An explicit trusted-root file
//! replaces the Sigstore root whatever TUF says.
//!
//! The trusted root is parsed, and its CA chains checked, only when a
//! bundle is verified ([`Anchors::trusted_root`]): an audit that verifies
//! none does not pay for it.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::registry::proxy::Proxies;
use crate::signatures::KeySet;
use crate::sigstore::trust_root::{PUBLIC_GOOD, TrustedRoot};

mod describe;
mod refresh;
pub mod tuf;

pub use refresh::{UpdateError, load, update};

/// Where the embedded copies come from, as reports name it.
pub const EMBEDDED_FROM: &str = "sigstore 4.5.1 wheel, 2026-10";

/// The TUF target holding the Sigstore trusted root.
pub const TRUSTED_ROOT_TARGET: &str = "trusted_root.json";
/// The TUF target holding npm's public-registry keys.
pub const NPM_KEYS_TARGET: &str = "registry.npmjs.org/keys.json";

/// How long a verified cache is used before a refresh is tried.
pub const DEFAULT_MAX_AGE: SignedDuration = SignedDuration::from_hours(24);

/// What decides which anchors are used: plain values, so the command layer
/// maps its flags and configuration onto them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// lockproof's cache folder; `None`: no cache is read or written.
    pub cache_dir: Option<PathBuf>,
    /// Never contact the TUF repository.
    pub offline: bool,
    /// The TUF repository's base URL.
    pub tuf_url: String,
    /// The repository's bootstrap `root.json`; `None`: the embedded
    /// Sigstore root (only right for Sigstore's repository or a mirror).
    pub tuf_root: Option<Vec<u8>>,
    /// A trusted-root file that replaces the Sigstore root.
    pub trusted_root_file: Option<PathBuf>,
    /// The time checks are made at.
    pub now: Timestamp,
    /// How old a verified cache may be before a refresh is tried.
    pub max_age: SignedDuration,
    /// How long one request to the repository may take.
    pub timeout: Duration,
    /// The proxies requests go through (`NpmConfig::proxies`); none by
    /// default.
    pub proxies: Proxies,
}

impl Settings {
    /// Sigstore's public-good repository, cached under `cache_dir`.
    pub fn new(cache_dir: Option<PathBuf>, now: Timestamp) -> Settings {
        Settings {
            cache_dir,
            offline: false,
            tuf_url: tuf::SIGSTORE_TUF_URL.to_owned(),
            tuf_root: None,
            trusted_root_file: None,
            now,
            max_age: DEFAULT_MAX_AGE,
            timeout: Duration::from_secs(10),
            proxies: Proxies::default(),
        }
    }

    /// These settings with `file` (when given) replacing the Sigstore
    /// trusted root.
    pub fn with_trusted_root(mut self, file: Option<PathBuf>) -> Settings {
        self.trusted_root_file = file;
        self
    }
}

/// Where an anchor came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Refreshed from the TUF repository in this run.
    Tuf(TufVersions),
    /// The verified cache of an earlier refresh.
    Cache {
        /// The metadata it was verified with.
        versions: TufVersions,
        /// When it was refreshed.
        updated: Timestamp,
    },
    /// The copy embedded in the binary.
    Embedded,
    /// A file the user named.
    File(PathBuf),
}

/// The TUF metadata behind an anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TufVersions {
    /// The repository's base URL.
    pub url: String,
    /// Root version.
    pub root: u64,
    /// Timestamp version.
    pub timestamp: u64,
    /// Snapshot version.
    pub snapshot: u64,
    /// Targets version (of the role that lists the target).
    pub targets: u64,
    /// When the earliest of these expires (after which a refresh is due,
    /// and the cache only a fallback).
    pub expires: Timestamp,
}

/// The anchors in use.
#[derive(Debug)]
pub struct Anchors {
    /// npm's public-registry keys, each with its uses and windows.
    pub npm_keys: KeySet,
    /// Where they came from.
    pub npm_keys_source: Source,
    /// Where the trusted root came from.
    pub trusted_root_source: Source,
    /// Why refreshing from TUF failed, when it was tried and failed.
    pub refresh_error: Option<String>,
    /// Why the cache could not be used (it does not verify) or kept.
    pub cache_error: Option<String>,
    /// Whether the run was offline (no refresh tried).
    pub offline: bool,
    now: Timestamp,
    trusted_root_bytes: Vec<u8>,
    trusted_root: OnceLock<Result<TrustedRoot, String>>,
}

impl Anchors {
    fn new(
        npm_keys: (KeySet, Source),
        trusted_root: (Vec<u8>, Source),
        problems: refresh::Problems,
        settings: &Settings,
    ) -> Anchors {
        Anchors {
            npm_keys: npm_keys.0,
            npm_keys_source: npm_keys.1,
            trusted_root_source: trusted_root.1,
            refresh_error: problems.refresh,
            cache_error: problems.cache,
            offline: settings.offline,
            now: settings.now,
            trusted_root_bytes: trusted_root.0,
            trusted_root: OnceLock::new(),
        }
    }

    /// The embedded anchors, for when nothing else is at hand.
    fn embedded(settings: &Settings, problems: refresh::Problems) -> Anchors {
        let root = match &settings.trusted_root_file {
            Some(path) => (Vec::new(), Source::File(path.clone())),
            None => (PUBLIC_GOOD.as_bytes().to_vec(), Source::Embedded),
        };
        Anchors::new(
            (KeySet::npm_public(), Source::Embedded),
            root,
            problems,
            settings,
        )
    }

    /// The Sigstore trusted root, parsed (and its CA chains checked) on
    /// first use; why it is unusable otherwise.
    pub fn trusted_root(&self) -> Result<&TrustedRoot, &str> {
        self.trusted_root
            .get_or_init(|| {
                let name = describe::source_name(&self.trusted_root_source);
                let bytes = match &self.trusted_root_source {
                    Source::File(path) => {
                        std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?
                    }
                    _ => self.trusted_root_bytes.clone(),
                };
                TrustedRoot::from_json(&bytes, self.now).map_err(|e| format!("{name}: {e}"))
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

#[cfg(test)]
mod tests;
