//! Sigstore bundles as JSON: media types v0.1 to v0.3, read into typed,
//! decoded values so the checks never handle base64 or protobuf-JSON quirks.
//!
//! Protobuf JSON writes 64-bit integers as strings, so every integer field
//! accepts a string or a number. Whatever the checks later rely on is decoded
//! here once; a bundle that does not decode is a [`BundleError`] naming the
//! field, never a panic.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

/// The bundle format versions lockproof reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MediaType {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`: the log
    /// evidence may be a signed entry timestamp alone.
    V01,
    /// `…;version=0.2`: an inclusion proof is required.
    V02,
    /// `application/vnd.dev.sigstore.bundle.v0.3+json` (or `…;version=0.3`).
    V03,
}

impl MediaType {
    fn parse(text: &str) -> Option<MediaType> {
        match text {
            "application/vnd.dev.sigstore.bundle+json;version=0.1" => Some(MediaType::V01),
            "application/vnd.dev.sigstore.bundle+json;version=0.2" => Some(MediaType::V02),
            "application/vnd.dev.sigstore.bundle+json;version=0.3"
            | "application/vnd.dev.sigstore.bundle.v0.3+json" => Some(MediaType::V03),
            _ => None,
        }
    }
}

/// What the signature is checked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// A leaf certificate (DER); any intermediates the bundle carried are
    /// ignored, since the chain is built from the trusted root only.
    Certificate(Vec<u8>),
    /// A key named by a hint, resolved from a key set (npm's registry keys).
    PublicKeyHint(String),
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsseSignature {
    /// Raw signature bytes.
    pub sig: Vec<u8>,
    /// The key ID the signer gave, possibly empty.
    pub keyid: String,
}

/// A DSSE envelope, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The payload bytes (an in-toto statement for npm).
    pub payload: Vec<u8>,
    /// The payload type, part of what is signed.
    pub payload_type: String,
    /// The signatures; Sigstore bundles carry exactly one.
    pub signatures: Vec<DsseSignature>,
}

/// What the bundle signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A DSSE envelope.
    Dsse(Envelope),
    /// A plain signature over an artifact, with the artifact's digest.
    MessageSignature {
        /// The digest algorithm name as the bundle gives it (`SHA2_256`…).
        algorithm: String,
        /// The artifact digest.
        digest: Vec<u8>,
        /// The signature bytes.
        signature: Vec<u8>,
    },
}

/// An RFC 6962 inclusion proof with the checkpoint it ends in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// Index of the entry in the tree (may differ from the entry's global
    /// log index on sharded logs).
    pub log_index: u64,
    /// Root hash the proof leads to.
    pub root_hash: Vec<u8>,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// Sibling hashes, leaf to root.
    pub hashes: Vec<Vec<u8>>,
    /// The signed checkpoint text.
    pub checkpoint: String,
}

/// One transparency-log entry of the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogEntry {
    /// Global log index.
    pub log_index: u64,
    /// The log ID (key ID) of the log.
    pub log_id: Vec<u8>,
    /// Entry kind, e.g. `dsse`, `intoto`, `hashedrekord`.
    pub kind: String,
    /// Entry kind version, e.g. `0.0.1`.
    pub version: String,
    /// When the log says it integrated the entry (unix seconds); Rekor v2
    /// entries have none and rely on signed timestamps.
    pub integrated_time: Option<i64>,
    /// The signed entry timestamp (inclusion promise), DER ECDSA.
    pub signed_entry_timestamp: Option<Vec<u8>>,
    /// The inclusion proof, if present.
    pub inclusion_proof: Option<InclusionProof>,
    /// The canonicalized body, as the bundle gives it (base64), since the
    /// signed entry timestamp signs this exact text.
    pub body_base64: String,
    /// The canonicalized body, decoded.
    pub body: Vec<u8>,
}

/// A decoded Sigstore bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The format version.
    pub media_type: MediaType,
    /// What verifies the signature.
    pub material: Material,
    /// Transparency-log entries.
    pub tlog_entries: Vec<TlogEntry>,
    /// RFC 3161 timestamp tokens (DER).
    pub timestamps: Vec<Vec<u8>>,
    /// The signed content.
    pub content: Content,
}

/// Why a bundle could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not JSON of the bundle shape.
    #[error("bundle is not valid JSON of the bundle shape: {0}")]
    Json(String),
    /// A media type this version does not read.
    #[error("unsupported bundle media type {0:?}")]
    MediaType(String),
    /// A field that does not decode.
    #[error("bundle field {field}: {why}")]
    Field {
        /// JSON path of the field.
        field: &'static str,
        /// What is wrong with it.
        why: String,
    },
}

mod raw {
    use serde::Deserialize;

    use super::Int;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Bundle {
        pub media_type: String,
        pub verification_material: Material,
        pub dsse_envelope: Option<Envelope>,
        pub message_signature: Option<MessageSignature>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Material {
        pub certificate: Option<Bytes>,
        pub x509_certificate_chain: Option<Chain>,
        pub public_key: Option<Hint>,
        #[serde(default)]
        pub tlog_entries: Vec<Entry>,
        pub timestamp_verification_data: Option<Timestamps>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Bytes {
        pub raw_bytes: String,
    }

    #[derive(Deserialize)]
    pub struct Chain {
        pub certificates: Vec<Bytes>,
    }

    #[derive(Deserialize)]
    pub struct Hint {
        pub hint: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Timestamps {
        #[serde(default)]
        pub rfc3161_timestamps: Vec<Signed>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Signed {
        pub signed_timestamp: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Entry {
        pub log_index: Int,
        pub log_id: LogId,
        pub kind_version: KindVersion,
        pub integrated_time: Option<Int>,
        pub inclusion_promise: Option<Promise>,
        pub inclusion_proof: Option<Proof>,
        pub canonicalized_body: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct LogId {
        pub key_id: String,
    }

    #[derive(Deserialize)]
    pub struct KindVersion {
        pub kind: String,
        pub version: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Promise {
        pub signed_entry_timestamp: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Proof {
        pub log_index: Int,
        pub root_hash: String,
        pub tree_size: Int,
        pub hashes: Vec<String>,
        pub checkpoint: Option<Checkpoint>,
    }

    #[derive(Deserialize)]
    pub struct Checkpoint {
        pub envelope: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Envelope {
        pub payload: String,
        pub payload_type: String,
        pub signatures: Vec<Signature>,
    }

    #[derive(Deserialize)]
    pub struct Signature {
        pub sig: String,
        #[serde(default)]
        pub keyid: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct MessageSignature {
        pub message_digest: Option<Digest>,
        pub signature: String,
    }

    #[derive(Deserialize)]
    pub struct Digest {
        pub algorithm: String,
        pub digest: String,
    }
}

/// A protobuf-JSON 64-bit integer: a string or a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Int {
    Number(i64),
    Text(String),
}

impl Int {
    fn value(&self, field: &'static str) -> Result<i64, BundleError> {
        match self {
            Int::Number(n) => Ok(*n),
            Int::Text(t) => t.parse().map_err(|_| BundleError::Field {
                field,
                why: format!("{t:?} is not an integer"),
            }),
        }
    }

    fn unsigned(&self, field: &'static str) -> Result<u64, BundleError> {
        u64::try_from(self.value(field)?).map_err(|_| BundleError::Field {
            field,
            why: "negative".into(),
        })
    }
}

fn b64(field: &'static str, text: &str) -> Result<Vec<u8>, BundleError> {
    STANDARD.decode(text).map_err(|e| BundleError::Field {
        field,
        why: format!("not base64: {e}"),
    })
}

fn missing(field: &'static str) -> BundleError {
    BundleError::Field {
        field,
        why: "missing".into(),
    }
}

impl Bundle {
    /// Reads a bundle from its JSON text.
    pub fn from_json(body: &[u8]) -> Result<Bundle, BundleError> {
        let raw: raw::Bundle =
            serde_json::from_slice(body).map_err(|e| BundleError::Json(e.to_string()))?;
        Bundle::from_raw(raw)
    }

    /// Reads a bundle from an already parsed JSON value (as the npm
    /// attestations endpoint nests them).
    pub fn from_value(value: serde_json::Value) -> Result<Bundle, BundleError> {
        let raw: raw::Bundle =
            serde_json::from_value(value).map_err(|e| BundleError::Json(e.to_string()))?;
        Bundle::from_raw(raw)
    }

    fn from_raw(raw: raw::Bundle) -> Result<Bundle, BundleError> {
        let media_type = MediaType::parse(&raw.media_type)
            .ok_or_else(|| BundleError::MediaType(raw.media_type.clone()))?;
        let vm = raw.verification_material;
        let material = if let Some(cert) = vm.certificate {
            Material::Certificate(b64("verificationMaterial.certificate", &cert.raw_bytes)?)
        } else if let Some(chain) = vm.x509_certificate_chain {
            let leaf = chain
                .certificates
                .first()
                .ok_or_else(|| missing("verificationMaterial.x509CertificateChain.certificates"))?;
            Material::Certificate(b64(
                "verificationMaterial.x509CertificateChain",
                &leaf.raw_bytes,
            )?)
        } else if let Some(key) = vm.public_key {
            Material::PublicKeyHint(key.hint)
        } else {
            return Err(missing("verificationMaterial (certificate or publicKey)"));
        };
        let tlog_entries = vm
            .tlog_entries
            .iter()
            .map(entry)
            .collect::<Result<Vec<_>, _>>()?;
        let timestamps = vm
            .timestamp_verification_data
            .map(|t| t.rfc3161_timestamps)
            .unwrap_or_default()
            .iter()
            .map(|t| b64("rfc3161Timestamps.signedTimestamp", &t.signed_timestamp))
            .collect::<Result<Vec<_>, _>>()?;
        let content = match (raw.dsse_envelope, raw.message_signature) {
            (Some(env), None) => Content::Dsse(Envelope {
                payload: b64("dsseEnvelope.payload", &env.payload)?,
                payload_type: env.payload_type,
                signatures: env
                    .signatures
                    .iter()
                    .map(|s| {
                        Ok(DsseSignature {
                            sig: b64("dsseEnvelope.signatures.sig", &s.sig)?,
                            keyid: s.keyid.clone(),
                        })
                    })
                    .collect::<Result<Vec<_>, BundleError>>()?,
            }),
            (None, Some(ms)) => {
                let digest = ms
                    .message_digest
                    .ok_or_else(|| missing("messageSignature.messageDigest"))?;
                Content::MessageSignature {
                    algorithm: digest.algorithm,
                    digest: b64("messageSignature.messageDigest.digest", &digest.digest)?,
                    signature: b64("messageSignature.signature", &ms.signature)?,
                }
            }
            (Some(_), Some(_)) => {
                return Err(BundleError::Field {
                    field: "content",
                    why: "both dsseEnvelope and messageSignature".into(),
                });
            }
            (None, None) => return Err(missing("dsseEnvelope or messageSignature")),
        };
        Ok(Bundle {
            media_type,
            material,
            tlog_entries,
            timestamps,
            content,
        })
    }
}

fn entry(raw: &raw::Entry) -> Result<TlogEntry, BundleError> {
    let inclusion_proof = raw
        .inclusion_proof
        .as_ref()
        .map(|p| {
            Ok(InclusionProof {
                log_index: p.log_index.unsigned("inclusionProof.logIndex")?,
                root_hash: b64("inclusionProof.rootHash", &p.root_hash)?,
                tree_size: p.tree_size.unsigned("inclusionProof.treeSize")?,
                hashes: p
                    .hashes
                    .iter()
                    .map(|h| b64("inclusionProof.hashes", h))
                    .collect::<Result<Vec<_>, _>>()?,
                checkpoint: p
                    .checkpoint
                    .as_ref()
                    .map(|c| c.envelope.clone())
                    .ok_or_else(|| missing("inclusionProof.checkpoint"))?,
            })
        })
        .transpose()?;
    Ok(TlogEntry {
        log_index: raw.log_index.unsigned("tlogEntries.logIndex")?,
        log_id: b64("tlogEntries.logId.keyId", &raw.log_id.key_id)?,
        kind: raw.kind_version.kind.clone(),
        version: raw.kind_version.version.clone(),
        integrated_time: raw
            .integrated_time
            .as_ref()
            .map(|t| t.value("tlogEntries.integratedTime"))
            .transpose()?
            .filter(|t| *t != 0),
        signed_entry_timestamp: raw
            .inclusion_promise
            .as_ref()
            .map(|p| {
                b64(
                    "inclusionPromise.signedEntryTimestamp",
                    &p.signed_entry_timestamp,
                )
            })
            .transpose()?,
        inclusion_proof,
        body_base64: raw.canonicalized_body.clone(),
        body: b64("tlogEntries.canonicalizedBody", &raw.canonicalized_body)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal(media: &str, entry: &str) -> String {
        format!(
            r#"{{"mediaType":"{media}","verificationMaterial":{{"publicKey":{{"hint":"k"}},
            "tlogEntries":[{entry}]}},
            "dsseEnvelope":{{"payload":"e30=","payloadType":"t","signatures":[{{"sig":"AA==","keyid":"k"}}]}}}}"#
        )
    }

    const ENTRY: &str = r#"{"logIndex":"7","logId":{"keyId":"AQ=="},"kindVersion":{"kind":"dsse","version":"0.0.1"},
        "integratedTime":12,"inclusionPromise":{"signedEntryTimestamp":"AA=="},"inclusionProof":null,
        "canonicalizedBody":"e30="}"#;

    #[test]
    fn integers_may_be_strings_or_numbers_and_every_media_type_reads() {
        for (media, want) in [
            (
                "application/vnd.dev.sigstore.bundle+json;version=0.1",
                MediaType::V01,
            ),
            (
                "application/vnd.dev.sigstore.bundle+json;version=0.2",
                MediaType::V02,
            ),
            (
                "application/vnd.dev.sigstore.bundle.v0.3+json",
                MediaType::V03,
            ),
        ] {
            let b = Bundle::from_json(minimal(media, ENTRY).as_bytes()).expect("bundle");
            assert_eq!(b.media_type, want);
            assert_eq!(b.tlog_entries[0].log_index, 7);
            assert_eq!(b.tlog_entries[0].integrated_time, Some(12));
            assert_eq!(b.tlog_entries[0].body, b"{}");
            assert_eq!(b.material, Material::PublicKeyHint("k".into()));
        }
    }

    #[test]
    fn broken_bundles_name_the_field() {
        let v01 = "application/vnd.dev.sigstore.bundle+json;version=0.1";
        assert!(matches!(
            Bundle::from_json(minimal("application/json", ENTRY).as_bytes()),
            Err(BundleError::MediaType(_))
        ));
        let bad_index = ENTRY.replace(r#""7""#, r#""seven""#);
        assert!(matches!(
            Bundle::from_json(minimal(v01, &bad_index).as_bytes()),
            Err(BundleError::Field {
                field: "tlogEntries.logIndex",
                ..
            })
        ));
        let bad_body = ENTRY.replace(
            r#""canonicalizedBody":"e30=""#,
            r#""canonicalizedBody":"%%""#,
        );
        assert!(matches!(
            Bundle::from_json(minimal(v01, &bad_body).as_bytes()),
            Err(BundleError::Field {
                field: "tlogEntries.canonicalizedBody",
                ..
            })
        ));
        assert!(matches!(
            Bundle::from_json(b"[1"),
            Err(BundleError::Json(_))
        ));
    }
}
