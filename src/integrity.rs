//! Subresource Integrity strings as npm writes them (`sha512-<base64>`).
//!
//! A string may hold several space-separated hashes; npm trusts the
//! strongest, so lockproof judges the strongest too. A token with a known
//! algorithm whose digest does not decode to the right length makes the
//! whole string malformed: npm would ignore the token, but a lockfile that
//! carries one was edited by something other than npm.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

/// Hash algorithms npm knows, weakest first (so `Ord` ranks strength).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// SHA-1: collisions are practical; not an integrity guarantee.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512, what npm writes today.
    Sha512,
}

impl Algorithm {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha1" => Some(Self::Sha1),
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The SRI name of the algorithm.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Whether the algorithm still resists collisions.
    pub fn is_strong(self) -> bool {
        self != Self::Sha1
    }
}

/// One decoded hash of an SRI string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash {
    /// Its algorithm.
    pub algorithm: Algorithm,
    /// The raw digest bytes.
    pub digest: Vec<u8>,
}

impl Algorithm {
    /// ring's implementation of the algorithm.
    pub fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            Self::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &ring::digest::SHA256,
            Self::Sha384 => &ring::digest::SHA384,
            Self::Sha512 => &ring::digest::SHA512,
        }
    }
}

impl Hash {
    /// The hash of `data` with `algorithm`.
    pub fn of(algorithm: Algorithm, data: &[u8]) -> Self {
        Self {
            algorithm,
            digest: ring::digest::digest(algorithm.ring(), data)
                .as_ref()
                .to_vec(),
        }
    }

    /// The digest as lowercase hex (what in-toto subjects use).
    pub fn hex(&self) -> String {
        self.digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.algorithm.name(),
            STANDARD.encode(&self.digest)
        )
    }
}

/// A parsed, well-formed SRI string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    hashes: Vec<Hash>,
}

/// Why an SRI string cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityError {
    /// Empty or only whitespace.
    #[error("the integrity string is empty")]
    Empty,
    /// No token names an algorithm npm supports.
    #[error("no supported hash algorithm (sha512, sha384, sha256, sha1)")]
    NoKnownAlgorithm,
    /// A token's digest is not base64.
    #[error("the {0} digest is not valid base64")]
    BadBase64(&'static str),
    /// A token's digest has the wrong length for its algorithm.
    #[error("the {algorithm} digest is {actual} bytes, expected {expected}")]
    BadLength {
        /// The algorithm named.
        algorithm: &'static str,
        /// Bytes decoded.
        actual: usize,
        /// Bytes that algorithm produces.
        expected: usize,
    },
}

impl Integrity {
    /// Parses an SRI string. Options after `?` are ignored, as the SRI
    /// specification says; tokens with unknown algorithms are skipped.
    pub fn parse(text: &str) -> Result<Self, IntegrityError> {
        if text.trim().is_empty() {
            return Err(IntegrityError::Empty);
        }
        let mut hashes = Vec::new();
        for token in text.split_ascii_whitespace() {
            let Some((name, rest)) = token.split_once('-') else {
                continue;
            };
            let Some(algorithm) = Algorithm::from_name(name) else {
                continue;
            };
            let encoded = rest.split_once('?').map_or(rest, |(d, _)| d);
            let digest = STANDARD
                .decode(encoded)
                .map_err(|_| IntegrityError::BadBase64(algorithm.name()))?;
            if digest.len() != algorithm.digest_len() {
                return Err(IntegrityError::BadLength {
                    algorithm: algorithm.name(),
                    actual: digest.len(),
                    expected: algorithm.digest_len(),
                });
            }
            hashes.push(Hash { algorithm, digest });
        }
        if hashes.is_empty() {
            return Err(IntegrityError::NoKnownAlgorithm);
        }
        Ok(Self { hashes })
    }

    /// The strongest hash; npm verifies with this one.
    pub fn strongest(&self) -> &Hash {
        self.hashes
            .iter()
            .max_by_key(|h| h.algorithm)
            .expect("parse guarantees at least one hash")
    }

    /// All hashes, in source order.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA512: &str = "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==";
    const SHA1: &str = "sha1-LoWk8c1TjHb0n5gWw5GJTDBB5SA=";

    #[test]
    fn parses_sha512_and_round_trips() {
        let i = Integrity::parse(SHA512).unwrap();
        assert_eq!(i.strongest().algorithm, Algorithm::Sha512);
        assert_eq!(i.strongest().to_string(), SHA512);
        assert_eq!(i.strongest().hex().len(), 128);
    }

    #[test]
    fn picks_the_strongest_of_several() {
        let i = Integrity::parse(&format!("{SHA1} {SHA512}")).unwrap();
        assert_eq!(i.hashes().len(), 2);
        assert_eq!(i.strongest().algorithm, Algorithm::Sha512);
        let only_sha1 = Integrity::parse(SHA1).unwrap();
        assert!(!only_sha1.strongest().algorithm.is_strong());
    }

    #[test]
    fn ignores_options_and_unknown_algorithms() {
        let i = Integrity::parse(&format!("md5-abc {SHA512}?foo")).unwrap();
        assert_eq!(i.hashes().len(), 1);
    }

    #[test]
    fn rejects_malformed_strings() {
        assert_eq!(Integrity::parse("  "), Err(IntegrityError::Empty));
        assert_eq!(
            Integrity::parse("md5-abcd"),
            Err(IntegrityError::NoKnownAlgorithm)
        );
        assert_eq!(
            Integrity::parse("sha512-notbase64!!"),
            Err(IntegrityError::BadBase64("sha512"))
        );
        assert!(matches!(
            Integrity::parse("sha512-YWJj"),
            Err(IntegrityError::BadLength { actual: 3, .. })
        ));
        assert_eq!(
            Integrity::parse("nohyphen"),
            Err(IntegrityError::NoKnownAlgorithm)
        );
    }
}
