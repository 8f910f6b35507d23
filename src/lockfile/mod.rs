//! Lockfiles: finding them, reading them, and turning them into one
//! [`Entry`] per package the package manager installs.
//!
//! npm's `lockfileVersion` 2 and 3 are read from `packages` ([`packages`]);
//! version 1 and the unversioned npm ≤ 4 shrinkwrap from the nested
//! `dependencies` tree ([`nested`]). pnpm, Yarn (classic and Berry) and Bun
//! have a reader each ([`pnpm`], [`yarn_classic`], [`yarn_berry`],
//! [`bun`]) that produces the same entries; [`discover`] finds the
//! lockfiles of a folder as each package manager does. Everything
//! downstream works on entries and never looks at the file again.

mod bun;
pub mod bytes;
pub mod discover;
mod fields;
pub mod format;
pub mod name;
mod nested;
mod packages;
mod path_budget;
mod pnpm;
mod resolved_url;
pub mod source;
mod yarn_berry;
mod yarn_classic;

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::integrity::{Digest, Hash, Integrity, IntegrityError};
use crate::json::{self, DuplicateKey, JsonError, Keep, Value};
use crate::yaml::YamlError;
pub use discover::{Located, discover, load_located, parse_as};
pub use format::{Gap, LockfileFormat, PackageManager, PnpmVersion};
pub use packages::folder_name;
pub use path_budget::{MIN_PATH_BYTES, PATH_BYTES_PER_FILE_BYTE};
pub use resolved_url::ResolvedUrl;
pub use source::SourceKind;

/// The file names npm reads, in the order it prefers them.
pub const LOCKFILE_NAMES: [&str; 2] = ["npm-shrinkwrap.json", "package-lock.json"];

/// The lockfile format, from `lockfileVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LockfileVersion {
    /// npm ≤ 4 shrinkwrap: no `lockfileVersion`, no integrity.
    Unversioned,
    /// npm 5–6: nested `dependencies`.
    V1,
    /// npm 7–8: `packages` plus legacy `dependencies`.
    V2,
    /// npm 9+: `packages` only.
    V3,
}

impl fmt::Display for LockfileVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unversioned => "unversioned (npm <= 4)",
            Self::V1 => "1",
            Self::V2 => "2",
            Self::V3 => "3",
        })
    }
}

/// The `resolved` field as written. Formats that record the source in
/// other fields (pnpm's `resolution`, Yarn Berry's `resolution`, Bun's
/// package arrays) get the spec npm would write for it (a tarball URL,
/// `git+<repo>#<commit>`, `file:<path>`), so every check reads one notation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "value")]
pub enum Resolved {
    /// No `resolved` (npm's `omit-lockfile-registry-resolved`, or bundled).
    Absent,
    /// `"resolved": false`, written by some old npm versions.
    False,
    /// A URL or spec.
    Url(String),
}

impl Resolved {
    /// The URL or spec, when there is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Url(u) => Some(u),
            _ => None,
        }
    }
}

/// The `integrity` field, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntegrityField {
    /// No `integrity`.
    Absent,
    /// A usable SRI string.
    Valid(Integrity),
    /// Present but unusable. Boxed: rare, and in place it would double
    /// the size of every entry's field.
    Malformed(Box<MalformedIntegrity>),
}

/// An `integrity` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedIntegrity {
    /// The text as written.
    pub raw: String,
    /// Why it is unusable.
    pub error: IntegrityError,
}

/// What pins an entry's bytes in the lockfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Pin {
    /// `integrity` is the lockfile's pin of the npm tarball (npm, pnpm,
    /// Yarn 1, Bun); when it is absent, nothing pins the bytes.
    #[default]
    Integrity,
    /// Yarn Berry: the lockfile pins no npm integrity (`integrity` is
    /// always absent). Its checksum hashes Yarn's own zip archive of the
    /// package, which cannot be compared with the npm tarball, so the
    /// registry's integrity is the only identity of the bytes. Boxed: the
    /// checksum is about 100 bytes, which every entry of every other
    /// format would otherwise carry.
    YarnChecksum(Box<YarnChecksum>),
}

impl Pin {
    /// Yarn Berry's checksum, when it is what pins the bytes.
    pub fn yarn_checksum(&self) -> Option<&YarnChecksum> {
        match self {
            Pin::YarnChecksum(checksum) => Some(checksum),
            Pin::Integrity => None,
        }
    }
}

/// A Yarn Berry entry's `checksum`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YarnChecksum {
    /// The SHA-512 of Yarn's zip archive, under Yarn's cache key (`10c0`
    /// in `10c0/<hex>`, or `__metadata.cacheKey` for older files).
    Zip {
        /// The cache key the archive was built under.
        cache_key: Option<String>,
        /// The archive's hash.
        hash: Hash,
    },
    /// Present but not `[<cache key>/]<128 hex digits>`.
    Malformed(String),
    /// No checksum: Yarn did not fetch the package (another platform's
    /// package, or a source Yarn does not cache: a workspace, a link).
    Absent,
}

/// Dependency-type flags npm records per entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// Only needed for development.
    pub dev: bool,
    /// Only needed by optional dependencies.
    pub optional: bool,
    /// Needed by both dev and optional dependency chains.
    pub dev_optional: bool,
    /// Installed as a peer dependency.
    pub peer: bool,
    /// Not required by anything.
    pub extraneous: bool,
}

/// Platform restrictions (`os`, `cpu`, `libc`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Platform {
    /// Operating systems (`darwin`, `!win32`, …).
    pub os: Vec<String>,
    /// CPU architectures.
    pub cpu: Vec<String>,
    /// C libraries (`glibc`, `musl`).
    pub libc: Vec<String>,
}

/// The restrictions of no entry: what [`Entry::platform`] lends when the
/// lockfile states none.
static UNRESTRICTED: Platform = Platform {
    os: Vec::new(),
    cpu: Vec::new(),
    libc: Vec::new(),
};

impl Platform {
    /// As an entry keeps it: `None` when it restricts nothing.
    fn boxed(self) -> Option<Box<Platform>> {
        let none = self.os.is_empty() && self.cpu.is_empty() && self.libc.is_empty();
        (!none).then(|| Box::new(self))
    }
}

/// One installed package path of a lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Install path, e.g. `node_modules/a/node_modules/@s/b`.
    pub path: String,
    /// Registry name (the alias target for aliases).
    pub name: String,
    /// Folder name under `node_modules` (differs from `name` for aliases).
    pub folder_name: String,
    /// Version, when the lockfile states one.
    pub version: Option<String>,
    /// `resolved` as written.
    pub resolved: Resolved,
    /// `resolved` parsed as a URL (without git's `git+` prefix), when it
    /// is one; parsed once here so every check sees the same host.
    pub url: Option<ResolvedUrl>,
    /// `integrity`, parsed.
    pub integrity: IntegrityField,
    /// Where the bytes come from.
    pub source: SourceKind,
    /// Dependency-type flags.
    pub flags: Flags,
    /// `hasInstallScript` (v2/v3 only; v1 does not record it).
    pub has_install_script: bool,
    /// Platform restrictions ([`Entry::platform`]): nearly every entry has
    /// none, and three empty lists in each would be 72 bytes of nothing.
    platform: Option<Box<Platform>>,
    /// 1-based line of the entry's key.
    pub line: u32,
    /// What pins the bytes ([`Pin::Integrity`] for every format but Yarn
    /// Berry).
    pub pin: Pin,
    /// The patch the package manager applies after fetching (pnpm's and
    /// Bun's `patchedDependencies`, Yarn's `patch:` protocol), as the
    /// lockfile names it: the installed files are the verified tarball
    /// changed by the project's own patch file. `None` for npm.
    pub patch: Option<String>,
}

impl Entry {
    /// The entry's platform restrictions (`os`, `cpu`, `libc`).
    pub fn platform(&self) -> &Platform {
        self.platform.as_deref().unwrap_or(&UNRESTRICTED)
    }

    /// An entry with its identity only, for the readers of the other
    /// formats to fill in; its source is unrecognized until they set it.
    fn bare(path: String, name: &str, line: u32) -> Self {
        Self {
            path,
            name: name.to_string(),
            folder_name: name.to_string(),
            version: None,
            resolved: Resolved::Absent,
            url: None,
            integrity: IntegrityField::Absent,
            source: SourceKind::Unrecognized,
            flags: Flags::default(),
            has_install_script: false,
            platform: None,
            line,
            pin: Pin::Integrity,
            patch: None,
        }
    }

    /// Sets `resolved` (a spec in npm's notation, or absent for the
    /// configured registry) and the URL and source npm would read from it.
    fn set_resolved(&mut self, resolved: Option<String>) {
        self.url = resolved.as_deref().and_then(source::parse_url);
        self.source = source::classify(resolved.as_deref(), self.url.as_ref(), false, false, false);
        self.resolved = resolved.map_or(Resolved::Absent, Resolved::Url);
    }

    /// `name@version`, or the name alone when there is no version.
    pub fn spec(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{}", self.name, v),
            None => self.name.clone(),
        }
    }
}

/// A parsed lockfile.
#[derive(Debug, Clone)]
pub struct Lockfile {
    /// The file read.
    pub path: PathBuf,
    /// The format (package manager and format version).
    pub format: LockfileFormat,
    /// npm's format version. Kept for the report's `lockfile_version`
    /// until it serializes [`Lockfile::format`] (identical for npm); other
    /// formats carry [`LockfileVersion::V3`] here, the npm format whose
    /// shape their entries have; read `format` for them.
    pub version: LockfileVersion,
    /// 1-based line of the format version (`lockfileVersion`,
    /// `__metadata`; 1 when absent).
    pub version_line: u32,
    /// The project itself (kind [`SourceKind::Root`]), when the lockfile
    /// records it.
    pub root: Option<Entry>,
    /// Every installed package path except the project root.
    pub entries: Vec<Entry>,
    /// Keys that occur twice in one object anywhere in the file (for
    /// Yarn: a specifier or resolution given to two entries).
    pub duplicate_keys: Vec<DuplicateKey>,
}

/// Why a lockfile could not be read. Each message names the file.
#[derive(Debug, Error)]
pub enum LockfileError {
    /// The path does not exist.
    #[error("{0}: no such file or folder")]
    NotFound(PathBuf),
    /// A folder without a lockfile.
    #[error("{0}: no npm-shrinkwrap.json or package-lock.json in this folder")]
    NoLockfile(PathBuf),
    /// Reading failed.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("{0}: the file is empty")]
    Empty(PathBuf),
    /// Not UTF-8.
    #[error("{path}: not valid UTF-8 at line {line}, column {column}")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
    },
    /// Not JSON.
    #[error("{path}: malformed JSON: {error}")]
    Json {
        /// The file.
        path: PathBuf,
        /// Where and why.
        error: JsonError,
    },
    /// A `lockfileVersion` lockproof does not know.
    #[error(
        "{path}: line {line}: unknown lockfileVersion {version} (lockproof reads versions 1, 2 and 3, and unversioned npm <= 4 shrinkwraps)"
    )]
    UnknownVersion {
        /// The file.
        path: PathBuf,
        /// The value as written.
        version: String,
        /// 1-based line.
        line: u32,
    },
    /// A format version lockproof does not know, in another package
    /// manager's lockfile.
    #[error("{path}: line {line}: unknown {field} {version} (lockproof reads {supported})")]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Which field, e.g. `pnpm lockfileVersion`.
        field: &'static str,
        /// The value as written.
        version: String,
        /// The values lockproof reads.
        supported: &'static str,
        /// 1-based line.
        line: u32,
    },
    /// Not YAML lockproof reads.
    #[error("{path}: malformed YAML: {error}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// Where and why.
        error: YamlError,
    },
    /// A syntax error in a format with its own syntax (Yarn 1).
    #[error("{path}: line {line}, column {column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
        /// 1-based line.
        line: u32,
        /// 1-based column, in characters.
        column: u32,
    },
    /// A value that is well-typed but not what the format allows.
    #[error("{path}: line {line}: {what}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Which field or entry, e.g. `packages["a@1.0.0"].resolution`.
        what: String,
        /// What is wrong with it.
        message: String,
        /// 1-based line.
        line: u32,
    },
    /// Bun's binary lockfile.
    #[error(
        "{0}: bun.lockb is Bun's binary lockfile, which lockproof does not read: write the text lockfile bun.lock with `bun install --save-text-lockfile --frozen-lockfile --lockfile-only` (Bun 1.2 and later write bun.lock by default) and audit that"
    )]
    BunBinary(PathBuf),
    /// A folder without any lockfile lockproof reads.
    #[error(
        "{0}: no lockfile in this folder (looked for npm-shrinkwrap.json, package-lock.json, pnpm-lock.yaml, yarn.lock and bun.lock)"
    )]
    NoSupportedLockfile(PathBuf),
    /// Install paths adding up to more than lockproof reads for a file of
    /// this size (`path_budget`): a nested tree whose paths repeat their
    /// ancestors out of all proportion to the file.
    #[error(
        "{path}: line {line}: the entries' install paths (node_modules/a/node_modules/b/...) add up to more than {limit} bytes, the limit for a lockfile of {size} bytes ({ratio} bytes of install path per byte of lockfile, and at least {floor} bytes); lockproof refuses a lockfile nested this deeply, since reading it would take memory and output out of all proportion to its size",
        ratio = PATH_BYTES_PER_FILE_BYTE,
        floor = MIN_PATH_BYTES
    )]
    PathsTooLong {
        /// The file.
        path: PathBuf,
        /// 1-based line of the entry whose path went past the limit.
        line: u32,
        /// The most its install paths may add up to, in bytes.
        limit: usize,
        /// The file's size in bytes.
        size: usize,
    },
    /// A field of the wrong JSON type.
    #[error("{path}: line {line}: {what}: expected {expected}, found {found}")]
    WrongType {
        /// The file.
        path: PathBuf,
        /// Which field or entry, e.g. `packages["node_modules/a"].version`.
        what: String,
        /// The JSON type wanted.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
        /// 1-based line.
        line: u32,
    },
}

/// Finds the lockfile npm would read: `path` itself if it is a file, else
/// `npm-shrinkwrap.json` in the folder, else `package-lock.json`.
pub fn locate(path: &Path) -> Result<PathBuf, LockfileError> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if !path.exists() {
        return Err(LockfileError::NotFound(path.to_path_buf()));
    }
    LOCKFILE_NAMES
        .iter()
        .map(|name| path.join(name))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| LockfileError::NoLockfile(path.to_path_buf()))
}

/// The `npm-shrinkwrap.json` beside `file` when `file` is a
/// `package-lock.json`: npm reads the shrinkwrap and ignores the other, so
/// auditing only the file named would audit what is not installed.
pub fn shadowing_shrinkwrap(file: &Path) -> Option<PathBuf> {
    if file.file_name()? != LOCKFILE_NAMES[1] {
        return None;
    }
    let sibling = file.with_file_name(LOCKFILE_NAMES[0]);
    sibling.is_file().then_some(sibling)
}

/// Reads and parses the lockfile at `path` (a file, or a folder as
/// [`locate`] resolves it).
pub fn load(path: &Path) -> Result<Lockfile, LockfileError> {
    let file = locate(path)?;
    parse_bytes(&file, &bytes::read(&file)?)
}

/// Parses npm lockfile bytes; `path` is used for messages and the result.
/// [`parse_as`] reads the other formats.
pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<Lockfile, LockfileError> {
    let text = text_of(path, bytes)?;
    let doc = json::parse_with(text, plan).map_err(|error| LockfileError::Json {
        path: path.to_path_buf(),
        error,
    })?;
    let ctx = fields::Ctx { path };
    let Value::Object(_) = &doc.value else {
        return Err(ctx.wrong_type(fields::What::TOP, "object", &doc.value, 1));
    };
    let (version, version_line) = read_version(&ctx, &doc.value)?;
    let top_name = ctx.opt_str(doc.value.member("name"), fields::What::TOP)?;
    let dedupe = !doc.duplicate_keys.is_empty();
    // Like npm, read `packages` whenever it holds anything, whatever
    // `lockfileVersion` claims; only without it, the nested tree.
    let (root, entries) = match doc.value.get("packages") {
        Some(p) if has_packages(p) || !matches!(p, Value::Object(_)) => {
            packages::read(&ctx, &doc.value, top_name, dedupe)?
        }
        _ => {
            let mut budget = path_budget::PathBudget::new(bytes.len());
            nested::read(&ctx, &doc.value, top_name, dedupe, &mut budget)?
        }
    };
    let lockfile = Lockfile {
        path: path.to_path_buf(),
        format: LockfileFormat::Npm(version),
        version,
        version_line,
        root,
        entries,
        duplicate_keys: doc.duplicate_keys,
    };
    path_budget::check(&lockfile, bytes.len())?;
    Ok(lockfile)
}

/// Which parts of a lockfile the parser builds: the fields entries are
/// read from. The rest (dependency maps, engines, funding, …) is validated
/// and its duplicate keys noted, and the legacy `dependencies` tree, which
/// npm 7+ ignores once `packages` holds anything (npm writes it first), is
/// only validated.
fn plan(path: &[Cow<'_, str>], seen: &[json::Member], key: &str) -> Keep {
    let field = |wanted: bool| if wanted { Keep::Build } else { Keep::Check };
    match path {
        [] if key == "dependencies"
            && seen
                .iter()
                .any(|m| m.key == "packages" && has_packages(&m.value)) =>
        {
            Keep::Ignore
        }
        // The members of one `packages` entry.
        [section, _] if section == "packages" => field(key != "dependencies" && fields::reads(key)),
        // The members of one entry of the nested tree, at any depth:
        // `dependencies`, name, `dependencies`, name, ….
        [section, rest @ ..] if section == "dependencies" && rest.len() % 2 == 1 => {
            field(fields::reads(key))
        }
        _ => Keep::Build,
    }
}

/// The bytes as UTF-8 text, refusing an empty (or blank) file.
fn text_of<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str, LockfileError> {
    // Checked with SIMD first, which takes a fraction of the time on the
    // megabytes of a large lockfile; the standard check, which says where
    // the first bad byte is, only runs on a file that fails.
    let text = simdutf8::basic::from_utf8(bytes)
        .or_else(|_| std::str::from_utf8(bytes))
        .map_err(|e| {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            LockfileError::NotUtf8 {
                path: path.to_path_buf(),
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
            }
        })?;
    if text.trim().is_empty() {
        return Err(LockfileError::Empty(path.to_path_buf()));
    }
    Ok(text)
}

fn read_version(ctx: &fields::Ctx, doc: &Value) -> Result<(LockfileVersion, u32), LockfileError> {
    let Some(member) = doc.member("lockfileVersion") else {
        return Ok((LockfileVersion::Unversioned, 1));
    };
    let Value::Number(n) = &member.value else {
        return Err(ctx.wrong_type("lockfileVersion", "number", &member.value, member.line));
    };
    let version = match *n {
        "1" => LockfileVersion::V1,
        "2" => LockfileVersion::V2,
        "3" => LockfileVersion::V3,
        _ => {
            // Cut: the value is the file's to choose, and may be huge.
            let mut version: String = n.chars().take(20).collect();
            if version.len() < n.len() {
                version.push('…');
            }
            return Err(LockfileError::UnknownVersion {
                path: ctx.path.to_path_buf(),
                version,
                line: member.line,
            });
        }
    };
    Ok((version, member.line))
}

/// A digest of `len` bytes (at most 64, SHA-512's) written as `2 * len`
/// hex digits (either case), or `None`.
fn hex_digest(hex: &str, len: usize) -> Option<Digest> {
    // Checked first: `from_str_radix` would accept a leading `+`.
    if hex.len() != 2 * len || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Digest::new(&bytes)
}

/// Whether a `packages` value holds any entry (npm's test for reading it).
fn has_packages(value: &Value) -> bool {
    value.as_object().is_some_and(|m| !m.is_empty())
}

/// Parses an `integrity` value into an [`IntegrityField`].
fn integrity_field(raw: Option<&str>) -> IntegrityField {
    match raw {
        None => IntegrityField::Absent,
        Some(raw) => match Integrity::parse(raw) {
            Ok(i) => IntegrityField::Valid(i),
            Err(error) => IntegrityField::Malformed(Box::new(MalformedIntegrity {
                raw: raw.to_string(),
                error,
            })),
        },
    }
}

/// Test inputs: the empty string and, `rounds` times over, every string so
/// far with each of `parts` appended (so every sequence of up to `rounds`
/// parts, some more than once).
#[cfg(test)]
fn joined_parts(parts: &[&str], rounds: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    for _ in 0..rounds {
        let longer: Vec<String> = all
            .iter()
            .flat_map(|s| parts.iter().map(move |p| format!("{s}{p}")))
            .collect();
        all.extend(longer);
    }
    all
}
