//! `lockproof verify-bundle`: verify one artifact against one Sigstore
//! bundle, offline, with the same engine the provenance checks use.
//!
//! Exit 0 when the bundle verifies for the artifact under the given signer
//! policy, 1 with the failed check named when it does not, 2 when an input
//! cannot be read at all (a missing file is not a verification verdict).

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use jiff::Timestamp;
use sha2::{Digest as _, Sha256, Sha512};

use super::settings::{cache_dir, read_trusted_root};
use super::{ExitStatus, write_stdout};
use crate::anchors;
use crate::cli::VerifyBundleArgs;
use crate::report::escape;
use crate::sigstore::bundle::Bundle;
use crate::sigstore::keys::PublicKey;
use crate::sigstore::verify::{Artifact, Extension, SignerPolicy, VerifiedBundle, verify};

/// Runs the command.
pub(super) fn run(args: &VerifyBundleArgs) -> Result<ExitStatus> {
    let now = Timestamp::now();
    // Offline, as the command promises: the verified cache of the trust
    // anchors, else the embedded root.
    let root = match &args.trusted_root {
        Some(path) => read_trusted_root(path, now)?,
        None => {
            let mut settings = anchors::Settings::new(cache_dir(None), now);
            settings.offline = true;
            let anchors = anchors::load(&settings);
            anchors
                .trusted_root()
                .map_err(|why| anyhow::anyhow!("no usable trusted root: {why}"))?
                .clone()
        }
    };
    let bundle_text = read(&args.bundle)?;
    let key = args
        .key
        .as_deref()
        .map(|path| {
            PublicKey::from_pem(&read(path)?)
                .with_context(|| format!("{}: not a usable PEM public key", path.display()))
        })
        .transpose()?;
    let digests = artifact_digests(&args.artifact)?;
    let digest_refs: Vec<(&str, String)> = digests
        .iter()
        .map(|(alg, hex)| (*alg, hex.clone()))
        .collect();
    let extensions: Vec<(Extension, &str)> = [
        (
            Extension::SourceRepository,
            &args.certificate_source_repository,
        ),
        (Extension::SourceRef, &args.certificate_source_ref),
        (
            Extension::RunnerEnvironment,
            &args.certificate_runner_environment,
        ),
    ]
    .into_iter()
    .filter_map(|(e, v)| v.as_deref().map(|v| (e, v)))
    .collect();
    let policy = match (
        &key,
        &args.certificate_identity,
        &args.certificate_oidc_issuer,
    ) {
        (Some(key), _, _) => SignerPolicy::Key(key),
        (None, Some(san), Some(issuer)) => SignerPolicy::Identity {
            san,
            issuer,
            extensions: &extensions,
        },
        _ => bail!("give --certificate-identity with --certificate-oidc-issuer, or --key"),
    };
    let outcome = Bundle::from_json(&bundle_text)
        .map_err(|e| e.to_string())
        .and_then(|bundle| {
            verify(&bundle, &root, policy, Artifact::Digests(&digest_refs), now)
                .map_err(|e| e.to_string())
        });
    match outcome {
        Ok(verified) => {
            write_stdout(&success_line(&args.artifact, &verified))?;
            Ok(ExitStatus::Pass)
        }
        Err(why) => {
            eprintln!(
                "not verified: {}: {}",
                escape::text(&args.bundle.display().to_string()),
                escape::text(&why)
            );
            Ok(ExitStatus::Fail)
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The digests an artifact argument stands for: a `sha256:`/`sha512:`
/// digest as given, or both digests of a file.
fn artifact_digests(artifact: &str) -> Result<Vec<(&'static str, String)>> {
    for (prefix, alg, len) in [("sha256:", "sha256", 64), ("sha512:", "sha512", 128)] {
        if let Some(hex) = artifact.strip_prefix(prefix) {
            if hex.len() != len || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!("{prefix} digest must be {len} hex digits");
            }
            return Ok(vec![(alg, hex.to_ascii_lowercase())]);
        }
    }
    let bytes = read(Path::new(artifact))?;
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    Ok(vec![
        ("sha256", hex(&Sha256::digest(&bytes))),
        ("sha512", hex(&Sha512::digest(&bytes))),
    ])
}

fn success_line(artifact: &str, verified: &VerifiedBundle) -> String {
    let line = escape::text(&format!(
        "verified: {artifact} signed by {} at {}",
        verified.signer(),
        verified.signed_at
    ));
    line + "\n"
}
