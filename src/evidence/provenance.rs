//! Provenance evidence: the npm attestations of each locked version,
//! verified in full and tied to the lockfile's own integrity.
//!
//! npm serves two Sigstore bundles per attested version: SLSA provenance
//! (signed by a Fulcio certificate naming the CI workflow) and the npm
//! publish attestation (signed by a registry key). Both must verify, and
//! both must be about this exact tarball: subject name = the entry's package
//! URL, subject sha512 = the lockfile's integrity. No tarball is downloaded.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::unknown::Unknown;
use crate::integrity::{Algorithm, Integrity};
use crate::signatures::KeySet;
use crate::sigstore::bundle::Bundle;
use crate::sigstore::trust_root::TrustedRoot;
use crate::sigstore::verify::{Artifact, SignerPolicy, VerifiedBundle, verify};

/// SLSA provenance predicate types npm uses.
const SLSA: [&str; 2] = [
    "https://slsa.dev/provenance/v0.2",
    "https://slsa.dev/provenance/v1",
];
/// The npm publish attestation predicate type.
pub const NPM_PUBLISH: &str = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1";

/// What the verified provenance says, as the report shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProvenanceFacts {
    /// Source repository the build ran from.
    pub source_repository: Option<String>,
    /// Git ref it was built from.
    pub source_ref: Option<String>,
    /// Commit it was built from.
    pub source_commit: Option<String>,
    /// The workflow that signed (certificate SAN).
    pub workflow: Option<String>,
    /// `github-hosted` or `self-hosted`.
    pub runner_environment: Option<String>,
    /// The CI run.
    pub run_invocation: Option<String>,
    /// OIDC issuer of the signing certificate.
    pub issuer: Option<String>,
    /// When the provenance was signed (verified log time).
    pub signed_at: String,
    /// The publish attestation verified too.
    pub publish_attestation: bool,
}

/// Which of the two attestations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attestation {
    /// The SLSA provenance.
    Provenance,
    /// The npm publish attestation.
    Publish,
}

/// Provenance evidence of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// Verified, and about this tarball.
    Verified(Box<ProvenanceFacts>),
    /// The registry serves attestations and this version has none.
    Absent,
    /// An attestation does not verify: which, and the failed check.
    Invalid {
        /// Which attestation.
        attestation: Attestation,
        /// The failed check.
        reason: String,
    },
    /// An attestation verifies, but is about another artifact.
    SubjectMismatch {
        /// Which attestation.
        attestation: Attestation,
        /// What differs.
        reason: String,
    },
    /// Not known: why (not served, offline, nothing to bind to).
    Unknown(Unknown),
    /// Not known because fetching the attestations failed: why.
    FetchFailed(String),
}

/// The package URL npm attestations name: scope `@` percent-encoded.
pub fn purl(name: &str, version: &str) -> String {
    match name.strip_prefix('@') {
        Some(scoped) => format!("pkg:npm/%40{scoped}@{version}"),
        None => format!("pkg:npm/{name}@{version}"),
    }
}

/// The sha512 of an integrity, as lower-case hex, or why there is no one
/// sha512 to bind attestations to. npm accepts bytes matching *any* hash of
/// the strongest algorithm, so with two different sha512 hashes an
/// attestation about one would vouch for bytes matching the other.
pub fn sha512_of(integrity: &Integrity) -> Result<String, &'static str> {
    let mut hashes = integrity
        .hashes()
        .iter()
        .filter(|h| h.algorithm == Algorithm::Sha512)
        .map(|h| h.hex());
    let first = hashes
        .next()
        .ok_or("the lockfile states no sha512 integrity, which attestations are bound to")?;
    if hashes.any(|h| h != first) {
        return Err("the lockfile lists several different sha512 hashes for one entry");
    }
    Ok(first)
}

/// Judges an attestations body for `name@version` whose lockfile sha512
/// is `sha512` (hex).
pub fn judge(
    body: &str,
    name: &str,
    version: &str,
    sha512: &str,
    root: &TrustedRoot,
    keys: Option<&KeySet>,
    now: Timestamp,
) -> Provenance {
    let parsed: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => {
            return Provenance::FetchFailed(format!("the attestations body is not JSON: {e}"));
        }
    };
    let Some(list) = parsed["attestations"].as_array() else {
        return Provenance::FetchFailed("the attestations body has no `attestations` list".into());
    };
    let find = |wanted: &dyn Fn(&str) -> bool| {
        list.iter()
            .find(|a| a["predicateType"].as_str().is_some_and(wanted))
            .map(|a| a["bundle"].clone())
    };
    let Some(provenance) = find(&|t| SLSA.contains(&t)) else {
        return Provenance::Absent;
    };
    let purl = purl(name, version);
    let facts = match check(
        provenance,
        root,
        SignerPolicy::AnyIdentity,
        &purl,
        sha512,
        &SLSA,
        now,
    ) {
        Ok(verified) => facts(&verified),
        Err(judged) => return judged.about(Attestation::Provenance),
    };
    let publish_attestation = match (find(&|t| t == NPM_PUBLISH), keys) {
        (Some(bundle), Some(keys)) => {
            match check(
                bundle,
                root,
                SignerPolicy::Keys(keys),
                &purl,
                sha512,
                &[NPM_PUBLISH],
                now,
            ) {
                Ok(_) => true,
                Err(judged) => return judged.about(Attestation::Publish),
            }
        }
        _ => false,
    };
    Provenance::Verified(Box::new(ProvenanceFacts {
        publish_attestation,
        ..facts
    }))
}

enum Judged {
    Invalid(String),
    Mismatch(String),
}

impl Judged {
    /// The provenance evidence this failure of `attestation` amounts to.
    fn about(self, attestation: Attestation) -> Provenance {
        match self {
            Judged::Invalid(reason) => Provenance::Invalid {
                attestation,
                reason,
            },
            Judged::Mismatch(reason) => Provenance::SubjectMismatch {
                attestation,
                reason,
            },
        }
    }
}

/// Verifies one bundle, then requires a signed predicate type among
/// `predicates` (the wrapper's `predicateType` is not signed, so it only
/// chose which bundle to look at) and a subject that is this package URL
/// with this sha512, together.
fn check(
    bundle: Value,
    root: &TrustedRoot,
    policy: SignerPolicy<'_>,
    purl: &str,
    sha512: &str,
    predicates: &[&str],
    now: Timestamp,
) -> Result<VerifiedBundle, Judged> {
    let bundle = Bundle::from_value(bundle).map_err(|e| Judged::Invalid(e.to_string()))?;
    let verified = verify(&bundle, root, policy, Artifact::Statement, now)
        .map_err(|e| Judged::Invalid(e.to_string()))?;
    let statement = verified
        .statement
        .as_ref()
        .ok_or_else(|| Judged::Invalid("not an in-toto attestation".into()))?;
    if !predicates.contains(&statement.predicate_type.as_str()) {
        return Err(Judged::Invalid(format!(
            "the signed statement's predicate type is {:?}, not {}",
            statement.predicate_type,
            predicates.join(" or ")
        )));
    }
    let by_name = statement.subject.iter().find(|s| s.name == purl);
    match by_name {
        None => Err(Judged::Mismatch(format!(
            "no subject is {purl} (subjects: {})",
            statement
                .subject
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        Some(s)
            if s.digest
                .get("sha512")
                .is_some_and(|d| d.eq_ignore_ascii_case(sha512)) =>
        {
            Ok(verified)
        }
        Some(_) => Err(Judged::Mismatch(format!(
            "the attested sha512 of {purl} differs from the lockfile integrity"
        ))),
    }
}

fn facts(verified: &VerifiedBundle) -> ProvenanceFacts {
    let id = verified.identity.clone().unwrap_or_default();
    ProvenanceFacts {
        source_repository: id.source_repository_uri,
        source_ref: id.source_repository_ref,
        source_commit: id.source_repository_digest,
        workflow: id.build_signer_uri.or(id.san),
        runner_environment: id.runner_environment,
        run_invocation: id.run_invocation_uri,
        issuer: id.issuer,
        signed_at: verified.signed_at.to_string(),
        publish_attestation: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sha512_is_required_to_bind_attestations() {
        let a = "sha512-".to_string() + &"A".repeat(86) + "==";
        let b = "sha512-".to_string() + &"B".repeat(85) + "A==";
        let parse = |s: &str| Integrity::parse(s).expect("sri");
        assert!(sha512_of(&parse(&a)).is_ok());
        assert!(sha512_of(&parse(&format!("{a} {a}"))).is_ok());
        assert!(sha512_of(&parse(&format!("{a} {b}"))).is_err());
        assert!(sha512_of(&parse("sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=")).is_err());
    }

    #[test]
    fn purls_encode_the_scope() {
        assert_eq!(
            purl("@playwright/cli", "0.1.1"),
            "pkg:npm/%40playwright/cli@0.1.1"
        );
        assert_eq!(purl("sigstore", "1.0.0"), "pkg:npm/sigstore@1.0.0");
    }

    #[test]
    fn bodies_that_say_nothing_usable_are_fetch_failures_or_absent() {
        let now = Timestamp::now();
        let root = TrustedRoot::public_good(now).expect("root");
        let judge = |body: &str| judge(body, "a", "1.0.0", &"ab".repeat(64), &root, None, now);
        assert!(matches!(judge("{"), Provenance::FetchFailed(_)));
        assert!(matches!(judge("{}"), Provenance::FetchFailed(_)));
        assert_eq!(judge(r#"{"attestations":[]}"#), Provenance::Absent);
        let broken = r#"{"attestations":[{"predicateType":"https://slsa.dev/provenance/v1","bundle":{"mediaType":"x"}}]}"#;
        assert!(matches!(
            judge(broken),
            Provenance::Invalid {
                attestation: Attestation::Provenance,
                ..
            }
        ));
    }
}
