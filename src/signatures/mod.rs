//! npm registry signatures: `dist.signatures` checked against the registry's
//! public keys.
//!
//! The registry signs the UTF-8 string `${name}@${version}:${integrity}`
//! (integrity exactly as it serves `dist.integrity`) with ECDSA P-256 /
//! SHA-256 and publishes, per version, `dist.signatures: [{keyid, sig}]`
//! where `sig` is base64 of the DER signature. Its keys come from
//! `GET /-/npm/v1/keys` ([`KeySet::from_keys_json`]), or for npm's public
//! registry from Sigstore's TUF repository ([`target`]: keys with a use and
//! a window each); npm's own keys are embedded ([`KeySet::npm_public`]).
//!
//! A key id is not taken on trust: it is recomputed from the key
//! ([`keyid`]) and a key set that misstates one is rejected.
//!
//! [`verify`] turns one version's signatures into one [`Verdict`]. How it
//! weighs several signatures, and how it applies key expiry when the publish
//! time is not known, is documented there.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use jiff::Timestamp;
use p256::ecdsa::{DerSignature, Signature as EcdsaSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

pub mod target;

pub use target::{Grant, KeyUsage};

/// The one key type (and signature scheme) npm registries use.
pub const KEYTYPE: &str = "ecdsa-sha2-nistp256";

/// Why a key set could not be loaded. Any error rejects the whole set: a
/// set with one bad key is not a set to trust partially.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// The body is not JSON of the form `{"keys": [...]}`.
    #[error("the keys document is not valid JSON of the form {{\"keys\": [...]}}: {0}")]
    Json(#[from] serde_json::Error),
    /// A key of a type lockproof cannot verify.
    #[error("key {keyid} has key type {keytype:?}; only {KEYTYPE:?} is supported")]
    UnsupportedKeyType {
        /// The key's stated id.
        keyid: String,
        /// The key type it states.
        keytype: String,
    },
    /// A key with a signature scheme lockproof cannot verify.
    #[error("key {keyid} has signature scheme {scheme:?}; only {KEYTYPE:?} is supported")]
    UnsupportedScheme {
        /// The key's stated id.
        keyid: String,
        /// The scheme it states.
        scheme: String,
    },
    /// The `key` field is not base64.
    #[error("key {keyid}: the key material is not base64: {reason}")]
    KeyNotBase64 {
        /// The key's stated id.
        keyid: String,
        /// The decoder's complaint.
        reason: String,
    },
    /// The `key` field decodes, but not to a P-256 SubjectPublicKeyInfo.
    #[error("key {keyid}: the key material is not a P-256 public key (SPKI DER): {reason}")]
    KeyNotP256 {
        /// The key's stated id.
        keyid: String,
        /// The parser's complaint.
        reason: String,
    },
    /// The `expires` field is neither null nor an RFC 3339 timestamp.
    #[error("key {keyid}: expires {value:?} is not an RFC 3339 timestamp: {reason}")]
    BadExpiry {
        /// The key's stated id.
        keyid: String,
        /// The value as served.
        value: String,
        /// The parser's complaint.
        reason: String,
    },
    /// The stated key id is not the id of the key material.
    #[error(
        "a key is listed as {stated} but its key material has id {computed}: \
         a key set that misstates its key ids is not trusted"
    )]
    KeyIdMismatch {
        /// The id the key set states.
        stated: String,
        /// The id computed from the key.
        computed: String,
    },
    /// Two entries with the same key id.
    #[error("key {keyid} is listed more than once")]
    DuplicateKeyId {
        /// The repeated id.
        keyid: String,
    },
}

/// One registry public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryKey {
    /// `SHA256:<base64>` id, checked against the key material.
    pub keyid: String,
    /// When the key stopped being valid for new publishes; `None`: never.
    pub expires: Option<Timestamp>,
    key: VerifyingKey,
    /// The uses and windows it is trusted for, from the TUF target; empty
    /// for a key a registry's endpoint serves, which states no use.
    grants: Vec<Grant>,
}

impl RegistryKey {
    /// A key from the fields of one `/-/npm/v1/keys` entry (already checked
    /// to be of type [`KEYTYPE`]). The stated `keyid` must be the key's id.
    pub fn from_parts(
        keyid: &str,
        expires: Option<&str>,
        key_b64: &str,
    ) -> Result<RegistryKey, KeysError> {
        let der = STANDARD
            .decode(key_b64)
            .map_err(|e| KeysError::KeyNotBase64 {
                keyid: keyid.to_string(),
                reason: e.to_string(),
            })?;
        let key = VerifyingKey::from_public_key_der(&der).map_err(|e| KeysError::KeyNotP256 {
            keyid: keyid.to_string(),
            reason: e.to_string(),
        })?;
        let computed = self::keyid(&key);
        if computed != keyid {
            return Err(KeysError::KeyIdMismatch {
                stated: keyid.to_string(),
                computed,
            });
        }
        let expires = expires
            .map(|value| {
                value
                    .parse::<Timestamp>()
                    .map_err(|e| KeysError::BadExpiry {
                        keyid: keyid.to_string(),
                        value: value.to_string(),
                        reason: e.to_string(),
                    })
            })
            .transpose()?;
        Ok(RegistryKey {
            keyid: computed,
            expires,
            key,
            grants: Vec::new(),
        })
    }

    /// When the key had stopped being valid by `at`: its expiry, else the
    /// latest end among its windows that is not after `at`.
    pub fn ended_by(&self, at: Timestamp) -> Option<Timestamp> {
        match self.expires {
            Some(expires) if expires <= at => Some(expires),
            _ => self
                .grants
                .iter()
                .filter_map(|g| g.end)
                .filter(|e| *e <= at)
                .max(),
        }
    }

    /// When the key's earliest window opens, if every window opens after
    /// `at`.
    pub fn starts_after(&self, at: Timestamp) -> Option<Timestamp> {
        let starts: Vec<Timestamp> = self.grants.iter().filter_map(|g| g.start).collect();
        let all_later =
            !self.grants.is_empty() && self.grants.iter().all(|g| g.start.is_some_and(|s| s > at));
        all_later.then(|| starts.into_iter().min()).flatten()
    }

    /// The same key, trusted only for `grants`.
    pub fn with_grants(mut self, grants: Vec<Grant>) -> RegistryKey {
        self.grants = grants;
        self
    }

    /// The uses and windows the key is trusted for (empty: not stated).
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// The public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether the key was valid for a version published at `published`:
    /// it never expires, or `published` is strictly before its expiry.
    ///
    /// `published` may also be an upper bound on the publish time (any
    /// instant known to be at or after it); the answer stays sound, since
    /// "valid" follows only from a bound that is itself before the expiry.
    ///
    /// A key with grants must also be within one of their windows (after
    /// [`KeySet::for_usage`], within one of that use).
    pub fn valid_at(&self, published: Timestamp) -> bool {
        self.expires.is_none_or(|expires| published < expires)
            && (self.grants.is_empty() || self.grants.iter().any(|g| g.contains(published)))
    }

    /// Checks one signature (`sig`: base64 of DER) over
    /// [`signed_message`]`(name, version, integrity)` with this key, with no
    /// regard to expiry.
    pub fn check(
        &self,
        name: &str,
        version: &str,
        integrity: &str,
        sig: &str,
    ) -> Result<(), SignatureError> {
        let sig = decode_signature(sig)?;
        crate::sigstore::keys::PublicKey::P256(self.key)
            .verify(
                signed_message(name, version, integrity).as_bytes(),
                sig.to_der().as_bytes(),
            )
            .map_err(|_| SignatureError::Mismatch)
    }
}

/// Why one signature failed [`RegistryKey::check`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// `sig` is not standard padded base64.
    #[error("the signature is not base64: {0}")]
    NotBase64(String),
    /// `sig` decodes, but not to a DER ECDSA P-256 signature with `r` and
    /// `s` in range.
    #[error("the signature is not a DER-encoded ECDSA P-256 signature")]
    NotDer,
    /// A well-formed signature that does not verify over this message.
    #[error("the signature does not verify")]
    Mismatch,
}

fn decode_signature(sig: &str) -> Result<EcdsaSignature, SignatureError> {
    let der = STANDARD
        .decode(sig)
        .map_err(|e| SignatureError::NotBase64(e.to_string()))?;
    let der = DerSignature::from_bytes(&der).map_err(|_| SignatureError::NotDer)?;
    // Rejects r or s of zero or not below the group order.
    EcdsaSignature::try_from(der).map_err(|_| SignatureError::NotDer)
}

/// The bytes the registry signs: `${name}@${version}:${integrity}`.
pub fn signed_message(name: &str, version: &str, integrity: &str) -> String {
    format!("{name}@{version}:{integrity}")
}

/// A registry's public keys, by key id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: BTreeMap<String, RegistryKey>,
}

#[derive(Deserialize)]
struct KeysDoc {
    keys: Vec<RawKey>,
}

#[derive(Deserialize)]
struct RawKey {
    keyid: String,
    #[serde(default)]
    expires: Option<String>,
    keytype: String,
    #[serde(default)]
    scheme: Option<String>,
    key: String,
}

impl KeySet {
    /// npm's public registry keys, embedded (`assets/npm-keys.json`, in the
    /// TUF target's form): the trust anchors for registry.npmjs.org when the
    /// TUF repository cannot be reached.
    pub fn npm_public() -> KeySet {
        KeySet::npm_embedded().expect("the embedded npm keys target is well-formed (tested)")
    }

    /// The keys trusted for `usage`, each keeping only that use's windows.
    /// Keys that state no use (a registry endpoint's) are kept as they
    /// are; keys granted only other uses are dropped, so a signature by
    /// one is by an unknown key.
    pub fn for_usage(&self, usage: KeyUsage) -> KeySet {
        let keys = self
            .keys
            .iter()
            .filter_map(|(id, key)| {
                if key.grants.is_empty() {
                    return Some((id.clone(), key.clone()));
                }
                let grants: Vec<Grant> = key
                    .grants
                    .iter()
                    .filter(|g| g.usage == usage)
                    .copied()
                    .collect();
                (!grants.is_empty()).then(|| (id.clone(), key.clone().with_grants(grants)))
            })
            .collect();
        KeySet { keys }
    }

    /// The IDs of `served` keys that are not among `self` with the same key
    /// material: what a registry endpoint offers beyond the pinned keys,
    /// to be ignored with a note.
    pub fn unpinned<'a>(&self, served: &'a KeySet) -> Vec<&'a str> {
        served
            .iter()
            .filter(|k| self.get(&k.keyid).is_none_or(|p| p.key != k.key))
            .map(|k| k.keyid.as_str())
            .collect()
    }

    /// A key set from a `/-/npm/v1/keys` body. Every key must be of type
    /// [`KEYTYPE`] (an unknown type is an error naming it), parse as a
    /// P-256 SPKI, and have the id it states.
    pub fn from_keys_json(body: &[u8]) -> Result<KeySet, KeysError> {
        let doc: KeysDoc = serde_json::from_slice(body)?;
        let keys = doc
            .keys
            .into_iter()
            .map(|raw| {
                if raw.keytype != KEYTYPE {
                    return Err(KeysError::UnsupportedKeyType {
                        keyid: raw.keyid,
                        keytype: raw.keytype,
                    });
                }
                if let Some(scheme) = raw.scheme.filter(|s| s != KEYTYPE) {
                    return Err(KeysError::UnsupportedScheme {
                        keyid: raw.keyid,
                        scheme,
                    });
                }
                RegistryKey::from_parts(&raw.keyid, raw.expires.as_deref(), &raw.key)
            })
            .collect::<Result<Vec<_>, _>>()?;
        KeySet::from_keys(keys)
    }

    /// A key set from keys already loaded; ids must be distinct.
    pub fn from_keys(keys: impl IntoIterator<Item = RegistryKey>) -> Result<KeySet, KeysError> {
        let mut map = BTreeMap::new();
        for key in keys {
            if map.contains_key(&key.keyid) {
                return Err(KeysError::DuplicateKeyId { keyid: key.keyid });
            }
            map.insert(key.keyid.clone(), key);
        }
        Ok(KeySet { keys: map })
    }

    /// The key with this id.
    pub fn get(&self, keyid: &str) -> Option<&RegistryKey> {
        self.keys.get(keyid)
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// The keys, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &RegistryKey> {
        self.keys.values()
    }
}

/// The id of a P-256 key as npm states it: `SHA256:` and the unpadded
/// standard base64 of SHA-256 over the key's OpenSSH wire blob,
/// `string("ecdsa-sha2-nistp256") || string("nistp256") || string(Q)`, with
/// `Q` the uncompressed point and each string a u32 big-endian length and
/// the bytes (the OpenSSH key fingerprint).
pub fn keyid(key: &VerifyingKey) -> String {
    let point = key.to_sec1_point(false);
    let mut blob = Vec::with_capacity(4 + 19 + 4 + 8 + 4 + 65);
    for part in [KEYTYPE.as_bytes(), b"nistp256", point.as_bytes()] {
        let len = u32::try_from(part.len()).expect("short");
        blob.extend_from_slice(&len.to_be_bytes());
        blob.extend_from_slice(part);
    }
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(&blob)))
}

/// One entry of `dist.signatures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Id of the key that made it (`SHA256:...`).
    pub keyid: String,
    /// Base64 of the DER-encoded ECDSA signature.
    pub sig: String,
}

/// The verdict for one version's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A signature by a known key that was valid at publish time verifies,
    /// and no signature gives evidence of tampering.
    Verified {
        /// The key whose signature verified (the first such).
        keyid: String,
    },
    /// A well-formed signature by a known key does not verify over
    /// `name@version:integrity`: the metadata or the signature was altered.
    /// Critical. Expiry does not excuse it (see [`verify`]).
    Invalid {
        /// The key whose signature failed (the first such).
        keyid: String,
    },
    /// No signature is by a key in the set.
    UnknownKey {
        /// The ids the signatures name, in order, without repeats.
        keyids: Vec<String>,
    },
    /// Signatures by known keys verify, but none of those keys is shown to
    /// have been valid when the version was published: the publish time (or
    /// the best upper bound on it) is not before the key's expiry.
    ExpiredKey {
        /// The expired key (the first such).
        keyid: String,
        /// When it expired.
        expires: Timestamp,
    },
    /// Signatures by known keys verify, but the keys' windows (from the TUF
    /// keys target) start after the time the version is stated to have been
    /// published: the registry dates it before npm used the key.
    NotYetValid {
        /// The key (the first such).
        keyid: String,
        /// When its window opens.
        from: Timestamp,
    },
    /// No signatures at all.
    Missing,
    /// A signature by a known key cannot be decoded (not base64, not DER,
    /// `r`/`s` out of range). Treated as tampering, like [`Verdict::Invalid`].
    Malformed {
        /// The key it names.
        keyid: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Judges one version's `dist.signatures`.
///
/// Each signature is classified on its own:
/// - its key is not in `keys`: *unknown*. Its `sig` is not inspected (a key
///   we do not know may use an encoding we do not know);
/// - its key is known and `sig` does not decode: *malformed*;
/// - its key is known and the signature does not verify: *invalid*,
///   whatever the key's expiry. Expiry limits how far a signature is
///   trusted, never how far a failure is suspected: a retired key's
///   signature that fails still shows altered metadata, and mirrors rewrite
///   `time`, so an "expired" reading may itself be an artifact;
/// - it verifies and the key was valid at publish time: *verified*;
/// - it verifies but the key is not shown valid at publish time: *expired*.
///
/// The verdict is the first class present in this order:
/// **Invalid > Malformed > Verified > ExpiredKey > NotYetValid > UnknownKey >
/// Missing**.
/// Any evidence of tampering by a key we trust wins over a good signature
/// beside it: an attacker cannot remove the good signature's meaning, but a
/// failing one means the document is not what the registry signed, and a
/// security tool must not average that away. A verified signature wins over
/// signatures by unknown or expired keys: they sign the same message, so
/// they add nothing an attacker could use, and a key set may lag a
/// registry's key rotation. (npm's own client rejects any unknown key id;
/// that would turn every key rotation into an outage without adding
/// assurance.) Within a class the first signature in `signatures` is named.
///
/// `published` is the version's publish time as the registry states it
/// (`time[version]`), or any instant known to be at or after it (an upper
/// bound, e.g. the packument's `modified`); see [`RegistryKey::valid_at`].
///
/// When `published` is `None`, `now` stands in for it: the
/// version was necessarily published before it could be read, so "now" is
/// a sound upper bound. A key that has not expired yet is therefore valid,
/// and a key that has expired yields [`Verdict::ExpiredKey`]. npm's client
/// counts a missing time as the epoch (always in date); we fail closed
/// instead, because a signature cannot date itself: if a retired key ever
/// leaked, every undated signature by it would pass, and mirrors strip
/// `time`. The caller knows it passed `None` and should say so when it
/// reports an `ExpiredKey`.
pub fn verify(
    keys: &KeySet,
    name: &str,
    version: &str,
    integrity: &str,
    signatures: &[Signature],
    published: Option<Timestamp>,
    now: Timestamp,
) -> Verdict {
    if signatures.is_empty() {
        return Verdict::Missing;
    }
    let published = published.unwrap_or(now);
    let mut invalid = None;
    let mut malformed = None;
    let mut verified = None;
    let mut expired = None;
    let mut not_yet = None;
    let mut unknown: Vec<String> = Vec::new();
    for s in signatures {
        let Some(key) = keys.get(&s.keyid) else {
            if !unknown.contains(&s.keyid) {
                unknown.push(s.keyid.clone());
            }
            continue;
        };
        match key.check(name, version, integrity, &s.sig) {
            Err(SignatureError::Mismatch) => {
                invalid.get_or_insert_with(|| key.keyid.clone());
            }
            Err(e) => {
                malformed.get_or_insert_with(|| (key.keyid.clone(), e.to_string()));
            }
            Ok(()) if key.valid_at(published) => {
                verified.get_or_insert_with(|| key.keyid.clone());
            }
            Ok(()) => match (key.ended_by(published), key.starts_after(published)) {
                (Some(end), _) => {
                    expired.get_or_insert_with(|| (key.keyid.clone(), end));
                }
                // Not valid and not ended: its windows open later. Never
                // "verified" here, whatever the windows look like.
                (None, from) => {
                    not_yet.get_or_insert_with(|| (key.keyid.clone(), from.unwrap_or(published)));
                }
            },
        }
    }
    if let Some(keyid) = invalid {
        Verdict::Invalid { keyid }
    } else if let Some((keyid, reason)) = malformed {
        Verdict::Malformed { keyid, reason }
    } else if let Some(keyid) = verified {
        Verdict::Verified { keyid }
    } else if let Some((keyid, expires)) = expired {
        Verdict::ExpiredKey { keyid, expires }
    } else if let Some((keyid, from)) = not_yet {
        Verdict::NotYetValid { keyid, from }
    } else {
        Verdict::UnknownKey { keyids: unknown }
    }
}

#[cfg(test)]
mod tests;
