//! Sources outside the registry: git, remote tarballs, local tarballs.

use super::EntryFindings;
use crate::finding::Code;
use crate::lockfile::SourceKind;

pub(super) fn check(f: &mut EntryFindings) {
    let resolved = f.resolved_shown();
    match f.entry.source {
        SourceKind::Git => {
            let pinned = resolved.rsplit_once('#').is_some_and(|(_, rev)| {
                rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit())
            });
            let pin = if pinned {
                "pinned to a commit"
            } else {
                "not pinned to a commit"
            };
            f.report(
                Code::GitSource,
                format!("installs from git ({pin}): {resolved}"),
            );
        }
        SourceKind::RemoteTarball => f.report(
            Code::RemoteTarballSource,
            format!("installs a tarball from an arbitrary URL: {resolved}"),
        ),
        SourceKind::LocalFile => f.report(
            Code::LocalFileSource,
            format!("installs a tarball from the local disk: {resolved}"),
        ),
        SourceKind::Unrecognized => f.report(
            Code::UnverifiableSource,
            if resolved.is_empty() {
                "the entry names no source npm could fetch from".to_string()
            } else {
                format!("npm would read {resolved:?} as a package spec, not a download lockproof can check")
            },
        ),
        SourceKind::Registry
        | SourceKind::Link
        | SourceKind::Workspace
        | SourceKind::Bundled
        | SourceKind::Root => {}
    }
}
