//! Reads Yarn Berry's (2+) YAML `yarn.lock`: one entry per block, keyed
//! by its descriptors (`"a@npm:^1.0.0, a@npm:^1.1.0"`), with the package
//! in `resolution` (a locator, `a@npm:1.1.0`), which is also the entry's
//! path: unique per package, and stable when only a range changes.
//!
//! Berry records no npm integrity. Its `checksum` is the SHA-512 of the
//! zip archive Yarn builds from the tarball, under a cache key (`10c0/…`),
//! and is absent for packages Yarn did not fetch (another platform's,
//! links, workspaces). Entries say so in [`Pin::YarnChecksum`] and keep
//! `integrity` absent: the registry's integrity is the identity of the
//! bytes. Platform restrictions come from `conditions`
//! (`os=darwin & cpu=arm64`).

use std::collections::HashSet;
use std::path::Path;

use super::fields::{Ctx, What};
use super::format::{BERRY_VERSIONS, LockfileFormat};
use super::name::split_spec;
use super::source::{self, SourceKind};
use super::{
    Entry, Lockfile, LockfileError, LockfileVersion, Pin, Platform, YarnChecksum, hex_digest,
};
use crate::integrity::{Algorithm, Hash};
use crate::json::{DuplicateKey, Member, Value};
use crate::yaml;
use locator::Reference;

mod locator;

/// A patch inside a patch inside …: Yarn never nests more than once.
const MAX_PATCH_DEPTH: usize = 4;

/// Parses the text of a Berry `yarn.lock`.
pub(super) fn parse(path: &Path, text: &str) -> Result<Lockfile, LockfileError> {
    let ctx = Ctx { path };
    let mut documents = yaml::parse_documents(text).map_err(|error| LockfileError::Yaml {
        path: path.to_path_buf(),
        error,
    })?;
    if documents.len() != 1 {
        return Err(invalid(
            &ctx,
            "the lockfile".into(),
            format!("{} YAML documents, Yarn writes one", documents.len()),
            1,
        ));
    }
    let doc = documents.remove(0);
    let Value::Object(members) = &doc.value else {
        return Err(ctx.wrong_type(What::TOP, "object", &doc.value, 1));
    };
    let (metadata_version, cache_key, version_line) = metadata(&ctx, &doc.value)?;
    let mut duplicate_keys = doc.duplicate_keys.clone();
    let mut descriptors = HashSet::new();
    let mut root = None;
    let mut entries = Vec::with_capacity(members.len());
    for m in members.iter().filter(|m| m.key != "__metadata") {
        for descriptor in m.key.split(',').map(str::trim) {
            if !descriptors.insert(descriptor) {
                duplicate_keys.push(DuplicateKey {
                    key: descriptor.to_string(),
                    line: m.line,
                });
            }
        }
        let entry = entry(&ctx, m, cache_key)?;
        if entry.source == SourceKind::Root {
            root = Some(entry);
        } else {
            entries.push(entry);
        }
    }
    Ok(Lockfile {
        path: path.to_path_buf(),
        format: LockfileFormat::YarnBerry { metadata_version },
        version: LockfileVersion::V3,
        version_line,
        root,
        entries,
        duplicate_keys,
    })
}

fn invalid(ctx: &Ctx, what: String, message: String, line: u32) -> LockfileError {
    LockfileError::Invalid {
        path: ctx.path.to_path_buf(),
        what,
        message,
        line,
    }
}

/// `__metadata`: the format version and the cache key checksums use.
fn metadata<'d>(ctx: &Ctx, doc: &'d Value) -> Result<(u32, Option<&'d str>, u32), LockfileError> {
    let Some(m) = doc.member("__metadata") else {
        return Err(invalid(
            ctx,
            "the lockfile".into(),
            "no __metadata".into(),
            1,
        ));
    };
    let what = What::entry("entry", "__metadata");
    let Value::Object(_) = &m.value else {
        return Err(ctx.wrong_type(what, "object", &m.value, m.line));
    };
    let version = ctx.opt_str(m.value.member("version"), what)?.unwrap_or("");
    let version = version
        .parse::<u32>()
        .ok()
        .filter(|v| BERRY_VERSIONS.contains(v))
        .ok_or_else(|| LockfileError::UnsupportedVersion {
            path: ctx.path.to_path_buf(),
            field: "Yarn __metadata.version",
            version: version.to_string(),
            supported: "4 to 10 (Yarn 2 to 4)",
            line: m.line,
        })?;
    let cache_key = ctx.opt_str(m.value.member("cacheKey"), what)?;
    Ok((version, cache_key, m.line))
}

fn entry(ctx: &Ctx, m: &Member, cache_key: Option<&str>) -> Result<Entry, LockfileError> {
    let what = What::entry("entry", &m.key);
    let Value::Object(_) = &m.value else {
        return Err(ctx.wrong_type(what, "object", &m.value, m.line));
    };
    let field = |f| m.value.member(f);
    let Some(locator) = ctx.opt_str(field("resolution"), what)? else {
        return Err(invalid(
            ctx,
            what.to_string(),
            "no resolution".into(),
            m.line,
        ));
    };
    let Some((name, reference)) = locator::parse(locator) else {
        return Err(invalid(
            ctx,
            what.field("resolution"),
            format!("{locator:?} names no package"),
            m.line,
        ));
    };
    let mut entry = Entry::bare(locator.to_string(), name, m.line);
    entry.version = ctx.opt_str(field("version"), what)?.map(str::to_string);
    // An alias (`b@npm:a@^1`) installs the package under the alias.
    if let Some((folder, _)) = m.key.split(',').next().and_then(|d| split_spec(d.trim()))
        && folder != name
    {
        entry.folder_name = folder.to_string();
    }
    source_of(&mut entry, name, reference, 0);
    entry.pin = Pin::YarnChecksum(Box::new(checksum(
        ctx.opt_str(field("checksum"), what)?,
        cache_key,
    )));
    if let Some(conditions) = ctx.opt_str(field("conditions"), what)? {
        entry.platform = platform(conditions).boxed();
    }
    Ok(entry)
}

/// Sets the entry's source from its reference. A patch takes the source
/// of the package it patches, whose name must be the entry's.
fn source_of(entry: &mut Entry, name: &str, reference: Reference, depth: usize) {
    match reference {
        Reference::Npm {
            version,
            archive_url,
        } => {
            entry.set_resolved(archive_url);
            // Yarn fetches the locator's version; a `version` field that
            // says another leaves lockproof unable to tell which.
            if entry.version.as_deref().is_some_and(|v| v != version) {
                entry.source = SourceKind::Unrecognized;
            }
            entry.version = Some(version);
        }
        Reference::Workspace(path) => {
            entry.source = if path == "." {
                SourceKind::Root
            } else {
                SourceKind::Workspace
            };
        }
        Reference::Link(path) => {
            entry.set_resolved(Some(format!("file:{path}")));
            entry.source = SourceKind::Link;
        }
        Reference::File(path) => entry.set_resolved(Some(format!("file:{path}"))),
        Reference::Patch { inner, patch } => {
            entry.patch = Some(patch);
            match locator::parse(&inner) {
                Some((inner_name, inner_ref)) if inner_name == name && depth < MAX_PATCH_DEPTH => {
                    source_of(entry, name, inner_ref, depth + 1);
                }
                _ => entry.source = SourceKind::Unrecognized,
            }
        }
        Reference::Git { repo, commit } => {
            let repo = if source::is_git_spec(&repo) {
                repo
            } else {
                format!("git+{repo}")
            };
            entry.set_resolved(Some(match commit {
                Some(commit) => format!("{repo}#{commit}"),
                None => repo,
            }));
            entry.source = SourceKind::Git;
        }
        Reference::Tarball(url) => entry.set_resolved(Some(url)),
        Reference::Other => entry.source = SourceKind::Unrecognized,
    }
}

/// `checksum`: `<cache key>/<sha512 hex>` (Yarn 4), or the hex alone under
/// `__metadata.cacheKey` (Yarn 3).
fn checksum(raw: Option<&str>, cache_key: Option<&str>) -> YarnChecksum {
    let Some(raw) = raw else {
        return YarnChecksum::Absent;
    };
    let (key, hex) = match raw.split_once('/') {
        Some((key, hex)) => (Some(key), hex),
        None => (cache_key, raw),
    };
    match hex_digest(hex, 64) {
        Some(digest) => YarnChecksum::Zip {
            cache_key: key.map(str::to_string),
            hash: Hash {
                algorithm: Algorithm::Sha512,
                digest,
            },
        },
        None => YarnChecksum::Malformed(raw.to_string()),
    }
}

/// `conditions` as platform lists: `&`-joined `field=value` terms, each
/// possibly a `|`-joined group over one field. Anything else restricts
/// nothing, so no download is skipped on its account.
fn platform(conditions: &str) -> Platform {
    let mut platform = Platform::default();
    for term in conditions.split('&') {
        let term = term.trim();
        let term = term
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(term);
        let mut field = None;
        let mut values = Vec::new();
        for atom in term.split('|') {
            let Some((f, v)) = atom.trim().split_once('=') else {
                return Platform::default();
            };
            if field.is_some_and(|seen| seen != f) || v.is_empty() {
                return Platform::default();
            }
            field = Some(f);
            values.push(v.to_string());
        }
        let list = match field {
            Some("os") => &mut platform.os,
            Some("cpu") => &mut platform.cpu,
            Some("libc") => &mut platform.libc,
            _ => return Platform::default(),
        };
        if !list.is_empty() {
            return Platform::default();
        }
        *list = values;
    }
    platform
}

#[cfg(test)]
mod tests;
