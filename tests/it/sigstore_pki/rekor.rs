//! Rekor as the public-good logs write it: v1 canonicalized entry bodies and
//! signed entry timestamps, v2 (rekor-tiles) bodies, an RFC 6962 Merkle tree
//! and signed-note checkpoints (ECDSA for v1, Ed25519 for v2).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::SigningKey as P256Key;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use signature::Signer as _;

/// Base64 (standard, padded).
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    STANDARD.encode(bytes)
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// PEM, either wrapped at 64 columns with a final newline (Go, Python and
/// sigstore-js) or as npm wrote its key into intoto entries: one line, no
/// final newline.
pub fn pem(label: &str, der: &[u8], wrapped: bool) -> String {
    let body = b64(der);
    if !wrapped {
        return format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----");
    }
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// ECDSA P-256 / SHA-256 DER signature.
pub fn sign(key: &P256Key, msg: &[u8]) -> Vec<u8> {
    let sig: p256::ecdsa::Signature = key.sign(msg);
    sig.to_der().as_bytes().to_vec()
}

fn digest(hex: String) -> Value {
    json!({"algorithm": "sha256", "value": hex})
}

/// The DSSE envelope as the client submitted it (whose hash Rekor records):
/// compact JSON in the client's field order, an empty keyid left out.
fn envelope_json(payload_b64: &str, sig_b64: &str, keyid: &str, keyid_first: bool) -> String {
    let q = |s: &str| Value::from(s).to_string();
    let sig = format!("\"sig\":{}", q(sig_b64));
    let entry = match (keyid.is_empty(), keyid_first) {
        (true, _) => sig,
        (false, true) => format!("\"keyid\":{},{sig}", q(keyid)),
        (false, false) => format!("{sig},\"keyid\":{}", q(keyid)),
    };
    format!(
        "{{\"payload\":{},\"payloadType\":{},\"signatures\":[{{{entry}}}]}}",
        q(payload_b64),
        q(super::PAYLOAD_TYPE)
    )
}

/// An `intoto` 0.0.2 body; `public_key_pem` is the certificate or key PEM.
pub fn intoto_body(payload: &[u8], sig: &[u8], keyid: &str, public_key_pem: &str) -> String {
    let envelope = envelope_json(&b64(payload), &b64(sig), keyid, true);
    let mut signature = json!({"publicKey": b64(public_key_pem), "sig": b64(b64(sig))});
    if !keyid.is_empty() {
        signature["keyid"] = keyid.into();
    }
    json!({
        "apiVersion": "0.0.2",
        "kind": "intoto",
        "spec": {"content": {
            "envelope": {"payloadType": super::PAYLOAD_TYPE, "signatures": [signature]},
            "hash": digest(sha256_hex(envelope.as_bytes())),
            "payloadHash": digest(sha256_hex(payload)),
        }}
    })
    .to_string()
}

/// A `dsse` 0.0.1 body.
pub fn dsse_body(payload: &[u8], sig: &[u8], keyid: &str, verifier_pem: &str) -> String {
    let envelope = envelope_json(&b64(payload), &b64(sig), keyid, false);
    json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": digest(sha256_hex(envelope.as_bytes())),
            "payloadHash": digest(sha256_hex(payload)),
            "signatures": [{"signature": b64(sig), "verifier": b64(verifier_pem)}],
        }
    })
    .to_string()
}

/// A `hashedrekord` 0.0.1 body over an artifact's SHA-256.
pub fn hashedrekord_body(artifact_sha256: &[u8], sig: &[u8], public_key_pem: &str) -> String {
    json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": digest(hex(artifact_sha256))},
            "signature": {"content": b64(sig), "publicKey": {"content": b64(public_key_pem)}},
        }
    })
    .to_string()
}

/// How a Rekor v2 body names the signer: DER certificate or DER SPKI.
#[derive(Debug, Clone, Copy)]
pub enum V2Verifier<'a> {
    Certificate(&'a [u8]),
    PublicKey(&'a [u8]),
}

/// A rekor-tiles `Verifier` message in protobuf JSON (every signer here is
/// an ECDSA P-256 key).
fn v2_verifier(verifier: V2Verifier) -> Value {
    let (field, der) = match verifier {
        V2Verifier::Certificate(der) => ("x509Certificate", der),
        V2Verifier::PublicKey(der) => ("publicKey", der),
    };
    json!({"keyDetails": "PKIX_ECDSA_P256_SHA_256", field: {"rawBytes": b64(der)}})
}

/// A rekor-tiles `HashOutput`: enum name and base64 digest, where v1 bodies
/// had `sha256` and hex.
fn v2_hash(digest: &[u8]) -> Value {
    json!({"algorithm": "SHA2_256", "digest": b64(digest)})
}

// Rekor v2 stores `protojson.Marshal(entry)` run through RFC 8785 (JCS):
// compact, keys sorted. serde_json's map is sorted and every key and value
// here is ASCII, so `Value::to_string` gives exactly those bytes.

/// A Rekor v2 `dsse` 0.0.2 body (deprecated in 2026, still in the log).
pub fn dsse_v2_body(payload: &[u8], sig: &[u8], verifier: V2Verifier) -> String {
    let signature = json!({"content": b64(sig), "verifier": v2_verifier(verifier)});
    json!({
        "apiVersion": "0.0.2",
        "kind": "dsse",
        "spec": {"dsseV002": {
            "payloadHash": v2_hash(&Sha256::digest(payload)),
            "signatures": [signature],
        }},
    })
    .to_string()
}

/// A Rekor v2 `hashedrekord` 0.0.2 body over a SHA-256 digest: of the
/// artifact for a message signature, of the PAE for a DSSE envelope.
pub fn hashedrekord_v2_body(digest: &[u8], sig: &[u8], verifier: V2Verifier) -> String {
    let signature = json!({"content": b64(sig), "verifier": v2_verifier(verifier)});
    json!({
        "apiVersion": "0.0.2",
        "kind": "hashedrekord",
        "spec": {"hashedRekordV002": {"data": v2_hash(digest), "signature": signature}},
    })
    .to_string()
}

/// The signed entry timestamp: the log's signature over the canonical JSON
/// of body, time, log ID (hex) and index.
pub fn set(key: &P256Key, body_b64: &str, time: i64, log_id: &[u8], index: u64) -> Vec<u8> {
    let msg =
        json!({"body": body_b64, "integratedTime": time, "logID": hex(log_id), "logIndex": index});
    sign(key, msg.to_string().as_bytes())
}

/// RFC 6962 leaf hash.
pub fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update([0u8])
        .chain_update(entry)
        .finalize()
        .into()
}

/// RFC 6962 interior node hash.
pub fn node_hash(left: &[u8], right: &[u8]) -> [u8; 32] {
    let h = Sha256::new().chain_update([1u8]).chain_update(left);
    h.chain_update(right).finalize().into()
}

/// The largest power of two below `n` (n > 1).
fn split(n: usize) -> usize {
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// Merkle tree hash over leaf hashes (RFC 6962 §2.1).
pub fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// Audit path for leaf `m` (RFC 6962 §2.1.1), leaf side first.
pub fn audit_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = split(n);
    let (mut path, sibling) = if m < k {
        (audit_path(m, &leaves[..k]), root(&leaves[k..]))
    } else {
        (audit_path(m - k, &leaves[k..]), root(&leaves[..k]))
    };
    path.push(sibling);
    path
}

/// A Rekor v2 checkpoint: the bare origin (no tree ID), size, base64 root,
/// blank line, and `— <origin> base64(key hint || Ed25519 signature)`. The
/// hint is passed in so a test can name the trusted key while signing with
/// another.
pub fn checkpoint_v2(
    key: &ed25519_dalek::SigningKey,
    hint: &[u8],
    origin: &str,
    size: u64,
    root: &[u8],
) -> String {
    let note = format!("{origin}\n{size}\n{}\n", b64(root));
    let sig = [&hint[..4], &key.sign(note.as_bytes()).to_bytes()[..]].concat();
    format!("{note}\n\u{2014} {origin} {}\n", b64(sig))
}

/// A signed-note checkpoint: `origin`, size, base64 root, blank line, and
/// one signature line `— <name> base64(keyhint || DER sig)`; the key hint is
/// the first 4 bytes of the log ID.
pub fn checkpoint(key: &P256Key, log_id: &[u8], name: &str, size: u64, root: &[u8]) -> String {
    let note = format!("{name} - 2605736670972794746\n{size}\n{}\n", b64(root));
    let sig = [&log_id[..4], &sign(key, note.as_bytes())[..]].concat();
    format!("{note}\n\u{2014} {name} {}\n", b64(sig))
}
