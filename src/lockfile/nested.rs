//! Reads the nested `dependencies` tree of lockfileVersion 1 and of the
//! unversioned npm ≤ 4 shrinkwrap. Each key is a folder under its parent's
//! `node_modules`; transitive copies nest, so the walk is recursive and the
//! install path is rebuilt as `node_modules/a/node_modules/b`.

use super::fields::{Ctx, What};
use super::source::{self, is_non_version_spec};
use super::{Entry, Flags, LockfileError, Platform, Resolved, integrity_field};
use crate::json::{Member, Value, last_of_each_key};

pub(super) fn read(ctx: &Ctx, doc: &Value) -> Result<Vec<Entry>, LockfileError> {
    let mut entries = Vec::new();
    if let Some(deps) = ctx.opt_object(doc, "dependencies", What::TOP)? {
        walk(ctx, deps, "", &mut entries)?;
    }
    Ok(entries)
}

fn walk(
    ctx: &Ctx,
    deps: &[Member],
    parent: &str,
    out: &mut Vec<Entry>,
) -> Result<(), LockfileError> {
    for m in last_of_each_key(deps) {
        let path = if parent.is_empty() {
            format!("node_modules/{}", m.key)
        } else {
            format!("{parent}/node_modules/{}", m.key)
        };
        let what = What::entry("dependencies", &path);
        if !matches!(m.value, Value::Object(_)) {
            return Err(ctx.wrong_type(what, "object", &m.value, m.line));
        }
        out.push(entry(ctx, &m.key, &path, what, &m.value, m.line)?);
        if let Some(children) = ctx.opt_object(&m.value, "dependencies", what)? {
            walk(ctx, children, &path, out)?;
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
    value: &Value,
    line: u32,
) -> Result<Entry, LockfileError> {
    let raw_version = ctx.opt_str(value, "version", what)?;
    let mut resolved = match value.member("resolved") {
        None => Resolved::Absent,
        Some(m) => match &m.value {
            Value::String(s) => Resolved::Url(s.to_string()),
            Value::Bool(false) => Resolved::False,
            other => {
                return Err(ctx.wrong_type(what.field("resolved"), "string", other, m.line));
            }
        },
    };
    let (name, version) = match raw_version {
        Some(v) => match split_alias(v) {
            Some((name, version)) => (name, Some(version)),
            // v1 writes git, URL and file: sources into `version`.
            None if is_non_version_spec(v) => {
                if resolved == Resolved::Absent {
                    resolved = Resolved::Url(v.to_string());
                }
                (folder, None)
            }
            None => (folder, Some(v)),
        },
        None => (folder, None),
    };
    let integrity = integrity_field(ctx.opt_str(value, "integrity", what)?);
    let bundled = ctx.flag(value, "bundled", what)?;
    let url = resolved.as_str().and_then(source::parse_url);
    let source = source::classify(resolved.as_str(), url.as_ref(), false, false, bundled);
    Ok(Entry {
        path: path.to_string(),
        name: name.to_string(),
        folder_name: folder.to_string(),
        version: version.map(str::to_string),
        resolved,
        url,
        integrity,
        source,
        flags: Flags {
            dev: ctx.flag(value, "dev", what)?,
            optional: ctx.flag(value, "optional", what)?,
            dev_optional: false,
            peer: ctx.flag(value, "peer", what)?,
            extraneous: ctx.flag(value, "extraneous", what)?,
        },
        has_install_script: false,
        platform: Platform::default(),
        line,
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
