//! Reads Bun's text lockfile `bun.lock` (JSON with comments and trailing
//! commas): one entry per `packages` key. A key is the package's place in
//! the hoisted `node_modules` tree (`a/b` is `node_modules/a/node_modules/b`),
//! so entries get npm's install paths; the value is an array whose first
//! item is `name@resolution`:
//!
//! - npm: `[id, registry tarball URL or "" for the default registry, info, integrity]`
//! - `link:`, `file:` folders, tarballs: `[id, info, integrity?]`
//! - git and GitHub: `[id, info, resolved commit tag, integrity?]`
//! - `workspace:`: `[id]` (with info in `lockfileVersion` 0)
//!
//! where `info` holds dependencies, `os`, `cpu`, `bin`, `hasInstallScript`
//! and `bundled`.

use std::collections::HashMap;
use std::path::Path;

use super::fields::{Ctx, What};
use super::format::{BUN_VERSIONS, LockfileFormat};
use super::name::split_spec;
use super::path_budget::PathBudget;
use super::source::{self, SourceKind};
use super::{
    Entry, IntegrityField, Lockfile, LockfileError, LockfileVersion, Platform, integrity_field,
};
use crate::json::{self, Member, Value};
use crate::jsonc;

/// Parses the text of a `bun.lock`. Each install path is charged to
/// `budget` as it is built: a key's path is up to seven times its length.
pub(super) fn parse(
    path: &Path,
    text: &str,
    budget: &mut PathBudget,
) -> Result<Lockfile, LockfileError> {
    let ctx = Ctx { path };
    let plain = jsonc::to_json(text);
    let doc = json::parse(&plain).map_err(|error| LockfileError::Json {
        path: path.to_path_buf(),
        error,
    })?;
    let Value::Object(_) = &doc.value else {
        return Err(ctx.wrong_type(What::TOP, "object", &doc.value, 1));
    };
    let (lockfile_version, version_line) = read_version(&ctx, &doc.value)?;
    let root = read_root(&ctx, &doc.value)?;
    // By selector, the last of each as JavaScript keeps it; looked up once
    // per entry, so a map: a scan per entry is quadratic in the file.
    let patched: HashMap<&str, &Value> = ctx
        .opt_object(doc.value.member("patchedDependencies"), What::TOP)?
        .unwrap_or_default()
        .iter()
        .map(|p| (p.key.as_ref(), &p.value))
        .collect();
    let mut entries = Vec::new();
    for m in ctx
        .opt_object(doc.value.member("packages"), What::TOP)?
        .unwrap_or_default()
    {
        if let Some(mut entry) = entry(&ctx, m)? {
            budget.charge(path, entry.path.len(), entry.line)?;
            entry.patch = patched
                .get(entry.spec().as_str())
                .and_then(|v| v.as_str())
                .map(str::to_string);
            entries.push(entry);
        }
    }
    Ok(Lockfile {
        path: path.to_path_buf(),
        format: LockfileFormat::Bun { lockfile_version },
        version: LockfileVersion::V3,
        version_line,
        root,
        entries,
        duplicate_keys: doc.duplicate_keys,
    })
}

fn read_version(ctx: &Ctx, doc: &Value) -> Result<(u32, u32), LockfileError> {
    let Some(m) = doc.member("lockfileVersion") else {
        return Err(LockfileError::Invalid {
            path: ctx.path.to_path_buf(),
            what: "the lockfile".into(),
            message: "no lockfileVersion".into(),
            line: 1,
        });
    };
    let Value::Number(n) = &m.value else {
        return Err(ctx.wrong_type("lockfileVersion", "number", &m.value, m.line));
    };
    let version = n
        .parse::<u32>()
        .ok()
        .filter(|v| BUN_VERSIONS.contains(v))
        .ok_or_else(|| LockfileError::UnsupportedVersion {
            path: ctx.path.to_path_buf(),
            field: "bun.lock lockfileVersion",
            version: n.to_string(),
            supported: "0 to 3",
            line: m.line,
        })?;
    Ok((version, m.line))
}

/// The project itself, named by `workspaces[""].name`.
fn read_root(ctx: &Ctx, doc: &Value) -> Result<Option<Entry>, LockfileError> {
    let workspaces = ctx
        .opt_object(doc.member("workspaces"), What::TOP)?
        .unwrap_or_default();
    let Some(m) = workspaces.iter().rev().find(|m| m.key.is_empty()) else {
        return Ok(None);
    };
    let what = What::entry("workspaces", "");
    let Value::Object(_) = &m.value else {
        return Err(ctx.wrong_type(what, "object", &m.value, m.line));
    };
    let name = ctx
        .opt_str(m.value.member("name"), what)?
        .unwrap_or_default();
    let mut root = Entry::bare(String::new(), name, m.line);
    root.source = SourceKind::Root;
    root.version = ctx
        .opt_str(m.value.member("version"), what)?
        .map(str::to_string);
    Ok(Some(root))
}

/// `node_modules/a/node_modules/@s/b` for the key `a/@s/b`, and the last
/// package's folder name; `None` for an empty name or scope.
fn install_path(key: &str) -> Option<(String, &str)> {
    let mut path = String::with_capacity(key.len() + 16);
    let mut rest = key;
    loop {
        let parts = if rest.starts_with('@') { 2 } else { 1 };
        let end = rest
            .match_indices('/')
            .nth(parts - 1)
            .map_or(rest.len(), |(i, _)| i);
        let segment = &rest[..end];
        let complete = match segment.split_once('/') {
            Some((scope, name)) => parts == 2 && scope.len() > 1 && !name.is_empty(),
            None => parts == 1 && !segment.is_empty(),
        };
        if !complete {
            return None;
        }
        path.push_str(if path.is_empty() {
            "node_modules/"
        } else {
            "/node_modules/"
        });
        path.push_str(segment);
        match rest.get(end + 1..) {
            Some("") => return None,
            Some(next) => rest = next,
            None => return Some((path, segment)),
        }
    }
}

fn entry(ctx: &Ctx, m: &Member) -> Result<Option<Entry>, LockfileError> {
    let key: &str = m.key.as_ref();
    let what = What::entry("packages", key);
    let invalid = |message: String| LockfileError::Invalid {
        path: ctx.path.to_path_buf(),
        what: what.to_string(),
        message,
        line: m.line,
    };
    let Value::Array(items) = &m.value else {
        return Err(ctx.wrong_type(what, "array", &m.value, m.line));
    };
    let Some(id) = items.first() else {
        return Err(invalid("an empty array".into()));
    };
    let Value::String(id) = id else {
        return Err(ctx.wrong_type(what.field("[0]"), "string", id, m.line));
    };
    if id.starts_with("@root:") || id.split_once('@').is_some_and(|(_, r)| r == "root:") {
        return Ok(None);
    }
    let Some((name, resolution)) = split_spec(id) else {
        return Err(invalid(format!("{id:?} is not name@resolution")));
    };
    let Some((path, folder)) = install_path(key) else {
        return Err(invalid("the key is not a package path".into()));
    };
    let mut entry = Entry::bare(path, name, m.line);
    entry.folder_name = folder.to_string();
    let item = |i: usize| items.get(i);
    let string_at = |i: usize| -> Result<Option<&str>, LockfileError> {
        match item(i) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => {
                Err(ctx.wrong_type(what.field(&format!("[{i}]")), "string", other, m.line))
            }
        }
    };
    let info_at = |i: usize| -> Result<Option<&Value>, LockfileError> {
        match item(i) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(other) => {
                Err(ctx.wrong_type(what.field(&format!("[{i}]")), "object", other, m.line))
            }
        }
    };
    let integrity = |raw: Option<&str>| integrity_field(raw.filter(|s| !s.is_empty()));
    let info = if resolution.starts_with("workspace:") {
        entry.source = SourceKind::Workspace;
        info_at(1)?
    } else if let Some(path) = resolution
        .strip_prefix("link:")
        .or_else(|| resolution.strip_prefix("file:"))
    {
        entry.set_resolved(Some(format!("file:{path}")));
        if resolution.starts_with("link:") {
            entry.source = SourceKind::Link;
        }
        info_at(1)?
    } else if source::is_git_spec(resolution) {
        // The commit Bun resolved is the tag it stores after the info.
        let tag = string_at(2)?.unwrap_or_default();
        let repo = resolution.split_once('#').map_or(resolution, |(r, _)| r);
        let pinned = tag.len() == 40 && tag.bytes().all(|b| b.is_ascii_hexdigit());
        entry.set_resolved(Some(if pinned {
            format!("{repo}#{tag}")
        } else {
            resolution.to_string()
        }));
        entry.source = SourceKind::Git;
        entry.integrity = integrity(string_at(3)?);
        info_at(1)?
    } else if node_semver::Version::parse(resolution).is_ok() {
        entry.version = Some(resolution.to_string());
        let registry = string_at(1)?.ok_or_else(|| invalid("no registry item".into()))?;
        entry.set_resolved((!registry.is_empty()).then(|| registry.to_string()));
        entry.integrity = integrity(string_at(3)?);
        info_at(2)?
    } else if resolution.contains("://") || is_tarball(resolution) {
        entry.set_resolved(Some(if resolution.contains("://") {
            resolution.to_string()
        } else {
            format!("file:{resolution}")
        }));
        entry.integrity = integrity(string_at(2)?);
        info_at(1)?
    } else {
        entry.source = SourceKind::Unrecognized;
        None
    };
    if let Some(info) = info {
        let field = |f| info.member(f);
        entry.has_install_script = ctx.flag(field("hasInstallScript"), what)?;
        entry.platform = Platform {
            os: ctx.str_list(field("os"), what)?,
            cpu: ctx.str_list(field("cpu"), what)?,
            libc: ctx.str_list(field("libc"), what)?,
        }
        .boxed();
        // As for npm's `inBundle`: only a package inside another, with
        // nothing of its own to download, comes in its parent's tarball.
        if ctx.flag(field("bundled"), what)?
            && entry.path.contains("/node_modules/")
            && entry.integrity == IntegrityField::Absent
        {
            entry.source = SourceKind::Bundled;
        }
    }
    Ok(Some(entry))
}

fn is_tarball(spec: &str) -> bool {
    let lower = spec.to_ascii_lowercase();
    lower.ends_with(".tgz") || lower.ends_with(".tar.gz") || lower.ends_with(".tar")
}

#[cfg(test)]
mod tests;
