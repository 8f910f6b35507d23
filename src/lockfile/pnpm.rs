//! Reads `pnpm-lock.yaml`: one entry per `packages` key (one per package
//! version pnpm fetches, whatever peers it is installed with), and one
//! [`SourceKind::Workspace`] entry per importer other than the root.
//!
//! A file may hold two YAML documents (pnpm 10+): the first, the "env"
//! document, locks pnpm itself and its config dependencies, which are
//! installed too; the last is the project's. Both are read, and the env
//! document's entries get paths prefixed with `env:` so that every path
//! stays unique.
//!
//! `resolution` says where the bytes come from: `{integrity}` alone is the
//! configured registry (pnpm records no tarball URL for it), `{tarball,
//! integrity}` a URL or `file:` tarball, `{type: directory}` a local
//! folder, `{type: git, repo, commit}` a git commit.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

mod keys;

use super::fields::{Ctx, What};
use super::format::{LockfileFormat, PnpmVersion};
use super::source::{self, SourceKind};
use super::{Entry, Flags, Lockfile, LockfileError, LockfileVersion, Platform, integrity_field};
use crate::json::{Document, Member, Value};
use crate::yaml;
use keys::DepPath;

/// pnpm writes the env document and the lockfile, no more.
const MAX_DOCUMENTS: usize = 2;

/// Parses the text of a `pnpm-lock.yaml`.
pub(super) fn parse(path: &Path, text: &str) -> Result<Lockfile, LockfileError> {
    let ctx = Ctx { path };
    let documents: Vec<Document> = yaml::parse_documents(text)
        .map_err(|error| LockfileError::Yaml {
            path: path.to_path_buf(),
            error,
        })?
        .into_iter()
        .filter(|d| d.value != Value::Null)
        .collect();
    let Some(last) = documents.len().checked_sub(1) else {
        return Err(LockfileError::Empty(path.to_path_buf()));
    };
    if documents.len() > MAX_DOCUMENTS {
        return Err(LockfileError::Invalid {
            path: path.to_path_buf(),
            what: "the lockfile".into(),
            message: format!(
                "{} YAML documents; pnpm writes at most two (the env document and the lockfile)",
                documents.len()
            ),
            line: 1,
        });
    }
    let mut entries = Vec::new();
    let mut duplicate_keys = Vec::new();
    let mut format = None;
    for (i, doc) in documents.into_iter().enumerate() {
        let prefix = if i < last { "env:" } else { "" };
        let (version, line) = read_version(&ctx, &doc.value)?;
        entries.extend(read_document(&ctx, &doc.value, version, prefix)?);
        duplicate_keys.extend(doc.duplicate_keys);
        format = Some((version, line));
    }
    let (version, version_line) = format.unwrap_or((PnpmVersion::V9, 1));
    Ok(Lockfile {
        path: path.to_path_buf(),
        format: LockfileFormat::Pnpm(version),
        version: LockfileVersion::V3,
        version_line,
        root: None,
        entries,
        duplicate_keys,
    })
}

fn read_version(ctx: &Ctx, doc: &Value) -> Result<(PnpmVersion, u32), LockfileError> {
    let Value::Object(_) = doc else {
        return Err(ctx.wrong_type(What::TOP, "object", doc, 1));
    };
    let Some(member) = doc.member("lockfileVersion") else {
        return Err(LockfileError::Invalid {
            path: ctx.path.to_path_buf(),
            what: "the lockfile".into(),
            message: "no lockfileVersion".into(),
            line: 1,
        });
    };
    let Value::String(text) = &member.value else {
        return Err(ctx.wrong_type("lockfileVersion", "string", &member.value, member.line));
    };
    let version = PnpmVersion::parse(text).ok_or_else(|| LockfileError::UnsupportedVersion {
        path: ctx.path.to_path_buf(),
        field: "pnpm lockfileVersion",
        version: text.to_string(),
        supported: PnpmVersion::SUPPORTED,
        line: member.line,
    })?;
    Ok((version, member.line))
}

/// What the 9.0 `snapshots` say about a package: whether every snapshot
/// of it is optional, and the patch hash one of them names.
#[derive(Default)]
struct Snapshots<'k> {
    optional: bool,
    patch: Option<&'k str>,
}

fn read_document(
    ctx: &Ctx,
    doc: &Value,
    version: PnpmVersion,
    prefix: &str,
) -> Result<Vec<Entry>, LockfileError> {
    let snapshots = read_snapshots(ctx, doc)?;
    let patched = read_patched(ctx, doc)?;
    let mut entries = read_importers(ctx, doc, prefix)?;
    let packages = ctx
        .opt_object(doc.member("packages"), What::TOP)?
        .unwrap_or_default();
    let read: Vec<Result<Entry, LockfileError>> = packages
        .par_iter()
        .with_min_len(64)
        .map(|m| {
            let mut entry = package(ctx, m, version, prefix)?;
            let snapshot = snapshots.get(m.key.as_ref());
            if version == PnpmVersion::V9 {
                entry.flags.optional = snapshot.is_some_and(|s| s.optional);
            }
            entry.patch = entry
                .patch
                .take()
                .or_else(|| snapshot.and_then(|s| s.patch.map(str::to_string)))
                .or_else(|| patched_for(&patched, &entry));
            Ok(entry)
        })
        .collect();
    for entry in read {
        entries.push(entry?);
    }
    Ok(entries)
}

/// The 9.0 `snapshots`, by the `packages` key they belong to.
fn read_snapshots<'d>(
    ctx: &Ctx,
    doc: &'d Value,
) -> Result<HashMap<&'d str, Snapshots<'d>>, LockfileError> {
    let mut out: HashMap<&str, Snapshots> = HashMap::new();
    for m in ctx
        .opt_object(doc.member("snapshots"), What::TOP)?
        .unwrap_or_default()
    {
        let what = What::entry("snapshots", &m.key);
        let optional = match &m.value {
            Value::Object(_) => ctx.flag(m.value.member("optional"), what)?,
            Value::Null => false,
            other => return Err(ctx.wrong_type(what, "object", other, m.line)),
        };
        let key: &str = m.key.as_ref();
        let package = keys::package_key(key);
        let patch = keys::patch_hash(&key[package.len()..]);
        match out.get_mut(package) {
            Some(s) => {
                s.optional &= optional;
                s.patch = s.patch.or(patch);
            }
            None => {
                out.insert(package, Snapshots { optional, patch });
            }
        }
    }
    Ok(out)
}

/// `patchedDependencies`: selector (`name`, `name@version`) to the patch's
/// hash (pnpm 10 writes the hash alone, pnpm 9 `{hash, path}`).
fn read_patched<'d>(ctx: &Ctx, doc: &'d Value) -> Result<HashMap<&'d str, String>, LockfileError> {
    let mut out = HashMap::new();
    for m in ctx
        .opt_object(doc.member("patchedDependencies"), What::TOP)?
        .unwrap_or_default()
    {
        let what = What::entry("patchedDependencies", &m.key);
        let hash = match &m.value {
            Value::String(hash) => hash.to_string(),
            Value::Object(_) => ctx
                .opt_str(m.value.member("hash"), what)?
                .or(ctx.opt_str(m.value.member("path"), what)?)
                .unwrap_or_default()
                .to_string(),
            other => return Err(ctx.wrong_type(what, "string or object", other, m.line)),
        };
        out.insert(m.key.as_ref(), hash);
    }
    Ok(out)
}

fn patched_for(patched: &HashMap<&str, String>, entry: &Entry) -> Option<String> {
    if patched.is_empty() {
        return None;
    }
    let exact = entry
        .version
        .as_ref()
        .map(|v| format!("{}@{v}", entry.name));
    exact
        .and_then(|k| patched.get(k.as_str()))
        .or_else(|| patched.get(entry.name.as_str()))
        .cloned()
}

/// One workspace entry per importer but the root (`.`). pnpm does not
/// record importers' names: the folder's name stands in, as npm's does.
fn read_importers(ctx: &Ctx, doc: &Value, prefix: &str) -> Result<Vec<Entry>, LockfileError> {
    let mut out = Vec::new();
    for m in ctx
        .opt_object(doc.member("importers"), What::TOP)?
        .unwrap_or_default()
    {
        let what = What::entry("importers", &m.key);
        if !matches!(m.value, Value::Object(_) | Value::Null) {
            return Err(ctx.wrong_type(what, "object", &m.value, m.line));
        }
        if m.key == "." {
            continue;
        }
        let folder = m.key.rsplit('/').next().unwrap_or(&m.key);
        let mut entry = Entry::bare(format!("{prefix}{}", m.key), folder, m.line);
        entry.source = SourceKind::Workspace;
        out.push(entry);
    }
    Ok(out)
}

fn package(
    ctx: &Ctx,
    m: &Member,
    version: PnpmVersion,
    prefix: &str,
) -> Result<Entry, LockfileError> {
    let key: &str = m.key.as_ref();
    let what = What::entry("packages", key);
    let Value::Object(_) = &m.value else {
        return Err(ctx.wrong_type(what, "object", &m.value, m.line));
    };
    let field = |name| m.value.member(name);
    let parsed = keys::parse(key, version);
    let name = match (ctx.opt_str(field("name"), what)?, parsed) {
        (Some(name), _) => name,
        (None, Some(DepPath { name, .. })) => name,
        (None, None) => {
            return Err(LockfileError::Invalid {
                path: ctx.path.to_path_buf(),
                what: what.to_string(),
                message: "the key names no package and there is no name field".into(),
                line: m.line,
            });
        }
    };
    let mut entry = Entry::bare(format!("{prefix}{key}"), name, m.line);
    entry.version = match ctx.opt_str(field("version"), what)? {
        Some(v) => Some(v.to_string()),
        None => parsed
            .map(|p| p.version)
            .filter(|v| node_semver::Version::parse(v).is_ok())
            .map(str::to_string),
    };
    resolution(ctx, field("resolution"), what, m.line, &mut entry)?;
    entry.flags = Flags {
        dev: ctx.flag(field("dev"), what)?,
        optional: ctx.flag(field("optional"), what)?,
        ..Flags::default()
    };
    entry.has_install_script = ctx.flag(field("requiresBuild"), what)?;
    entry.platform = Platform {
        os: ctx.str_list(field("os"), what)?,
        cpu: ctx.str_list(field("cpu"), what)?,
        libc: ctx.str_list(field("libc"), what)?,
    }
    .boxed();
    entry.patch = parsed
        .and_then(|p| keys::patch_hash(p.suffix))
        .map(str::to_string);
    Ok(entry)
}

/// Reads `resolution` into the entry's `resolved`, URL, integrity and
/// source. A `type` lockproof does not know leaves the source
/// unrecognized: it fails closed rather than guess what pnpm fetches.
fn resolution(
    ctx: &Ctx,
    member: Option<&Member>,
    what: What,
    line: u32,
    entry: &mut Entry,
) -> Result<(), LockfileError> {
    let Some(member) = member else {
        return Err(LockfileError::Invalid {
            path: ctx.path.to_path_buf(),
            what: what.to_string(),
            message: "no resolution".into(),
            line,
        });
    };
    let Value::Object(_) = &member.value else {
        return Err(ctx.wrong_type(
            what.field("resolution"),
            "object",
            &member.value,
            member.line,
        ));
    };
    let what = what.within("resolution");
    let get = |name| ctx.opt_str(member.value.member(name), what);
    let need = |name| get(name)?.ok_or_else(|| missing(ctx, what.field(name), member.line));
    entry.integrity = integrity_field(get("integrity")?);
    match get("type")? {
        None => entry.set_resolved(get("tarball")?.map(str::to_string)),
        Some("directory") => {
            entry.set_resolved(Some(format!("file:{}", need("directory")?)));
            // A folder pnpm links or copies: the project's own files, with
            // nothing to download (even if its name ends in `.tgz`).
            entry.source = SourceKind::Link;
        }
        Some("git") => {
            let (repo, commit) = (need("repo")?, need("commit")?);
            let spec = if source::is_git_spec(repo) {
                format!("{repo}#{commit}")
            } else {
                format!("git+{repo}#{commit}")
            };
            entry.set_resolved(Some(spec));
            entry.source = SourceKind::Git;
        }
        Some(_) => entry.source = SourceKind::Unrecognized,
    }
    Ok(())
}

fn missing(ctx: &Ctx, what: String, line: u32) -> LockfileError {
    LockfileError::Invalid {
        path: ctx.path.to_path_buf(),
        what,
        message: "missing".into(),
        line,
    }
}

#[cfg(test)]
mod tests;
