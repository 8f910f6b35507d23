//! Sources outside the registry: git, remote tarballs, local tarballs.

use super::EntryFindings;
use crate::finding::Code;
use crate::lockfile::SourceKind;

pub(super) fn check(f: &mut EntryFindings) {
    let resolved = f.resolved_shown();
    match f.entry.source {
        SourceKind::Git => {
            // npm treats only a full lower-case commit id as pinned; any
            // other ref is resolved by git when npm installs.
            let pinned = resolved.rsplit_once('#').is_some_and(|(_, rev)| {
                matches!(rev.len(), 40 | 64)
                    && rev.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
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
