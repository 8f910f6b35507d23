//! What a trusted root vouches for, as the checks use it: certificate
//! authorities (Fulcio CAs, timestamp authorities), log keys (Rekor logs, CT
//! logs), and the time windows each may be used in.
//!
//! These types carry no parsing and no checks of their own, so the modules
//! that check signatures (`certificate`, `timestamp`, `sct`, `tlog`) and the
//! one that reads the trusted root (`trust_root`) can all depend on them
//! without depending on each other.

use jiff::Timestamp;

use super::keys::PublicKey;

/// A validity window (the protobuf-specs `TimeRange`): closed at both ends,
/// an absent end is open. `start` is `None` only for material that came
/// without any window, which is then valid at every time.
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
