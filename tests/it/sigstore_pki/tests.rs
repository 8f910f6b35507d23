//! Tests of the generator itself, each check made independently of the
//! code that produced the bytes (x509-cert parses, p256/p384 verify, the
//! RFC 9162 proof algorithm recomputes), plus an opt-in export for
//! cross-checking with other Sigstore verifiers.

#![cfg(test)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use der::{Decode as _, Encode as _};
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use signature::Verifier as _;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::sct::SignedCertificateTimestampList;
use x509_cert::ext::pkix::{ExtendedKeyUsage, SubjectAltName};

use super::*;

fn unb64(s: &Value) -> Vec<u8> {
    STANDARD
        .decode(s.as_str().expect("a string"))
        .expect("base64")
}

fn verify256(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    DerSignature::from_bytes(sig).is_ok_and(|s| key.verify(msg, &s).is_ok())
}

/// Verifies `cert` was signed by the P-384 key certified in `issuer`.
fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    let spki = issuer.tbs_certificate().subject_public_key_info().to_der();
    let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki.expect("encodable"));
    let sig = p384::ecdsa::DerSignature::from_bytes(cert.signature().raw_bytes());
    let tbs = cert.tbs_certificate().to_der().expect("encodable");
    key.expect("P-384 key")
        .verify(&tbs, &sig.expect("DER signature"))
        .is_ok()
}

/// The trusted root's keys, parsed from the JSON as a verifier would.
fn root_key(pki: &Pki, list: &str) -> VerifyingKey {
    let root: Value = serde_json::from_str(&pki.trusted_root_json()).expect("JSON");
    let raw = unb64(&root[list][0]["publicKey"]["rawBytes"]);
    let key_id = unb64(&root[list][0]["logId"]["keyId"]);
    assert_eq!(
        key_id,
        Sha256::digest(&raw).to_vec(),
        "{list} logId is SHA-256 of SPKI"
    );
    VerifyingKey::from_public_key_der(&raw).expect("P-256 SPKI")
}

/// Recomputes an entry's inclusion proof (RFC 9162 §2.1.3.2, from the
/// leaf up) and checks it reaches the proof's root.
fn proof_reaches_root(entry: &Value) {
    let proof = &entry["inclusionProof"];
    let num = |v: &Value| v.as_str().expect("string").parse::<u64>().expect("number");
    let (mut fnode, mut snode) = (num(&proof["logIndex"]), num(&proof["treeSize"]) - 1);
    let mut r = rekor::leaf_hash(&unb64(&entry["canonicalizedBody"]));
    for p in proof["hashes"]
        .as_array()
        .expect("hashes")
        .iter()
        .map(unb64)
    {
        assert!(snode > 0, "proof too long");
        if fnode & 1 == 1 || fnode == snode {
            r = rekor::node_hash(&p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                (fnode, snode) = (fnode >> 1, snode >> 1);
            }
        } else {
            r = rekor::node_hash(&r, &p);
        }
        (fnode, snode) = (fnode >> 1, snode >> 1);
    }
    assert_eq!((snode, r.to_vec()), (0, unb64(&proof["rootHash"])));
}

fn leaf_of(bundle: &Value) -> Certificate {
    let der = unb64(&bundle["verificationMaterial"]["certificate"]["rawBytes"]);
    Certificate::from_der(&der).expect("leaf parses as X.509")
}

#[test]
fn leaf_is_a_fulcio_certificate_with_a_valid_sct() {
    let pki = Pki::new();
    let bundle = pki.bundle(&BundleSpec::default());
    let leaf = leaf_of(&bundle);
    let root = Certificate::from_der(&pki.root_cert).expect("root parses");
    let intermediate = Certificate::from_der(&pki.intermediate_cert).expect("intermediate parses");
    assert!(
        issued_by(&root, &root)
            && issued_by(&intermediate, &root)
            && issued_by(&leaf, &intermediate)
    );
    let tbs = leaf.tbs_certificate();
    assert_eq!(tbs.issuer(), intermediate.tbs_certificate().subject());

    let (_, eku) = tbs
        .get_extension::<ExtendedKeyUsage>()
        .expect("ok")
        .expect("EKU");
    assert!(eku.0.iter().any(|o| o.to_string() == "1.3.6.1.5.5.7.3.3"));
    let (critical, san) = tbs
        .get_extension::<SubjectAltName>()
        .expect("ok")
        .expect("SAN");
    let Some(GeneralName::UniformResourceIdentifier(uri)) = san.0.first() else {
        panic!("URI SAN")
    };
    assert!(critical && uri.as_str() == Identity::default().san_uri);
    let issuer_ext = tbs
        .extensions()
        .expect("extensions")
        .iter()
        .find(|e| e.extn_id.to_string() == "1.3.6.1.4.1.57264.1.8");
    let issuer = der::asn1::Utf8StringRef::from_der(issuer_ext.expect(".8").extn_value.as_bytes());
    assert_eq!(
        issuer.expect("UTF8String").as_str(),
        Identity::default().issuer
    );

    // The SCT: by the trusted CT log, over the TBS without the SCT extension.
    let (_, list) = tbs
        .get_extension::<SignedCertificateTimestampList>()
        .expect("ok")
        .expect("SCT list");
    let scts = list.parse_timestamps().expect("TLS list");
    let sct = scts[0].parse_timestamp().expect("SCT");
    assert_eq!(sct.log_id.key_id, pki.ctlog_id());
    let exts: Vec<u8> = tbs
        .extensions()
        .expect("extensions")
        .iter()
        .filter(|e| e.extn_id.to_string() != x509::SCT_LIST)
        .flat_map(|e| e.to_der().expect("encodable"))
        .collect();
    let parts = [
        x509::tlv(0xa0, &tbs.version().to_der().expect("v3")),
        tbs.serial_number().to_der().expect("serial"),
        tbs.signature().to_der().expect("alg"),
        tbs.issuer().to_der().expect("issuer"),
        tbs.validity().to_der().expect("validity"),
        tbs.subject().to_der().expect("subject"),
        tbs.subject_public_key_info().to_der().expect("spki"),
        x509::tlv(0xa3, &x509::tlv(0x30, &exts)),
    ];
    let issuer_spki = intermediate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("spki");
    let signed = x509::precert_signed_data(sct.timestamp, &issuer_spki, &x509::seq(&parts));
    assert!(verify256(
        &root_key(&pki, "ctlogs"),
        &signed,
        sct.signature.signature.as_slice()
    ));
}

#[test]
fn set_inclusion_proof_and_checkpoint_verify() {
    let pki = Pki::new();
    let rekor = root_key(&pki, "tlogs");
    for spec in [
        BundleSpec::default(),
        BundleSpec {
            tree_size: 1,
            proof_index: 0,
            ..Default::default()
        },
        BundleSpec {
            tree_size: 13,
            proof_index: 12,
            ..Default::default()
        },
    ] {
        let bundle = pki.bundle(&spec);
        let entry = &bundle["verificationMaterial"]["tlogEntries"][0];
        let log_id = unb64(&entry["logId"]["keyId"]);
        let hex: String = log_id.iter().map(|b| format!("{b:02x}")).collect();
        let set_msg = format!(
            r#"{{"body":"{}","integratedTime":{},"logID":"{hex}","logIndex":{}}}"#,
            entry["canonicalizedBody"].as_str().expect("body"),
            entry["integratedTime"].as_str().expect("time"),
            entry["logIndex"].as_str().expect("index"),
        );
        assert!(verify256(
            &rekor,
            set_msg.as_bytes(),
            &unb64(&entry["inclusionPromise"]["signedEntryTimestamp"])
        ));

        proof_reaches_root(entry);
        let proof = &entry["inclusionProof"];

        let note = proof["checkpoint"]["envelope"]
            .as_str()
            .expect("checkpoint");
        let (body, sigs) = note.split_once("\n\n").expect("signed note");
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(
            lines[1..],
            [
                proof["treeSize"].as_str().expect("size"),
                proof["rootHash"].as_str().expect("root")
            ]
        );
        let sig_line = sigs.strip_prefix("\u{2014} ").expect("em dash").trim_end();
        let (name, sig) = sig_line.rsplit_once(' ').expect("name and signature");
        assert!(lines[0].starts_with(&format!("{name} - ")));
        let sig = STANDARD.decode(sig).expect("base64");
        assert_eq!(sig[..4], log_id[..4]);
        assert!(verify256(&rekor, format!("{body}\n").as_bytes(), &sig[4..]));
    }
}

#[test]
fn dsse_envelopes_and_bodies_agree() {
    let pki = Pki::new();
    let npm_key = VerifyingKey::from_public_key_der(&x509::spki256(&pki.npm)).expect("key");
    for (kind, signer) in [
        (LogKind::Dsse001, Signer::Fulcio(Identity::default())),
        (LogKind::Intoto002, Signer::NpmKey),
        (LogKind::Dsse001, Signer::NpmKey),
    ] {
        let spec = BundleSpec {
            media: Media::V02,
            kind,
            signer: signer.clone(),
            ..Default::default()
        };
        let bundle = pki.bundle(&spec);
        let env = &bundle["dsseEnvelope"];
        let payload = unb64(&env["payload"]);
        let pae = [
            format!("DSSEv1 28 {PAYLOAD_TYPE} {} ", payload.len()).as_bytes(),
            &payload,
        ]
        .concat();
        let key = match signer {
            Signer::NpmKey => {
                assert_eq!(
                    bundle["verificationMaterial"]["publicKey"]["hint"],
                    pki.npm_keyid()
                );
                npm_key
            }
            Signer::Fulcio(_) => {
                let der = unb64(
                    &bundle["verificationMaterial"]["x509CertificateChain"]["certificates"][0]["rawBytes"],
                );
                let cert = Certificate::from_der(&der).expect("leaf");
                let spki = cert
                    .tbs_certificate()
                    .subject_public_key_info()
                    .to_der()
                    .expect("spki");
                VerifyingKey::from_public_key_der(&spki).expect("P-256")
            }
        };
        assert!(verify256(&key, &pae, &unb64(&env["signatures"][0]["sig"])));
        let body: Value = serde_json::from_slice(&unb64(
            &bundle["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"],
        ))
        .expect("body");
        let spec_body = &body["spec"];
        let payload_hash = spec_body["payloadHash"]["value"]
            .as_str()
            .or(spec_body["content"]["payloadHash"]["value"].as_str());
        assert_eq!(payload_hash, Some(rekor::sha256_hex(&payload).as_str()));
        let statement: Value = serde_json::from_slice(&payload).expect("statement");
        assert_eq!(
            statement["subject"][0]["digest"]["sha512"],
            spec.subject_sha512_hex
        );
    }
}

#[test]
fn npm_key_material_matches_lockproof_and_is_deterministic() {
    let pki = Pki::new();
    assert_eq!(
        pki.npm_keyid(),
        lockproof::signatures::keyid(pki.npm.verifying_key())
    );
    let keys: Value = serde_json::from_str(&pki.npm_keys_json()).expect("JSON");
    assert_eq!(keys["keys"][0]["keyid"], pki.npm_keyid());
    let a = pki.attestations_json("@scope/pkg", "1.2.3", "ab");
    assert_eq!(a, Pki::new().attestations_json("@scope/pkg", "1.2.3", "ab"));
    let a: Value = serde_json::from_str(&a).expect("JSON");
    let publish = &a["attestations"][1]["bundle"];
    assert_eq!(
        publish["dsseEnvelope"]["signatures"][0]["keyid"],
        pki.npm_keyid()
    );
    let statement: Value =
        serde_json::from_slice(&unb64(&publish["dsseEnvelope"]["payload"])).expect("JSON");
    assert_eq!(
        statement["subject"][0]["name"],
        "pkg:npm/%40scope/pkg@1.2.3"
    );
    assert_eq!(
        statement["predicate"],
        json!({"name": "@scope/pkg", "version": "1.2.3", "registry": "https://registry.npmjs.org"})
    );
}

#[test]
fn knobs_break_what_they_say() {
    let pki = Pki::new();
    let intermediate = Certificate::from_der(&pki.intermediate_cert).expect("intermediate");
    let rogue = pki.bundle(&BundleSpec {
        untrusted_ca: true,
        ..Default::default()
    });
    assert!(!issued_by(&leaf_of(&rogue), &intermediate));
    let no_eku = leaf_of(&pki.bundle(&BundleSpec {
        code_signing_eku: false,
        ..Default::default()
    }));
    assert!(
        no_eku
            .tbs_certificate()
            .get_extension::<ExtendedKeyUsage>()
            .expect("ok")
            .is_none()
    );
    let no_sct = leaf_of(&pki.bundle(&BundleSpec {
        sct: Sct::Absent,
        ..Default::default()
    }));
    assert!(
        no_sct
            .tbs_certificate()
            .get_extension::<SignedCertificateTimestampList>()
            .expect("ok")
            .is_none()
    );
    let expired = leaf_of(&pki.bundle(&BundleSpec {
        not_after: Some(1_700_000_000),
        ..Default::default()
    }));
    assert_eq!(
        expired
            .tbs_certificate()
            .validity()
            .not_after
            .to_unix_duration()
            .as_secs(),
        1_700_000_000
    );
    let bad = pki.bundle(&BundleSpec {
        set: LogSig::WrongKey,
        checkpoint: LogSig::Absent,
        ..Default::default()
    });
    let entry = &bad["verificationMaterial"]["tlogEntries"][0];
    assert!(entry["inclusionProof"].get("checkpoint").is_none());
    let good = &pki.bundle(&BundleSpec::default())["verificationMaterial"]["tlogEntries"][0];
    assert_ne!(entry["inclusionPromise"], good["inclusionPromise"]);
    let v01 = pki.bundle(&BundleSpec {
        media: Media::V01,
        kind: LogKind::Intoto002,
        inclusion_proof: false,
        ..Default::default()
    });
    assert_eq!(
        v01["verificationMaterial"]["x509CertificateChain"]["certificates"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert!(v01["verificationMaterial"]["tlogEntries"][0]["inclusionProof"].is_null());
}

/// The elements of DER contents as (tag, contents); short and long form
/// lengths, single-byte tags: enough for what this PKI writes.
fn der_items(mut der: &[u8]) -> Vec<(u8, &[u8])> {
    let mut items = vec![];
    while let [tag, len, rest @ ..] = der {
        let (len, rest) = match usize::from(*len) {
            short if short < 0x80 => (short, rest),
            long => {
                let (bytes, rest) = rest.split_at(long & 0x7f);
                (bytes.iter().fold(0, |n, b| n << 8 | usize::from(*b)), rest)
            }
        };
        let (value, rest) = rest.split_at(len);
        items.push((*tag, value));
        der = rest;
    }
    items
}

/// The contents of the elements of `der`, which must have exactly `tags`.
fn open<const N: usize>(der: &[u8], tags: [u8; N]) -> [&[u8]; N] {
    let items = der_items(der);
    let found: Vec<u8> = items.iter().map(|(tag, _)| *tag).collect();
    assert_eq!(found, tags, "DER element tags");
    std::array::from_fn(|i| items[i].1)
}

/// Whether DER OID contents `bytes` are `dotted`.
fn is_oid(bytes: &[u8], dotted: &str) -> bool {
    const_oid::ObjectIdentifier::new_unwrap(dotted).as_bytes() == bytes
}

#[test]
fn rekor_v2_entries_are_canonical_protobuf_json_under_an_ed25519_checkpoint() {
    let pki = Pki::new();
    let root: Value = serde_json::from_str(&pki.trusted_root_json()).expect("JSON");
    let log = &root["tlogs"][1];
    let key = <ed25519_dalek::VerifyingKey as ed25519_dalek::pkcs8::DecodePublicKey>::from_public_key_der(
        &unb64(&log["publicKey"]["rawBytes"]),
    )
    .expect("Ed25519 SPKI");
    let origin = log["baseUrl"].as_str().expect("URL");
    let origin = origin.strip_prefix("https://").expect("https");
    // The c2sp signed-note key ID; the root gives all 32 bytes as log ID.
    let key_id = Sha256::digest([origin.as_bytes(), b"\n\x01", key.as_bytes()].concat());
    assert_eq!(unb64(&log["logId"]["keyId"]), key_id.to_vec());
    assert_eq!(log["publicKey"]["keyDetails"], "PKIX_ED25519");
    assert!(log["publicKey"]["validFor"]["start"].is_string());

    let fulcio = Signer::Fulcio(Identity::default());
    for (kind, signer) in [
        (LogKind::DsseV002, fulcio.clone()),
        (LogKind::DsseV002, Signer::NpmKey),
        (LogKind::DsseHashedRekordV002, fulcio.clone()),
        (LogKind::HashedRekordV002, Signer::NpmKey),
        (LogKind::HashedRekordV002, fulcio),
    ] {
        let spec = BundleSpec {
            kind,
            signer: signer.clone(),
            ..Default::default()
        };
        let bundle = pki.bundle(&spec);
        let entry = &bundle["verificationMaterial"]["tlogEntries"][0];
        assert_eq!(entry["logId"]["keyId"], log["logId"]["keyId"]);
        assert!(entry.get("integratedTime").is_none() && entry.get("inclusionPromise").is_none());
        assert_eq!(entry["logIndex"], entry["inclusionProof"]["logIndex"]);

        // The body as rekor-tiles stores it (protobuf JSON through JCS),
        // spelled out here rather than built.
        let verifier = match signer {
            Signer::Fulcio(_) => format!(
                r#""x509Certificate":{{"rawBytes":{}}}"#,
                bundle["verificationMaterial"]["certificate"]["rawBytes"]
            ),
            Signer::NpmKey => format!(
                r#""publicKey":{{"rawBytes":"{}"}}"#,
                STANDARD.encode(x509::spki256(&pki.npm))
            ),
        };
        let (sig, digest) = if kind == LogKind::HashedRekordV002 {
            let ms = &bundle["messageSignature"];
            (&ms["signature"], unb64(&ms["messageDigest"]["digest"]))
        } else {
            let env = &bundle["dsseEnvelope"];
            let payload = unb64(&env["payload"]);
            let pae = [
                format!("DSSEv1 28 {PAYLOAD_TYPE} {} ", payload.len()).as_bytes(),
                &payload,
            ]
            .concat();
            let signed = if kind == LogKind::DsseV002 {
                payload
            } else {
                pae
            };
            (
                &env["signatures"][0]["sig"],
                Sha256::digest(signed).to_vec(),
            )
        };
        let signature = format!(
            r#"{{"content":{sig},"verifier":{{"keyDetails":"PKIX_ECDSA_P256_SHA_256",{verifier}}}}}"#
        );
        let hash = format!(
            r#"{{"algorithm":"SHA2_256","digest":"{}"}}"#,
            STANDARD.encode(digest)
        );
        let (kind_name, spec_json) = match kind {
            LogKind::DsseV002 => (
                "dsse",
                format!(r#"{{"dsseV002":{{"payloadHash":{hash},"signatures":[{signature}]}}}}"#),
            ),
            _ => (
                "hashedrekord",
                format!(r#"{{"hashedRekordV002":{{"data":{hash},"signature":{signature}}}}}"#),
            ),
        };
        let expected =
            format!(r#"{{"apiVersion":"0.0.2","kind":"{kind_name}","spec":{spec_json}}}"#);
        let body = String::from_utf8(unb64(&entry["canonicalizedBody"])).expect("UTF-8");
        assert_eq!(body, expected, "{kind:?}");
        assert_eq!(
            entry["kindVersion"],
            json!({"kind": kind_name, "version": "0.0.2"})
        );

        // The checkpoint: bare origin, signed by the log's Ed25519 key
        // under its c2sp key hint.
        proof_reaches_root(entry);
        let proof = &entry["inclusionProof"];
        let note = proof["checkpoint"]["envelope"]
            .as_str()
            .expect("checkpoint");
        let (text, sigs) = note.split_once("\n\n").expect("signed note");
        let lines: Vec<&str> = text.lines().collect();
        let size_root = [&proof["treeSize"], &proof["rootHash"]].map(|v| v.as_str().expect("str"));
        assert_eq!(lines, [origin, size_root[0], size_root[1]]);
        let sig = sigs
            .strip_prefix(&format!("\u{2014} {origin} "))
            .and_then(|s| s.strip_suffix('\n'))
            .expect("one signature line");
        let sig = STANDARD.decode(sig).expect("base64");
        assert_eq!(sig[..4], key_id[..4]);
        let sig = ed25519_dalek::Signature::from_slice(&sig[4..]).expect("64 bytes");
        assert!(key.verify(format!("{text}\n").as_bytes(), &sig).is_ok());
    }
}

#[test]
fn signed_timestamps_are_rfc_3161_responses_from_the_tsa() {
    let pki = Pki::new();
    let root: Value = serde_json::from_str(&pki.trusted_root_json()).expect("JSON");
    let chain: Vec<Certificate> = root["timestampAuthorities"][0]["certChain"]["certificates"]
        .as_array()
        .expect("chain")
        .iter()
        .map(|c| Certificate::from_der(&unb64(&c["rawBytes"])).expect("certificate"))
        .collect();
    let [tsa, tsa_root] = &chain[..] else {
        panic!("TSA and root")
    };
    assert!(issued_by(tsa_root, tsa_root) && issued_by(tsa, tsa_root));
    let (critical, eku) = tsa
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .expect("ok")
        .expect("EKU");
    let purposes: Vec<String> = eku.0.iter().map(ToString::to_string).collect();
    assert!(
        critical && purposes == ["1.3.6.1.5.5.7.3.8"],
        "{purposes:?}"
    );

    for (tsa_knob, trusted, right_imprint) in [
        (Tsa::Valid, true, true),
        (Tsa::WrongImprint, true, false),
        (Tsa::Untrusted, false, true),
    ] {
        let spec = BundleSpec {
            kind: LogKind::DsseV002,
            timestamp: Some(tsa_knob),
            ..Default::default()
        };
        let bundle = pki.bundle(&spec);
        let sig = unb64(&bundle["dsseEnvelope"]["signatures"][0]["sig"]);
        let tokens =
            &bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"];
        let token = unb64(&tokens[0]["signedTimestamp"]);

        // TimeStampResp { PKIStatusInfo { granted }, ContentInfo }
        let [resp] = open(&token, [0x30]);
        let [status, content_info] = open(resp, [0x30, 0x30]);
        assert_eq!(status, [2, 1, 0]);
        let [content_type, explicit] = open(content_info, [0x06, 0xa0]);
        assert!(is_oid(content_type, "1.2.840.113549.1.7.2"));
        let [signed_data] = open(explicit, [0x30]);
        let [_, _, encap, certs, signer_infos] = open(signed_data, [0x02, 0x31, 0x30, 0xa0, 0x31]);
        let [e_type, e_content] = open(encap, [0x06, 0xa0]);
        assert!(is_oid(e_type, "1.2.840.113549.1.9.16.1.4"));
        let [tst_der] = open(e_content, [0x04]);
        let [tst] = open(tst_der, [0x30]);
        let [_, _, imprint, _, gen_time, _] = open(tst, [0x02, 0x06, 0x30, 0x02, 0x18, 0x02]);
        let [alg, digest] = open(imprint, [0x30, 0x04]);
        assert!(is_oid(open(alg, [0x06])[0], "2.16.840.1.101.3.4.2.1"));
        assert_eq!(digest == Sha256::digest(&sig).as_slice(), right_imprint);
        assert_eq!(gen_time, b"20251009085320Z"); // spec.integrated_time

        // One SignerInfo, naming the embedded certificate, signing the
        // attributes as a SET OF; message-digest binds the TSTInfo.
        let cert = Certificate::from_der(certs).expect("one certificate");
        assert_eq!(issued_by(&cert, tsa_root), trusted);
        let [signer_info] = open(signer_infos, [0x30]);
        let [_, sid, _, attrs, sig_alg, signature] =
            open(signer_info, [0x02, 0x30, 0x30, 0xa0, 0x30, 0x04]);
        let [issuer, serial] = open(sid, [0x30, 0x02]);
        let tbs = cert.tbs_certificate();
        assert_eq!(
            x509::tlv(0x30, issuer),
            tbs.issuer().to_der().expect("name")
        );
        assert_eq!(
            x509::tlv(0x02, serial),
            tbs.serial_number().to_der().expect("serial")
        );
        assert!(is_oid(open(sig_alg, [0x06])[0], "1.2.840.10045.4.3.2"));
        let spki = tbs.subject_public_key_info().to_der().expect("spki");
        let key = VerifyingKey::from_public_key_der(&spki).expect("P-256");
        assert!(verify256(&key, &x509::tlv(0x31, attrs), signature));
        let attribute = |id: &str| {
            der_items(attrs)
                .into_iter()
                .map(|(_, attr)| open(attr, [0x06, 0x31]))
                .find(|[oid, _]| is_oid(oid, id))
                .map(|[_, values]| values)
                .expect("attribute")
        };
        let [content_type] = open(attribute("1.2.840.113549.1.9.3"), [0x06]);
        assert!(is_oid(content_type, "1.2.840.113549.1.9.16.1.4"));
        let [message_digest] = open(attribute("1.2.840.113549.1.9.4"), [0x04]);
        assert_eq!(message_digest, Sha256::digest(tst_der).as_slice());
    }

    // v1 kinds carry none unless asked; v0.1 then has no timestamp data.
    let v01 = pki.bundle(&BundleSpec {
        media: Media::V01,
        ..Default::default()
    });
    assert!(v01["verificationMaterial"]["timestampVerificationData"].is_null());
    let v03 = pki.bundle(&BundleSpec::default());
    let tokens = &v03["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"];
    assert_eq!(tokens, &json!([]));
}

/// Writes the trust anchors and a set of bundles, each with what an
/// independent verifier should say, to `$LOCKPROOF_PKI_EXPORT`:
/// `LOCKPROOF_PKI_EXPORT=/tmp/x cargo test --test it export -- --ignored`.
#[test]
#[ignore = "writes files; for cross-checking with sigstore-python/-js"]
fn export_for_independent_verifiers() {
    let dir = std::path::PathBuf::from(
        std::env::var("LOCKPROOF_PKI_EXPORT").expect("LOCKPROOF_PKI_EXPORT"),
    );
    std::fs::create_dir_all(&dir).expect("export dir");
    let pki = Pki::new();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write");
    write("trusted_root.json", &pki.trusted_root_json());
    write("npm_keys.json", &pki.npm_keys_json());
    write(
        "npm_key.pem",
        &rekor::pem("PUBLIC KEY", &x509::spki256(&pki.npm), true),
    );
    write(
        "attestations.json",
        &pki.attestations_json("@scope/pkg", "1.2.3", &"ab".repeat(64)),
    );
    let base = BundleSpec::default();
    write(
        "artifact",
        std::str::from_utf8(&base.artifact).expect("text"),
    );
    let cases: Vec<(&str, bool, BundleSpec)> = vec![
        ("v03_dsse", true, base.clone()),
        (
            "v03_hashedrekord",
            true,
            BundleSpec {
                kind: LogKind::HashedRekord001,
                ..base.clone()
            },
        ),
        (
            "v02_dsse",
            true,
            BundleSpec {
                media: Media::V02,
                ..base.clone()
            },
        ),
        (
            "v02_dsse_npm",
            true,
            BundleSpec {
                media: Media::V02,
                signer: Signer::NpmKey,
                predicate_type: NPM_PUBLISH.into(),
                ..base.clone()
            },
        ),
        (
            "v02_hashedrekord_npm",
            true,
            BundleSpec {
                media: Media::V02,
                kind: LogKind::HashedRekord001,
                signer: Signer::NpmKey,
                ..base.clone()
            },
        ),
        (
            "v01_intoto",
            true,
            BundleSpec {
                media: Media::V01,
                kind: LogKind::Intoto002,
                inclusion_proof: false,
                predicate_type: SLSA_V02.into(),
                ..base.clone()
            },
        ),
        (
            "v01_intoto_npm",
            true,
            BundleSpec {
                media: Media::V01,
                kind: LogKind::Intoto002,
                inclusion_proof: false,
                signer: Signer::NpmKey,
                predicate_type: NPM_PUBLISH.into(),
                ..base.clone()
            },
        ),
        (
            "v01_intoto_proof",
            true,
            BundleSpec {
                media: Media::V01,
                kind: LogKind::Intoto002,
                ..base.clone()
            },
        ),
        (
            "v03_dsse_tsa",
            true,
            BundleSpec {
                timestamp: Some(Tsa::Valid),
                ..base.clone()
            },
        ),
        (
            "v03_dsse_rekor2",
            true,
            BundleSpec {
                kind: LogKind::DsseV002,
                ..base.clone()
            },
        ),
        (
            "v03_dsse_rekor2_npm",
            true,
            BundleSpec {
                kind: LogKind::DsseV002,
                signer: Signer::NpmKey,
                predicate_type: NPM_PUBLISH.into(),
                ..base.clone()
            },
        ),
        (
            "v03_dsse_hashedrekord_rekor2",
            true,
            BundleSpec {
                kind: LogKind::DsseHashedRekordV002,
                ..base.clone()
            },
        ),
        (
            "v03_hashedrekord_rekor2",
            true,
            BundleSpec {
                kind: LogKind::HashedRekordV002,
                ..base.clone()
            },
        ),
        (
            "bad_rekor2_no_timestamp",
            false,
            BundleSpec {
                kind: LogKind::DsseV002,
                timestamp: Some(Tsa::Absent),
                ..base.clone()
            },
        ),
        (
            "bad_rekor2_timestamp_imprint",
            false,
            BundleSpec {
                kind: LogKind::DsseV002,
                timestamp: Some(Tsa::WrongImprint),
                ..base.clone()
            },
        ),
        (
            "bad_rekor2_untrusted_tsa",
            false,
            BundleSpec {
                kind: LogKind::DsseV002,
                timestamp: Some(Tsa::Untrusted),
                ..base.clone()
            },
        ),
        (
            "bad_rekor2_checkpoint_wrong_key",
            false,
            BundleSpec {
                kind: LogKind::DsseV002,
                checkpoint: LogSig::WrongKey,
                ..base.clone()
            },
        ),
        (
            "bad_rekor2_other_payload",
            false,
            BundleSpec {
                kind: LogKind::DsseV002,
                log_other_payload: true,
                ..base.clone()
            },
        ),
        (
            "bad_no_eku",
            false,
            BundleSpec {
                code_signing_eku: false,
                ..base.clone()
            },
        ),
        (
            "bad_sct_absent",
            false,
            BundleSpec {
                sct: Sct::Absent,
                ..base.clone()
            },
        ),
        (
            "bad_sct_unknown_log",
            false,
            BundleSpec {
                sct: Sct::UnknownLog,
                ..base.clone()
            },
        ),
        (
            "bad_sct_signature",
            false,
            BundleSpec {
                sct: Sct::BadSignature,
                ..base.clone()
            },
        ),
        (
            "bad_untrusted_ca",
            false,
            BundleSpec {
                untrusted_ca: true,
                ..base.clone()
            },
        ),
        (
            "bad_untrusted_ca_v01",
            false,
            BundleSpec {
                untrusted_ca: true,
                media: Media::V01,
                ..base.clone()
            },
        ),
        (
            "bad_leaf_expired",
            false,
            BundleSpec {
                not_after: Some(base.integrated_time - 1),
                ..base.clone()
            },
        ),
        (
            "bad_leaf_not_yet_valid",
            false,
            BundleSpec {
                not_before: Some(base.integrated_time + 1),
                ..base.clone()
            },
        ),
        (
            "bad_set_wrong_key",
            false,
            BundleSpec {
                set: LogSig::WrongKey,
                inclusion_proof: false,
                media: Media::V01,
                ..base.clone()
            },
        ),
        (
            "bad_set_wrong_key_v03",
            false,
            BundleSpec {
                set: LogSig::WrongKey,
                ..base.clone()
            },
        ),
        (
            "bad_checkpoint_wrong_key",
            false,
            BundleSpec {
                checkpoint: LogSig::WrongKey,
                ..base.clone()
            },
        ),
    ];
    let mut manifest = vec![];
    for (name, accept, spec) in cases {
        write(&format!("{name}.json"), &pki.bundle(&spec).to_string());
        let (san, issuer) = match &spec.signer {
            Signer::Fulcio(id) => (
                Value::from(id.san_uri.clone()),
                Value::from(id.issuer.clone()),
            ),
            Signer::NpmKey => (Value::Null, Value::Null),
        };
        let artifact = spec.kind.message_signature();
        manifest.push(json!({"name": name, "accept": accept, "san": san, "issuer": issuer, "artifact": artifact}));
    }
    write("manifest.json", &Value::from(manifest).to_string());
}
