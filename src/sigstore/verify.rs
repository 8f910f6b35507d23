//! Verifying one bundle end to end: log evidence, a trustworthy time,
//! the certificate chain and SCTs at that time, the signature, the signer
//! policy, and the artifact.
//!
//! The order follows the Sigstore client specification. Every step fails
//! closed with a [`VerifyError`] that names it; nothing here returns
//! "verified" unless every step ran.

use jiff::Timestamp;

use super::bundle::{Bundle, Content, Material, MediaType};
use super::certificate::{CertError, Identity, Leaf};
use super::dsse::{Statement, StatementError, pae};
use super::keys::{KeyError, PublicKey};
use super::sct::{SctError, verify_embedded_scts};
use super::timestamp::{TimestampError, verify_timestamp};
use super::tlog::{self, Signer, TlogError};
use super::trust_root::TrustedRoot;
use crate::signatures::KeySet;

/// Who must have signed.
#[derive(Debug, Clone, Copy)]
pub enum SignerPolicy<'a> {
    /// A Fulcio certificate with exactly this SAN and OIDC issuer, and
    /// exactly these values of the named Fulcio extensions.
    Identity {
        /// Expected subject alternative name.
        san: &'a str,
        /// Expected OIDC issuer.
        issuer: &'a str,
        /// Further required values, e.g. `(SourceRepository, "https://…")`.
        extensions: &'a [(Extension, &'a str)],
    },
    /// Any Fulcio certificate from a trusted CA; the caller judges the
    /// identity it gets back (npm provenance: the identity is the finding).
    AnyIdentity,
    /// A key from this set, named by the bundle's key hint, valid (not
    /// expired) at the log time: npm's publish attestations.
    Keys(&'a KeySet),
    /// Exactly this key (`verify-bundle --key`).
    Key(&'a PublicKey),
}

/// A Fulcio extension an identity policy can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// Source repository URI (.12).
    SourceRepository,
    /// Source repository ref (.14).
    SourceRef,
    /// Source repository commit (.13).
    SourceDigest,
    /// Build signer URI (.9).
    BuildSigner,
    /// Runner environment (.11).
    RunnerEnvironment,
}

impl Extension {
    fn name(self) -> &'static str {
        match self {
            Extension::SourceRepository => "source repository",
            Extension::SourceRef => "source ref",
            Extension::SourceDigest => "source commit",
            Extension::BuildSigner => "build signer",
            Extension::RunnerEnvironment => "runner environment",
        }
    }

    fn of(self, id: &Identity) -> Option<&String> {
        match self {
            Extension::SourceRepository => id.source_repository_uri.as_ref(),
            Extension::SourceRef => id.source_repository_ref.as_ref(),
            Extension::SourceDigest => id.source_repository_digest.as_ref(),
            Extension::BuildSigner => id.build_signer_uri.as_ref(),
            Extension::RunnerEnvironment => id.runner_environment.as_ref(),
        }
    }
}

/// What the bundle must be about.
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    /// An artifact by digest: lower-case hex per algorithm (`sha256`,
    /// `sha512`). For a DSSE bundle, some subject of the statement must
    /// carry one of them; for a message signature, its SHA-256 digest must
    /// equal the `sha256` one.
    Digests(&'a [(&'a str, String)]),
    /// No artifact check here: the caller checks the returned statement's
    /// subjects itself (provenance checks need name and digest together).
    Statement,
}

/// What a verified bundle tells.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// The earliest verified time of signing; when `time_verified` is
    /// false, the verification time instead.
    pub signed_at: Timestamp,
    /// Whether a log or a timestamp authority vouched for `signed_at`. Only
    /// a bundle signed by an explicitly given key ([`SignerPolicy::Key`])
    /// verifies without: no certificate or key window depends on its time.
    pub time_verified: bool,
    /// The certificate's identity, for certificate-signed bundles.
    pub identity: Option<Identity>,
    /// The key ID of the key that signed, for key-signed bundles.
    pub key_id: Option<String>,
    /// The in-toto statement, for DSSE bundles.
    pub statement: Option<Statement>,
}

impl VerifiedBundle {
    /// Who signed, in words: the certificate's SAN and issuer, or the key.
    pub fn signer(&self) -> String {
        match (&self.identity, &self.key_id) {
            (Some(id), _) => format!(
                "{} (issuer {})",
                id.san.as_deref().unwrap_or("?"),
                id.issuer.as_deref().unwrap_or("?")
            ),
            (None, Some(key)) => format!("key {key}"),
            (None, None) => "a key".to_owned(),
        }
    }
}

/// Which check refused the bundle.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// No transparency-log entry.
    #[error("bundle has no transparency log entry")]
    NoTlogEntry,
    /// More log entries or timestamps than any real bundle carries.
    #[error("bundle carries more than {MAX_EVIDENCE} log entries or timestamps")]
    TooMuchEvidence,
    /// A transparency-log check failed.
    #[error("transparency log: {0}")]
    Tlog(#[from] TlogError),
    /// A signed timestamp failed.
    #[error("signed timestamp: {0}")]
    Timestamp(#[from] TimestampError),
    /// Log entries and timestamps gave no trustworthy time.
    #[error(
        "no verified time: the log entry carries no signed time and there is no signed timestamp"
    )]
    NoVerifiedTime,
    /// The certificate or its chain failed.
    #[error("certificate: {0}")]
    Certificate(#[from] CertError),
    /// The certificate's SCTs failed.
    #[error("certificate transparency: {0}")]
    Sct(#[from] SctError),
    /// A key hint names no key of the set.
    #[error("bundle names key {0:?}, which is not among the trusted keys")]
    UnknownKey(String),
    /// The named key had expired when the bundle was logged.
    #[error("key {key} had expired by {at}")]
    KeyExpired {
        /// The key ID.
        key: String,
        /// The log time.
        at: Timestamp,
    },
    /// The policy wants a certificate and the bundle has a key, or the
    /// reverse.
    #[error("bundle is signed by {found}, the policy expects {expected}")]
    WrongSignerKind {
        /// What the policy expects.
        expected: &'static str,
        /// What the bundle has.
        found: &'static str,
    },
    /// The envelope does not carry exactly one signature.
    #[error("DSSE envelope has {0} signatures, expected exactly one")]
    SignatureCount(usize),
    /// The signature does not verify.
    #[error("signature: {0}")]
    Signature(KeyError),
    /// The certificate's identity is not the expected one.
    #[error("certificate {field} is {}, expected {expected:?}", found.as_deref().map_or("absent".to_owned(), |f| format!("{f:?}")))]
    Identity {
        /// SAN or issuer.
        field: &'static str,
        /// What the policy expects.
        expected: String,
        /// What the certificate says.
        found: Option<String>,
    },
    /// The payload is not an in-toto statement.
    #[error("statement: {0}")]
    Statement(#[from] StatementError),
    /// No subject carries the artifact's digest.
    #[error("the artifact is not a subject of the bundle (digest mismatch)")]
    ArtifactMismatch,
}

/// Most log entries or timestamps one bundle may carry: real bundles have
/// one of each, and each is verified, so a bundle repeating a genuine entry
/// thousands of times must not cost thousands of verifications.
const MAX_EVIDENCE: usize = 8;

/// Verifies `bundle` against `root` under `policy` for `artifact`, at
/// `now` (a log time after `now` is refused).
pub fn verify(
    bundle: &Bundle,
    root: &TrustedRoot,
    policy: SignerPolicy<'_>,
    artifact: Artifact<'_>,
    now: Timestamp,
) -> Result<VerifiedBundle, VerifyError> {
    let (leaf, key, key_id) = signer(bundle, policy)?;
    let signer = match (&bundle.material, &key) {
        (Material::Certificate(der), _) => Signer::Certificate(der),
        (Material::PublicKeyHint(_), key) => Signer::Key(key),
    };
    if bundle.tlog_entries.is_empty() {
        return Err(VerifyError::NoTlogEntry);
    }
    let require_proof = bundle.media_type >= MediaType::V02;
    if bundle.tlog_entries.len() > MAX_EVIDENCE || bundle.timestamps.len() > MAX_EVIDENCE {
        return Err(VerifyError::TooMuchEvidence);
    }
    let mut times = Vec::new();
    // Entries whose time the log did not sign: only a checkpoint vouches
    // for them, so their log key is judged at the times that are verified.
    let mut unsigned_time = Vec::new();
    for entry in &bundle.tlog_entries {
        match tlog::verify_entry(entry, &bundle.content, signer, root, require_proof, now)? {
            Some(t) => times.push(t),
            None => unsigned_time.push(entry),
        }
    }
    let signature = signature_bytes(&bundle.content)?;
    for token in &bundle.timestamps {
        times.push(verify_timestamp(
            token,
            signature,
            &root.timestamp_authorities,
        )?);
    }
    times.sort();
    times.dedup();
    // The client specification asks for a verified time only where a
    // validity window depends on it; with an explicitly given key none does,
    // and the log key's own window is judged now.
    let time_verified = !times.is_empty();
    if !time_verified && matches!(policy, SignerPolicy::Key(_)) {
        times.push(now);
    }
    let signed_at = times
        .iter()
        .min()
        .copied()
        .ok_or(VerifyError::NoVerifiedTime)?;
    for entry in unsigned_time {
        if let Some(log) = root.tlog(&entry.log_id)
            && let Some(t) = times.iter().find(|t| !log.valid_for.contains(**t))
        {
            return Err(TlogError::LogKeyNotValid(*t).into());
        }
    }

    if let Some(leaf) = &leaf {
        let mut issuer = None;
        for t in &times {
            issuer = Some(leaf.verify_chain(&root.certificate_authorities, *t)?);
        }
        if let Some(issuer) = issuer {
            verify_embedded_scts(leaf.certificate(), &issuer, &root.ctlogs, 1)?;
        }
        check_identity(&leaf.identity, policy)?;
    }
    if let (SignerPolicy::Keys(keys), Some(id)) = (policy, &key_id)
        && let Some(registry_key) = keys.get(id)
        && let Some(late) = times.iter().find(|t| !registry_key.valid_at(**t))
    {
        return Err(VerifyError::KeyExpired {
            key: id.clone(),
            at: *late,
        });
    }

    let statement = match &bundle.content {
        Content::Dsse(env) => {
            key.verify(&pae(&env.payload_type, &env.payload), signature)
                .map_err(VerifyError::Signature)?;
            let statement = Statement::from_envelope(env)?;
            if let Artifact::Digests(digests) = artifact
                && !digests
                    .iter()
                    .any(|(alg, hex)| statement.subject_with_digest(alg, hex).is_some())
            {
                return Err(VerifyError::ArtifactMismatch);
            }
            Some(statement)
        }
        Content::MessageSignature {
            algorithm, digest, ..
        } => {
            key.verify_digest(digest, signature)
                .map_err(VerifyError::Signature)?;
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            let matches = match artifact {
                Artifact::Digests(digests) => {
                    algorithm == "SHA2_256"
                        && digests
                            .iter()
                            .any(|(alg, want)| *alg == "sha256" && *want == hex)
                }
                Artifact::Statement => false,
            };
            if !matches {
                return Err(VerifyError::ArtifactMismatch);
            }
            None
        }
    };
    Ok(VerifiedBundle {
        signed_at,
        time_verified,
        identity: leaf.map(|l| l.identity),
        key_id,
        statement,
    })
}

type SignerParts = (Option<Leaf>, PublicKey, Option<String>);

/// Resolves what verifies the signature, and refuses a bundle whose kind
/// of signer the policy does not accept.
fn signer(bundle: &Bundle, policy: SignerPolicy<'_>) -> Result<SignerParts, VerifyError> {
    match (&bundle.material, policy) {
        (Material::Certificate(der), SignerPolicy::Identity { .. } | SignerPolicy::AnyIdentity) => {
            let leaf = Leaf::from_der(der)?;
            let key = leaf.key.clone();
            Ok((Some(leaf), key, None))
        }
        (Material::PublicKeyHint(hint), SignerPolicy::Keys(keys)) => {
            let key = keys
                .get(hint)
                .ok_or_else(|| VerifyError::UnknownKey(hint.clone()))?;
            if let Content::Dsse(env) = &bundle.content
                && env
                    .signatures
                    .iter()
                    .any(|s| !s.keyid.is_empty() && s.keyid != *hint)
            {
                return Err(VerifyError::UnknownKey(hint.clone()));
            }
            Ok((
                None,
                PublicKey::P256(*key.verifying_key()),
                Some(hint.clone()),
            ))
        }
        (Material::PublicKeyHint(hint), SignerPolicy::Key(key)) => {
            Ok((None, key.clone(), Some(hint.clone())))
        }
        (Material::Certificate(_), _) => Err(VerifyError::WrongSignerKind {
            expected: "a key",
            found: "a certificate",
        }),
        (Material::PublicKeyHint(_), _) => Err(VerifyError::WrongSignerKind {
            expected: "a certificate",
            found: "a key",
        }),
    }
}

fn signature_bytes(content: &Content) -> Result<&[u8], VerifyError> {
    match content {
        Content::Dsse(env) => match env.signatures.as_slice() {
            [one] => Ok(&one.sig),
            other => Err(VerifyError::SignatureCount(other.len())),
        },
        Content::MessageSignature { signature, .. } => Ok(signature),
    }
}

fn check_identity(identity: &Identity, policy: SignerPolicy<'_>) -> Result<(), VerifyError> {
    let SignerPolicy::Identity {
        san,
        issuer,
        extensions,
    } = policy
    else {
        return Ok(());
    };
    if identity.san.as_deref() != Some(san) {
        return Err(VerifyError::Identity {
            field: "SAN",
            expected: san.to_owned(),
            found: identity.san.clone(),
        });
    }
    if identity.issuer.as_deref() != Some(issuer) {
        return Err(VerifyError::Identity {
            field: "OIDC issuer",
            expected: issuer.to_owned(),
            found: identity.issuer.clone(),
        });
    }
    for (extension, want) in extensions {
        let found = extension.of(identity);
        if found.map(String::as_str) != Some(*want) {
            return Err(VerifyError::Identity {
                field: extension.name(),
                expected: (*want).to_owned(),
                found: found.cloned(),
            });
        }
    }
    Ok(())
}
