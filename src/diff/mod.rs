//! Diff mode (`lockproof audit --base BASE`): which entries of a lockfile
//! were added or changed relative to a base version of it, and what changed
//! about each.
//!
//! The base is another lockfile on disk, or the audited lockfile as it was at
//! a git revision (read with `git show`; git runs with its arguments as
//! separate argv items, never through a shell). Both sides are parsed by the
//! same parser ([`lockfile::parse_as`]) and matched by install path, so a
//! package that moved in the tree counts as added where it is now.
//!
//! A pull request is reviewed for what it changes: findings on entries the
//! pull request did not touch were already there on the base branch, and
//! repeating them on every pull request buries the one that matters. The
//! comparison itself is pure; only [`read_base`] does I/O.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

mod git;
#[cfg(test)]
mod tests;
pub mod trust_change;

use serde::Serialize;
use thiserror::Error;

use crate::finding::{Code, Finding, Location, PackageRef};
use crate::integrity::Integrity;
use crate::lockfile::{self, Entry, IntegrityField, Lockfile, LockfileError, Resolved, SourceKind};

/// Where the base of a diff comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// A lockfile on disk.
    File(PathBuf),
    /// A git revision: each audited lockfile is read at that revision.
    Rev(String),
}

impl Base {
    /// Reads `--base`: an existing file is a base lockfile, anything else a
    /// git revision. A revision starting with `-` is refused, so it can
    /// never be taken for an option of git.
    pub fn parse(arg: &str) -> Result<Self, DiffError> {
        if arg.trim().is_empty() {
            return Err(DiffError::EmptyBase);
        }
        let path = Path::new(arg);
        if path.is_file() {
            return Ok(Self::File(path.to_path_buf()));
        }
        if arg.starts_with('-') {
            return Err(DiffError::DashRevision(arg.to_string()));
        }
        Ok(Self::Rev(arg.to_string()))
    }

    /// Which kind of base it is, for reports.
    pub fn kind(&self) -> BaseKind {
        match self {
            Self::File(_) => BaseKind::File,
            Self::Rev(_) => BaseKind::GitRev,
        }
    }

    /// The base as the user named it.
    pub fn label(&self) -> String {
        match self {
            Self::File(p) => p.display().to_string(),
            Self::Rev(r) => r.clone(),
        }
    }
}

/// The kind of a [`Base`], as reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaseKind {
    /// A lockfile on disk.
    File,
    /// A git revision.
    GitRev,
}

/// Why the base could not be had. Each message names the lockfile and the
/// base.
#[derive(Debug, Error)]
pub enum DiffError {
    /// `--base ""`.
    #[error("--base: empty value: give a base lockfile or a git revision")]
    EmptyBase,
    /// A revision that git could read as an option.
    #[error("--base {0:?}: no such file, and a git revision cannot start with '-'")]
    DashRevision(String),
    /// A base file for several lockfiles.
    #[error(
        "--base {path}: a base lockfile is compared with one lockfile, but {count} lockfiles are audited; give a git revision to compare each with its own base"
    )]
    FileForSeveral {
        /// The base file.
        path: PathBuf,
        /// Lockfiles audited.
        count: usize,
    },
    /// The base file could not be read.
    #[error("--base {path}: cannot read: {source}")]
    ReadBase {
        /// The base file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The base could not be parsed.
    #[error("base lockfile {0}")]
    ParseBase(LockfileError),
    /// git could not be started.
    #[error("{lockfile}: --base {rev}: cannot run git: {source}")]
    Spawn {
        /// The audited lockfile.
        lockfile: PathBuf,
        /// The revision.
        rev: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The lockfile's folder is not in a git work tree.
    #[error("{lockfile}: --base {rev}: no such file, and not in a git repository ({message})")]
    NotARepository {
        /// The audited lockfile.
        lockfile: PathBuf,
        /// The revision.
        rev: String,
        /// What git said.
        message: String,
    },
    /// git does not know the revision.
    #[error("{lockfile}: --base {rev}: no such file, and not a commit of the repository")]
    UnknownRevision {
        /// The audited lockfile.
        lockfile: PathBuf,
        /// The revision.
        rev: String,
    },
    /// The path is not a regular file at the revision.
    #[error("{lockfile}: --base {rev}: {path} is a {what} at that revision, not a file")]
    NotAFile {
        /// The audited lockfile.
        lockfile: PathBuf,
        /// The revision.
        rev: String,
        /// The path in the repository.
        path: String,
        /// What it is instead.
        what: String,
    },
    /// Any other git failure.
    #[error("{lockfile}: --base {rev}: git {command} failed: {message}")]
    Git {
        /// The audited lockfile.
        lockfile: PathBuf,
        /// The revision.
        rev: String,
        /// The git subcommand.
        command: &'static str,
        /// What git said.
        message: String,
    },
}

/// The base lockfile's bytes, or their absence.
#[derive(Debug, Clone)]
pub struct BaseFile {
    /// What was read: the base file, or `REV:path/in/repo`.
    pub label: String,
    /// The bytes; `None` when the lockfile does not exist at the revision.
    pub bytes: Option<Vec<u8>>,
}

/// Reads the base of `lockfile` (the path of the audited file).
pub fn read_base(base: &Base, lockfile: &Path) -> Result<BaseFile, DiffError> {
    match base {
        Base::File(path) => {
            let bytes = std::fs::read(path).map_err(|source| DiffError::ReadBase {
                path: path.clone(),
                source,
            })?;
            Ok(BaseFile {
                label: path.display().to_string(),
                bytes: Some(bytes),
            })
        }
        Base::Rev(rev) => git::read_at_rev(rev, lockfile),
    }
}

/// What changed about an entry. An entry can have several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// No entry of that name anywhere in the base.
    NewPackage,
    /// The name was in the base, at other install paths only.
    NewPath,
    /// Same path, another version.
    VersionBump,
    /// It runs install scripts now, and did not in the base.
    NewInstallScript,
    /// Source kind or host changed, or `resolved` or integrity changed
    /// without a version change.
    SourceChange,
    /// A version bump whose version document claims another trust level
    /// than the base version's (e.g. `staged` → `signed`): field-level on
    /// both sides; the trust checks judge what verified.
    TrustChange,
}

impl ChangeKind {
    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewPackage => "new-package",
            Self::NewPath => "new-path",
            Self::VersionBump => "version-bump",
            Self::NewInstallScript => "new-install-script",
            Self::SourceChange => "source-change",
            Self::TrustChange => "trust-change",
        }
    }
}

/// An entry added or changed relative to the base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Install path (untrusted text).
    pub path: String,
    /// Package name (untrusted text).
    pub name: String,
    /// Version now.
    pub version: Option<String>,
    /// Version of the same package at the same path in the base; `None`
    /// when the path is new or held another package.
    pub base_version: Option<String>,
    /// What changed, sorted; empty only when the sole change is an install
    /// script that no longer runs.
    pub kinds: Vec<ChangeKind>,
    /// One sentence per change worth spelling out (may quote names and
    /// versions: renderers escape them).
    pub details: Vec<String>,
    /// The same version now pins other bytes, or pins none.
    pub suspicious: bool,
}

impl Change {
    /// Records one kind of change and, if it needs words, what it is.
    pub fn add(&mut self, kind: ChangeKind, detail: Option<String>) {
        if let Err(at) = self.kinds.binary_search(&kind) {
            self.kinds.insert(at, kind);
        }
        self.details.extend(detail);
    }
}

/// One lockfile compared with its base.
#[derive(Debug, Clone)]
pub struct LockfileDiff {
    /// What was read as the base (see [`BaseFile::label`]).
    pub base: String,
    /// Whether the lockfile existed in the base.
    pub base_found: bool,
    /// Whether the file's bytes differ from the base's (file-level
    /// findings are reported only then).
    pub file_changed: bool,
    /// Entries added or changed, sorted by path.
    pub changes: Vec<Change>,
    changed: HashSet<String>,
    unchanged: HashSet<String>,
}

impl LockfileDiff {
    /// Whether the entry at `path` was added or changed.
    pub fn is_changed(&self, path: &str) -> bool {
        self.changed.contains(path)
    }

    /// Per entry of `lockfile`, whether it was added or changed.
    pub fn scope(&self, lockfile: &Lockfile) -> Vec<bool> {
        lockfile
            .entries
            .iter()
            .map(|e| self.is_changed(&e.path))
            .collect()
    }

    /// Whether a finding is about something that changed: an added or
    /// changed entry, or the file itself when it changed at all.
    pub fn covers(&self, finding: &Finding) -> bool {
        match &finding.package {
            Some(p) if self.changed.contains(&p.path) => true,
            Some(p) if self.unchanged.contains(&p.path) => false,
            // The project root or the file as a whole.
            _ => self.file_changed,
        }
    }
    /// `integrity-changed` for each entry whose version stayed while its
    /// integrity changed or went: the one change in a diff that policy
    /// should be able to fail on by itself.
    pub fn findings(&self, lockfile: &Lockfile) -> Vec<Finding> {
        let suspicious: HashMap<&str, &Change> = self
            .changes
            .iter()
            .filter(|c| c.suspicious)
            .map(|c| (c.path.as_str(), c))
            .collect();
        lockfile
            .entries
            .iter()
            .filter_map(|e| {
                let change = suspicious.get(e.path.as_str())?;
                Some(Finding::new(
                    Code::IntegrityChanged,
                    Some(PackageRef {
                        name: e.name.clone(),
                        version: e.version.clone(),
                        path: e.path.clone(),
                    }),
                    format!("{} (against {})", change.details.join("; "), self.base),
                    Location::at(&lockfile.path, e.line),
                ))
            })
            .collect()
    }
}

impl LockfileDiff {
    /// Raises each `install-script` finding on an added or changed entry
    /// to `install-script-changed`: a script that will run and is new to
    /// the review is the one to read.
    pub fn raise_install_scripts(&self, findings: &mut [Finding]) {
        for f in findings
            .iter_mut()
            .filter(|f| f.code == Code::InstallScript)
        {
            if f.package.as_ref().is_some_and(|p| self.is_changed(&p.path)) {
                *f = Finding::new(
                    Code::InstallScriptChanged,
                    f.package.take(),
                    format!("added or changed in this change: {}", f.message),
                    f.location.clone(),
                );
            }
        }
    }
}

/// Reads the base of `current` (read from `path`, whose bytes are
/// `current_bytes`) and compares the two.
pub fn against(
    base: &Base,
    path: &Path,
    current: &Lockfile,
    current_bytes: &[u8],
) -> Result<LockfileDiff, DiffError> {
    let file = read_base(base, path)?;
    let Some(bytes) = &file.bytes else {
        return Ok(compare(file.label, current, None, true));
    };
    // The base is read as the same package manager's lockfile as the
    // audited one (npm's reader for npm, as before).
    let parsed = lockfile::parse_as(current.format.manager(), Path::new(&file.label), bytes)
        .map_err(DiffError::ParseBase)?;
    let file_changed = bytes.as_slice() != current_bytes;
    Ok(compare(file.label, current, Some(&parsed), file_changed))
}

/// Compares `current` with `base` (`None`: the lockfile did not exist, so
/// every entry is new).
pub fn compare(
    label: String,
    current: &Lockfile,
    base: Option<&Lockfile>,
    file_changed: bool,
) -> LockfileDiff {
    let entries = base.map_or(&[][..], |b| &b.entries[..]);
    let by_path: HashMap<&str, &Entry> = entries.iter().map(|e| (e.path.as_str(), e)).collect();
    let names: HashSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let mut changes = Vec::new();
    let mut unchanged = HashSet::new();
    for entry in &current.entries {
        match change(entry, by_path.get(entry.path.as_str()).copied(), &names) {
            Some(c) => changes.push(c),
            None => {
                unchanged.insert(entry.path.clone());
            }
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    let changed = changes.iter().map(|c| c.path.clone()).collect();
    LockfileDiff {
        base: label,
        base_found: base.is_some(),
        file_changed: file_changed || base.is_none(),
        changes,
        changed,
        unchanged,
    }
}

/// What changed about `entry` since `before` (the base's entry at the same
/// path), or `None` when nothing the audit cares about did.
fn change(entry: &Entry, before: Option<&Entry>, base_names: &HashSet<&str>) -> Option<Change> {
    let same_package = before.filter(|b| b.name == entry.name);
    let mut c = Change {
        path: entry.path.clone(),
        name: entry.name.clone(),
        version: entry.version.clone(),
        base_version: same_package.and_then(|b| b.version.clone()),
        kinds: Vec::new(),
        details: Vec::new(),
        suspicious: false,
    };
    let Some(b) = same_package else {
        if base_names.contains(entry.name.as_str()) {
            c.add(
                ChangeKind::NewPath,
                Some(format!(
                    "{} was in the base at other paths only",
                    entry.name
                )),
            );
        } else {
            c.add(ChangeKind::NewPackage, None);
        }
        if let Some(other) = before {
            c.details
                .push(format!("replaces {} at this path", other.spec()));
        }
        if entry.has_install_script {
            c.add(ChangeKind::NewInstallScript, None);
        }
        return Some(c);
    };
    let same_version = entry.version == b.version;
    let differs = !same_version
        || entry.source != b.source
        || entry.resolved != b.resolved
        || !same_integrity(&entry.integrity, &b.integrity)
        || entry.has_install_script != b.has_install_script;
    if !differs {
        return None;
    }
    if !same_version {
        c.add(
            ChangeKind::VersionBump,
            Some(format!(
                "{} \u{2192} {}",
                b.version.as_deref().unwrap_or("none"),
                entry.version.as_deref().unwrap_or("none")
            )),
        );
    }
    match (b.has_install_script, entry.has_install_script) {
        (false, true) => c.add(ChangeKind::NewInstallScript, None),
        (true, false) => c.details.push("no longer runs install scripts".to_string()),
        _ => {}
    }
    if entry.source != b.source {
        c.add(
            ChangeKind::SourceChange,
            Some(format!("source {} \u{2192} {}", b.source, entry.source)),
        );
    }
    let (host_before, host_now) = (host(b), host(entry));
    if host_before != host_now {
        c.add(
            ChangeKind::SourceChange,
            Some(format!("host {host_before} \u{2192} {host_now}")),
        );
    } else if same_version && entry.source == b.source && entry.resolved != b.resolved {
        // The URL is not quoted: it may carry credentials.
        c.add(
            ChangeKind::SourceChange,
            Some("resolved changed without a version change".to_string()),
        );
    }
    if same_version
        && let Some((detail, suspicious)) = integrity_change(&b.integrity, &entry.integrity)
    {
        c.add(ChangeKind::SourceChange, Some(detail));
        c.suspicious |= suspicious;
    }
    Some(c)
}

/// Where an entry downloads from, for messages: the URL's host (never its
/// user name or password), or what an entry without one installs from.
fn host(entry: &Entry) -> String {
    match entry
        .url
        .as_ref()
        .and_then(|u| u.host_str().map(|h| (h, u.port())))
    {
        Some((h, Some(port))) => format!("{h}:{port}"),
        Some((h, None)) => h.to_string(),
        None if entry.resolved == Resolved::Absent && entry.source == SourceKind::Registry => {
            "(the configured registry)".to_string()
        }
        None => "(none)".to_string(),
    }
}

/// Integrity equality that ignores the order of the hashes.
fn same_integrity(a: &IntegrityField, b: &IntegrityField) -> bool {
    match (a, b) {
        (IntegrityField::Valid(x), IntegrityField::Valid(y)) => {
            let set = |i: &Integrity| i.hashes().iter().cloned().collect::<HashSet<_>>();
            set(x) == set(y)
        }
        _ => a == b,
    }
}

/// How the integrity of one version changed, and whether that is
/// suspicious: one version's bytes never change on a registry, so another
/// hash for the same version means other bytes, or a lockfile edited by
/// hand.
fn integrity_change(before: &IntegrityField, now: &IntegrityField) -> Option<(String, bool)> {
    const SUSPICIOUS: &str = "suspicious";
    if same_integrity(before, now) {
        return None;
    }
    Some(match (before, now) {
        (IntegrityField::Absent, _) => (
            "integrity added without a version change".to_string(),
            false,
        ),
        (_, IntegrityField::Absent) => (
            format!(
                "integrity removed without a version change: npm will not check the bytes ({SUSPICIOUS})"
            ),
            true,
        ),
        (IntegrityField::Valid(b), IntegrityField::Valid(n)) => {
            // npm verifies with the strongest hash only.
            let used = n.strongest();
            match b.hashes().iter().find(|h| h.algorithm == used.algorithm) {
                Some(old) if old.digest == used.digest => (
                    format!(
                        "integrity rewritten without a version change; the {} hash npm verifies with is unchanged",
                        used.algorithm.name()
                    ),
                    false,
                ),
                Some(_) => (
                    format!(
                        "integrity changed without a version change: the same version now pins other bytes ({SUSPICIOUS})"
                    ),
                    true,
                ),
                None => (
                    format!(
                        "integrity changed without a version change: npm now checks a {} hash the base did not pin ({SUSPICIOUS})",
                        used.algorithm.name()
                    ),
                    true,
                ),
            }
        }
        _ => (
            format!("integrity changed without a version change and is not usable ({SUSPICIOUS})"),
            true,
        ),
    })
}
