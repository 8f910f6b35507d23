//! The `resolved` URL: transport security, allowed hosts, embedded
//! credentials, and whether a registry tarball URL names the entry's own
//! package and version (lockfile injection).

use super::{Context, EntryFindings};
use crate::finding::Code;
use crate::lockfile::SourceKind;
use crate::lockfile::source::{is_expected_tarball_file, registry_tarball};

pub(super) fn check(f: &mut EntryFindings, ctx: &Context) {
    let Some(resolved) = f.entry.resolved.as_str() else {
        return;
    };
    if !f.entry.source.independently_verifiable() {
        return;
    }
    // Judged on the scheme as npm's URL parser reads it (`http:host/x` is
    // plain HTTP too), and on the text for URLs that do not parse.
    let insecure = match &f.entry.url {
        Some(u) => matches!(u.scheme(), "http" | "git"),
        None => ["http:", "git://", "git+http:"].iter().any(|p| {
            resolved
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p))
        }),
    };
    if insecure {
        f.report(
            Code::InsecureUrl,
            format!(
                "downloaded over an unauthenticated protocol: {}",
                f.resolved_shown()
            ),
        );
    }
    let Some(url) = &f.entry.url else {
        return;
    };
    // `git@host` is the conventional ssh/https user for git, not a secret;
    // any other user name in a URL may be a token (GitHub accepts that).
    let secret_user = !matches!(url.username(), "" | "git");
    if url.password().is_some() || secret_user {
        f.report(
            Code::UrlCredentials,
            "the resolved URL embeds credentials (redacted here)".to_string(),
        );
    }
    if !matches!(
        f.entry.source,
        SourceKind::Registry | SourceKind::RemoteTarball
    ) {
        return;
    }
    let host = url.host_str().unwrap_or("");
    if !ctx
        .allowed_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
    {
        f.report(
            Code::HostNotAllowed,
            format!(
                "downloaded from {:?}, which is not an allowed host ({})",
                host.to_ascii_lowercase(),
                ctx.allowed_hosts.join(", ")
            ),
        );
    }
    let Some(tarball) = registry_tarball(url) else {
        return;
    };
    let name_ok = tarball.name == f.entry.name;
    let file_ok = f
        .entry
        .version
        .as_deref()
        .is_none_or(|v| is_expected_tarball_file(&tarball.file, &f.entry.name, v));
    if !name_ok || !file_ok {
        f.report(
            Code::TarballNameMismatch,
            format!(
                "the entry is {} but its tarball URL is for {:?} ({})",
                f.entry.spec(),
                tarball.name,
                tarball.file
            ),
        );
    }
}
