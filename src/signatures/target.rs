//! npm's registry keys as Sigstore's TUF repository distributes them: the
//! target `registry.npmjs.org/keys.json`, as npm's own client reads it.
//!
//! Each entry grants one key one use (`npm:signatures` for registry
//! signatures, `npm:attestations` for publish attestations) within a window
//! (`validFor`, start inclusive, end exclusive as npm compares it). A key
//! listed for both uses appears twice. Entries of a use or key type
//! lockproof does not know are skipped (a later format may add some); an
//! entry that is malformed (bad base64, a key ID that is not its key's, a
//! window without start) refuses the whole document.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;

use super::{KeySet, KeysError, RegistryKey};

/// The npm keys target embedded for when the TUF repository cannot be
/// reached (see `assets/README.md`).
pub const EMBEDDED: &str = include_str!("../../assets/npm-keys.json");

/// What a key may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyUsage {
    /// `npm:signatures`: the registry's `dist.signatures`.
    Signatures,
    /// `npm:attestations`: npm publish attestations.
    Attestations,
}

impl KeyUsage {
    /// The name the target gives it.
    pub fn name(self) -> &'static str {
        match self {
            KeyUsage::Signatures => "npm:signatures",
            KeyUsage::Attestations => "npm:attestations",
        }
    }
}

/// One use a key is trusted for, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The use.
    pub usage: KeyUsage,
    /// First instant of validity.
    pub start: Option<Timestamp>,
    /// First instant it is no longer valid, if it ends.
    pub end: Option<Timestamp>,
}

impl Grant {
    /// Whether `at` lies in the window: from `start` on, strictly before
    /// `end`.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start.is_none_or(|s| s <= at) && self.end.is_none_or(|e| at < e)
    }
}

#[derive(Deserialize)]
struct Doc {
    keys: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    key_id: String,
    key_usage: String,
    public_key: Public,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Public {
    raw_bytes: String,
    key_details: String,
    valid_for: Option<Window>,
}

#[derive(Deserialize)]
struct Window {
    start: Option<String>,
    end: Option<String>,
}

impl KeySet {
    /// A key set from the npm keys target. Every key has the grants its
    /// entries list; its `expires` is the latest end among them (`None`
    /// when one is open-ended), as the `/-/npm/v1/keys` form states it.
    pub fn from_target_json(body: &[u8]) -> Result<KeySet, KeysError> {
        let doc: Doc = serde_json::from_slice(body)?;
        let mut by_id: BTreeMap<String, (String, Vec<Grant>)> = BTreeMap::new();
        for entry in doc.keys {
            let usage = match entry.key_usage.as_str() {
                "npm:signatures" => KeyUsage::Signatures,
                "npm:attestations" => KeyUsage::Attestations,
                _ => continue,
            };
            if entry.public_key.key_details != "PKIX_ECDSA_P256_SHA_256" {
                continue;
            }
            let (start, end) = window(&entry.key_id, entry.public_key.valid_for.as_ref())?;
            let slot = by_id
                .entry(entry.key_id.clone())
                .or_insert_with(|| (entry.public_key.raw_bytes.clone(), Vec::new()));
            // One ID is one key: a second entry may add a use, not a key.
            if slot.0 != entry.public_key.raw_bytes {
                return Err(KeysError::DuplicateKeyId {
                    keyid: entry.key_id,
                });
            }
            slot.1.push(Grant { usage, start, end });
        }
        let keys = by_id
            .into_iter()
            .map(|(keyid, (raw, grants))| {
                let open = grants.iter().any(|g| g.end.is_none());
                let expires = if open {
                    None
                } else {
                    grants.iter().filter_map(|g| g.end).max()
                };
                let expires = expires.map(|e| e.to_string());
                let key = RegistryKey::from_parts(&keyid, expires.as_deref(), &raw)?;
                Ok(key.with_grants(grants))
            })
            .collect::<Result<Vec<_>, KeysError>>()?;
        KeySet::from_keys(keys)
    }

    /// The embedded npm keys target.
    pub fn npm_embedded() -> Result<KeySet, KeysError> {
        KeySet::from_target_json(EMBEDDED.as_bytes())
    }
}

fn window(
    keyid: &str,
    raw: Option<&Window>,
) -> Result<(Option<Timestamp>, Option<Timestamp>), KeysError> {
    let Some(raw) = raw else {
        return Ok((None, None));
    };
    let parse = |value: &Option<String>| {
        value
            .as_deref()
            .map(|v| {
                v.parse::<Timestamp>().map_err(|e| KeysError::BadExpiry {
                    keyid: keyid.to_owned(),
                    value: v.to_owned(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    };
    let start = parse(&raw.start)?.ok_or_else(|| KeysError::BadExpiry {
        keyid: keyid.to_owned(),
        value: String::new(),
        reason: "validFor has no start".into(),
    })?;
    Ok((Some(start), parse(&raw.end)?))
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::{DerSignature, SigningKey};
    use p256::pkcs8::EncodePublicKey as _;
    use serde_json::{Value, json};

    use super::*;
    use crate::signatures::{Signature, Verdict, keyid, signed_message, verify};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32].into()).expect("scalar")
    }

    fn entry(sk: &SigningKey, usage: &str, start: &str, end: Option<&str>) -> Value {
        let der = sk.verifying_key().to_public_key_der().expect("spki");
        let mut valid_for = json!({ "start": start });
        if let Some(end) = end {
            valid_for["end"] = end.into();
        }
        json!({
            "keyId": keyid(sk.verifying_key()),
            "keyUsage": usage,
            "publicKey": {
                "rawBytes": STANDARD.encode(der.as_bytes()),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": valid_for,
            }
        })
    }

    fn target(entries: &[Value]) -> KeySet {
        let body = json!({ "keys": entries }).to_string();
        KeySet::from_target_json(body.as_bytes()).expect("target")
    }

    fn signature(sk: &SigningKey) -> Signature {
        let sig: DerSignature = sk.sign(signed_message("a", "1.0.0", "sha512-x").as_bytes());
        Signature {
            keyid: keyid(sk.verifying_key()),
            sig: STANDARD.encode(sig.as_bytes()),
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().expect("time")
    }

    fn judge(keys: &KeySet, sk: &SigningKey, published: &str) -> Verdict {
        verify(
            keys,
            "a",
            "1.0.0",
            "sha512-x",
            &[signature(sk)],
            Some(at(published)),
            at("2026-12-01T00:00:00Z"),
        )
    }

    #[test]
    fn the_embedded_target_grants_both_npm_keys_both_uses() {
        let keys = KeySet::npm_embedded().expect("embedded target");
        assert_eq!(keys.len(), 2);
        let old = keys
            .get("SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA")
            .expect("old key");
        assert_eq!(old.expires, Some(at("2025-01-29T00:00:00Z")));
        assert_eq!(old.grants().len(), 2);
        let new = keys
            .get("SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U")
            .expect("new key");
        assert_eq!(new.expires, None);
        assert_eq!(keys.for_usage(KeyUsage::Attestations).len(), 2);
    }

    #[test]
    fn a_key_verifies_only_for_its_use_and_within_its_window() {
        let (signer, attester) = (key(1), key(2));
        let keys = target(&[
            entry(
                &signer,
                "npm:signatures",
                "2020-01-01T00:00:00Z",
                Some("2024-01-01T00:00:00Z"),
            ),
            entry(&attester, "npm:attestations", "2020-01-01T00:00:00Z", None),
        ]);
        let signatures = keys.for_usage(KeyUsage::Signatures);
        let ok = judge(&signatures, &signer, "2022-06-01T00:00:00Z");
        assert!(matches!(ok, Verdict::Verified { .. }), "{ok:?}");
        // An attestation key's signature on registry metadata counts for
        // nothing: it is not a registry signing key.
        let wrong_use = judge(&signatures, &attester, "2022-06-01T00:00:00Z");
        assert!(
            matches!(wrong_use, Verdict::UnknownKey { .. }),
            "{wrong_use:?}"
        );
        let late = judge(&signatures, &signer, "2024-01-01T00:00:00Z");
        assert_eq!(
            late,
            Verdict::ExpiredKey {
                keyid: keyid(signer.verifying_key()),
                expires: at("2024-01-01T00:00:00Z")
            }
        );
        let early = judge(&signatures, &signer, "2019-12-31T23:59:59Z");
        assert_eq!(
            early,
            Verdict::NotYetValid {
                keyid: keyid(signer.verifying_key()),
                from: at("2020-01-01T00:00:00Z")
            }
        );
        let attestations = keys.for_usage(KeyUsage::Attestations);
        assert!(attestations.get(&keyid(signer.verifying_key())).is_none());
        assert!(attestations.get(&keyid(attester.verifying_key())).is_some());
    }

    #[test]
    fn unknown_uses_and_types_are_skipped_and_malformed_entries_refused() {
        let sk = key(3);
        let mut future = entry(&sk, "npm:signatures", "2020-01-01T00:00:00Z", None);
        future["publicKey"]["keyDetails"] = "ML_DSA_65".into();
        let other_use = entry(&sk, "npm:provenance", "2020-01-01T00:00:00Z", None);
        assert!(target(&[future, other_use]).is_empty());

        let body = |e: Value| json!({ "keys": [e] }).to_string();
        let mut no_start = entry(&sk, "npm:signatures", "2020-01-01T00:00:00Z", None);
        no_start["publicKey"]["validFor"] = json!({ "end": "2030-01-01T00:00:00Z" });
        assert!(KeySet::from_target_json(body(no_start).as_bytes()).is_err());
        let mut wrong_id = entry(&sk, "npm:signatures", "2020-01-01T00:00:00Z", None);
        wrong_id["keyId"] = keyid(key(4).verifying_key()).into();
        assert!(matches!(
            KeySet::from_target_json(body(wrong_id).as_bytes()),
            Err(KeysError::KeyIdMismatch { .. })
        ));
        assert!(KeySet::from_target_json(b"{\"keys\": 1}").is_err());
    }

    #[test]
    fn served_keys_outside_the_pinned_set_are_named() {
        let pinned = target(&[entry(
            &key(5),
            "npm:signatures",
            "2020-01-01T00:00:00Z",
            None,
        )]);
        let served = KeySet::from_keys([
            RegistryKey::from_parts(
                &keyid(key(5).verifying_key()),
                None,
                &STANDARD.encode(
                    key(5)
                        .verifying_key()
                        .to_public_key_der()
                        .expect("der")
                        .as_bytes(),
                ),
            )
            .expect("key 5"),
            RegistryKey::from_parts(
                &keyid(key(6).verifying_key()),
                None,
                &STANDARD.encode(
                    key(6)
                        .verifying_key()
                        .to_public_key_der()
                        .expect("der")
                        .as_bytes(),
                ),
            )
            .expect("key 6"),
        ])
        .expect("set");
        let substituted = keyid(key(6).verifying_key());
        assert_eq!(pinned.unpinned(&served), vec![substituted.as_str()]);
    }
}
