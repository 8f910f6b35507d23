//! Sources outside the registry: git, remote tarballs, local tarballs.

use super::{Context, EntryFindings};
use crate::finding::Code;
use crate::lockfile::SourceKind;

pub(super) fn check(f: &mut EntryFindings, ctx: &Context) {
    if let Some(installer) = &ctx.installer
        && let Some(refusal) = installer.refusal(f.entry)
    {
        let resolved = f.resolved_shown();
        // What npm will not fetch is not a risk of this install; that the
        // install fails there is the news.
        let because = refusal
            .because
            .map_or_else(String::new, |b| format!(": {b}"));
        let optional = if f.entry.flags.optional {
            " (an optional dependency: npm leaves it out instead)"
        } else {
            ""
        };
        f.report(
            Code::SourceRefused,
            format!(
                "npm {} refuses {resolved} ({}={}){because}: the install fails here{optional}",
                installer.rules.major,
                refusal.gated.setting(),
                refusal.gate,
            ),
        );
        return;
    }
    // `resolved` is quoted only in a finding, and most entries (registry
    // ones) have none here.
    let (code, message) = match f.entry.source {
        SourceKind::Git => {
            let resolved = f.resolved_shown();
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
            (
                Code::GitSource,
                format!("installs from git ({pin}): {resolved}"),
            )
        }
        SourceKind::RemoteTarball => (
            Code::RemoteTarballSource,
            format!(
                "installs a tarball from an arbitrary URL: {}",
                f.resolved_shown()
            ),
        ),
        SourceKind::LocalFile => (
            Code::LocalFileSource,
            format!(
                "installs a tarball from the local disk: {}",
                f.resolved_shown()
            ),
        ),
        SourceKind::Unrecognized => {
            let resolved = f.resolved_shown();
            (
                Code::UnverifiableSource,
                if resolved.is_empty() {
                    "the entry names no source npm could fetch from".to_string()
                } else {
                    format!(
                        "npm would read {resolved:?} as a package spec, not a download lockproof can check"
                    )
                },
            )
        }
        SourceKind::Registry
        | SourceKind::Link
        | SourceKind::Workspace
        | SourceKind::Bundled
        | SourceKind::Root => return,
    };
    f.report(code, message);
}
