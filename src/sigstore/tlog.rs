//! Transparency-log evidence of a bundle: the entry body describes this
//! bundle's signature and signer, the log vouches for the entry (signed
//! entry timestamp and/or inclusion proof against a signed checkpoint), and
//! the log's key was valid when it did.
//!
//! Without the body check, a bundle could present genuine log evidence for
//! some other signature; without the SET or proof, it could present a body
//! the log never saw. Both are checked for every entry.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::authority::LogKey;
use super::bundle::{Content, TlogEntry};
use super::dsse::pae;
use super::keys::{KeyError, PublicKey, pem_body};
use super::merkle::{self, Checkpoint, MerkleError};
use super::trust_root::TrustedRoot;

/// What signed the bundle, as the log body must name it.
#[derive(Debug, Clone, Copy)]
pub enum Signer<'a> {
    /// A certificate, DER.
    Certificate(&'a [u8]),
    /// A bare public key.
    Key(&'a PublicKey),
}

/// Why log evidence was refused; each variant names the check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlogError {
    /// The entry names a log the trusted root does not hold.
    #[error("transparency log {0} is not in the trusted root")]
    UnknownLog(String),
    /// The log's key was not valid at the entry's time.
    #[error("transparency log key was not valid at {0}")]
    LogKeyNotValid(Timestamp),
    /// The entry's kind is not one lockproof reads.
    #[error("unsupported transparency log entry kind {kind} {version}")]
    UnsupportedKind {
        /// Entry kind.
        kind: String,
        /// Entry version.
        version: String,
    },
    /// The body does not describe this bundle.
    #[error("transparency log body does not match the bundle: {0}")]
    BodyMismatch(&'static str),
    /// The signed entry timestamp does not verify.
    #[error("signed entry timestamp is invalid: {0}")]
    SignedEntryTimestamp(KeyError),
    /// The inclusion proof or its checkpoint does not verify.
    #[error("inclusion proof is invalid: {0}")]
    InclusionProof(MerkleError),
    /// Neither a signed entry timestamp nor an inclusion proof.
    #[error("transparency log entry has neither a signed entry timestamp nor an inclusion proof")]
    NoEvidence,
    /// The bundle version requires an inclusion proof and has none.
    #[error("bundle version requires an inclusion proof and the entry has none")]
    InclusionProofRequired,
    /// An integrated time after the verification time.
    #[error("integrated time {0} is in the future")]
    FutureTime(Timestamp),
}

/// Checks one entry against the bundle and the trusted root. Returns the
/// entry's integrated time when the log signed it (through the SET), which
/// is then a trustworthy signing time; `None` when the entry carries no
/// signed time (Rekor v2, or a proof without SET), and a signed timestamp
/// must supply one.
pub fn verify_entry(
    entry: &TlogEntry,
    content: &Content,
    signer: Signer<'_>,
    root: &TrustedRoot,
    require_proof: bool,
    now: Timestamp,
) -> Result<Option<Timestamp>, TlogError> {
    let log = root
        .tlog(&entry.log_id)
        .ok_or_else(|| TlogError::UnknownLog(STANDARD.encode(&entry.log_id)))?;
    check_body(entry, content, signer)?;
    let integrated = entry
        .integrated_time
        .map(|t| Timestamp::from_second(t).map_err(|_| TlogError::BodyMismatch("integrated time")))
        .transpose()?;
    if let Some(t) = integrated {
        if t > now {
            return Err(TlogError::FutureTime(t));
        }
        if !log.valid_for.contains(t) {
            return Err(TlogError::LogKeyNotValid(t));
        }
    }
    if entry.inclusion_proof.is_none() && require_proof {
        return Err(TlogError::InclusionProofRequired);
    }
    if entry.inclusion_proof.is_none() && entry.signed_entry_timestamp.is_none() {
        return Err(TlogError::NoEvidence);
    }
    if let Some(proof) = &entry.inclusion_proof {
        verify_proof(entry, proof, log)?;
    }
    match (&entry.signed_entry_timestamp, integrated) {
        (Some(set), Some(t)) => {
            verify_set(entry, set, t, log)?;
            Ok(Some(t))
        }
        (Some(_), None) => Err(TlogError::SignedEntryTimestamp(KeyError::Mismatch)),
        (None, _) => Ok(None),
    }
}

/// The SET is the log's signature over the canonical JSON of body,
/// integrated time, log ID (hex) and log index, keys in sorted order.
fn verify_set(
    entry: &TlogEntry,
    set: &[u8],
    integrated: Timestamp,
    log: &LogKey,
) -> Result<(), TlogError> {
    let log_id: String = entry.log_id.iter().map(|b| format!("{b:02x}")).collect();
    let message = format!(
        r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
        entry.body_base64,
        integrated.as_second(),
        log_id,
        entry.log_index
    );
    log.key
        .verify(message.as_bytes(), set)
        .map_err(TlogError::SignedEntryTimestamp)
}

fn verify_proof(
    entry: &TlogEntry,
    proof: &super::bundle::InclusionProof,
    log: &LogKey,
) -> Result<(), TlogError> {
    let hash32 = |h: &[u8]| <[u8; 32]>::try_from(h).map_err(|_| MerkleError::RootMismatch);
    let hashes = proof
        .hashes
        .iter()
        .map(|h| hash32(h))
        .collect::<Result<Vec<_>, _>>()
        .map_err(TlogError::InclusionProof)?;
    let root = hash32(&proof.root_hash).map_err(TlogError::InclusionProof)?;
    let checkpoint = Checkpoint::parse(&proof.checkpoint).map_err(TlogError::InclusionProof)?;
    merkle::verify_proof_against_checkpoint(
        &merkle::leaf_hash(&entry.body),
        proof.log_index,
        proof.tree_size,
        &hashes,
        &root,
        &checkpoint,
        log,
    )
    .map_err(TlogError::InclusionProof)
}

/// The body must name this bundle's signature, signer and payload.
fn check_body(entry: &TlogEntry, content: &Content, signer: Signer<'_>) -> Result<(), TlogError> {
    let body: Value = serde_json::from_slice(&entry.body)
        .map_err(|_| TlogError::BodyMismatch("body is not JSON"))?;
    let kind = body["kind"].as_str().unwrap_or_default();
    let version = body["apiVersion"].as_str().unwrap_or_default();
    if kind != entry.kind || version != entry.version {
        return Err(TlogError::BodyMismatch("kind or version"));
    }
    let spec = &body["spec"];
    match (kind, version, content) {
        ("intoto", "0.0.2", Content::Dsse(env)) => {
            let envelope = &spec["content"]["envelope"];
            if envelope["payloadType"].as_str() != Some(env.payload_type.as_str()) {
                return Err(TlogError::BodyMismatch("payload type"));
            }
            payload_hash(&spec["content"]["payloadHash"], &env.payload)?;
            // intoto 0.0.2 stores each signature base64-encoded twice and
            // the verifier as base64 of PEM.
            let sigs = one_signature(&envelope["signatures"])?;
            let sig = b64(&sigs["sig"]).and_then(|once| STANDARD.decode(once).ok());
            same_signature(sig, env)?;
            signer_matches(b64(&sigs["publicKey"]), signer)
        }
        ("dsse", "0.0.1", Content::Dsse(env)) => {
            payload_hash(&spec["payloadHash"], &env.payload)?;
            let sigs = one_signature(&spec["signatures"])?;
            same_signature(b64(&sigs["signature"]), env)?;
            signer_matches(b64(&sigs["verifier"]), signer)
        }
        ("dsse", "0.0.2", Content::Dsse(env)) => {
            let v2 = &spec["dsseV002"];
            let want = v2["payloadHash"]["digest"]
                .as_str()
                .and_then(|d| STANDARD.decode(d).ok());
            if want.as_deref() != Some(Sha256::digest(&env.payload).as_slice()) {
                return Err(TlogError::BodyMismatch("payload hash"));
            }
            let sigs = one_signature(&v2["signatures"])?;
            same_signature(b64(&sigs["content"]), env)?;
            signer_matches_raw(&sigs["verifier"], signer)
        }
        ("hashedrekord", "0.0.2", content) => {
            // Rekor v2 logs DSSE envelopes as hashedrekord too.
            let (digest, signature) = hashed_content(content)?;
            let v2 = &spec["hashedRekordV002"];
            let logged = v2["data"]["digest"]
                .as_str()
                .and_then(|d| STANDARD.decode(d).ok());
            if v2["data"]["algorithm"].as_str() != Some("SHA2_256")
                || logged.as_deref() != Some(digest.as_slice())
            {
                return Err(TlogError::BodyMismatch("artifact digest"));
            }
            if b64(&v2["signature"]["content"]).as_ref() != Some(signature) {
                return Err(TlogError::BodyMismatch("signature"));
            }
            signer_matches_raw(&v2["signature"]["verifier"], signer)
        }
        ("hashedrekord", "0.0.1", content) => {
            // As with 0.0.2, a DSSE envelope may be logged as a hashedrekord
            // whose digest is that of the PAE, which the signature covers.
            let (digest, signature) = hashed_content(content)?;
            let hash = &spec["data"]["hash"];
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            if hash["algorithm"].as_str() != Some("sha256")
                || !hash["value"]
                    .as_str()
                    .is_some_and(|v| v.eq_ignore_ascii_case(&hex))
            {
                return Err(TlogError::BodyMismatch("artifact digest"));
            }
            if b64(&spec["signature"]["content"]).as_ref() != Some(signature) {
                return Err(TlogError::BodyMismatch("signature"));
            }
            signer_matches(b64(&spec["signature"]["publicKey"]["content"]), signer)
        }
        _ => Err(TlogError::UnsupportedKind {
            kind: kind.to_owned(),
            version: version.to_owned(),
        }),
    }
}

/// What a hashedrekord entry commits to for this content: the SHA-256
/// digest the signature covers (the artifact's, or the PAE's for a DSSE
/// envelope) and the signature.
fn hashed_content(content: &Content) -> Result<(Vec<u8>, &Vec<u8>), TlogError> {
    match content {
        Content::Dsse(env) => match env.signatures.as_slice() {
            [one] => Ok((
                Sha256::digest(pae(&env.payload_type, &env.payload)).to_vec(),
                &one.sig,
            )),
            _ => Err(TlogError::BodyMismatch("not exactly one signature")),
        },
        Content::MessageSignature {
            algorithm,
            digest,
            signature,
        } => {
            // The log's digest is SHA-256; a message digest of another
            // algorithm cannot be the one it holds.
            if algorithm != "SHA2_256" {
                return Err(TlogError::BodyMismatch("artifact digest algorithm"));
            }
            Ok((digest.clone(), signature))
        }
    }
}

fn b64(value: &Value) -> Option<Vec<u8>> {
    value.as_str().and_then(|s| STANDARD.decode(s).ok())
}

fn one_signature(list: &Value) -> Result<&Value, TlogError> {
    match list.as_array().map(Vec::as_slice) {
        Some([one]) => Ok(one),
        _ => Err(TlogError::BodyMismatch("not exactly one signature")),
    }
}

fn payload_hash(hash: &Value, payload: &[u8]) -> Result<(), TlogError> {
    let hex: String = Sha256::digest(payload)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if hash["algorithm"].as_str() == Some("sha256")
        && hash["value"]
            .as_str()
            .is_some_and(|v| v.eq_ignore_ascii_case(&hex))
    {
        Ok(())
    } else {
        Err(TlogError::BodyMismatch("payload hash"))
    }
}

fn same_signature(logged: Option<Vec<u8>>, env: &super::bundle::Envelope) -> Result<(), TlogError> {
    match env.signatures.as_slice() {
        [one] if logged.as_deref() == Some(one.sig.as_slice()) => Ok(()),
        _ => Err(TlogError::BodyMismatch("signature")),
    }
}

/// The logged verifier (PEM, already base64-decoded once) is the bundle's.
fn signer_matches(pem: Option<Vec<u8>>, signer: Signer<'_>) -> Result<(), TlogError> {
    let pem = pem.ok_or(TlogError::BodyMismatch("verifier is not base64"))?;
    let same = match signer {
        Signer::Certificate(der) => pem_body(&pem, "CERTIFICATE").as_deref() == Some(der),
        Signer::Key(key) => PublicKey::from_pem(&pem).is_ok_and(|k| &k == key),
    };
    if same {
        Ok(())
    } else {
        Err(TlogError::BodyMismatch("verifier"))
    }
}

/// Rekor v2 writes the verifier as raw DER (`x509Certificate.rawBytes` or
/// `publicKey.rawBytes`) rather than PEM.
fn signer_matches_raw(verifier: &Value, signer: Signer<'_>) -> Result<(), TlogError> {
    let same = match signer {
        Signer::Certificate(der) => {
            b64(&verifier["x509Certificate"]["rawBytes"]).as_deref() == Some(der)
        }
        Signer::Key(key) => b64(&verifier["publicKey"]["rawBytes"])
            .and_then(|der| PublicKey::from_spki_der(&der).ok())
            .is_some_and(|k| &k == key),
    };
    if same {
        Ok(())
    } else {
        Err(TlogError::BodyMismatch("verifier"))
    }
}
