//! Provenance: whether each registry entry's Sigstore attestations verify
//! and are about the locked bytes, and what the verified provenance says
//! about where and how the version was built: from which repository and
//! ref, on which runner, by which CI identity. Reads evidence only.

use super::{Context, EntryFindings};
use crate::evidence::model::{EntryEvidence, Metadata};
use crate::evidence::provenance::{Attestation, Provenance, ProvenanceFacts};
use crate::finding::Code;

pub(super) fn check(f: &mut EntryFindings, ev: &EntryEvidence, ctx: &Context) {
    match &ev.provenance {
        Provenance::Verified(facts) => {
            let declared = match &ev.metadata {
                Metadata::Found(record) => record.repository.as_deref(),
                _ => None,
            };
            built_where_declared(f, facts, declared);
            built_how(f, facts);
        }
        Provenance::Absent => f.report(
            Code::ProvenanceAbsent,
            format!("{} serves no provenance for this version", ev.registry),
        ),
        Provenance::Invalid {
            attestation: Attestation::Provenance,
            reason,
        } => f.report(
            Code::ProvenanceInvalid,
            format!("the provenance attestation does not verify: {reason}"),
        ),
        Provenance::Invalid {
            attestation: Attestation::Publish,
            reason,
        } => f.report(
            Code::PublishAttestationInvalid,
            format!("the npm publish attestation does not verify: {reason}"),
        ),
        Provenance::SubjectMismatch {
            attestation,
            reason,
        } => f.report(
            Code::ProvenanceSubjectMismatch,
            format!(
                "the {} is not about the locked bytes: {reason}",
                match attestation {
                    Attestation::Provenance => "provenance attestation",
                    Attestation::Publish => "npm publish attestation",
                }
            ),
        ),
        Provenance::FetchFailed(why) => f.report(
            Code::FetchFailed,
            format!("provenance evidence unknown: {why}"),
        ),
        // Offline, attestations the version document claims could not be
        // had: strict mode says so for each entry.
        Provenance::Unknown(why) if ctx.strict && why.is_offline() => f.report(
            Code::FetchFailed,
            format!("provenance evidence unknown: {why}"),
        ),
        Provenance::Unknown(_) => {}
    }
}

fn built_where_declared(f: &mut EntryFindings, facts: &ProvenanceFacts, declared: Option<&str>) {
    let (Some(built), Some(declared)) = (facts.source_repository.as_deref(), declared) else {
        return;
    };
    if let (Some(a), Some(b)) = (repository_id(built), repository_id(declared))
        && a != b
    {
        f.report(
            Code::ProvenanceRepositoryMismatch,
            format!("built from {built}, but the package declares the repository {declared}"),
        );
    }
}

/// OIDC issuers of the CI systems npm accepts provenance from.
const CI_ISSUERS: [&str; 2] = [
    "https://token.actions.githubusercontent.com",
    "https://gitlab.com",
];

fn built_how(f: &mut EntryFindings, facts: &ProvenanceFacts) {
    // Any Fulcio certificate verifies; only a CI identity says what was
    // built from which source. A personal e-mail identity says neither.
    let issuer = facts.issuer.as_deref().unwrap_or("none");
    if !CI_ISSUERS.contains(&issuer) || facts.source_repository.is_none() {
        f.report(
            Code::ProvenanceUntrustedBuild,
            format!(
                "signed by {} (issuer {issuer}), not by a CI workflow naming its source repository",
                facts.workflow.as_deref().unwrap_or("an unnamed identity")
            ),
        );
    }
    if let Some(git_ref) = facts.source_ref.as_deref()
        && !is_release_ref(git_ref)
    {
        f.report(
            Code::ProvenanceUntrustedBuild,
            format!("built from {git_ref}, not from a tag or the main branch"),
        );
    }
    if facts.runner_environment.as_deref() == Some("self-hosted") {
        f.report(
            Code::ProvenanceUntrustedBuild,
            "built on a self-hosted runner, outside the CI provider's isolation".to_string(),
        );
    }
}

/// Tags, and `main`/`master`: the certificate does not say which branch is
/// the default one, so these two names stand for it.
fn is_release_ref(git_ref: &str) -> bool {
    git_ref.starts_with("refs/tags/") || matches!(git_ref, "refs/heads/main" | "refs/heads/master")
}

/// `host/owner/repo`, lower-case, from the forms `repository` takes:
/// `git+https://…/x.git`, `git://`, `ssh://git@…`, `git@host:owner/repo`,
/// and the `github:owner/repo` or bare `owner/repo` shorthands.
pub fn repository_id(url: &str) -> Option<String> {
    let url = url.trim().trim_start_matches("git+");
    let rest = if let Some((scheme, rest)) = url.split_once("://") {
        if !matches!(scheme, "https" | "http" | "git" | "ssh") {
            return None;
        }
        rest.rsplit_once('@').map_or(rest, |(_, r)| r).to_owned()
    } else if let Some(path) = url.strip_prefix("github:") {
        format!("github.com/{path}")
    } else if let Some((user_host, path)) = url.split_once(':') {
        let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
        format!("{host}/{path}")
    } else if url.matches('/').count() == 1 {
        format!("github.com/{url}")
    } else {
        return None;
    };
    let rest = rest.split(['#', '?']).next()?.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let mut parts = rest.splitn(4, '/');
    let (host, owner, repo) = (parts.next()?, parts.next()?, parts.next()?);
    let plain = |s: &str| !s.is_empty() && s != "." && s != "..";
    if !host.contains('.') || !plain(owner) || !plain(repo) {
        return None;
    }
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    Some(format!("{host}/{owner}/{repo}").to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_forms_compare_equal() {
        let want = Some("github.com/microsoft/playwright-cli".to_owned());
        for form in [
            "https://github.com/microsoft/playwright-cli",
            "git+https://github.com/microsoft/playwright-cli.git",
            "git://github.com/Microsoft/playwright-cli.git",
            "ssh://git@github.com/microsoft/playwright-cli.git",
            "git@github.com:microsoft/playwright-cli.git",
            "github:microsoft/playwright-cli",
            "microsoft/playwright-cli",
            "https://github.com/microsoft/playwright-cli/tree/main/packages/x#readme",
        ] {
            assert_eq!(repository_id(form), want, "{form}");
        }
        assert_eq!(repository_id("file:../x"), None);
        assert_eq!(repository_id("https://github.com/"), None);
        assert_ne!(
            repository_id("https://github.com/evil/playwright-cli"),
            want
        );
    }

    #[test]
    fn tags_and_main_are_release_refs() {
        assert!(is_release_ref("refs/tags/v1.0.0"));
        assert!(is_release_ref("refs/heads/main"));
        assert!(!is_release_ref("refs/heads/feature"));
        assert!(!is_release_ref("refs/pull/1/merge"));
    }
}
