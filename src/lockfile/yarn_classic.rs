//! Reads Yarn 1's `yarn.lock`: one entry per block. A block's key lists
//! the specifiers (`a@^1.0.0, a@^1.1.0`) that resolved to it; its fields
//! are `version`, `resolved` (the tarball URL, with Yarn's SHA-1 of the
//! tarball as its `#` fragment), `integrity` (since Yarn 1.10) and the
//! dependency lists.
//!
//! Entry paths are `name@version` (the block's key when two blocks share
//! one), so that a changed range does not make a package look new in diff
//! mode. The SHA-1 fragment is moved out of `resolved` into `integrity`
//! when there is no `integrity` field, since Yarn then checks the download
//! against it; a git URL's fragment is its commit and stays.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::fields::{Ctx, What};
use super::format::LockfileFormat;
use super::name::split_spec;
use super::source::{self, SourceKind};
use super::{
    Entry, IntegrityField, Lockfile, LockfileError, LockfileVersion, MalformedIntegrity,
    integrity_field,
};
use crate::integrity::IntegrityError;
use crate::json::Value;
use syntax::Block;

mod syntax;

/// Parses the text of a Yarn 1 lockfile.
pub(super) fn parse(path: &Path, text: &str) -> Result<Lockfile, LockfileError> {
    let ctx = Ctx { path };
    let (blocks, duplicate_keys) = syntax::parse(text).map_err(|e| LockfileError::Syntax {
        path: path.to_path_buf(),
        message: e.message,
        line: e.line,
        column: e.column,
    })?;
    let version_line = text
        .lines()
        .position(|l| l.trim() == "# yarn lockfile v1")
        .map_or(1, |i| u32::try_from(i + 1).unwrap_or(u32::MAX));
    let mut taken = std::collections::HashSet::with_capacity(blocks.len());
    let mut entries = Vec::with_capacity(blocks.len());
    for block in &blocks {
        let mut entry = entry(&ctx, block)?;
        if !taken.insert(entry.path.clone()) {
            entry.path = joined_keys(block);
            taken.insert(entry.path.clone());
        }
        entries.push(entry);
    }
    Ok(Lockfile {
        path: path.to_path_buf(),
        format: LockfileFormat::YarnClassic,
        version: LockfileVersion::V3,
        version_line,
        root: None,
        entries,
        duplicate_keys,
    })
}

fn joined_keys(block: &Block) -> String {
    block
        .keys
        .iter()
        .map(|k| k.as_ref())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The package a specifier names and the folder it installs to: `a@^1`
/// is `a` in `a`; the alias `b@npm:a@^1` is `a` in `b`.
fn package_of(specifier: &str) -> Option<(&str, &str)> {
    let (folder, range) = split_spec(specifier)?;
    match range.strip_prefix("npm:") {
        Some(target) => Some((split_spec(target).map_or(target, |(name, _)| name), folder)),
        None => Some((folder, folder)),
    }
}

fn entry(ctx: &Ctx, block: &Block) -> Result<Entry, LockfileError> {
    let first = block.keys.first().map_or("", |k| k.as_ref());
    let what = What::entry("entry", first);
    let Value::Object(_) = &block.value else {
        return Err(ctx.wrong_type(what, "object", &block.value, block.line));
    };
    let mut packages = block.keys.iter().map(|k| package_of(k));
    let Some(Some((name, folder))) = packages.next() else {
        return Err(LockfileError::Invalid {
            path: ctx.path.to_path_buf(),
            what: what.to_string(),
            message: "the key names no package (expected name@range)".into(),
            line: block.line,
        });
    };
    // A block whose specifiers name different packages installs one
    // tarball under several names: lockproof cannot tell which is meant.
    let conflicting = packages.any(|p| p.is_none_or(|(other, _)| other != name));
    let field = |f| block.value.member(f);
    let version = ctx.opt_str(field("version"), what)?;
    let path = match version {
        Some(v) => format!("{name}@{v}"),
        None => joined_keys(block),
    };
    let mut entry = Entry::bare(path, name, block.line);
    entry.folder_name = folder.to_string();
    entry.version = version.map(str::to_string);
    let resolved = ctx.opt_str(field("resolved"), what)?;
    let (resolved, hash) = match resolved {
        Some(r) if !source::is_git_spec(r) => match r.split_once('#') {
            Some((url, hash)) => (Some(url), Some(hash)),
            None => (Some(r), None),
        },
        other => (other, None),
    };
    entry.integrity = match ctx.opt_str(field("integrity"), what)? {
        Some(raw) => integrity_field(Some(raw)),
        None => hash.map_or(IntegrityField::Absent, sha1_hex),
    };
    // Without `resolved`, the specifier says where Yarn fetches from: a
    // `file:`/`link:` folder or tarball, else the registry.
    let spec = match resolved {
        Some(r) => Some(r.to_string()),
        None => split_spec(first)
            .map(|(_, range)| range)
            .filter(|range| range.starts_with("file:") || range.starts_with("link:"))
            .map(|range| {
                format!(
                    "file:{}",
                    range
                        .trim_start_matches("file:")
                        .trim_start_matches("link:")
                )
            }),
    };
    entry.set_resolved(spec);
    if conflicting {
        entry.source = SourceKind::Unrecognized;
    }
    Ok(entry)
}

/// Yarn's hex SHA-1 fragment as an SRI integrity: Yarn compares the
/// download's SHA-1 with it, so anything but 40 hex digits pins bytes
/// that cannot exist (malformed).
fn sha1_hex(hex: &str) -> IntegrityField {
    match super::hex_digest(hex, 20) {
        Some(bytes) => integrity_field(Some(&format!("sha1-{}", STANDARD.encode(bytes)))),
        None => IntegrityField::Malformed(Box::new(MalformedIntegrity {
            raw: hex.to_string(),
            error: IntegrityError::BadLength {
                algorithm: "sha1",
                actual: hex.len() / 2,
                expected: 20,
            },
        })),
    }
}

#[cfg(test)]
mod tests;
