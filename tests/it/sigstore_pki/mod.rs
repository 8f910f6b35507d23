//! A hermetic Sigstore world for tests: a Fulcio-like CA, Rekor-like log
//! keys (v1 P-256, v2 Ed25519), a CT log key, a timestamp authority and an
//! npm-like registry key, all from fixed seeds, and bundles signed by them
//! in exactly the JSON the public-good instance and npm produce (bundle
//! v0.1/v0.2/v0.3; Rekor v1 `intoto` 0.0.2, `dsse` 0.0.1 and `hashedrekord`
//! 0.0.1 entries with SETs; Rekor v2 `dsse` 0.0.2 and `hashedrekord` 0.0.2
//! entries without; RFC 6962 inclusion proofs and signed checkpoints; SCTs
//! embedded in the leaf; RFC 3161 signed timestamps).
//!
//! [`Pki::trusted_root_json`] and [`Pki::npm_keys_json`] are the trust
//! anchors to hand a verifier; [`Pki::bundle`] makes one bundle from a
//! [`BundleSpec`], whose knobs break one thing at a time in ways that need
//! re-signing (a tampered byte a test can make itself on the JSON).
//!
//! Nothing here touches the network or the file system.

// The Sigstore verifier tests use this API; not every item is used yet.
#![allow(dead_code)]

pub mod rekor;
mod tests;
pub mod tsa;
pub mod x509;

use ed25519_dalek::pkcs8::EncodePublicKey as _;
use p256::ecdsa::SigningKey as P256Key;
use p384::ecdsa::SigningKey as P384Key;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use rekor::{b64, pem};

/// DSSE payload type of in-toto statements.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// SLSA provenance v1 predicate type.
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
/// SLSA provenance v0.2 predicate type (what npm wrote in 2023).
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
/// npm publish attestation predicate type.
pub const NPM_PUBLISH: &str = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1";
/// The Rekor v1 log's name in checkpoints, and its base URL's host.
pub const REKOR_NAME: &str = "rekor.lockproof.test";
/// The Rekor v2 log's origin (its log ID derives from it).
pub const REKOR_V2_NAME: &str = "log2025-1.rekor.lockproof.test";
/// When every CA, log and key of the PKI starts being valid (2021-01-01).
pub const VALID_FROM: i64 = 1_609_459_200;
/// When the CA certificates expire (2035-01-01).
pub const VALID_UNTIL: i64 = 2_051_222_400;

/// The bundle media type (and with it the layout of the material).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `...bundle+json;version=0.1`: full certificate chain, SET only allowed.
    V01,
    /// `...bundle+json;version=0.2`: chain with the leaf only.
    V02,
    /// `...bundle.v0.3+json`: a single `certificate`.
    V03,
}

/// The kind of Rekor entry (and with it DSSE or a message signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// `intoto` 0.0.2 over a DSSE envelope.
    Intoto002,
    /// `dsse` 0.0.1 over a DSSE envelope.
    Dsse001,
    /// `hashedrekord` 0.0.1: a message-signature bundle over the artifact.
    HashedRekord001,
    /// Rekor v2 `dsse` 0.0.2 over a DSSE envelope: no SET and no integrated
    /// time, so the bundle's signed timestamp is its only time.
    DsseV002,
    /// Rekor v2 `hashedrekord` 0.0.2 over a DSSE envelope, the digest being
    /// SHA-256 of the PAE: how Rekor v2 logs DSSE since the 2026 spec change
    /// (sigstore/architecture-docs#63) that retired `dsse` 0.0.2.
    DsseHashedRekordV002,
    /// Rekor v2 `hashedrekord` 0.0.2: a message-signature bundle.
    HashedRekordV002,
}

impl LogKind {
    /// Whether the entry is in the Rekor v2 (Ed25519, tiles) log.
    pub fn rekor_v2(self) -> bool {
        matches!(
            self,
            LogKind::DsseV002 | LogKind::DsseHashedRekordV002 | LogKind::HashedRekordV002
        )
    }

    /// Whether the bundle is a message signature rather than DSSE.
    pub fn message_signature(self) -> bool {
        matches!(self, LogKind::HashedRekord001 | LogKind::HashedRekordV002)
    }

    /// The entry's `kindVersion`.
    pub fn kind_version(self) -> (&'static str, &'static str) {
        match self {
            LogKind::Intoto002 => ("intoto", "0.0.2"),
            LogKind::Dsse001 => ("dsse", "0.0.1"),
            LogKind::HashedRekord001 => ("hashedrekord", "0.0.1"),
            LogKind::DsseV002 => ("dsse", "0.0.2"),
            LogKind::DsseHashedRekordV002 | LogKind::HashedRekordV002 => ("hashedrekord", "0.0.2"),
        }
    }
}

/// A Fulcio signing identity, written into the leaf's SAN and extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// SAN URI: the workflow that signed, `...@<ref>`.
    pub san_uri: String,
    /// OIDC issuer (ext .8 as UTF8String and the legacy .1 raw).
    pub issuer: String,
    /// Source repository URI (.12).
    pub source_repo: String,
    /// Source ref (.14, legacy .6).
    pub source_ref: String,
    /// Source commit (.13, legacy .3).
    pub source_digest: String,
    /// Build signer URI (.9).
    pub build_signer: String,
    /// Runner environment (.11).
    pub runner_env: String,
    /// Run invocation URI (.21).
    pub run_invocation: String,
    /// Event that triggered the build (.20, legacy .2).
    pub trigger: String,
}

impl Default for Identity {
    fn default() -> Self {
        let repo = "https://github.com/octo-org/octo-pkg";
        let workflow = format!("{repo}/.github/workflows/release.yml@refs/tags/v1.0.0");
        Identity {
            san_uri: workflow.clone(),
            issuer: "https://token.actions.githubusercontent.com".into(),
            source_repo: repo.into(),
            source_ref: "refs/tags/v1.0.0".into(),
            source_digest: "0123456789abcdef0123456789abcdef01234567".into(),
            build_signer: workflow,
            runner_env: "github-hosted".into(),
            run_invocation: format!("{repo}/actions/runs/4242/attempts/1"),
            trigger: "release".into(),
        }
    }
}

/// Who signs the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // built a few times per test; boxing buys nothing
pub enum Signer {
    /// An ephemeral key certified by the Fulcio-like CA for this identity.
    Fulcio(Identity),
    /// The npm-like registry key (`verificationMaterial.publicKey.hint`).
    NpmKey,
}

/// The SCT embedded in the leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sct {
    /// Signed by the trusted CT log.
    Valid,
    /// No SCT extension at all.
    Absent,
    /// Signed by a CT log the trusted root does not list.
    UnknownLog,
    /// Names the trusted CT log but is signed by another key.
    BadSignature,
}

/// A log signature (SET or checkpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSig {
    /// Signed by the log's key.
    Valid,
    /// Names the trusted log but is signed by another key.
    WrongKey,
    /// Left out (no `inclusionPromise`, or a proof without `checkpoint`).
    Absent,
}

/// The RFC 3161 signed timestamp in `timestampVerificationData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tsa {
    /// From the trusted TSA over the bundle's signature.
    Valid,
    /// None (`rfc3161Timestamps` empty).
    Absent,
    /// From the trusted TSA, but over other bytes than the signature.
    WrongImprint,
    /// Over the signature, from a TSA (same names) the root does not list.
    Untrusted,
}

/// What [`Pki::bundle`] makes; [`Default`] is a valid SLSA v1 provenance
/// bundle (v0.3, `dsse` 0.0.1, inclusion proof) for `octo-pkg@1.0.0`.
#[derive(Debug, Clone)]
pub struct BundleSpec {
    /// Bundle media type.
    pub media: Media,
    /// Rekor entry kind.
    pub kind: LogKind,
    /// Who signs.
    pub signer: Signer,
    /// in-toto subject name, a purl such as `pkg:npm/%40scope/name@1.0.0`.
    pub subject_name: String,
    /// in-toto subject `sha512` digest, hex.
    pub subject_sha512_hex: String,
    /// Statement predicate type; the predicate follows from it.
    pub predicate_type: String,
    /// Replaces the generated predicate.
    pub predicate: Option<Value>,
    /// The signed artifact of a `HashedRekord001` bundle.
    pub artifact: Vec<u8>,
    /// Rekor integration time, unix seconds; also the signed timestamp's
    /// time. Rekor v2 entries leave it out.
    pub integrated_time: i64,
    /// The entry's global `logIndex` (what the SET signs).
    pub log_index: u64,
    /// Whether an inclusion proof is attached (v0.1 may have a SET only).
    pub inclusion_proof: bool,
    /// Size of the log tree the proof is against (>= 1).
    pub tree_size: u64,
    /// Index of the entry in that tree (< `tree_size`).
    pub proof_index: u64,
    /// Leaf `notBefore`; default 20 s before `integrated_time`.
    pub not_before: Option<i64>,
    /// Leaf `notAfter`; default 10 minutes after `notBefore`.
    pub not_after: Option<i64>,
    /// Whether the leaf has EKU codeSigning.
    pub code_signing_eku: bool,
    /// The leaf's SCT.
    pub sct: Sct,
    /// Issue the leaf from a CA (same names, other keys) not in the root.
    pub untrusted_ca: bool,
    /// The signed entry timestamp (Rekor v2 entries never have one).
    pub set: LogSig,
    /// The checkpoint of the inclusion proof.
    pub checkpoint: LogSig,
    /// The signed timestamp; `None` is [`Tsa::Valid`] for Rekor v2 kinds
    /// (they have no other time) and [`Tsa::Absent`] for v1 ones.
    pub timestamp: Option<Tsa>,
    /// The log entry records another payload's (or artifact's) digest; the
    /// log signs that entry, the bundle's content is unchanged.
    pub log_other_payload: bool,
}

impl BundleSpec {
    /// The signed timestamp the bundle carries.
    pub fn timestamp(&self) -> Tsa {
        let by_kind = if self.kind.rekor_v2() {
            Tsa::Valid
        } else {
            Tsa::Absent
        };
        self.timestamp.unwrap_or(by_kind)
    }
}

impl Default for BundleSpec {
    fn default() -> Self {
        BundleSpec {
            media: Media::V03,
            kind: LogKind::Dsse001,
            signer: Signer::Fulcio(Identity::default()),
            subject_name: "pkg:npm/octo-pkg@1.0.0".into(),
            subject_sha512_hex: rekor::hex(&Sha512::digest(b"octo-pkg-1.0.0.tgz")),
            predicate_type: SLSA_V1.into(),
            predicate: None,
            artifact: b"octo-pkg-1.0.0.tgz".to_vec(),
            integrated_time: 1_760_000_000,
            log_index: 123_456_789,
            inclusion_proof: true,
            tree_size: 7,
            proof_index: 5,
            not_before: None,
            not_after: None,
            code_signing_eku: true,
            sct: Sct::Valid,
            untrusted_ca: false,
            set: LogSig::Valid,
            checkpoint: LogSig::Valid,
            timestamp: None,
            log_other_payload: false,
        }
    }
}

/// The test PKI: every key from a fixed seed, so output is deterministic.
pub struct Pki {
    /// Fulcio root CA key (P-384).
    pub fulcio_root: P384Key,
    /// Fulcio intermediate CA key (P-384); it issues the leaves.
    pub fulcio_intermediate: P384Key,
    /// DER root certificate (self-signed).
    pub root_cert: Vec<u8>,
    /// DER intermediate certificate, issued by the root.
    pub intermediate_cert: Vec<u8>,
    /// Root and intermediate keys of a CA with the same names, in no root.
    pub rogue_ca: [P384Key; 2],
    /// That CA's DER root and intermediate certificates.
    pub rogue_certs: [Vec<u8>; 2],
    /// Rekor v1 log key (P-256).
    pub rekor: P256Key,
    /// Rekor v2 log key (Ed25519); signs v2 checkpoints.
    pub rekor_v2: ed25519_dalek::SigningKey,
    /// An Ed25519 key nobody trusts (wrong v2 checkpoint signer).
    pub rogue_v2: ed25519_dalek::SigningKey,
    /// Timestamp authority key (P-256), certified by its own P-384 root.
    pub tsa: P256Key,
    /// DER TSA root and TSA certificates.
    pub tsa_certs: [Vec<u8>; 2],
    /// A TSA with the same names under another root, in no trusted root.
    pub rogue_tsa: P256Key,
    /// That TSA's DER root and TSA certificates.
    pub rogue_tsa_certs: [Vec<u8>; 2],
    /// CT log key (P-256).
    pub ctlog: P256Key,
    /// npm registry key (P-256).
    pub npm: P256Key,
    /// A P-256 key nobody trusts (wrong SET/checkpoint/SCT signer).
    pub rogue: P256Key,
}

fn p256_key(label: &str) -> P256Key {
    P256Key::from_slice(&Sha256::digest(label.as_bytes())).expect("valid scalar")
}

fn p384_key(label: &str) -> P384Key {
    P384Key::from_slice(&Sha384::digest(label.as_bytes())).expect("valid scalar")
}

fn ed25519_key(label: &str) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&Sha256::digest(label.as_bytes()).into())
}

/// DSSE's pre-authentication encoding of an in-toto `payload`: the bytes
/// the envelope signature covers.
fn pae(payload: &[u8]) -> Vec<u8> {
    let head = format!(
        "DSSEv1 {} {PAYLOAD_TYPE} {} ",
        PAYLOAD_TYPE.len(),
        payload.len()
    );
    [head.as_bytes(), payload].concat()
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

impl Pki {
    /// Derives every key and issues the CA certificates.
    pub fn new() -> Pki {
        let fulcio_root = p384_key("lockproof-test fulcio root");
        let fulcio_intermediate = p384_key("lockproof-test fulcio intermediate");
        let [root_cert, intermediate_cert] =
            x509::ca_chain(&fulcio_root, &fulcio_intermediate, VALID_FROM, VALID_UNTIL);
        let rogue_ca = [
            p384_key("lockproof-test rogue root"),
            p384_key("lockproof-test rogue intermediate"),
        ];
        let rogue_certs = x509::ca_chain(&rogue_ca[0], &rogue_ca[1], VALID_FROM, VALID_UNTIL);
        let tsa = p256_key("lockproof-test tsa");
        let tsa_root = p384_key("lockproof-test tsa root");
        let tsa_certs = x509::tsa_chain(&tsa_root, &tsa, VALID_FROM, VALID_UNTIL);
        let rogue_tsa = p256_key("lockproof-test rogue tsa");
        let rogue_tsa_root = p384_key("lockproof-test rogue tsa root");
        let rogue_tsa_certs = x509::tsa_chain(&rogue_tsa_root, &rogue_tsa, VALID_FROM, VALID_UNTIL);
        Pki {
            fulcio_root,
            fulcio_intermediate,
            root_cert,
            intermediate_cert,
            rogue_ca,
            rogue_certs,
            rekor: p256_key("lockproof-test rekor"),
            rekor_v2: ed25519_key("lockproof-test rekor v2"),
            rogue_v2: ed25519_key("lockproof-test rogue rekor v2"),
            tsa,
            tsa_certs,
            rogue_tsa,
            rogue_tsa_certs,
            ctlog: p256_key("lockproof-test ctlog"),
            npm: p256_key("lockproof-test npm registry"),
            rogue: p256_key("lockproof-test rogue"),
        }
    }

    /// The Rekor v1 log ID: SHA-256 of the key's DER SPKI.
    pub fn rekor_log_id(&self) -> [u8; 32] {
        Sha256::digest(x509::spki256(&self.rekor)).into()
    }

    /// The CT log ID: SHA-256 of the key's DER SPKI.
    pub fn ctlog_id(&self) -> [u8; 32] {
        Sha256::digest(x509::spki256(&self.ctlog)).into()
    }

    /// The Rekor v2 log ID as the public-good root has it: the signed-note
    /// key ID, SHA-256(origin || "\n" || 0x01 || raw Ed25519 key).
    pub fn rekor_v2_log_id(&self) -> [u8; 32] {
        let key = self.rekor_v2.verifying_key().to_bytes();
        let input = [REKOR_V2_NAME.as_bytes(), b"\n\x01", &key].concat();
        Sha256::digest(input).into()
    }

    /// A trusted root (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`)
    /// listing this PKI's CA, logs and CT log.
    pub fn trusted_root_json(&self) -> String {
        let time = |t: i64| {
            jiff::Timestamp::from_second(t)
                .expect("in range")
                .to_string()
        };
        let start = json!({"start": time(VALID_FROM)});
        let v2_der = self
            .rekor_v2
            .verifying_key()
            .to_public_key_der()
            .expect("encodable");
        let root = json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [
                {
                    "baseUrl": format!("https://{REKOR_NAME}"),
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": {
                        "rawBytes": b64(x509::spki256(&self.rekor)),
                        "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                        "validFor": start,
                    },
                    "logId": {"keyId": b64(self.rekor_log_id())},
                },
                {
                    "baseUrl": format!("https://{REKOR_V2_NAME}"),
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": {
                        "rawBytes": b64(v2_der.as_bytes()),
                        "keyDetails": "PKIX_ED25519",
                        "validFor": start,
                    },
                    "logId": {"keyId": b64(self.rekor_v2_log_id())},
                },
            ],
            "certificateAuthorities": [{
                "subject": {"organization": "sigstore.dev", "commonName": "sigstore"},
                "uri": "https://fulcio.lockproof.test",
                "certChain": {"certificates": [
                    {"rawBytes": b64(&self.intermediate_cert)},
                    {"rawBytes": b64(&self.root_cert)},
                ]},
                "validFor": start,
            }],
            "ctlogs": [{
                "baseUrl": "https://ctfe.lockproof.test/2022",
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": b64(x509::spki256(&self.ctlog)),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": start,
                },
                "logId": {"keyId": b64(self.ctlog_id())},
            }],
            // Leaf first, root last, as the public-good root lists its TSA.
            "timestampAuthorities": [{
                "subject": {"organization": "sigstore.dev", "commonName": "sigstore-tsa-selfsigned"},
                "uri": "https://timestamp.lockproof.test/api/v1/timestamp",
                "certChain": {"certificates": [
                    {"rawBytes": b64(&self.tsa_certs[1])},
                    {"rawBytes": b64(&self.tsa_certs[0])},
                ]},
                "validFor": start,
            }],
        });
        serde_json::to_string_pretty(&root).expect("serializable")
    }

    /// The npm key's id: `SHA256:` and unpadded base64 of the SHA-256 of
    /// its OpenSSH wire blob (string type, string curve, string point).
    pub fn npm_keyid(&self) -> String {
        let point = self.npm.verifying_key().to_sec1_point(false);
        let mut blob = vec![];
        for part in [&b"ecdsa-sha2-nistp256"[..], b"nistp256", point.as_bytes()] {
            blob.extend_from_slice(&u32::try_from(part.len()).expect("short").to_be_bytes());
            blob.extend_from_slice(part);
        }
        let digest = b64(Sha256::digest(&blob));
        format!("SHA256:{}", digest.trim_end_matches('='))
    }

    /// A `/-/npm/v1/keys` body listing the npm key (no expiry).
    pub fn npm_keys_json(&self) -> String {
        let keys = json!({"keys": [{
            "expires": null,
            "keyid": self.npm_keyid(),
            "keytype": "ecdsa-sha2-nistp256",
            "scheme": "ecdsa-sha2-nistp256",
            "key": b64(x509::spki256(&self.npm)),
        }]});
        serde_json::to_string_pretty(&keys).expect("serializable")
    }

    /// The ephemeral leaf key for an identity (deterministic).
    pub fn leaf_key(&self, identity: &Identity) -> P256Key {
        p256_key(&format!("lockproof-test leaf {}", identity.san_uri))
    }

    /// The leaf certificate (DER) a spec signs with, if Fulcio signs.
    pub fn leaf_cert(&self, spec: &BundleSpec) -> Option<Vec<u8>> {
        let Signer::Fulcio(identity) = &spec.signer else {
            return None;
        };
        let not_before = spec.not_before.unwrap_or(spec.integrated_time - 20);
        let issuer = if spec.untrusted_ca {
            &self.rogue_ca[1]
        } else {
            &self.fulcio_intermediate
        };
        Some(x509::leaf(&x509::Leaf {
            key: &self.leaf_key(identity),
            identity,
            issuer,
            not_before,
            not_after: spec.not_after.unwrap_or(not_before + 600),
            code_signing: spec.code_signing_eku,
            sct: spec.sct,
            ct_key: &self.ctlog,
            rogue_key: &self.rogue,
        }))
    }

    /// The in-toto statement a DSSE bundle of `spec` signs.
    pub fn statement(&self, spec: &BundleSpec) -> Value {
        let statement_type = match spec.media {
            Media::V03 => "https://in-toto.io/Statement/v1",
            Media::V01 | Media::V02 => "https://in-toto.io/Statement/v0.1",
        };
        json!({
            "_type": statement_type,
            "subject": [{"name": spec.subject_name, "digest": {"sha512": spec.subject_sha512_hex}}],
            "predicateType": spec.predicate_type,
            "predicate": spec.predicate.clone().unwrap_or_else(|| predicate(spec)),
        })
    }

    /// One bundle, in the layout of its media type.
    pub fn bundle(&self, spec: &BundleSpec) -> Value {
        let leaf = self.leaf_cert(spec);
        let npm_spki = x509::spki256(&self.npm);
        let (key, keyid, key_pem) = match &spec.signer {
            Signer::Fulcio(identity) => {
                let cert = leaf.as_deref().expect("Fulcio signer has a leaf");
                (
                    self.leaf_key(identity),
                    String::new(),
                    pem("CERTIFICATE", cert, true),
                )
            }
            Signer::NpmKey => {
                let wrapped = spec.kind != LogKind::Intoto002;
                (
                    self.npm.clone(),
                    self.npm_keyid(),
                    pem("PUBLIC KEY", &npm_spki, wrapped),
                )
            }
        };
        // Rekor v2 records the verifier as DER, not PEM.
        let v2_verifier = match &leaf {
            Some(cert) => rekor::V2Verifier::Certificate(cert),
            None => rekor::V2Verifier::PublicKey(&npm_spki),
        };
        // What the log entry describes: the bundle's bytes, or others.
        let logged = |bytes: &[u8]| {
            let other = if spec.log_other_payload {
                &b" "[..]
            } else {
                &[]
            };
            [bytes, other].concat()
        };
        let (content_key, content, sig, body) = if spec.kind.message_signature() {
            let sig = rekor::sign(&key, &spec.artifact);
            let digest = Sha256::digest(&spec.artifact);
            let logged_digest = Sha256::digest(logged(&spec.artifact));
            let body = match spec.kind {
                LogKind::HashedRekord001 => {
                    rekor::hashedrekord_body(&logged_digest, &sig, &key_pem)
                }
                _ => rekor::hashedrekord_v2_body(&logged_digest, &sig, v2_verifier),
            };
            let content = json!({
                "messageDigest": {"algorithm": "SHA2_256", "digest": b64(digest)},
                "signature": b64(&sig),
            });
            ("messageSignature", content, sig, body)
        } else {
            let payload = self.statement(spec).to_string();
            let sig = rekor::sign(&key, &pae(payload.as_bytes()));
            let logged_payload = logged(payload.as_bytes());
            let body = match spec.kind {
                LogKind::Intoto002 => rekor::intoto_body(&logged_payload, &sig, &keyid, &key_pem),
                LogKind::DsseV002 => rekor::dsse_v2_body(&logged_payload, &sig, v2_verifier),
                LogKind::DsseHashedRekordV002 => {
                    let digest = Sha256::digest(pae(&logged_payload));
                    rekor::hashedrekord_v2_body(&digest, &sig, v2_verifier)
                }
                _ => rekor::dsse_body(&logged_payload, &sig, &keyid, &key_pem),
            };
            let envelope = json!({
                "payload": b64(&payload),
                "payloadType": PAYLOAD_TYPE,
                "signatures": [{"sig": b64(&sig), "keyid": keyid}],
            });
            ("dsseEnvelope", envelope, sig, body)
        };
        let mut material = serde_json::Map::new();
        match (&leaf, spec.media) {
            (None, _) => material.insert("publicKey".into(), json!({"hint": keyid})),
            (Some(leaf), Media::V03) => {
                material.insert("certificate".into(), json!({"rawBytes": b64(leaf)}))
            }
            (Some(leaf), media) => {
                let mut chain = vec![leaf.clone()];
                if media == Media::V01 {
                    let [root, intermediate] = if spec.untrusted_ca {
                        self.rogue_certs.clone()
                    } else {
                        [self.root_cert.clone(), self.intermediate_cert.clone()]
                    };
                    chain.extend([intermediate, root]);
                }
                let certs: Vec<Value> = chain.iter().map(|c| json!({"rawBytes": b64(c)})).collect();
                material.insert(
                    "x509CertificateChain".into(),
                    json!({"certificates": certs}),
                )
            }
        };
        let entry = if spec.kind.rekor_v2() {
            self.tlog_entry_v2(spec, &body)
        } else {
            self.tlog_entry(spec, &body)
        };
        material.insert("tlogEntries".into(), json!([entry]));
        let tokens: Vec<Value> = match spec.timestamp() {
            Tsa::Absent => vec![],
            tsa => {
                let token = self.timestamp_token(tsa, &sig, spec.integrated_time);
                vec![json!({"signedTimestamp": b64(token)})]
            }
        };
        let timestamps = match spec.media {
            Media::V01 if tokens.is_empty() => Value::Null,
            _ => json!({"rfc3161Timestamps": tokens}),
        };
        material.insert("timestampVerificationData".into(), timestamps);
        let media_type = match spec.media {
            Media::V01 => "application/vnd.dev.sigstore.bundle+json;version=0.1",
            Media::V02 => "application/vnd.dev.sigstore.bundle+json;version=0.2",
            Media::V03 => "application/vnd.dev.sigstore.bundle.v0.3+json",
        };
        json!({"mediaType": media_type, "verificationMaterial": material, content_key: content})
    }

    /// A DER TimeStampResp over `signature` at `time`, as `tsa` says.
    pub fn timestamp_token(&self, tsa: Tsa, signature: &[u8], time: i64) -> Vec<u8> {
        let (key, cert) = match tsa {
            Tsa::Untrusted => (&self.rogue_tsa, &self.rogue_tsa_certs[1]),
            _ => (&self.tsa, &self.tsa_certs[1]),
        };
        let imprinted = match tsa {
            Tsa::WrongImprint => [signature, b"another signature"].concat(),
            _ => signature.to_vec(),
        };
        tsa::response(key, cert, &imprinted, time)
    }

    /// The Rekor v1 transparency-log entry for a canonicalized body.
    fn tlog_entry(&self, spec: &BundleSpec, body: &str) -> Value {
        let log_id = self.rekor_log_id();
        let body_b64 = b64(body);
        let (kind, version) = spec.kind.kind_version();
        let signer = |sig: LogSig| {
            if sig == LogSig::WrongKey {
                &self.rogue
            } else {
                &self.rekor
            }
        };
        let mut entry = json!({
            "logIndex": spec.log_index.to_string(),
            "logId": {"keyId": b64(log_id)},
            "kindVersion": {"kind": kind, "version": version},
            "integratedTime": spec.integrated_time.to_string(),
            "inclusionProof": null,
            "canonicalizedBody": body_b64,
        });
        if spec.set != LogSig::Absent {
            let set = rekor::set(
                signer(spec.set),
                &body_b64,
                spec.integrated_time,
                &log_id,
                spec.log_index,
            );
            entry["inclusionPromise"] = json!({"signedEntryTimestamp": b64(set)});
        }
        if spec.inclusion_proof {
            let (mut proof, root) = inclusion_proof(spec, body);
            if spec.checkpoint != LogSig::Absent {
                let key = signer(spec.checkpoint);
                let envelope = rekor::checkpoint(key, &log_id, REKOR_NAME, spec.tree_size, &root);
                proof["checkpoint"] = json!({"envelope": envelope});
            }
            entry["inclusionProof"] = proof;
        }
        entry
    }

    /// The Rekor v2 entry as rekor-tiles returns it: the log index is the
    /// tree index (no shards), and protobuf JSON leaves out the zero
    /// `integratedTime` and the absent `inclusionPromise`.
    fn tlog_entry_v2(&self, spec: &BundleSpec, body: &str) -> Value {
        let log_id = self.rekor_v2_log_id();
        let (kind, version) = spec.kind.kind_version();
        let mut entry = json!({
            "logIndex": spec.proof_index.to_string(),
            "logId": {"keyId": b64(log_id)},
            "kindVersion": {"kind": kind, "version": version},
            "canonicalizedBody": b64(body),
        });
        if spec.inclusion_proof {
            let (mut proof, root) = inclusion_proof(spec, body);
            if spec.checkpoint != LogSig::Absent {
                let key = match spec.checkpoint {
                    LogSig::WrongKey => &self.rogue_v2,
                    _ => &self.rekor_v2,
                };
                // The trusted log's c2sp key hint, whoever signs.
                let envelope =
                    rekor::checkpoint_v2(key, &log_id, REKOR_V2_NAME, spec.tree_size, &root);
                proof["checkpoint"] = json!({"envelope": envelope});
            }
            entry["inclusionProof"] = proof;
        }
        entry
    }

    /// A `/-/npm/v1/attestations/<name>@<version>` body: SLSA v1 provenance
    /// (v0.3, `dsse` 0.0.1, inclusion proof) and the npm publish attestation
    /// (v0.2, `publicKey` hint, signed by the npm key).
    pub fn attestations_json(&self, name: &str, version: &str, sha512_hex: &str) -> String {
        let subject_name = format!("pkg:npm/{}@{version}", name.replace('@', "%40"));
        let provenance = BundleSpec {
            subject_name: subject_name.clone(),
            subject_sha512_hex: sha512_hex.into(),
            ..BundleSpec::default()
        };
        let publish = BundleSpec {
            media: Media::V02,
            signer: Signer::NpmKey,
            predicate_type: NPM_PUBLISH.into(),
            integrated_time: provenance.integrated_time + 2,
            log_index: provenance.log_index + 8,
            ..provenance.clone()
        };
        let doc = json!({"attestations": [
            {"predicateType": SLSA_V1, "bundle": self.bundle(&provenance)},
            {"predicateType": NPM_PUBLISH, "bundle": self.bundle(&publish)},
        ]});
        doc.to_string()
    }
}

/// An RFC 6962 inclusion proof (without checkpoint) for `body` at
/// `spec.proof_index` in a tree of `spec.tree_size` entries, the others
/// filler, and the tree's root.
fn inclusion_proof(spec: &BundleSpec, body: &str) -> (Value, [u8; 32]) {
    let (size, index) = (spec.tree_size as usize, spec.proof_index as usize);
    assert!(index < size, "proof_index must be below tree_size");
    let leaves: Vec<[u8; 32]> = (0..size)
        .map(|i| {
            if i == index {
                rekor::leaf_hash(body.as_bytes())
            } else {
                rekor::leaf_hash(format!("filler entry {i}").as_bytes())
            }
        })
        .collect();
    let root = rekor::root(&leaves);
    let hashes: Vec<String> = rekor::audit_path(index, &leaves).iter().map(b64).collect();
    let proof = json!({
        "logIndex": index.to_string(),
        "rootHash": b64(root),
        "treeSize": size.to_string(),
        "hashes": hashes,
    });
    (proof, root)
}

/// The predicate npm writes for `spec.predicate_type`, from the identity.
fn predicate(spec: &BundleSpec) -> Value {
    let (name, version) = spec
        .subject_name
        .trim_start_matches("pkg:npm/")
        .rsplit_once('@')
        .unwrap_or_default();
    let name = name.replace("%40", "@");
    let id = match &spec.signer {
        Signer::Fulcio(identity) => identity.clone(),
        Signer::NpmKey => Identity::default(),
    };
    let workflow_path = id
        .build_signer
        .split_once(".github/")
        .map_or("", |(_, p)| p);
    let workflow_path = format!(
        ".github/{}",
        workflow_path.split('@').next().unwrap_or_default()
    );
    let source = format!("git+{}@{}", id.source_repo, id.source_ref);
    let repo_path = id.source_repo.splitn(4, '/').nth(3).unwrap_or_default();
    let workflow_ref = format!("{repo_path}/{workflow_path}@{}", id.source_ref);
    match spec.predicate_type.as_str() {
        NPM_PUBLISH => {
            json!({"name": name, "version": version, "registry": "https://registry.npmjs.org"})
        }
        SLSA_V02 => json!({
            "buildType": "https://github.com/npm/cli/gha@v0",
            "builder": {"id": "https://github.com/npm/cli@9.4.2"},
            "invocation": {
                "configSource": {
                    "uri": source,
                    "digest": {"sha1": id.source_digest},
                    "entryPoint": workflow_path,
                },
                "parameters": {},
                "environment": {
                    "GITHUB_EVENT_NAME": id.trigger,
                    "GITHUB_REF": id.source_ref,
                    "GITHUB_REPOSITORY": repo_path,
                    "GITHUB_REPOSITORY_ID": "123456789",
                    "GITHUB_REPOSITORY_OWNER_ID": "987654",
                    "GITHUB_RUN_ATTEMPT": "1",
                    "GITHUB_RUN_ID": "4242",
                    "GITHUB_SHA": id.source_digest,
                    "GITHUB_WORKFLOW_REF": workflow_ref,
                    "GITHUB_WORKFLOW_SHA": id.source_digest,
                },
            },
            "metadata": {
                "buildInvocationId": "4242-1",
                "completeness": {"parameters": false, "environment": false, "materials": false},
                "reproducible": false,
            },
            "materials": [{"uri": format!("git+{}", id.source_repo), "digest": {"sha1": id.source_digest}}],
        }),
        _ => json!({
            "buildDefinition": {
                "buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
                "externalParameters": {"workflow": {
                    "ref": id.source_ref,
                    "repository": id.source_repo,
                    "path": workflow_path,
                }},
                "internalParameters": {"github": {
                    "event_name": id.trigger,
                    "repository_id": "123456789",
                    "repository_owner_id": "987654",
                }},
                "resolvedDependencies": [{"uri": source, "digest": {"gitCommit": id.source_digest}}],
            },
            "runDetails": {
                "builder": {"id": "https://github.com/actions/runner/github-hosted"},
                "metadata": {"invocationId": id.run_invocation},
            },
        }),
    }
}
