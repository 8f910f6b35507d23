//! Reads the nested `dependencies` tree of lockfileVersion 1 and of the
//! unversioned npm ≤ 4 shrinkwrap. Each key is a folder under its parent's
//! `node_modules`; transitive copies nest, so the walk is recursive and the
//! install path is rebuilt as `node_modules/a/node_modules/b`.

use super::fields::{Ctx, Fields, What};
use super::packages::NODE_MODULES;
use super::path_budget::PathBudget;
use super::source::{self, SourceKind, is_non_version_spec};
use super::{Entry, Flags, IntegrityField, LockfileError, Resolved};
use crate::json::{Member, Value, kept_members};

/// Returns the project root (from the top-level `name` and `version`) and
/// the entries. `dedupe`: the document has repeated keys, so keep the last
/// of each. Each path is charged to `budget` before it is built: here paths
/// repeat their ancestors, and can outgrow the file many times over.
pub(super) fn read(
    ctx: &Ctx,
    doc: &Value,
    top_name: Option<&str>,
    dedupe: bool,
    budget: &mut PathBudget,
) -> Result<(Option<Entry>, Vec<Entry>), LockfileError> {
    let root = match doc.as_object() {
        Some(members) if top_name.is_some() => {
            let f = Fields::of(members);
            Some(Entry {
                path: String::new(),
                name: top_name.unwrap_or_default().to_string(),
                folder_name: String::new(),
                version: ctx.opt_str(f.version, What::TOP)?.map(str::to_string),
                resolved: Resolved::Absent,
                url: None,
                integrity: IntegrityField::Absent,
                source: SourceKind::Root,
                flags: Flags::default(),
                has_install_script: false,
                platform: None,
                line: 1,
                pin: super::Pin::Integrity,
                patch: None,
            })
        }
        _ => None,
    };
    let mut entries = Vec::new();
    if let Some(deps) = ctx.opt_object(doc.member("dependencies"), What::TOP)? {
        walk(ctx, deps, "", dedupe, budget, &mut entries)?;
    }
    Ok((root, entries))
}

fn walk(
    ctx: &Ctx,
    deps: &[Member],
    parent: &str,
    dedupe: bool,
    budget: &mut PathBudget,
    out: &mut Vec<Entry>,
) -> Result<(), LockfileError> {
    for m in kept_members(deps, dedupe) {
        let separator = if parent.is_empty() { "" } else { "/" };
        budget.charge(
            ctx.path,
            parent.len() + separator.len() + NODE_MODULES.len() + m.key.len(),
            m.line,
        )?;
        let path = format!("{parent}{separator}{NODE_MODULES}{}", m.key);
        let what = What::entry("dependencies", &path);
        let Value::Object(members) = &m.value else {
            return Err(ctx.wrong_type(what, "object", &m.value, m.line));
        };
        let f = Fields::of(members);
        out.push(entry(ctx, &m.key, &path, what, &f, m.line)?);
        if let Some(children) = ctx.opt_object(f.dependencies, what)? {
            walk(ctx, children, &path, dedupe, budget, out)?;
        }
    }
    Ok(())
}

/// Splits an npm alias spec `npm:name@version` into name and version.
pub(crate) fn split_alias(spec: &str) -> Option<(&str, &str)> {
    let rest = spec.strip_prefix("npm:")?;
    // A scoped name starts with '@', so the version separator is the last '@'
    // after the first character.
    let at = rest.get(1..)?.rfind('@')? + 1;
    Some((&rest[..at], &rest[at + 1..]))
}

fn entry(
    ctx: &Ctx,
    folder: &str,
    path: &str,
    what: What,
    f: &Fields,
    line: u32,
) -> Result<Entry, LockfileError> {
    let raw_version = ctx.opt_str(f.version, what)?;
    let mut common = ctx.common(f, what)?;
    // Where npm 7+ takes the source of an old entry from (its
    // spec-from-lock): `version` when that is a URL, git or file spec,
    // whatever `resolved` says; `from` when there is neither `version` nor
    // `resolved`; else `resolved`.
    let mut conflicting = false;
    let (name, version) = match raw_version {
        Some(v) => match split_alias(v) {
            Some((name, version)) => (name, Some(version)),
            None if is_non_version_spec(v) => {
                conflicting = matches!(&common.resolved, Resolved::Url(r) if r != v);
                common.resolved = Resolved::Url(v.to_string());
                (folder, None)
            }
            None => (folder, Some(v)),
        },
        None => {
            if let (Some(spec), Resolved::Absent) = (ctx.opt_str(f.from, what)?, &common.resolved) {
                common.resolved = Resolved::Url(spec.to_string());
            }
            (folder, None)
        }
    };
    // As for `inBundle`: only an entry inside another package, with nothing
    // to download, is taken to come inside its parent's tarball.
    let bundled = ctx.flag(f.bundled, what)?
        && path.contains("/node_modules/")
        && common.resolved == Resolved::Absent
        && common.integrity == IntegrityField::Absent;
    let url = common.resolved.as_str().and_then(source::parse_url);
    let source = if conflicting {
        SourceKind::Unrecognized
    } else {
        source::classify(
            common.resolved.as_str(),
            url.as_ref(),
            false,
            false,
            bundled,
        )
    };
    Ok(Entry {
        path: path.to_string(),
        name: name.to_string(),
        folder_name: folder.to_string(),
        version: version.map(str::to_string),
        resolved: common.resolved,
        url,
        integrity: common.integrity,
        source,
        flags: common.flags,
        has_install_script: false,
        platform: None,
        line,
        pin: super::Pin::Integrity,
        patch: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_plain_and_scoped_aliases() {
        assert_eq!(
            split_alias("npm:lodash@4.17.21"),
            Some(("lodash", "4.17.21"))
        );
        assert_eq!(split_alias("npm:@s/p@1.0.0"), Some(("@s/p", "1.0.0")));
        assert_eq!(split_alias("4.17.21"), None);
        assert_eq!(split_alias("npm:"), None);
        assert_eq!(split_alias("npm:@"), None);
    }
}
