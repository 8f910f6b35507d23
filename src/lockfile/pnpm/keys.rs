//! pnpm's dependency paths, the keys of `packages` and `snapshots`:
//! `name@version(peer@1.0.0)` (9.0), `/name@version(peer@1.0.0)` (6.x) and
//! `/name/version_peer@1.0.0` (5.x), with a patch's `patch_hash=` among the
//! suffixes.

use crate::lockfile::format::PnpmVersion;
use crate::lockfile::name::split_spec;

/// A dependency path split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DepPath<'k> {
    /// The package name.
    pub name: &'k str,
    /// What follows the name: a version, or for packages from elsewhere
    /// a URL or `file:` spec.
    pub version: &'k str,
    /// The peer (and patch) suffix, possibly empty.
    pub suffix: &'k str,
}

/// Splits a key; `None` for keys that do not name the package (5.x and
/// 6.x write `github.com/o/r/<commit>`, `file:…` and tarball hosts as keys
/// and the name in a `name` field).
pub(super) fn parse(key: &str, version: PnpmVersion) -> Option<DepPath<'_>> {
    match version {
        PnpmVersion::V9 => split_at_peers(key),
        PnpmVersion::V6 { .. } => split_at_peers(key.strip_prefix('/')?),
        PnpmVersion::V5 { .. } => {
            let key = key.strip_prefix('/')?;
            let at = if key.starts_with('@') {
                key.match_indices('/').nth(1)?.0
            } else {
                key.find('/')?
            };
            let (name, rest) = (&key[..at], &key[at + 1..]);
            let end = rest.find('_').unwrap_or(rest.len());
            Some(DepPath {
                name,
                version: &rest[..end],
                suffix: &rest[end..],
            })
        }
    }
}

fn split_at_peers(key: &str) -> Option<DepPath<'_>> {
    let (name, rest) = split_spec(key)?;
    let end = rest.find('(').unwrap_or(rest.len());
    Some(DepPath {
        name,
        version: &rest[..end],
        suffix: &rest[end..],
    })
}

/// A 9.0 `snapshots` key without its peer suffix: the `packages` key it
/// belongs to.
pub(super) fn package_key(snapshot_key: &str) -> &str {
    match split_at_peers(snapshot_key) {
        Some(p) => &snapshot_key[..snapshot_key.len() - p.suffix.len()],
        None => snapshot_key,
    }
}

/// The patch hash a key's suffix names (`(patch_hash=…)`,
/// `_patch_hash=…`).
pub(super) fn patch_hash(suffix: &str) -> Option<&str> {
    let (_, rest) = suffix.split_once("patch_hash=")?;
    let end = rest.find([')', '_', '(']).unwrap_or(rest.len());
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str, v: PnpmVersion) -> Option<(&str, &str, &str)> {
        parse(key, v).map(|d| (d.name, d.version, d.suffix))
    }

    #[test]
    fn splits_each_generation_of_keys() {
        let v9 = PnpmVersion::V9;
        let v6 = PnpmVersion::V6 { minor: 0 };
        let v5 = PnpmVersion::V5 { minor: 4 };
        assert_eq!(p("lodash@4.17.21", v9), Some(("lodash", "4.17.21", "")));
        assert_eq!(
            p("@s/a@1.0.0(react@18.0.0)(b@2.0.0)", v9),
            Some(("@s/a", "1.0.0", "(react@18.0.0)(b@2.0.0)"))
        );
        assert_eq!(
            p("x@https://codeload.github.com/o/r/tar.gz/abc", v9),
            Some(("x", "https://codeload.github.com/o/r/tar.gz/abc", ""))
        );
        assert_eq!(
            p("/@s/a@1.0.0(r@1.0.0)", v6),
            Some(("@s/a", "1.0.0", "(r@1.0.0)"))
        );
        assert_eq!(p("github.com/o/r/abc", v6), None);
        assert_eq!(
            p("/react-dom/17.0.2_react@17.0.2", v5),
            Some(("react-dom", "17.0.2", "_react@17.0.2"))
        );
        assert_eq!(p("/@s/a/1.0.0", v5), Some(("@s/a", "1.0.0", "")));
        assert_eq!(p("/@s", v5), None);
        assert_eq!(p("file:../x", v5), None);
    }

    #[test]
    fn finds_the_package_of_a_snapshot_and_patch_hashes() {
        assert_eq!(package_key("a@1.0.0(b@2.0.0)"), "a@1.0.0");
        assert_eq!(package_key("@s/a@1.0.0"), "@s/a@1.0.0");
        assert_eq!(package_key("weird"), "weird");
        assert_eq!(patch_hash("(patch_hash=abc)(b@1.0.0)"), Some("abc"));
        assert_eq!(patch_hash("_patch_hash=abc_b@1.0.0"), Some("abc"));
        assert_eq!(patch_hash("(b@1.0.0)"), None);
    }
}
