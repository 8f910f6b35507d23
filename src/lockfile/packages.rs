//! Reads the `packages` map of lockfileVersion 2 and 3: one entry per key,
//! the key being the install path (`node_modules/a/node_modules/b`,
//! `packages/ws` for a workspace folder, `""` for the project root).

use super::fields::{Ctx, Fields, What};
use super::source::{self, SourceKind};
use super::{Entry, LockfileError, Platform};

use rayon::prelude::*;

use crate::json::{Value, kept_members};

/// The folder packages are installed into, as it starts a path.
pub(super) const NODE_MODULES: &str = "node_modules/";

/// `dedupe`: the document has repeated keys somewhere, so keep only the
/// last of each (as npm does); without any, that work is skipped.
/// Returns the project root (`packages[""]`, named after the lockfile's
/// top-level `name` when it has none) and the other entries.
pub(super) fn read(
    ctx: &Ctx,
    doc: &Value,
    top_name: Option<&str>,
    dedupe: bool,
) -> Result<(Option<Entry>, Vec<Entry>), LockfileError> {
    let members = ctx
        .opt_object(doc.member("packages"), What::TOP)?
        .unwrap_or_default();
    let mut members = kept_members(members, dedupe);
    let root = match members.iter().position(|m| m.key.is_empty()) {
        Some(i) => {
            let m = members.remove(i);
            let mut root = entry(ctx, "", &m.value, m.line)?;
            root.source = SourceKind::Root;
            if root.name.is_empty() {
                root.name = top_name.unwrap_or_default().to_string();
            }
            Some(root)
        }
        None => None,
    };
    // Entries are independent: build them in parallel, then report the
    // first error in file order so messages do not depend on scheduling.
    let entries = members
        .par_iter()
        .with_min_len(64)
        .map(|m| entry(ctx, &m.key, &m.value, m.line))
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    Ok((root, entries))
}

/// Where the last `/node_modules/` of `key` starts.
fn last_nested(key: &str) -> Option<usize> {
    last_ending_in_slash(key, b"/node_modules")
}

/// Where the last `node_modules/` of `key` starts.
fn last_node_modules(key: &str) -> Option<usize> {
    last_ending_in_slash(key, b"node_modules")
}

/// Where the last occurrence of `stem` followed by `/` starts in `key`.
/// Keys are read by the thousand, are short and have few slashes: looking
/// back from each slash beats a substring searcher, whose set-up is most of
/// its cost on a string this short.
fn last_ending_in_slash(key: &str, stem: &[u8]) -> Option<usize> {
    let bytes = key.as_bytes();
    memchr::memrchr_iter(b'/', bytes).find_map(|slash| {
        let start = slash.checked_sub(stem.len())?;
        (&bytes[start..slash] == stem).then_some(start)
    })
}

/// Whether `key` sits in the `node_modules` of another package (not of the
/// root, not of a workspace folder).
pub(crate) fn nested_in_package(key: &str) -> bool {
    last_nested(key).is_some_and(|i| key[..i].starts_with(NODE_MODULES))
}

/// The folder name a `packages` key installs to: the part after the last
/// `node_modules/` (two segments for a scope), else the last path segment.
pub fn folder_name(key: &str) -> &str {
    match last_node_modules(key) {
        Some(i) => &key[i + NODE_MODULES.len()..],
        None if key.starts_with('@') => key,
        None => key.rsplit('/').next().unwrap_or(key),
    }
}

fn entry(ctx: &Ctx, key: &str, value: &Value, line: u32) -> Result<Entry, LockfileError> {
    let what = What::entry("packages", key);
    let Value::Object(members) = value else {
        return Err(ctx.wrong_type(what, "object", value, line));
    };
    let f = Fields::of(members);
    let folder = folder_name(key);
    let name = ctx.opt_str(f.name, what)?.unwrap_or(folder);
    let version = ctx.opt_str(f.version, what)?;
    let common = ctx.common(&f, what)?;
    let link = ctx.flag(f.link, what)?;
    let in_bundle = ctx.flag(f.in_bundle, what)?;
    let workspace = !key.starts_with(NODE_MODULES) && last_nested(key).is_none();
    // npm 7+ ignores the `inBundle` flag and works bundling out from the
    // parent's bundleDependencies; children of the root or of a workspace
    // are downloaded whatever the flag says. So lockproof trusts the flag
    // only for an entry nested in a package that has nothing to download.
    let in_bundle = in_bundle
        && nested_in_package(key)
        && common.resolved == super::Resolved::Absent
        && common.integrity == super::IntegrityField::Absent;
    let url = common.resolved.as_str().and_then(source::parse_url);
    let source = source::classify(
        common.resolved.as_str(),
        url.as_ref(),
        link,
        workspace,
        in_bundle,
    );
    Ok(Entry {
        path: key.to_string(),
        name: name.to_string(),
        folder_name: folder.to_string(),
        version: version.map(str::to_string),
        resolved: common.resolved,
        url,
        integrity: common.integrity,
        source,
        flags: common.flags,
        has_install_script: ctx.flag(f.has_install_script, what)?,
        platform: Platform {
            os: ctx.str_list(f.os, what)?,
            cpu: ctx.str_list(f.cpu, what)?,
            libc: ctx.str_list(f.libc, what)?,
        }
        .boxed(),
        line,
        pin: super::Pin::Integrity,
        patch: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_follow_the_last_node_modules_segment() {
        assert_eq!(folder_name("node_modules/a"), "a");
        assert_eq!(folder_name("node_modules/a/node_modules/@s/b"), "@s/b");
        assert_eq!(folder_name("packages/ws-a"), "ws-a");
        assert_eq!(folder_name("packages/ws-a/node_modules/x"), "x");
        assert_eq!(folder_name("ws"), "ws");
        assert_eq!(folder_name("@s/ws"), "@s/ws");
        assert_eq!(folder_name("a/node_modules"), "node_modules");
        assert_eq!(folder_name("xnode_modules/a"), "a");
        assert_eq!(folder_name("a/xnode_modules/b"), "b");
    }

    #[test]
    fn node_modules_segments_are_found_as_a_substring_search_finds_them() {
        let parts = [
            "node_modules",
            "/",
            "x",
            "@s",
            "node_modules/",
            "/node_modules",
        ];
        for key in &crate::lockfile::joined_parts(&parts, 4) {
            assert_eq!(last_nested(key), key.rfind("/node_modules/"), "{key:?}");
            assert_eq!(last_node_modules(key), key.rfind(NODE_MODULES), "{key:?}");
        }
    }

    #[test]
    fn only_packages_inside_packages_can_be_bundled() {
        assert!(nested_in_package("node_modules/a/node_modules/b"));
        assert!(!nested_in_package("node_modules/b"));
        assert!(!nested_in_package("packages/ws/node_modules/b"));
    }
}
