//! What the registry says against what the lockfile says: integrity,
//! existence, deprecation, npm's security and staged-publishing
//! placeholders, and registry signatures. Reads evidence only; an entry
//! whose evidence is unknown gets `fetch-failed` (fetch errors) or nothing
//! (offline: the report counts it), never a verdict.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{Context, EntryFindings};
use crate::evidence::model::{EntryEvidence, Metadata, Signatures};
use crate::evidence::unknown::Unknown;
use crate::finding::Code;
use crate::integrity::{Algorithm, Integrity};
use crate::lockfile::IntegrityField;
use crate::signatures::Verdict;

/// The version npm publishes in place of a package removed as malware.
const SECURITY_PLACEHOLDER: &str = "0.0.1-security";
/// The public version npm publishes when a package that does not exist
/// yet is staged; the staged release stays hidden until approved.
const STAGE_PLACEHOLDER: &str = "0.0.0-stage";

pub(super) fn check(f: &mut EntryFindings, ev: &EntryEvidence, ctx: &Context) {
    let record = match &ev.metadata {
        Metadata::Found(record) => record,
        Metadata::VersionMissing => {
            f.report(
                Code::VersionNotFound,
                format!("{} does not have version {}", ev.registry, version(f)),
            );
            return;
        }
        Metadata::PackageMissing => {
            f.report(
                Code::VersionNotFound,
                format!("{} does not have the package at all", ev.registry),
            );
            return;
        }
        Metadata::Unknown(why) => {
            if ctx.strict || !why.is_offline() {
                f.report(
                    Code::FetchFailed,
                    format!("registry evidence unknown: {why}"),
                );
            }
            return;
        }
    };
    if f.entry.version.as_deref() == Some(SECURITY_PLACEHOLDER) {
        f.report(
            Code::SecurityPlaceholder,
            "npm replaced this package with a security placeholder: it was malware".to_string(),
        );
    }
    if f.entry.version.as_deref() == Some(STAGE_PLACEHOLDER) {
        f.report(
            Code::StagePlaceholder,
            "the locked version is npm's staged-publishing placeholder: the package has no approved release, and whoever staged it holds the name".to_string(),
        );
    }
    if let Some(message) = &record.deprecated {
        f.report(Code::Deprecated, format!("deprecated: {message}"));
    }
    let compared = match &f.entry.integrity {
        IntegrityField::Valid(locked) => comparable(
            locked,
            record.integrity.as_deref(),
            record.shasum.as_deref(),
        ),
        _ => None,
    };
    if let Some((lock, reg)) = compared.filter(|(lock, reg)| lock != reg) {
        f.report(
            Code::RegistryIntegrityMismatch,
            format!(
                "the lockfile says {lock} but {} publishes {reg}",
                ev.registry
            ),
        );
    }
    if let Signatures::Unknown(why @ Unknown::KeysFailed(_)) = &ev.signatures {
        f.report(
            Code::FetchFailed,
            format!("signature evidence unknown: {why}"),
        );
    }
    if let Signatures::Judged(verdict) = &ev.signatures {
        match verdict {
            Verdict::Verified { .. } => {}
            Verdict::Invalid { keyid } => f.report(
                Code::SignatureInvalid,
                format!("the signature by {keyid} does not verify: the metadata was altered after signing"),
            ),
            Verdict::Malformed { keyid, reason } => f.report(
                Code::SignatureInvalid,
                format!("the signature by {keyid} is malformed: {reason}"),
            ),
            Verdict::UnknownKey { keyids } => f.report(
                Code::SignatureUnknownKey,
                format!("signed only by keys the registry does not list: {}", keyids.join(", ")),
            ),
            Verdict::ExpiredKey { keyid, expires } => f.report(
                Code::SignatureKeyExpired,
                match &record.published {
                    Some(published) => format!(
                        "signed only by {keyid}, which expired on {expires}, before the version was published ({published})"
                    ),
                    None => format!(
                        "signed only by {keyid}, which expired on {expires}; the registry states no publish time, so the signature cannot be shown to predate the expiry"
                    ),
                },
            ),
            Verdict::NotYetValid { keyid, from } => f.report(
                Code::SignatureKeyExpired,
                format!(
                    "signed only by {keyid}, which npm uses from {from} on, after the time the registry states for this version{}",
                    record.published.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()
                ),
            ),
            Verdict::Missing => f.report(
                Code::SignatureMissing,
                "the registry signs versions, but this one has no signature".to_string(),
            ),
        }
    }
}

fn version(f: &EntryFindings) -> String {
    f.entry.version.clone().unwrap_or_default()
}

/// The lockfile's and the registry's hash on the strongest algorithm both
/// have, as SRI strings. The registry's SHA-1 may come as hex `shasum`.
fn comparable(
    locked: &Integrity,
    registry: Option<&str>,
    shasum: Option<&str>,
) -> Option<(String, String)> {
    // Theirs as SRI text: a hostile registry's `shasum` may decode to
    // any length, and is shown as it decodes.
    let mut theirs: Vec<(Algorithm, String)> = registry
        .and_then(|r| Integrity::parse(r).ok())
        .map(|i| {
            i.hashes()
                .iter()
                .map(|h| (h.algorithm, h.to_string()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(hex) = shasum.and_then(decode_hex) {
        let name = Algorithm::Sha1.name();
        theirs.push((Algorithm::Sha1, format!("{name}-{}", STANDARD.encode(hex))));
    }
    locked
        .hashes()
        .iter()
        .filter_map(|mine| {
            theirs
                .iter()
                .find(|(algorithm, _)| *algorithm == mine.algorithm)
                .map(|(_, other)| (mine.algorithm, mine.to_string(), other.clone()))
        })
        .max_by_key(|(algorithm, _, _)| *algorithm)
        .map(|(_, a, b)| (a, b))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==";
    const SHA1: &str = "sha1-LoWk8c1TjHb0n5gWw5GJTDBB5SA=";

    #[test]
    fn compares_on_the_strongest_common_algorithm() {
        let locked = Integrity::parse(A).unwrap();
        assert_eq!(
            comparable(&locked, Some(A), None),
            Some((A.into(), A.into()))
        );
        assert_eq!(comparable(&locked, None, Some("2e85a4f1")), None);
        let sha1 = Integrity::parse(SHA1).unwrap();
        let hex = "2e85a4f1cd538c76f49f9816c391894c3041e520";
        assert_eq!(
            comparable(&sha1, Some(A), Some(hex)),
            Some((SHA1.into(), SHA1.into()))
        );
        let (mine, theirs) = comparable(&sha1, None, Some("00".repeat(20).as_str())).unwrap();
        assert_ne!(mine, theirs);
    }
}
