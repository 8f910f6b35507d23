//! Reads the `packages` map of lockfileVersion 2 and 3: one entry per key,
//! the key being the install path (`node_modules/a/node_modules/b`,
//! `packages/ws` for a workspace folder, `""` for the project root).

use super::fields::{Ctx, What};
use super::source;
use super::{Entry, Flags, LockfileError, Resolved, integrity_field};
use rayon::prelude::*;

use crate::json::{Member, Value, last_of_each_key};

const NODE_MODULES: &str = "node_modules/";

pub(super) fn read(ctx: &Ctx, doc: &Value) -> Result<Vec<Entry>, LockfileError> {
    let Some(member) = doc.member("packages") else {
        return Err(LockfileError::WrongType {
            path: ctx.path.to_path_buf(),
            what: "packages".into(),
            expected: "object",
            found: "nothing",
            line: 1,
        });
    };
    let Value::Object(members) = &member.value else {
        return Err(ctx.wrong_type("packages", "object", &member.value, member.line));
    };
    let members: Vec<&Member> = last_of_each_key(members)
        .filter(|m| !m.key.is_empty())
        .collect();
    // Entries are independent: build them in parallel, then report the
    // first error in file order so messages do not depend on scheduling.
    members
        .par_iter()
        .with_min_len(64)
        .map(|m| entry(ctx, &m.key, &m.value, m.line))
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// The folder name a `packages` key installs to: the part after the last
/// `node_modules/` (two segments for a scope), else the last path segment.
pub(crate) fn folder_name(key: &str) -> &str {
    let tail = key
        .rfind(NODE_MODULES)
        .map_or(key, |i| &key[i + NODE_MODULES.len()..]);
    if key.contains(NODE_MODULES) || tail.starts_with('@') {
        tail
    } else {
        tail.rsplit('/').next().unwrap_or(tail)
    }
}

fn entry(ctx: &Ctx, key: &str, value: &Value, line: u32) -> Result<Entry, LockfileError> {
    let what = What::entry("packages", key);
    if !matches!(value, Value::Object(_)) {
        return Err(ctx.wrong_type(what, "object", value, line));
    }
    let folder = folder_name(key);
    let name = ctx.opt_str(value, "name", what)?.unwrap_or(folder);
    let version = ctx.opt_str(value, "version", what)?;
    let resolved = match value.member("resolved") {
        None => Resolved::Absent,
        Some(m) => match &m.value {
            Value::String(s) => Resolved::Url(s.to_string()),
            Value::Bool(false) => Resolved::False,
            other => {
                return Err(ctx.wrong_type(what.field("resolved"), "string", other, m.line));
            }
        },
    };
    let integrity = integrity_field(ctx.opt_str(value, "integrity", what)?);
    let link = ctx.flag(value, "link", what)?;
    let in_bundle = ctx.flag(value, "inBundle", what)?;
    let workspace = !key.starts_with(NODE_MODULES) && !key.contains("/node_modules/");
    let url = resolved.as_str().and_then(source::parse_url);
    let source = source::classify(resolved.as_str(), url.as_ref(), link, workspace, in_bundle);
    Ok(Entry {
        path: key.to_string(),
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
            dev_optional: ctx.flag(value, "devOptional", what)?,
            peer: ctx.flag(value, "peer", what)?,
            extraneous: ctx.flag(value, "extraneous", what)?,
        },
        has_install_script: ctx.flag(value, "hasInstallScript", what)?,
        platform: ctx.platform(value, what)?,
        line,
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
    }
}
