//! Tests of registry signature verification with a test key, and of the
//! embedded npm keys.

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

/// The time the tests run at: after key E expired.
fn now() -> Timestamp {
    ts("2026-12-01T00:00:00Z")
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
    verify(&f.keys, NAME, VERSION, INTEGRITY, sigs, published, now())
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
    // from_parts refuses a key whose stated id is not its own.
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
            before(),
            now()
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
            before(),
            now()
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
            before(),
            now()
        ),
        invalid
    );
    // The separators are part of the message.
    let moved = verify(
        &f.keys,
        "@scope/pkg@1.2",
        "3",
        INTEGRITY,
        &[good],
        before(),
        now(),
    );
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
        now(),
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
    let v = verify(&keys, NAME, VERSION, INTEGRITY, &[sign(&f.e)], None, now());
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
    let e = key.check(NAME, VERSION, INTEGRITY, "%%").unwrap_err();
    assert!(matches!(e, SignatureError::NotBase64(_)));
    assert!(key.valid_at(ts("3000-01-01T00:00:00Z")));
    let e = f.keys.get(&id(&f.e)).unwrap();
    assert!(e.valid_at(ts("2025-01-28T23:59:59Z")));
    assert!(!e.valid_at(ts(EXPIRES)));
}
