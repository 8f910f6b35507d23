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
    pub digest: Digest,
}

/// The longest digest of an algorithm npm knows (SHA-512), in bytes.
const DIGEST_MAX: usize = 64;

// ring's digests are held in a `Digest` too.
const _: () = assert!(ring::digest::MAX_OUTPUT_LEN <= DIGEST_MAX);

/// A digest's raw bytes, held in place: every lockfile entry has one, and
/// a heap allocation of its own for each cost more than decoding them.
/// Compared, ordered, hashed and debug-printed as its bytes.
#[derive(Clone, Copy)]
pub struct Digest {
    len: u8,
    bytes: [u8; DIGEST_MAX],
}

impl Digest {
    /// `bytes` as a digest, or `None` when longer than any algorithm's.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let mut digest = Self {
            len: u8::try_from(bytes.len()).ok()?,
            bytes: [0; DIGEST_MAX],
        };
        digest.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(digest)
    }

    /// The digest of ring's `digest`.
    fn of_ring(digest: &ring::digest::Digest) -> Self {
        Self::new(digest.as_ref()).expect("ring's digests are at most DIGEST_MAX bytes")
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::ops::Deref for Digest {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Digest {}

impl PartialOrd for Digest {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Digest {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl std::hash::Hash for Digest {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_bytes().fmt(f)
    }
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
        Self::of_ring(algorithm, &ring::digest::digest(algorithm.ring(), data))
    }

    /// The hash ring's `digest` of `algorithm` finished with.
    pub fn of_ring(algorithm: Algorithm, digest: &ring::digest::Digest) -> Self {
        Self {
            algorithm,
            digest: Digest::of_ring(digest),
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
            STANDARD.encode(self.digest)
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
        // Nearly every string holds one hash.
        let mut hashes = Vec::with_capacity(1);
        for token in text.split_ascii_whitespace() {
            let Some((name, rest)) = token.split_once('-') else {
                continue;
            };
            let Some(algorithm) = Algorithm::from_name(name) else {
                continue;
            };
            let encoded = rest.split_once('?').map_or(rest, |(d, _)| d);
            let mut out = [0; DECODED_MAX];
            let bad_length = |actual| IntegrityError::BadLength {
                algorithm: algorithm.name(),
                actual,
                expected: algorithm.digest_len(),
            };
            let bytes = match decode(encoded, &mut out) {
                None => return Err(IntegrityError::BadBase64(algorithm.name())),
                Some(Decoded::TooLong(len)) => return Err(bad_length(len)),
                Some(Decoded::InPlace(bytes)) => bytes,
            };
            let digest = Some(bytes)
                .filter(|b| b.len() == algorithm.digest_len())
                .and_then(Digest::new)
                .ok_or_else(|| bad_length(bytes.len()))?;
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

/// The room a digest is decoded into: any base64 text that can decode to a
/// digest of the right length fits.
const DECODED_MAX: usize = 96;

/// What decoding a digest's base64 gave.
enum Decoded<'o> {
    /// The bytes, decoded in place.
    InPlace(&'o [u8]),
    /// Text too long to decode in place, whose bytes are never a digest:
    /// how many there are.
    TooLong(usize),
}

/// Decodes `encoded` as standard base64 into `out`, as `STANDARD.decode`
/// does (the same engine, given room for its whole estimate), or `None`
/// when it is not base64. Text too long for `out` is decoded the
/// allocating way only to learn how many bytes it holds.
fn decode<'o>(encoded: &str, out: &'o mut [u8; DECODED_MAX]) -> Option<Decoded<'o>> {
    if base64::decoded_len_estimate(encoded.len()) <= out.len() {
        let len = STANDARD.decode_slice(encoded, out).ok()?;
        out.get(..len).map(Decoded::InPlace)
    } else {
        STANDARD
            .decode(encoded)
            .ok()
            .map(|long| Decoded::TooLong(long.len()))
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

    /// `Integrity::parse` as first written, with an allocating decode.
    fn reference(text: &str) -> Result<Vec<(Algorithm, Vec<u8>)>, IntegrityError> {
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
            hashes.push((algorithm, digest));
        }
        if hashes.is_empty() {
            return Err(IntegrityError::NoKnownAlgorithm);
        }
        Ok(hashes)
    }

    #[test]
    fn decoding_in_place_agrees_with_the_allocating_decode() {
        // Digests of every length around each algorithm's, encoded with and
        // without padding, then with one byte changed to each of a few
        // that base64 treats specially.
        let mut texts = Vec::new();
        for len in 0..=140 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            let encoded = STANDARD.encode(&bytes);
            let bare = encoded.trim_end_matches('=').to_string();
            for body in [
                encoded.clone(),
                bare,
                format!("{encoded}="),
                format!("{encoded}A"),
            ] {
                for name in ["sha1", "sha256", "sha384", "sha512"] {
                    texts.push(format!("{name}-{body}"));
                    texts.push(format!("{name}-{body}?opt {SHA1}"));
                    for at in [0, body.len() / 2, body.len().saturating_sub(1)] {
                        for b in ["=", "!", "-", "_", "A", "z"] {
                            let mut edited = body.clone();
                            if at < edited.len() && edited.is_char_boundary(at) {
                                edited.replace_range(at..=at, b);
                                texts.push(format!("{name}-{edited}"));
                            }
                        }
                    }
                }
            }
        }
        assert!(texts.len() > 10_000);
        for text in &texts {
            let new = Integrity::parse(text).map(|i| {
                i.hashes()
                    .iter()
                    .map(|h| (h.algorithm, h.digest.to_vec()))
                    .collect::<Vec<_>>()
            });
            assert_eq!(new, reference(text), "{text:?}");
        }
    }

    #[test]
    fn digests_compare_order_and_print_as_their_bytes() {
        let a = Digest::new(&[1, 2]).unwrap();
        let b = Digest::new(&[1, 2, 0]).unwrap();
        assert_ne!(a, b);
        assert!(a < b);
        assert_eq!(format!("{a:?}"), format!("{:?}", vec![1u8, 2]));
        assert!(Digest::new(&[0; 65]).is_none());
        assert_eq!(Digest::new(&[7; 64]).unwrap().len(), 64);
    }
}
