//! Inspection of an npm package tarball (`.tgz`) as hostile input, before
//! npm is allowed to install it.
//!
//! [`inspect`] streams the archive once, in memory, and never writes an
//! entry anywhere. It decodes headers conservatively across the node-tar
//! versions npm ships (tar 6 in npm 10; tar 7 in npm 11, whose releases before
//! 11.19 carry tar 7.5.15 or older): where they agree it reads as they do, so
//! that what it reports is what npm would extract; where they would frame the
//! archive differently (a pax `size` they read differently) it stops with a
//! violation, as an archive that reads one way here and another way in some
//! npm is itself the problem. Anything suspicious is a [`Violation`], a value
//! the caller turns into a finding; only a failure of the caller's own reader
//! is an error.
//!
//! npm extracts with the first path segment stripped (`package/` usually,
//! but any name works), so the package root, the manifest's location and
//! link resolution are all judged below that segment. npm also extracts
//! only regular files: links, devices and FIFOs are skipped when unpacking,
//! but an archive that carries them was not made by `npm pack` and is
//! reported all the same.

mod header;
mod manifest;
mod paths;
mod stream;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io::{self, Read};

use header::{BLOCK, Block, Extension, Kind, MAX_META_BYTES};
pub use manifest::Manifest;
use paths::Target;
use stream::Decompressed;

/// Bounds on the work an archive can cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Decompressed bytes, counted as they stream (a gzip bomb stops here).
    pub max_decompressed_bytes: u64,
    /// Header blocks, extension records included.
    pub max_entries: u64,
    /// The size of `package.json` that is read and parsed.
    pub max_manifest_bytes: u64,
}

impl Default for Limits {
    /// 512 MiB decompressed, 100,000 headers, 5 MiB of `package.json`:
    /// far beyond any real package, small enough to bound the work.
    fn default() -> Self {
        Self {
            max_decompressed_bytes: 512 * 1024 * 1024,
            max_entries: 100_000,
            max_manifest_bytes: 5 * 1024 * 1024,
        }
    }
}

/// Characters of a path or link target a [`Violation`] keeps.
pub const SHOWN_CHARS: usize = 256;

/// Path, link and special-file violations kept; the rest are counted in a
/// [`Violation::TooManyViolations`].
pub const LISTED_ENTRY_VIOLATIONS: usize = 100;

/// Paths a [`Violation::DuplicateManifest`] keeps.
pub const LISTED_MANIFESTS: usize = 10;

/// `text` as a violation keeps it: whole, or its first [`SHOWN_CHARS`]
/// characters and its full length in bytes.
fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…({} bytes)", &text[..cut], text.len()),
    }
}

/// A kind of entry that is no file, folder or link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialKind {
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe.
    Fifo,
}

/// Something about a tarball that a package made by `npm pack` never has,
/// or that lets it read differently to different tools.
///
/// Paths and link targets are kept as stored, but one longer than
/// [`SHOWN_CHARS`] characters is cut there and marked with its full length
/// (`…(N bytes)`): an archive may carry megabytes of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A path with a `..` segment (either separator).
    ParentTraversal {
        /// The entry's path as stored.
        path: String,
    },
    /// A path starting with `/`, `\` or a drive letter.
    AbsolutePath {
        /// The entry's path as stored.
        path: String,
    },
    /// A link whose target resolves outside the package root.
    LinkEscapes {
        /// The link's path as stored.
        path: String,
        /// Its target as stored.
        target: String,
        /// A hard link (target named from the archive root) rather than a
        /// symbolic one (target resolved from the link's folder).
        hard: bool,
    },
    /// A device or FIFO entry.
    SpecialFile {
        /// The entry's path as stored.
        path: String,
        /// What it is.
        kind: SpecialKind,
    },
    /// The violations of the four kinds above past the first
    /// [`LISTED_ENTRY_VIOLATIONS`], counted but not kept: one archive can
    /// have 100,000 entries.
    TooManyViolations {
        /// How many were not kept.
        more: u64,
    },
    /// Decompressing produced more than the limit: inspection stopped there.
    DecompressedTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// More headers than the limit: inspection stopped there.
    TooManyEntries {
        /// The limit.
        limit: u64,
    },
    /// The input is not gzip (npm would still read a plain tar).
    NotGzip,
    /// The gzip data is invalid (bad header, deflate data or checksum).
    BadGzip {
        /// The decoder's message.
        detail: String,
    },
    /// The data ends early.
    Truncated {
        /// Where it ends.
        detail: &'static str,
    },
    /// A header node-tar would skip, reading on from the next block: what
    /// follows may be hidden from other tools, so inspection stops.
    BadHeader {
        /// The header's offset in the decompressed archive.
        offset: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An entry size the node-tar versions npm ships would read
    /// differently, so that one of them could take data for headers (or
    /// headers for data) and extract entries the others never see:
    /// inspection stops.
    AmbiguousSize {
        /// The offset, in the decompressed archive, of the header where the
        /// readings part.
        offset: u64,
        /// What they disagree on.
        reason: &'static str,
    },
    /// Bytes past the end of the archive.
    TrailingData {
        /// Which end they follow.
        detail: &'static str,
    },
    /// No top-level `package.json` file (checked only when the whole
    /// archive was read).
    MissingManifest,
    /// The top-level `package.json` is over the limit and was not read.
    ManifestTooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The top-level `package.json` is not a JSON object.
    MalformedManifest {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// More than one file lands at the top-level `package.json` (names
    /// compared without case, as macOS and Windows do): npm reads the one
    /// written last, other tools may read the first.
    DuplicateManifest {
        /// How many there are.
        count: u64,
        /// The first [`LISTED_MANIFESTS`] entries' paths as stored (see
        /// [`Violation`] on how long ones are shortened), in archive order.
        paths: Vec<String>,
    },
    /// A `package.json` field npm reads has the wrong JSON type.
    ManifestFieldType {
        /// The field, dotted (`scripts.install`, `dependencies.left-pad`).
        field: String,
        /// What it should be.
        expected: &'static str,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ParentTraversal { path } => write!(f, "entry {path:?} has a '..' path segment"),
            Self::AbsolutePath { path } => write!(f, "entry {path:?} has an absolute path"),
            Self::LinkEscapes { path, target, hard } => write!(
                f,
                "{} {path:?} points outside the package: {target:?}",
                if *hard { "hard link" } else { "symbolic link" }
            ),
            Self::SpecialFile { path, kind } => write!(f, "entry {path:?} is a {kind:?}"),
            Self::TooManyViolations { more } => write!(
                f,
                "has {more} more unsafe paths, links or special files than are listed"
            ),
            Self::DecompressedTooLarge { limit } => {
                write!(
                    f,
                    "decompresses to more than {limit} bytes (possible gzip bomb)"
                )
            }
            Self::TooManyEntries { limit } => write!(f, "has more than {limit} tar headers"),
            Self::NotGzip => f.write_str("is not gzip-compressed"),
            Self::BadGzip { detail } => write!(f, "has invalid gzip data: {detail}"),
            Self::Truncated { detail } => write!(f, "is truncated: {detail}"),
            Self::BadHeader { offset, reason } => {
                write!(f, "has an invalid tar header at offset {offset}: {reason}")
            }
            Self::AmbiguousSize { offset, reason } => write!(
                f,
                "has an entry size that npm's tar versions read differently, at offset \
                 {offset}: {reason}; entries after it may be hidden, so inspection stopped"
            ),
            Self::TrailingData { detail } => write!(f, "has {detail}"),
            Self::MissingManifest => f.write_str("has no top-level package.json"),
            Self::ManifestTooLarge { size, limit } => {
                write!(
                    f,
                    "package.json is {size} bytes, over the {limit}-byte limit"
                )
            }
            Self::MalformedManifest {
                line,
                column,
                message,
            } => write!(
                f,
                "package.json is malformed at line {line}, column {column}: {message}"
            ),
            Self::DuplicateManifest { count, paths } => {
                write!(f, "has {count} top-level package.json entries: {paths:?}")?;
                if *count > paths.len() as u64 {
                    write!(f, " (the first {} shown)", paths.len())?;
                }
                Ok(())
            }
            Self::ManifestFieldType { field, expected } => {
                write!(f, "package.json field {field} is not {expected}")
            }
        }
    }
}

/// What one pass over a tarball found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// Filesystem entries (files, folders, links, devices), not counting
    /// extension records.
    pub entries: u64,
    /// Decompressed bytes read, padding after the archive included.
    pub decompressed_bytes: u64,
    /// Whether the whole input was read; when not, the last violation says
    /// why and later entries went unchecked.
    pub complete: bool,
    /// Everything wrong, in the order found, but past the first
    /// [`LISTED_ENTRY_VIOLATIONS`] path, link and special-file violations
    /// only a count of the rest ([`Violation::TooManyViolations`]), so that
    /// what an archive makes us keep stays bounded.
    pub violations: Vec<Violation>,
    /// The top-level `package.json` npm would read (the last one written),
    /// when there is one that parses.
    pub manifest: Option<Manifest>,
    /// Whether a top-level `binding.gyp` file exists (any letter case, as a
    /// case-insensitive filesystem would find it).
    pub has_binding_gyp: bool,
}

impl Inspection {
    /// Whether npm would run `node-gyp rebuild` as an install script that
    /// the manifest does not show: a `binding.gyp` file, no `install` or
    /// `preinstall` script, and `gypfile` not `false`.
    pub fn implicit_gyp_install(&self) -> bool {
        let manifest = self.manifest.as_ref();
        self.has_binding_gyp
            && manifest.is_none_or(|m| {
                m.install.is_none() && m.preinstall.is_none() && m.gypfile != Some(false)
            })
    }
}

/// Why a tarball could not be inspected at all.
#[derive(Debug, thiserror::Error)]
pub enum TarballError {
    /// The caller's reader failed.
    #[error("reading the tarball failed: {0}")]
    Read(#[from] io::Error),
}

/// Inspects a tarball read from `reader` (a `&[u8]` works) within `limits`.
pub fn inspect<R: Read>(reader: R, limits: &Limits) -> Result<Inspection, TarballError> {
    let input = Decompressed::new(reader, limits.max_decompressed_bytes)?;
    let mut walk = Walk {
        input,
        limits: *limits,
        offset: 0,
        headers: 0,
        entries: 0,
        local: Extension::default(),
        global_link: None,
        violations: Vec::new(),
        listed: 0,
        unlisted: 0,
        manifest_paths: Vec::new(),
        manifests: 0,
        manifest_body: None,
        has_binding_gyp: false,
    };
    if !walk.input.is_gzip() {
        walk.violations.push(Violation::NotGzip);
    }
    let outcome = walk.run();
    // Before a stop, which stays last.
    if walk.unlisted > 0 {
        walk.violations.push(Violation::TooManyViolations {
            more: walk.unlisted,
        });
    }
    let complete = match outcome {
        Ok(()) => true,
        Err(Stop::Read(e)) => return Err(TarballError::Read(e)),
        Err(Stop::Found(v)) => {
            walk.violations.push(v);
            false
        }
    };
    if complete && walk.input.trailing_garbage() {
        walk.violations.push(Violation::TrailingData {
            detail: "bytes after the gzip stream",
        });
    }
    let mut violations = walk.violations;
    if walk.manifests > 1 {
        violations.push(Violation::DuplicateManifest {
            count: walk.manifests,
            paths: walk.manifest_paths,
        });
    }
    let mut manifest = None;
    match walk.manifest_body {
        None if complete => violations.push(Violation::MissingManifest),
        None => {}
        Some(Body::TooLarge(size)) => violations.push(Violation::ManifestTooLarge {
            size,
            limit: limits.max_manifest_bytes,
        }),
        Some(Body::Read(bytes)) => match manifest::parse(&bytes) {
            Ok((parsed, problems)) => {
                manifest = Some(parsed);
                violations.extend(problems);
            }
            Err(v) => violations.push(v),
        },
    }
    Ok(Inspection {
        entries: walk.entries,
        decompressed_bytes: walk.input.total(),
        complete,
        violations,
        manifest,
        has_binding_gyp: walk.has_binding_gyp,
    })
}

/// Why a walk ended before the end of the input.
enum Stop {
    /// The caller's reader failed.
    Read(io::Error),
    /// A violation that makes reading on meaningless or unsafe.
    Found(Violation),
}

/// The top-level `package.json`'s data, or why it was not kept.
enum Body {
    Read(Vec<u8>),
    TooLarge(u64),
}

/// The state of one pass over the archive's blocks.
struct Walk<R> {
    input: Decompressed<R>,
    limits: Limits,
    /// Decompressed offset of the next block.
    offset: u64,
    headers: u64,
    entries: u64,
    /// Fields for the next entry (pax `x`, GNU `L`/`K`).
    local: Extension,
    /// The link target for all later entries (pax `g`), the one global
    /// field node-tar applies (a global path it ignores, a global size
    /// stops the walk).
    global_link: Option<Target>,
    violations: Vec<Violation>,
    /// Path, link and special-file violations in `violations`.
    listed: usize,
    /// Those found past [`LISTED_ENTRY_VIOLATIONS`].
    unlisted: u64,
    /// The first [`LISTED_MANIFESTS`] top-level `package.json` paths.
    manifest_paths: Vec<String>,
    /// How many top-level `package.json` files there are.
    manifests: u64,
    manifest_body: Option<Body>,
    has_binding_gyp: bool,
}

impl<R: Read> Walk<R> {
    fn run(&mut self) -> Result<(), Stop> {
        let mut block = [0u8; BLOCK];
        let mut after_null = false;
        loop {
            let at = self.offset;
            let n = self.fill(&mut block)?;
            match n {
                // node-tar accepts an archive that ends after one zero block.
                0 if after_null => return Ok(()),
                0 => return Err(truncated("the archive has no end-of-archive marker")),
                BLOCK => {}
                _ => return Err(truncated("the archive ends inside a header block")),
            }
            match header::decode(&block) {
                Block::Null if after_null => return self.after_end(),
                // One zero block is not the end for node-tar: a header after
                // it is read, so it is read here too.
                Block::Null => after_null = true,
                Block::Invalid(reason) => {
                    return Err(Stop::Found(Violation::BadHeader { offset: at, reason }));
                }
                Block::Header(h) => {
                    after_null = false;
                    self.headers += 1;
                    if self.headers > self.limits.max_entries {
                        return Err(Stop::Found(Violation::TooManyEntries {
                            limit: self.limits.max_entries,
                        }));
                    }
                    self.entry(h, at)?;
                }
            }
        }
    }

    fn entry(&mut self, h: header::Header, at: u64) -> Result<(), Stop> {
        let bad = |reason| Err(Stop::Found(Violation::BadHeader { offset: at, reason }));
        if h.kind.is_meta() {
            return self.extension(h, at);
        }
        if !h.kind.is_filesystem() {
            // tar 7.5.16 skips such an entry by its header's size, older
            // node-tar by a pending pax size.
            if self.local.size.is_some() {
                return ambiguous(at, "a pax size pending at an entry type tar skips");
            }
            // Skipped by node-tar, and so are its pending extension fields.
            self.local = Extension::default();
            if h.path.is_empty() {
                return bad("entry without a path");
            }
            return self.skip(h.size.unwrap_or(0));
        }
        // node-tar: local fields override global ones, which override the
        // header; a global path never applies, a global link target wins. A
        // global size, on which versions differ, stopped the walk already.
        let local = std::mem::take(&mut self.local);
        let slash = local
            .path
            .as_ref()
            .map_or(h.name_slash, |p| p.ends_with('/'));
        let kind = if h.plain_file && slash {
            Kind::Directory
        } else {
            h.kind
        };
        let path = local.path.unwrap_or(h.path);
        // Only links are checked against their target; a global one is
        // shared, not copied.
        let target = kind.is_link().then(|| {
            self.global_link
                .clone()
                .unwrap_or_else(|| Target::new(local.link.unwrap_or_else(|| h.link.into())))
        });
        let size = match local.size {
            _ if kind == Kind::Directory => 0,
            Some(n) => n,
            None => h.size.unwrap_or(0),
        };
        if path.is_empty() {
            return bad("entry without a path");
        }
        self.entries += 1;
        self.check(kind, &path, target.as_ref());
        if kind != Kind::File {
            return self.skip(size);
        }
        let &[name] = paths::under_root(&path).as_slice() else {
            return self.skip(size);
        };
        if name.eq_ignore_ascii_case("binding.gyp") {
            self.has_binding_gyp = true;
        }
        if !name.eq_ignore_ascii_case("package.json") {
            return self.skip(size);
        }
        let exact = name == "package.json";
        self.manifests += 1;
        if self.manifest_paths.len() < LISTED_MANIFESTS {
            self.manifest_paths.push(shown(&path));
        }
        if !exact {
            return self.skip(size);
        }
        if size > self.limits.max_manifest_bytes {
            self.manifest_body = Some(Body::TooLarge(size));
            return self.skip(size);
        }
        let bytes = self.read_body(size)?;
        self.manifest_body = Some(Body::Read(bytes));
        Ok(())
    }

    /// Records violations of one filesystem entry's path and target (a
    /// link's only).
    fn check(&mut self, kind: Kind, path: &str, target: Option<&Target>) {
        if paths::is_absolute(path) {
            self.record(|| Violation::AbsolutePath { path: shown(path) });
        }
        if paths::has_parent_segment(path) {
            self.record(|| Violation::ParentTraversal { path: shown(path) });
        }
        let escape = |hard, target: &Target| Violation::LinkEscapes {
            path: shown(path),
            target: shown(&target.text),
            hard,
        };
        let special = |kind| Violation::SpecialFile {
            path: shown(path),
            kind,
        };
        match (kind, target) {
            (Kind::Symlink, Some(t)) if t.symlink_escapes(path) => {
                self.record(|| escape(false, t));
            }
            (Kind::HardLink, Some(t)) if t.hardlink_escapes() => self.record(|| escape(true, t)),
            (Kind::CharDevice, _) => self.record(|| special(SpecialKind::CharDevice)),
            (Kind::BlockDevice, _) => self.record(|| special(SpecialKind::BlockDevice)),
            (Kind::Fifo, _) => self.record(|| special(SpecialKind::Fifo)),
            _ => {}
        }
    }

    /// Keeps a path, link or special-file violation while fewer than
    /// [`LISTED_ENTRY_VIOLATIONS`] are kept, and counts it otherwise (not
    /// even building it: its path may be megabytes).
    fn record(&mut self, violation: impl FnOnce() -> Violation) {
        if self.listed < LISTED_ENTRY_VIOLATIONS {
            self.violations.push(violation());
            self.listed += 1;
        } else {
            self.unlisted += 1;
        }
    }

    /// Reads a pax or GNU long-name record into the pending fields.
    fn extension(&mut self, h: header::Header, at: u64) -> Result<(), Stop> {
        if h.path.is_empty() {
            return Err(Stop::Found(Violation::BadHeader {
                offset: at,
                reason: "entry without a path",
            }));
        }
        // Older node-tar lays a pending pax size over an extension record's
        // own, tar 7.5.16 does not.
        if self.local.size.is_some() {
            return ambiguous(at, "a pax size pending at an extension record");
        }
        let len = h.size.unwrap_or(0);
        if len == 0 {
            return Ok(());
        }
        // node-tar ignores a record that is too large.
        if len > MAX_META_BYTES {
            return self.skip(len);
        }
        let data = self.read_body(len)?;
        let applied = match h.kind {
            Kind::PaxLocal => header::apply_pax(&data, &mut self.local, false),
            Kind::PaxGlobal => {
                let mut global = Extension::default();
                let applied = header::apply_pax(&data, &mut global, true);
                // Worked out only when a record sets it, so that many small
                // global records cannot make a large target be re-read.
                if let Some(link) = global.link {
                    self.global_link = Some(Target::new(link));
                }
                applied
            }
            Kind::LongPath => {
                self.local.path = Some(header::long_name(&data));
                Ok(())
            }
            _ => {
                self.local.link = Some(header::long_name(&data).into());
                Ok(())
            }
        };
        applied.or_else(|reason| ambiguous(at, reason))
    }

    /// After the end-of-archive marker: node-tar reads no further, but the
    /// decompressor still inflates everything, so it is read (and counted)
    /// too; anything but zero padding there is hidden data.
    fn after_end(&mut self) -> Result<(), Stop> {
        let mut chunk = vec![0u8; 64 * 1024];
        let mut hidden = false;
        loop {
            let n = self.fill(&mut chunk)?;
            if n == 0 {
                break;
            }
            hidden |= chunk[..n].iter().any(|b| *b != 0);
        }
        if hidden {
            self.violations.push(Violation::TrailingData {
                detail: "data after the end-of-archive marker",
            });
        }
        Ok(())
    }

    /// Reads `len` bytes of entry data and skips the block padding.
    fn read_body(&mut self, len: u64) -> Result<Vec<u8>, Stop> {
        let mut bytes = vec![0u8; usize::try_from(len).map_err(|_| truncated(DATA_ENDS))?];
        if self.fill(&mut bytes)? < bytes.len() {
            return Err(truncated(DATA_ENDS));
        }
        self.skip_exact(padding(len))?;
        Ok(bytes)
    }

    /// Skips `len` bytes of entry data and the block padding.
    fn skip(&mut self, len: u64) -> Result<(), Stop> {
        self.skip_exact(len.saturating_add(padding(len)))
    }

    fn skip_exact(&mut self, mut len: u64) -> Result<(), Stop> {
        let mut chunk = [0u8; 8 * 1024];
        while len > 0 {
            let want = usize::try_from(len).map_or(chunk.len(), |l| l.min(chunk.len()));
            let n = self.fill(&mut chunk[..want])?;
            if n < want {
                return Err(truncated(DATA_ENDS));
            }
            len -= n as u64;
        }
        Ok(())
    }

    /// Reads until `buf` is full or the input ends; returns the count.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, Stop> {
        let mut done = 0;
        while done < buf.len() {
            match self.input.read(&mut buf[done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.stop_for(e)),
            }
        }
        self.offset += done as u64;
        Ok(done)
    }

    fn stop_for(&mut self, error: io::Error) -> Stop {
        if self.input.limit_hit() {
            return Stop::Found(Violation::DecompressedTooLarge {
                limit: self.limits.max_decompressed_bytes,
            });
        }
        if let Some(e) = self.input.take_source_error() {
            return Stop::Read(e);
        }
        if error.kind() == io::ErrorKind::UnexpectedEof {
            return truncated("the gzip stream ends early");
        }
        Stop::Found(Violation::BadGzip {
            detail: error.to_string(),
        })
    }
}

const DATA_ENDS: &str = "the archive ends inside an entry's data";

fn truncated(detail: &'static str) -> Stop {
    Stop::Found(Violation::Truncated { detail })
}

fn ambiguous(offset: u64, reason: &'static str) -> Result<(), Stop> {
    Err(Stop::Found(Violation::AmbiguousSize { offset, reason }))
}

/// Zero bytes that round entry data up to a whole block.
fn padding(len: u64) -> u64 {
    (BLOCK as u64 - len % BLOCK as u64) % BLOCK as u64
}
