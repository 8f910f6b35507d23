//! The Sigstore trusted root: which Fulcio CAs, Rekor logs, CT logs and
//! timestamp authorities lockproof trusts, and for which time windows.
//!
//! The public-good root is embedded (from the `sigstore` wheel on PyPI, see
//! DESIGN.md); `--trusted-root FILE` replaces it. A key outside its
//! validity window is as good as absent, so every lookup takes a time.

use jiff::Timestamp;

use super::keys::PublicKey;

/// A validity window; an open end is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidFor {
    /// First instant of validity, if bounded.
    pub start: Option<Timestamp>,
    /// Last instant of validity, if bounded.
    pub end: Option<Timestamp>,
}

impl ValidFor {
    /// Whether `at` lies inside the window (both ends inclusive).
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start.is_none_or(|s| s <= at) && self.end.is_none_or(|e| at <= e)
    }
}

/// A log's key (a Rekor transparency log or a CT log), named by its log ID.
#[derive(Debug, Clone)]
pub struct LogKey {
    /// The log ID the trusted root gives: for Rekor v1 and CT logs the
    /// SHA-256 of the key's DER SubjectPublicKeyInfo.
    pub id: Vec<u8>,
    /// The log's verifying key.
    pub key: PublicKey,
    /// When the key may be used.
    pub valid_for: ValidFor,
    /// The log's base URL, e.g. `https://rekor.sigstore.dev`.
    pub base_url: String,
}

/// A certificate authority: its chain (DER, issuing certificate first, root
/// last) and its validity window.
#[derive(Debug, Clone)]
pub struct Authority {
    /// DER certificates, the one that issues leaves first, the root last.
    pub chain: Vec<Vec<u8>>,
    /// When this authority may have issued certificates.
    pub valid_for: ValidFor,
}
