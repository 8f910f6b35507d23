//! Certificates as Fulcio and a Sigstore timestamp authority issue them,
//! written as DER by hand so every byte (string types, extension order,
//! criticality, the embedded SCT) is under the test's control.

use const_oid::ObjectIdentifier;
use p256::ecdsa::SigningKey as P256Key;
use p256::pkcs8::EncodePublicKey as _;
use p384::ecdsa::SigningKey as P384Key;
use sha2::{Digest as _, Sha256};
use signature::Signer as _;

use super::{Identity, Sct};

/// One DER TLV.
pub fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match u8::try_from(body.len()) {
        Ok(len) if len < 0x80 => out.push(len),
        _ => {
            let len = body.len().to_be_bytes();
            let skip = len.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | u8::try_from(len.len() - skip).expect("short length"));
            out.extend_from_slice(&len[skip..]);
        }
    }
    out.extend_from_slice(body);
    out
}

/// A SEQUENCE of already-encoded parts.
pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// An OBJECT IDENTIFIER.
pub fn oid(dotted: &str) -> Vec<u8> {
    tlv(0x06, ObjectIdentifier::new_unwrap(dotted).as_bytes())
}

/// A BIT STRING with no unused bits.
fn bits(content: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[0u8][..], content].concat())
}

/// An unsigned INTEGER from big-endian bytes.
pub fn uint(bytes: &[u8]) -> Vec<u8> {
    let pad = bytes.first().is_some_and(|b| b & 0x80 != 0);
    tlv(0x02, &[if pad { &[0u8][..] } else { &[] }, bytes].concat())
}

/// UTCTime from unix seconds (years 1950..2050, as X.509 requires).
fn utc_time(unix: i64) -> Vec<u8> {
    let ts = jiff::Timestamp::from_second(unix).expect("time in range");
    tlv(0x17, ts.strftime("%y%m%d%H%M%SZ").to_string().as_bytes())
}

/// `O=sigstore.dev, CN=<cn>` with PrintableStrings, as Fulcio writes it.
pub fn name(cn: &str) -> Vec<u8> {
    let rdn = |o: &str, v: &str| tlv(0x31, &seq(&[oid(o), tlv(0x13, v.as_bytes())]));
    seq(&[rdn("2.5.4.10", "sigstore.dev"), rdn("2.5.4.3", cn)])
}

/// One extension: `SEQUENCE { oid, [critical TRUE], OCTET STRING value }`.
fn ext(id: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(vec![0x01, 0x01, 0xff]);
    }
    parts.push(tlv(0x04, value));
    seq(&parts)
}

/// A key identifier: 20 bytes of the key's SHA-256 (Fulcio uses SHA-1; the
/// value is opaque to verifiers).
fn key_id(spki: &[u8]) -> Vec<u8> {
    Sha256::digest(spki)[..20].to_vec()
}

const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
const TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
pub const SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";

/// What a certificate's TBS needs besides its extensions.
struct Tbs<'a> {
    serial: [u8; 20],
    issuer: &'a [u8],
    subject: &'a [u8],
    not_before: i64,
    not_after: i64,
    spki: &'a [u8],
}

fn tbs(t: &Tbs, exts: &[Vec<u8>]) -> Vec<u8> {
    seq(&[
        tlv(0xa0, &uint(&[2])),
        uint(&t.serial),
        seq(&[oid(ECDSA_SHA384)]),
        t.issuer.to_vec(),
        seq(&[utc_time(t.not_before), utc_time(t.not_after)]),
        t.subject.to_vec(),
        t.spki.to_vec(),
        tlv(0xa3, &seq(exts)),
    ])
}

/// Signs a TBS with a P-384 CA key (ecdsa-with-SHA384) into a certificate.
fn sign_cert(tbs: Vec<u8>, ca: &P384Key) -> Vec<u8> {
    let sig: p384::ecdsa::Signature = ca.sign(&tbs);
    seq(&[
        tbs,
        seq(&[oid(ECDSA_SHA384)]),
        bits(sig.to_der().as_bytes()),
    ])
}

fn serial(label: &str) -> [u8; 20] {
    let mut s = [0u8; 20];
    s.copy_from_slice(&Sha256::digest(label.as_bytes())[..20]);
    s[0] &= 0x7f;
    s
}

/// DER SubjectPublicKeyInfo of a P-384 key.
pub fn spki384(key: &P384Key) -> Vec<u8> {
    key.verifying_key()
        .to_public_key_der()
        .expect("encodable key")
        .into_vec()
}

/// DER SubjectPublicKeyInfo of a P-256 key.
pub fn spki256(key: &P256Key) -> Vec<u8> {
    key.verifying_key()
        .to_public_key_der()
        .expect("encodable key")
        .into_vec()
}

/// A self-signed P-384 CA certificate named `cn`, with its name and SPKI.
fn root_ca(key: &P384Key, cn: &str, not_before: i64, not_after: i64) -> [Vec<u8>; 3] {
    let (spki, name) = (spki384(key), name(cn));
    let t = Tbs {
        serial: serial(&format!("root {spki:?}")),
        issuer: &name,
        subject: &name,
        not_before,
        not_after,
        spki: &spki,
    };
    let exts = [
        ext("2.5.29.15", true, &tlv(0x03, &[0x01, 0x06])),
        ext("2.5.29.19", true, &seq(&[vec![0x01, 0x01, 0xff]])),
        ext("2.5.29.14", false, &tlv(0x04, &key_id(&spki))),
        ext("2.5.29.35", false, &seq(&[tlv(0x80, &key_id(&spki))])),
    ];
    [sign_cert(tbs(&t, &exts), key), name, spki]
}

/// A Fulcio CA pair: self-signed root and the intermediate it issues.
pub fn ca_chain(root: &P384Key, inter: &P384Key, not_before: i64, not_after: i64) -> [Vec<u8>; 2] {
    let [root_cert, root_name, root_spki] = root_ca(root, "sigstore", not_before, not_after);
    let (inter_spki, inter_name) = (spki384(inter), name("sigstore-intermediate"));
    let inter_tbs = Tbs {
        serial: serial(&format!("intermediate {inter_spki:?}")),
        issuer: &root_name,
        subject: &inter_name,
        not_before,
        not_after,
        spki: &inter_spki,
    };
    let inter_exts = [
        ext("2.5.29.15", true, &tlv(0x03, &[0x01, 0x06])),
        ext("2.5.29.37", false, &seq(&[oid(CODE_SIGNING)])),
        ext(
            "2.5.29.19",
            true,
            &seq(&[vec![0x01, 0x01, 0xff], uint(&[0])]),
        ),
        ext("2.5.29.14", false, &tlv(0x04, &key_id(&inter_spki))),
        ext("2.5.29.35", false, &seq(&[tlv(0x80, &key_id(&root_spki))])),
    ];
    [root_cert, sign_cert(tbs(&inter_tbs, &inter_exts), root)]
}

/// A timestamp authority as Sigstore's is laid out: a self-signed P-384
/// root and the P-256 TSA certificate it issues, whose only purpose is
/// timeStamping, marked critical as RFC 3161 §2.3 requires. Returns
/// `[root, tsa]` DER.
pub fn tsa_chain(root: &P384Key, tsa: &P256Key, not_before: i64, not_after: i64) -> [Vec<u8>; 2] {
    let [root_cert, root_name, root_spki] =
        root_ca(root, "sigstore-tsa-selfsigned", not_before, not_after);
    let (spki, subject) = (spki256(tsa), name("sigstore-tsa"));
    let t = Tbs {
        serial: serial(&format!("tsa {spki:?}")),
        issuer: &root_name,
        subject: &subject,
        not_before,
        not_after,
        spki: &spki,
    };
    let exts = [
        ext("2.5.29.15", true, &tlv(0x03, &[0x07, 0x80])),
        ext("2.5.29.37", true, &seq(&[oid(TIME_STAMPING)])),
        ext("2.5.29.14", false, &tlv(0x04, &key_id(&spki))),
        ext("2.5.29.35", false, &seq(&[tlv(0x80, &key_id(&root_spki))])),
    ];
    [root_cert, sign_cert(tbs(&t, &exts), root)]
}

/// The Fulcio extensions (1.3.6.1.4.1.57264.1.x): the deprecated ones (.1
/// to .6) hold raw bytes, the newer ones a DER UTF8String.
fn fulcio_exts(id: &Identity) -> Vec<Vec<u8>> {
    let repo_path = id.source_repo.splitn(4, '/').nth(3).unwrap_or_default();
    let owner = id.source_repo.rsplit_once('/').map_or("", |(o, _)| o);
    let raw = [
        (1, id.issuer.as_str()),
        (2, &id.trigger),
        (3, &id.source_digest),
        (4, "publish"),
        (5, repo_path),
        (6, &id.source_ref),
    ];
    let utf8 = [
        (8, id.issuer.as_str()),
        (9, &id.build_signer),
        (10, &id.source_digest),
        (11, &id.runner_env),
        (12, &id.source_repo),
        (13, &id.source_digest),
        (14, &id.source_ref),
        (15, "123456789"),
        (16, owner),
        (17, "987654"),
        (18, &id.build_signer),
        (19, &id.source_digest),
        (20, &id.trigger),
        (21, &id.run_invocation),
        (22, "public"),
    ];
    let arc = |n: u32| format!("1.3.6.1.4.1.57264.1.{n}");
    let raw = raw.iter().map(|(n, v)| ext(&arc(*n), false, v.as_bytes()));
    let utf8 = utf8
        .iter()
        .map(|(n, v)| ext(&arc(*n), false, &tlv(0x0c, v.as_bytes())));
    raw.chain(utf8).collect()
}

/// How a leaf is to be made.
pub struct Leaf<'a> {
    pub key: &'a P256Key,
    pub identity: &'a Identity,
    pub issuer: &'a P384Key,
    pub not_before: i64,
    pub not_after: i64,
    pub code_signing: bool,
    pub sct: Sct,
    /// The CT log key and a key no root trusts.
    pub ct_key: &'a P256Key,
    pub rogue_key: &'a P256Key,
}

/// A Fulcio leaf certificate with its embedded SCT.
pub fn leaf(l: &Leaf) -> Vec<u8> {
    let spki = spki256(l.key);
    let issuer_spki = spki384(l.issuer);
    let subject = seq(&[]);
    let issuer = name("sigstore-intermediate");
    let t = Tbs {
        serial: serial(&format!("leaf {spki:?} {}", l.not_before)),
        issuer: &issuer,
        subject: &subject,
        not_before: l.not_before,
        not_after: l.not_after,
        spki: &spki,
    };
    let mut exts = vec![ext("2.5.29.15", true, &tlv(0x03, &[0x07, 0x80]))];
    if l.code_signing {
        exts.push(ext("2.5.29.37", false, &seq(&[oid(CODE_SIGNING)])));
    }
    exts.push(ext("2.5.29.14", false, &tlv(0x04, &key_id(&spki))));
    exts.push(ext(
        "2.5.29.35",
        false,
        &seq(&[tlv(0x80, &key_id(&issuer_spki))]),
    ));
    let san = seq(&[tlv(0x86, l.identity.san_uri.as_bytes())]);
    exts.push(ext("2.5.29.17", true, &san));
    exts.extend(fulcio_exts(l.identity));
    let (signer, log_key) = match l.sct {
        Sct::Absent => return sign_cert(tbs(&t, &exts), l.issuer),
        Sct::Valid => (l.ct_key, l.ct_key),
        Sct::UnknownLog => (l.rogue_key, l.rogue_key),
        Sct::BadSignature => (l.rogue_key, l.ct_key),
    };
    let timestamp_ms = u64::try_from(l.not_before).expect("after 1970") * 1000 + 412;
    let precert = tbs(&t, &exts);
    let signed = precert_signed_data(timestamp_ms, &issuer_spki, &precert);
    let sig: p256::ecdsa::Signature = signer.sign(&signed);
    let sct = sct_list(
        &Sha256::digest(spki256(log_key)),
        timestamp_ms,
        sig.to_der().as_bytes(),
    );
    exts.push(ext(SCT_LIST, false, &tlv(0x04, &sct)));
    sign_cert(tbs(&t, &exts), l.issuer)
}

/// RFC 6962 §3.2 `digitally-signed` input for a precertificate entry.
pub fn precert_signed_data(timestamp_ms: u64, issuer_spki: &[u8], tbs: &[u8]) -> Vec<u8> {
    let len = u32::try_from(tbs.len()).expect("small TBS").to_be_bytes();
    [
        &[0u8, 0][..], // version v1, signature_type certificate_timestamp
        &timestamp_ms.to_be_bytes(),
        &[0, 1], // entry_type precert_entry
        &Sha256::digest(issuer_spki),
        &len[1..],
        tbs,
        &[0, 0], // no extensions
    ]
    .concat()
}

/// A TLS `SignedCertificateTimestampList` holding one v1 SCT.
fn sct_list(log_id: &[u8], timestamp_ms: u64, sig: &[u8]) -> Vec<u8> {
    let u16be = |n: usize| u16::try_from(n).expect("short").to_be_bytes();
    let sct = [
        &[0u8][..],
        log_id,
        &timestamp_ms.to_be_bytes(),
        &[0, 0],
        &[4, 3], // sha256, ecdsa
        &u16be(sig.len()),
        sig,
    ]
    .concat();
    [&u16be(sct.len() + 2)[..], &u16be(sct.len()), &sct].concat()
}
