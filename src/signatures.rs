//! npm registry signatures: `dist.signatures` checked against the registry's
//! public keys.
//!
//! The registry signs the UTF-8 string `${name}@${version}:${integrity}`
//! (integrity exactly as it serves `dist.integrity`) with ECDSA P-256 /
//! SHA-256 and publishes, per version, `dist.signatures: [{keyid, sig}]`
//! where `sig` is base64 of the DER signature. Its keys come from
//! `GET /-/npm/v1/keys` ([`KeySet::from_keys_json`]); npm's own keys are
//! embedded ([`KeySet::npm_public`]).
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
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{DerSignature, Signature as EcdsaSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The one key type (and signature scheme) npm registries use.
pub const KEYTYPE: &str = "ecdsa-sha2-nistp256";

/// npm's public registry keys, as `/-/npm/v1/keys` of registry.npmjs.org
/// serves them: `(keyid, expires, base64 SPKI DER)`. Public trust anchors.
const NPM_KEYS: [(&str, Option<&str>, &str); 2] = [
    (
        "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA",
        Some("2025-01-29T00:00:00.000Z"),
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1Olb3zMAFFxXKHiIkQO5cJ3Yhl5i6UPp+IhuteBJbuHcA5UogKo0EWtlWwW6KSaKoTNEYL7JlCQiVnkhBktUgg==",
    ),
    (
        "SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U",
        None,
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEY6Ya7W++7aUPzvMTrezH6Ycx3c+HOKYCcNGybJZSCJq/fd7Qa8uuAKtdIkUQtQiEKERhAmE5lMMJhP8OkDOa2g==",
    ),
];

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
        })
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
    pub fn valid_at(&self, published: Timestamp) -> bool {
        self.expires.is_none_or(|expires| published < expires)
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
        self.key
            .verify(signed_message(name, version, integrity).as_bytes(), &sig)
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

impl SignatureError {
    /// Whether the signature could not even be decoded.
    pub fn is_malformed(&self) -> bool {
        !matches!(self, SignatureError::Mismatch)
    }
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
    /// npm's public registry keys, embedded: the trust anchors for
    /// registry.npmjs.org.
    pub fn npm_public() -> KeySet {
        let keys = NPM_KEYS.iter().map(|(keyid, expires, key)| {
            RegistryKey::from_parts(keyid, *expires, key)
                .expect("the embedded npm keys are well-formed (tested)")
        });
        KeySet::from_keys(keys).expect("the embedded npm keys have distinct ids (tested)")
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
/// **Invalid > Malformed > Verified > ExpiredKey > UnknownKey > Missing**.
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
/// When `published` is `None`, the current time stands in for it: the
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
) -> Verdict {
    if signatures.is_empty() {
        return Verdict::Missing;
    }
    let published = published.unwrap_or_else(Timestamp::now);
    let mut invalid = None;
    let mut malformed = None;
    let mut verified = None;
    let mut expired = None;
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
            Ok(()) => match key.expires {
                Some(expires) if !key.valid_at(published) => {
                    expired.get_or_insert_with(|| (key.keyid.clone(), expires));
                }
                _ => {
                    verified.get_or_insert_with(|| key.keyid.clone());
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
    } else {
        Verdict::UnknownKey { keyids: unknown }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;

    const NAME: &str = "@scope/pkg";
    const VERSION: &str = "1.2.3";
    const INTEGRITY: &str = "sha512-ufIfwX7g5obXKaJhzbnAJBNf5Idxqty+AHaNadWFxtNKjGmF/ZO8ptSEjQRQRymBPZtLa0NV9sbrsH87Ae2R1A==";

    fn signing_key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32].into()).unwrap()
    }

    fn spki_b64(sk: &SigningKey) -> String {
        let der = sk.verifying_key().to_public_key_der().unwrap();
        STANDARD.encode(der.as_bytes())
    }

    fn id(sk: &SigningKey) -> String {
        keyid(sk.verifying_key())
    }

    fn key_json(sk: &SigningKey, expires: Option<&str>) -> serde_json::Value {
        serde_json::json!({
            "expires": expires,
            "keyid": id(sk),
            "keytype": KEYTYPE,
            "scheme": KEYTYPE,
            "key": spki_b64(sk),
        })
    }

    fn keys_body(keys: &[serde_json::Value]) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "keys": keys })).unwrap()
    }

    fn sign_raw(sk: &SigningKey, name: &str, version: &str, integrity: &str) -> Vec<u8> {
        let sig: DerSignature = sk.sign(signed_message(name, version, integrity).as_bytes());
        sig.as_bytes().to_vec()
    }

    fn sign(sk: &SigningKey) -> Signature {
        Signature {
            keyid: id(sk),
            sig: STANDARD.encode(sign_raw(sk, NAME, VERSION, INTEGRITY)),
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const EXPIRES: &str = "2025-01-29T00:00:00Z";

    /// Key A (seed 1): never expires. Key E (seed 2): expires `EXPIRES`.
    /// Key U (seed 3): not in the set.
    struct Fixture {
        a: SigningKey,
        e: SigningKey,
        u: SigningKey,
        keys: KeySet,
    }

    fn fixture() -> Fixture {
        let (a, e, u) = (signing_key(1), signing_key(2), signing_key(3));
        let body = keys_body(&[
            key_json(&a, None),
            key_json(&e, Some("2025-01-29T00:00:00.000Z")),
        ]);
        let keys = KeySet::from_keys_json(&body).unwrap();
        Fixture { a, e, u, keys }
    }

    fn run(f: &Fixture, sigs: &[Signature], published: Option<Timestamp>) -> Verdict {
        verify(&f.keys, NAME, VERSION, INTEGRITY, sigs, published)
    }

    fn before() -> Option<Timestamp> {
        Some(ts("2024-06-01T00:00:00Z"))
    }

    fn flip_last_der_byte(sig: &Signature) -> Signature {
        let mut der = STANDARD.decode(&sig.sig).unwrap();
        *der.last_mut().unwrap() ^= 0x01;
        Signature {
            keyid: sig.keyid.clone(),
            sig: STANDARD.encode(der),
        }
    }

    #[test]
    fn embedded_npm_keys_have_the_ids_npm_states() {
        for (stated, _, key) in NPM_KEYS {
            let der = STANDARD.decode(key).unwrap();
            let vk = VerifyingKey::from_public_key_der(&der).unwrap();
            assert_eq!(keyid(&vk), stated);
        }
        let set = KeySet::npm_public();
        assert_eq!(set.len(), 2);
        let old = set
            .get("SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA")
            .unwrap();
        assert_eq!(old.expires, Some(ts("2025-01-29T00:00:00Z")));
        let new = set
            .get("SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U")
            .unwrap();
        assert_eq!(new.expires, None);
        assert!(set.get("SHA256:nope").is_none());
    }

    #[test]
    fn keys_json_loads_and_gets() {
        let f = fixture();
        assert!(!f.keys.is_empty());
        assert_eq!(f.keys.len(), 2);
        assert_eq!(f.keys.get(&id(&f.a)).unwrap().expires, None);
        assert_eq!(f.keys.get(&id(&f.e)).unwrap().expires, Some(ts(EXPIRES)));
        assert!(f.keys.get(&id(&f.u)).is_none());
        assert_eq!(
            f.keys.get(&id(&f.a)).unwrap().verifying_key(),
            f.a.verifying_key()
        );
        let empty = KeySet::from_keys_json(br#"{"keys":[]}"#).unwrap();
        assert!(empty.is_empty());
        // Unknown extra fields are tolerated; a missing scheme is too.
        let mut k = key_json(&f.a, None);
        k["extra"] = serde_json::json!(1);
        k.as_object_mut().unwrap().remove("scheme");
        assert_eq!(KeySet::from_keys_json(&keys_body(&[k])).unwrap().len(), 1);
    }

    #[test]
    fn keys_json_errors() {
        let a = signing_key(1);
        let err = |k: serde_json::Value| KeySet::from_keys_json(&keys_body(&[k])).unwrap_err();

        let mut k = key_json(&a, None);
        k["keytype"] = "ssh-ed25519".into();
        let e = err(k);
        assert!(matches!(e, KeysError::UnsupportedKeyType { .. }), "{e:?}");
        assert!(e.to_string().contains("ssh-ed25519"), "{e}");

        let mut k = key_json(&a, None);
        k["scheme"] = "ecdsa-sha2-nistp384".into();
        let e = err(k);
        assert!(e.to_string().contains("ecdsa-sha2-nistp384"), "{e}");

        let mut k = key_json(&a, None);
        k["keyid"] = id(&signing_key(9)).into();
        let e = err(k);
        assert!(matches!(e, KeysError::KeyIdMismatch { .. }), "{e:?}");
        assert!(e.to_string().contains(&id(&a)), "{e}");

        let mut k = key_json(&a, None);
        k["key"] = "not base64!".into();
        assert!(matches!(err(k), KeysError::KeyNotBase64 { .. }));

        let mut k = key_json(&a, None);
        k["key"] = STANDARD.encode(b"not a key").into();
        assert!(matches!(err(k), KeysError::KeyNotP256 { .. }));

        let mut k = key_json(&a, None);
        k["expires"] = "next tuesday".into();
        let e = err(k);
        assert!(matches!(e, KeysError::BadExpiry { .. }), "{e:?}");
        assert!(e.to_string().contains("next tuesday"), "{e}");

        let body = keys_body(&[key_json(&a, None), key_json(&a, Some(EXPIRES))]);
        let e = KeySet::from_keys_json(&body).unwrap_err();
        assert!(matches!(e, KeysError::DuplicateKeyId { .. }), "{e:?}");

        for body in [
            &b"{}"[..],
            b"[]",
            b"not json",
            br#"{"keys":[{"keyid":"x"}]}"#,
        ] {
            assert!(matches!(
                KeySet::from_keys_json(body),
                Err(KeysError::Json(_))
            ));
        }
    }

    #[test]
    fn verified_by_a_key_that_never_expires() {
        let f = fixture();
        let v = run(&f, &[sign(&f.a)], before());
        assert_eq!(v, Verdict::Verified { keyid: id(&f.a) });
        // And whatever the publish time, known or not.
        assert_eq!(run(&f, &[sign(&f.a)], Some(ts("2999-01-01T00:00:00Z"))), v);
        assert_eq!(run(&f, &[sign(&f.a)], None), v);
    }

    #[test]
    fn verified_by_an_expiring_key_before_its_expiry() {
        let f = fixture();
        let v = run(&f, &[sign(&f.e)], before());
        assert_eq!(v, Verdict::Verified { keyid: id(&f.e) });
    }

    #[test]
    fn a_flipped_byte_anywhere_is_invalid() {
        let f = fixture();
        let good = sign(&f.a);
        let invalid = Verdict::Invalid { keyid: id(&f.a) };
        assert_eq!(run(&f, &[flip_last_der_byte(&good)], before()), invalid);
        let flip = |s: &str| {
            let mut b = s.as_bytes().to_vec();
            let i = b.len() / 2;
            b[i] ^= 0x01;
            String::from_utf8(b).unwrap()
        };
        let (n, v, i) = (flip(NAME), flip(VERSION), flip(INTEGRITY));
        assert_eq!(
            verify(
                &f.keys,
                &n,
                VERSION,
                INTEGRITY,
                std::slice::from_ref(&good),
                before()
            ),
            invalid
        );
        assert_eq!(
            verify(
                &f.keys,
                NAME,
                &v,
                INTEGRITY,
                std::slice::from_ref(&good),
                before()
            ),
            invalid
        );
        assert_eq!(
            verify(
                &f.keys,
                NAME,
                VERSION,
                &i,
                std::slice::from_ref(&good),
                before()
            ),
            invalid
        );
        // The separators are part of the message.
        let moved = verify(&f.keys, "@scope/pkg@1.2", "3", INTEGRITY, &[good], before());
        assert_eq!(moved, invalid);
    }

    #[test]
    fn a_signature_by_another_key_under_a_known_id_is_invalid() {
        let f = fixture();
        let forged = Signature {
            keyid: id(&f.a),
            sig: sign(&f.u).sig,
        };
        assert_eq!(
            run(&f, &[forged], before()),
            Verdict::Invalid { keyid: id(&f.a) }
        );
    }

    #[test]
    fn unknown_key() {
        let f = fixture();
        let u = sign(&f.u);
        let other = Signature {
            keyid: "SHA256:other".into(),
            sig: "not even base64!".into(),
        };
        let v = run(&f, &[u.clone(), other, u], before());
        let keyids = vec![id(&f.u), "SHA256:other".to_string()];
        assert_eq!(v, Verdict::UnknownKey { keyids });
        // An empty key set knows no key.
        let v = verify(
            &KeySet::default(),
            NAME,
            VERSION,
            INTEGRITY,
            &[sign(&f.a)],
            before(),
        );
        assert_eq!(
            v,
            Verdict::UnknownKey {
                keyids: vec![id(&f.a)]
            }
        );
    }

    #[test]
    fn expired_key_and_its_boundary() {
        let f = fixture();
        let expired = Verdict::ExpiredKey {
            keyid: id(&f.e),
            expires: ts(EXPIRES),
        };
        // Published exactly at expiry: not valid (strictly before is required).
        assert_eq!(run(&f, &[sign(&f.e)], Some(ts(EXPIRES))), expired);
        let just_before = ts(EXPIRES) - jiff::SignedDuration::from_nanos(1);
        let v = run(&f, &[sign(&f.e)], Some(just_before));
        assert_eq!(v, Verdict::Verified { keyid: id(&f.e) });
        assert_eq!(
            run(&f, &[sign(&f.e)], Some(ts("2026-01-01T00:00:00Z"))),
            expired
        );
        // Unknown publish time: "now" bounds it, and the key expired in 2025.
        assert_eq!(run(&f, &[sign(&f.e)], None), expired);
    }

    #[test]
    fn unknown_publish_time_and_a_key_that_has_not_expired_yet() {
        let f = fixture();
        let body = keys_body(&[key_json(&f.e, Some("9999-01-01T00:00:00Z"))]);
        let keys = KeySet::from_keys_json(&body).unwrap();
        let v = verify(&keys, NAME, VERSION, INTEGRITY, &[sign(&f.e)], None);
        assert_eq!(v, Verdict::Verified { keyid: id(&f.e) });
    }

    #[test]
    fn missing() {
        let f = fixture();
        assert_eq!(run(&f, &[], before()), Verdict::Missing);
        assert_eq!(run(&f, &[], None), Verdict::Missing);
    }

    #[test]
    fn malformed() {
        let f = fixture();
        let bad = |sig: &str| Signature {
            keyid: id(&f.a),
            sig: sig.to_string(),
        };
        for sig in ["not base64!", "MEUC", "", "AAAA"] {
            match run(&f, &[bad(sig)], before()) {
                Verdict::Malformed { keyid, reason } => {
                    assert_eq!(keyid, id(&f.a));
                    assert!(!reason.is_empty());
                }
                v => panic!("{sig:?}: {v:?}"),
            }
        }
        // A flipped DER header byte breaks the structure, not just the value.
        let mut der = STANDARD.decode(sign(&f.a).sig).unwrap();
        der[0] ^= 0x01;
        let v = run(&f, &[bad(&STANDARD.encode(&der))], before());
        assert!(matches!(v, Verdict::Malformed { .. }), "{v:?}");
        // r = 0 is DER but not a signature.
        let v = run(
            &f,
            &[bad(&STANDARD.encode([0x30, 6, 2, 1, 0, 2, 1, 1]))],
            before(),
        );
        assert!(matches!(v, Verdict::Malformed { .. }), "{v:?}");
        // Trailing bytes after the DER sequence.
        let mut der = sign_raw(&f.a, NAME, VERSION, INTEGRITY);
        der.push(0);
        let v = run(&f, &[bad(&STANDARD.encode(&der))], before());
        assert!(matches!(v, Verdict::Malformed { .. }), "{v:?}");
        // Unknown keys' signatures are not inspected.
        let v = run(
            &f,
            &[Signature {
                keyid: "SHA256:x".into(),
                sig: "!".into(),
            }],
            before(),
        );
        assert!(matches!(v, Verdict::UnknownKey { .. }), "{v:?}");
    }

    #[test]
    fn precedence() {
        let f = fixture();
        let good_a = sign(&f.a);
        let good_e = sign(&f.e);
        let bad_a = flip_last_der_byte(&good_a);
        let bad_e = flip_last_der_byte(&good_e);
        let garbled_a = Signature {
            keyid: id(&f.a),
            sig: "!!".into(),
        };
        let unknown = sign(&f.u);
        let after = Some(ts("2026-01-01T00:00:00Z"));

        let invalid_a = Verdict::Invalid { keyid: id(&f.a) };
        let verified_a = Verdict::Verified { keyid: id(&f.a) };
        let expired_e = Verdict::ExpiredKey {
            keyid: id(&f.e),
            expires: ts(EXPIRES),
        };

        // Tampering evidence wins over a good signature, in either order.
        assert_eq!(
            run(&f, &[good_a.clone(), bad_a.clone()], before()),
            invalid_a
        );
        assert_eq!(
            run(&f, &[bad_a.clone(), good_a.clone()], before()),
            invalid_a
        );
        let v = run(&f, &[good_a.clone(), garbled_a.clone()], before());
        assert!(matches!(v, Verdict::Malformed { .. }), "{v:?}");
        // Invalid wins over Malformed.
        assert_eq!(run(&f, &[garbled_a, bad_a.clone()], before()), invalid_a);
        // A failing signature by an expired key is still tampering evidence.
        let v = run(&f, &[good_a.clone(), bad_e], after);
        assert_eq!(v, Verdict::Invalid { keyid: id(&f.e) });
        // Verified wins over unknown and expired keys.
        assert_eq!(
            run(&f, &[unknown.clone(), good_a.clone()], before()),
            verified_a
        );
        assert_eq!(
            run(&f, &[good_e.clone(), good_a.clone()], after),
            verified_a
        );
        // Expired wins over unknown.
        assert_eq!(
            run(&f, &[unknown.clone(), good_e.clone()], after),
            expired_e
        );
        // The first of a class is named.
        let v = run(&f, &[good_e, good_a], before());
        assert_eq!(v, Verdict::Verified { keyid: id(&f.e) });
        // Only unknown keys, several times over.
        let v = run(&f, &[unknown.clone(), unknown], before());
        assert_eq!(
            v,
            Verdict::UnknownKey {
                keyids: vec![id(&f.u)]
            }
        );
    }

    #[test]
    fn no_single_byte_flip_of_a_signature_verifies() {
        let f = fixture();
        let der = sign_raw(&f.e, NAME, VERSION, INTEGRITY);
        for i in 0..der.len() {
            let mut d = der.clone();
            d[i] ^= 0x80;
            let s = Signature {
                keyid: id(&f.e),
                sig: STANDARD.encode(&d),
            };
            // Even past the key's expiry, a broken signature is not "expired".
            let v = run(&f, &[s], Some(ts("2026-01-01T00:00:00Z")));
            assert!(
                matches!(v, Verdict::Invalid { .. } | Verdict::Malformed { .. }),
                "byte {i}: {v:?}"
            );
        }
    }

    #[test]
    fn signed_message_format() {
        assert_eq!(signed_message("a", "1.0.0", "sha512-x"), "a@1.0.0:sha512-x");
        assert_eq!(
            signed_message("@s/a", "1.0.0", "sha512-x"),
            "@s/a@1.0.0:sha512-x"
        );
    }

    #[test]
    fn check_reports_why() {
        let f = fixture();
        let key = f.keys.get(&id(&f.a)).unwrap();
        assert_eq!(key.check(NAME, VERSION, INTEGRITY, &sign(&f.a).sig), Ok(()));
        let e = key
            .check(NAME, VERSION, "sha512-other", &sign(&f.a).sig)
            .unwrap_err();
        assert_eq!(e, SignatureError::Mismatch);
        assert!(!e.is_malformed());
        let e = key.check(NAME, VERSION, INTEGRITY, "%%").unwrap_err();
        assert!(e.is_malformed());
        assert!(key.valid_at(ts("3000-01-01T00:00:00Z")));
        let e = f.keys.get(&id(&f.e)).unwrap();
        assert!(e.valid_at(ts("2025-01-28T23:59:59Z")));
        assert!(!e.valid_at(ts(EXPIRES)));
    }
}
