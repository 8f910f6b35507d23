//! Writes verified tarballs into an npm cache folder, in the format npm 11
//! reads, so that `npm ci --offline --cache <folder>` can install those
//! bytes and nothing else.
//!
//! The format, from npm 11's own copies of cacache 20, make-fetch-happen 15,
//! pacote 21 and ssri 13:
//! - `npm --cache <folder>` keeps its content-addressed store in
//!   `<folder>/_cacache`.
//! - Content lives at `content-v2/<algo>/<hex[..2]>/<hex[2..4]>/<hex[4..]>`,
//!   `hex` being the digest of the strongest algorithm in the SRI string
//!   (`sha1` entries land under `content-v2/sha1/`).
//! - Index buckets live at `index-v5/<k[..2]>/<k[2..4]>/<k[4..]>`, `k` being
//!   the SHA-256 hex of the key. A bucket is a series of lines
//!   `\n<sha1 hex of json>\t<json>`; a line whose hash does not match is
//!   ignored, and the last matching one for a key wins.
//! - make-fetch-happen's key for a URL is
//!   `make-fetch-happen:request-cache:<url>`, the URL serialised WHATWG-style
//!   without credentials or fragment.
//! - When a lockfile entry has both `resolved` and `integrity`, pacote reads
//!   the tarball by digest (`cacache.get.stream.byDigest`) and never looks at
//!   the index. Only when that read fails does it fetch the URL through
//!   make-fetch-happen, which with `--offline` answers from the index entry
//!   for the key or fails with `ENOTCACHED`. [`NpmCache::put`] writes both,
//!   so either lookup finds the bytes. [`NpmCache::put_file`] does the same
//!   from a file of lockproof's tarball store, hard-linked where it can be:
//!   cacache never writes to a content file in place (it writes a
//!   temporary file, `wx`, and renames it over nothing: `moveFile` with
//!   `overwrite: false`), and deletes one by unlinking it.
//!   [`NpmCache::put_content`] writes the content alone, which is all such
//!   an entry needs.
//!
//! A lockfile entry without `resolved` (npm's
//! `omit-lockfile-registry-resolved`) takes another path, read from pacote
//! 21.5, npm-registry-fetch 19.1, make-fetch-happen 15.0 and arborist 9.9:
//! - arborist asks pacote for `name@version`, so pacote has no URL to read
//!   the tarball by digest with. It first GETs the packument at
//!   [`packument_url`], with `Accept:` [`CORGI_ACCEPT`], or [`FULL_ACCEPT`]
//!   when `before` or `min-release-age` is set.
//! - make-fetch-happen answers that offline from an index entry under the
//!   URL's key whose stored request negotiates the same media types: the
//!   stored `accept` must parse to the same list as the one sent.
//!   [`NpmCache::put_packument`] writes one entry for each Accept value.
//! - pacote picks `versions[version]` from it and fetches its
//!   `dist.tarball` through make-fetch-happen, with the lockfile's
//!   integrity. Offline that needs the index entry [`NpmCache::put`] writes
//!   for that very URL, holding a matching integrity: `dist.tarball` must be
//!   the URL the tarball was put under. [`minimal_packument`] writes just
//!   the fields that path reads.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use serde::Serialize;

use crate::integrity::{Algorithm, Hash, Integrity, IntegrityError};
use crate::store::{self, PlaceError, Placed};

/// The prefix make-fetch-happen puts before a URL to make its cache key.
const KEY_PREFIX: &str = "make-fetch-happen:request-cache:";

/// The `Accept` header pacote sends for an abbreviated ("corgi")
/// packument: npm's default.
pub const CORGI_ACCEPT: &str =
    "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";

/// The `Accept` header pacote sends for a full packument: when `before` or
/// `min-release-age` is set, or a registry answered the corgi one with 404.
pub const FULL_ACCEPT: &str = "application/json";

/// An npm cache folder: the one passed to `npm --cache`.
#[derive(Debug, Clone)]
pub struct NpmCache {
    root: PathBuf,
}

/// Why a tarball could not be put in the cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The integrity string cannot be used.
    #[error("integrity {integrity:?} cannot be used: {source}")]
    Integrity {
        /// The string given.
        integrity: String,
        /// Why not.
        source: IntegrityError,
    },
    /// The bytes do not match the integrity string, so npm would reject
    /// them (and, online, fetch others).
    #[error("the bytes do not match {integrity}")]
    Mismatch {
        /// The string given.
        integrity: String,
    },
    /// The URL cannot be a make-fetch-happen key.
    #[error("URL {url:?} cannot be a cache key: {reason}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// Why not.
        reason: String,
    },
    /// The packument is not a JSON object, so npm could not read it.
    #[error("the packument for {url} is not a JSON object: {reason}")]
    Packument {
        /// The packument's URL.
        url: String,
        /// Why not.
        reason: String,
    },
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Reading the file to put failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

impl NpmCache {
    /// The cache folder at `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder to pass to `npm --cache`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn cacache(&self) -> PathBuf {
        self.root.join("_cacache")
    }

    /// Where cacache keeps the content with this hash.
    pub fn content_path(&self, hash: &Hash) -> PathBuf {
        let mut path = self
            .cacache()
            .join("content-v2")
            .join(hash.algorithm.name());
        path.extend(segments(&hash.hex()));
        path
    }

    /// Where cacache keeps the index bucket of `key`.
    pub fn index_path(&self, key: &str) -> PathBuf {
        let mut path = self.cacache().join("index-v5");
        path.extend(segments(&Hash::of(Algorithm::Sha256, key.as_bytes()).hex()));
        path
    }

    /// Stores `bytes`, fetched from `url` and pinned by `integrity` (an SRI
    /// string as the lockfile has it), under both the digest and the URL's
    /// key. The bytes are checked against the strongest algorithm in the
    /// string, the one npm checks; content goes in first, so an index entry
    /// never points at missing content. The content file and the bucket are
    /// each replaced atomically (temporary file, then rename); two writers
    /// of one bucket at once may lose one of the two lines, never corrupt
    /// the bucket.
    pub fn put(&self, url: &str, integrity: &str, bytes: &[u8]) -> Result<(), CacheError> {
        let parsed = parse_integrity(integrity)?;
        let actual = Hash::of(parsed.strongest().algorithm, bytes);
        let hash = matching(&parsed, &actual, integrity)?;
        let key = request_key(url)?;
        self.write_atomically(&self.content_path(hash), bytes)?;
        self.index_tarball(&key, url, hash, bytes.len() as u64)
    }

    /// [`NpmCache::put`] for the bytes of the file at `path`, a file of
    /// lockproof's tarball store: hashed through the handle that is then
    /// hard-linked into the cache (read-only, the very file hashed) where
    /// the filesystem allows, else copied from that handle and hashed again
    /// ([`store::Opened::place`]). Returns which. Bytes that do not match
    /// `integrity`, or that change while being copied, are refused
    /// ([`CacheError::Mismatch`]) and nothing is left at the content path.
    /// The content is placed at its path directly (a link appears whole; a
    /// copy is npm's to read only once every put is done, as for the fresh
    /// folder of `lockproof install`); content already there is replaced
    /// atomically.
    pub fn put_file(&self, url: &str, integrity: &str, path: &Path) -> Result<Placed, CacheError> {
        let key = request_key(url)?;
        let (placed, hash, size) = self.place_content(integrity, path)?;
        self.index_tarball(&key, url, &hash, size)?;
        Ok(placed)
    }

    /// [`NpmCache::put_file`] without the index entry: enough for a
    /// lockfile entry with both `resolved` and `integrity`, which pacote
    /// reads by digest alone (see the module's documentation).
    pub fn put_content(&self, integrity: &str, path: &Path) -> Result<Placed, CacheError> {
        self.place_content(integrity, path)
            .map(|(placed, _, _)| placed)
    }

    /// Places the content of `path` as [`NpmCache::put_file`] says; returns
    /// how, the digest it is under and its size.
    fn place_content(
        &self,
        integrity: &str,
        path: &Path,
    ) -> Result<(Placed, Hash, u64), CacheError> {
        let parsed = parse_integrity(integrity)?;
        let mut opened =
            store::open_hashed(path, parsed.strongest().algorithm).map_err(|source| {
                CacheError::Read {
                    path: path.to_owned(),
                    source,
                }
            })?;
        let hash = matching(&parsed, opened.hash(), integrity)?.clone();
        let dest = self.content_path(&hash);
        let placed = match place_making_dirs(&mut opened, &dest) {
            Err(PlaceError::Exists) => self.replace(&mut opened, &dest, integrity)?,
            other => other.map_err(|e| placing_failed(e, &dest, integrity))?,
        };
        Ok((placed, hash, opened.size()))
    }

    /// Replaces the file at `dest` with the bytes of `opened`, atomically:
    /// placed under a new name in the cache's `tmp` folder, then renamed.
    fn replace(
        &self,
        opened: &mut store::Opened,
        dest: &Path,
        integrity: &str,
    ) -> Result<Placed, CacheError> {
        let tmp_dir = self.tmp_dir()?;
        loop {
            let tmp = temp_path(&tmp_dir);
            match opened.place(&tmp) {
                Ok(placed) => {
                    move_into_place(&tmp, dest)?;
                    return Ok(placed);
                }
                // Left by an earlier process with the same id.
                Err(PlaceError::Exists) => {}
                Err(e) => return Err(placing_failed(e, &tmp, integrity)),
            }
        }
    }

    /// Adds the index entry for a tarball fetched from `url`, whose
    /// content is in place.
    fn index_tarball(
        &self,
        key: &str,
        url: &str,
        hash: &Hash,
        size: u64,
    ) -> Result<(), CacheError> {
        let metadata = Metadata::new(url, now_ms(), &[], &[]);
        self.append_index(key, &[index_line(key, hash, size, &metadata)])
    }

    /// Stores `body`, a packument served at `url` (see [`packument_url`]),
    /// so that npm's offline request for it finds it: the content under its
    /// own sha512, and two index entries under the URL's key, one for each
    /// `Accept` header pacote may send ([`CORGI_ACCEPT`], [`FULL_ACCEPT`]),
    /// since make-fetch-happen only serves an entry whose stored request
    /// accepts the same media types. The body is served as is for both;
    /// see [`minimal_packument`] for one npm can install from. Writes are
    /// atomic as in [`NpmCache::put`]; calling it again for one URL
    /// replaces what npm reads (the newest entries win).
    pub fn put_packument(&self, url: &str, body: &[u8]) -> Result<(), CacheError> {
        // npm would fail later with a parse error naming neither lockproof
        // nor this URL; say it here instead.
        serde_json::from_slice::<std::collections::HashMap<String, serde::de::IgnoredAny>>(body)
            .map_err(|e| CacheError::Packument {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        let key = request_key(url)?;
        let hash = Hash {
            algorithm: Algorithm::Sha512,
            digest: Hash::of(Algorithm::Sha512, body).digest,
        };
        self.write_atomically(&self.content_path(&hash), body)?;
        let time = now_ms();
        // The content types a registry answers each request with; npm
        // ignores them offline, but they keep the entries truthful.
        let lines = [
            (CORGI_ACCEPT, "application/vnd.npm.install-v1+json"),
            (FULL_ACCEPT, "application/json"),
        ]
        .map(|(accept, content_type)| {
            let metadata = Metadata::new(
                url,
                time,
                &[("accept", accept)],
                &[("content-type", content_type)],
            );
            index_line(&key, &hash, body.len() as u64, &metadata)
        });
        self.append_index(&key, &lines)
    }

    /// Appends `lines` to the index bucket of `key`, replacing the bucket
    /// atomically.
    fn append_index(&self, key: &str, lines: &[String]) -> Result<(), CacheError> {
        let bucket = self.index_path(key);
        let mut contents = match fs::read(&bucket) {
            Ok(old) => old,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(CacheError::Io {
                    path: bucket,
                    source,
                });
            }
        };
        for line in lines {
            contents.extend_from_slice(line.as_bytes());
        }
        self.write_atomically(&bucket, &contents)
    }

    /// Makes the folders the content with each of `hashes` goes in, empty,
    /// ahead of the puts (each folder takes a round trip to the disk; made
    /// while something else waits, they cost nothing). Stops at the first
    /// error; a put makes whatever folder is missing.
    pub fn make_content_dirs(&self, hashes: &[Hash]) -> io::Result<()> {
        let dirs: std::collections::BTreeSet<PathBuf> = hashes
            .iter()
            .filter_map(|h| self.content_path(h).parent().map(Path::to_path_buf))
            .collect();
        dirs.iter().try_for_each(fs::create_dir_all)
    }

    /// Removes the cache folder and everything in it. cacache fans files
    /// out into two levels of small folders, and on some disks removing a
    /// folder waits on the device (ext4 with online discard: milliseconds
    /// each, seconds for one install's cache): the fan-out folders are
    /// removed by several threads at once, then the rest.
    pub fn remove(&self) -> io::Result<()> {
        let cacache = self.cacache();
        let mut fans = subfolders(&cacache.join("index-v5"));
        for algorithm in subfolders(&cacache.join("content-v2")) {
            fans.extend(subfolders(&algorithm));
        }
        let remove = || {
            fans.par_iter().for_each(|fan| {
                // Whatever is left, the last call below reports.
                let _ = fs::remove_dir_all(fan);
            });
        };
        match rayon::ThreadPoolBuilder::new().num_threads(8).build() {
            Ok(pool) => pool.install(remove),
            Err(_) => remove(),
        }
        fs::remove_dir_all(&self.root)
    }

    /// The cache's `tmp` folder (cacache's own, so that renames from it
    /// stay on one filesystem), created.
    fn tmp_dir(&self) -> Result<PathBuf, CacheError> {
        let dir = self.cacache().join("tmp");
        fs::create_dir_all(&dir).map_err(|source| CacheError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(dir)
    }

    /// Writes `bytes` to a new file in the cache's `tmp` folder and renames
    /// it to `dest`.
    fn write_atomically(&self, dest: &Path, bytes: &[u8]) -> Result<(), CacheError> {
        let tmp_dir = self.tmp_dir()?;
        let (tmp, mut file) = new_temp_file(&tmp_dir).map_err(|source| CacheError::Io {
            path: tmp_dir.clone(),
            source,
        })?;
        // No fsync: the folder is rebuilt for each install, and npm checks
        // every byte it reads against the digest anyway.
        let written = file.write_all(bytes);
        drop(file);
        match written {
            Ok(()) => move_into_place(&tmp, dest),
            Err(source) => {
                let _ = fs::remove_file(&tmp);
                Err(CacheError::Io {
                    path: dest.to_owned(),
                    source,
                })
            }
        }
    }
}

/// Places `opened` at `dest`, making its folders when they are missing
/// (see [`NpmCache::make_content_dirs`]: usually they are not).
fn place_making_dirs(opened: &mut store::Opened, dest: &Path) -> Result<Placed, PlaceError> {
    match opened.place(dest) {
        Err(PlaceError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dest.parent().unwrap_or(dest))?;
            opened.place(dest)
        }
        placed => placed,
    }
}

/// The error for placing the bytes pinned by `integrity` at `at`.
fn placing_failed(e: PlaceError, at: &Path, integrity: &str) -> CacheError {
    match e {
        PlaceError::Changed => CacheError::Mismatch {
            integrity: integrity.to_owned(),
        },
        PlaceError::Exists => CacheError::Io {
            path: at.to_owned(),
            source: io::ErrorKind::AlreadyExists.into(),
        },
        PlaceError::Io(source) => CacheError::Io {
            path: at.to_owned(),
            source,
        },
    }
}

/// The folders in `dir` (not links to folders); none when it cannot be
/// read.
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

/// Renames the temporary file `tmp` to `dest`; removes it if that fails
/// (best effort: a stray temporary file is harmless to npm), or if `dest`
/// was a link to the same file already (then renaming does nothing).
fn move_into_place(tmp: &Path, dest: &Path) -> Result<(), CacheError> {
    let moved =
        fs::create_dir_all(dest.parent().unwrap_or(dest)).and_then(|()| fs::rename(tmp, dest));
    if moved.is_err() || fs::symlink_metadata(tmp).is_ok() {
        let _ = fs::remove_file(tmp);
    }
    moved.map_err(|source| CacheError::Io {
        path: dest.to_owned(),
        source,
    })
}

/// `integrity`, parsed.
fn parse_integrity(integrity: &str) -> Result<Integrity, CacheError> {
    Integrity::parse(integrity).map_err(|source| CacheError::Integrity {
        integrity: integrity.to_owned(),
        source,
    })
}

/// The digest of `parsed` that `actual` (of its strongest algorithm, the
/// one npm checks) matches. A string may hold several digests of one
/// algorithm; cacache looks under each, so the matching one is the one to
/// use.
fn matching<'a>(
    parsed: &'a Integrity,
    actual: &Hash,
    integrity: &str,
) -> Result<&'a Hash, CacheError> {
    parsed
        .hashes()
        .iter()
        .find(|h| *h == actual)
        .ok_or_else(|| CacheError::Mismatch {
            integrity: integrity.to_owned(),
        })
}

/// make-fetch-happen's cache key for a request to `url`.
pub fn request_key(url: &str) -> Result<String, CacheError> {
    let bad = |reason: &str| CacheError::BadUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let mut parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    parsed
        .set_username("")
        .and_then(|()| parsed.set_password(None))
        .map_err(|()| bad("it has no host"))?;
    parsed.set_fragment(None);
    Ok(format!("{KEY_PREFIX}{parsed}"))
}

/// The packument URL pacote requests for `name` from `registry` (the one
/// npm uses for that name's scope): the registry without its trailing
/// slashes, `/`, and the name with the scope's `/` written `%2f`, e.g.
/// `http://127.0.0.1:9/@scope%2fname`. Unlike
/// [`crate::registry::fetch::packument_url`], which joins onto the
/// registry, this strips every trailing slash as pacote does, so
/// `https://host/npm//` gives `https://host/npm/name`, the key npm looks up.
pub fn packument_url(registry: &url::Url, name: &str) -> Result<url::Url, CacheError> {
    let text = format!(
        "{}/{}",
        registry.as_str().trim_end_matches('/'),
        name.replacen('/', "%2f", 1)
    );
    url::Url::parse(&text).map_err(|e| CacheError::BadUrl {
        url: text,
        reason: e.to_string(),
    })
}

/// One version of a package as [`minimal_packument`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackumentVersion<'a> {
    /// The exact version, as the lockfile has it.
    pub version: &'a str,
    /// The URL the tarball was put under with [`NpmCache::put`]: npm
    /// fetches this URL, which offline means reading that URL's entry.
    pub tarball: &'a str,
    /// The lockfile's integrity string. pacote fails with `EINTEGRITY` if
    /// it contradicts the lockfile's, so a mix-up shows rather than
    /// installing other bytes.
    pub integrity: &'a str,
}

/// A packument npm 11 installs locked versions of `name` from, offline:
/// `name` and, for each version, `name`, `version` and
/// `dist.{tarball,integrity}`, e.g.
/// `{"name":"a","versions":{"1.0.0":{"name":"a","version":"1.0.0",
/// "dist":{"tarball":"http://r/a/-/a-1.0.0.tgz","integrity":"sha512-…"}}}}`.
/// npm strictly needs only `versions[version].dist.tarball`; the rest keeps
/// the document well-formed and lets pacote check the integrity against
/// the lockfile's. One packument serves every locked version of a name, so
/// all of them must be listed. Nothing else is read on that path: `npm ci`
/// takes dependencies, `bin`, `os`, `cpu` and `engines` from the lockfile,
/// and pacote picks an exact version by key, not through `dist-tags`, and
/// without `time` filters none out under `before`.
pub fn minimal_packument<'a>(
    name: &str,
    versions: impl IntoIterator<Item = PackumentVersion<'a>>,
) -> Vec<u8> {
    #[derive(Serialize)]
    struct Dist<'a> {
        tarball: &'a str,
        integrity: &'a str,
    }
    #[derive(Serialize)]
    struct Version<'a> {
        name: &'a str,
        version: &'a str,
        dist: Dist<'a>,
    }
    #[derive(Serialize)]
    struct Packument<'a> {
        name: &'a str,
        versions: std::collections::BTreeMap<&'a str, Version<'a>>,
    }
    let versions = versions
        .into_iter()
        .map(|v| {
            let dist = Dist {
                tarball: v.tarball,
                integrity: v.integrity,
            };
            (
                v.version,
                Version {
                    name,
                    version: v.version,
                    dist,
                },
            )
        })
        .collect();
    // Serialising plain strings cannot fail; an empty body would only
    // make put_packument refuse it.
    serde_json::to_vec(&Packument { name, versions }).unwrap_or_default()
}

/// The metadata make-fetch-happen stores with a response: the URL, the
/// request headers it matches later requests on, the response headers it
/// replays, and the `compress` option (npm's requests all have it true).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata<'a> {
    time: u64,
    url: &'a str,
    req_headers: serde_json::Map<String, serde_json::Value>,
    res_headers: serde_json::Map<String, serde_json::Value>,
    options: MetadataOptions,
}

#[derive(Serialize)]
struct MetadataOptions {
    compress: bool,
}

impl<'a> Metadata<'a> {
    fn new(url: &'a str, time: u64, req: &[(&str, &str)], res: &[(&str, &str)]) -> Self {
        let map = |headers: &[(&str, &str)]| {
            headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                .collect()
        };
        Self {
            time,
            url,
            req_headers: map(req),
            res_headers: map(res),
            options: MetadataOptions { compress: true },
        }
    }
}

/// One index line as cacache appends it, for a `200` response whose body
/// is the content `hash`. For a tarball no header is needed: npm sends no
/// `Accept` for one (so none is stored), and needs no response header to
/// answer offline.
fn index_line(key: &str, hash: &Hash, size: u64, metadata: &Metadata<'_>) -> String {
    #[derive(Serialize)]
    struct Entry<'a> {
        key: &'a str,
        integrity: String,
        time: u64,
        size: u64,
        metadata: &'a Metadata<'a>,
    }
    let entry = Entry {
        key,
        integrity: hash.to_string(),
        time: metadata.time,
        size,
        metadata,
    };
    // Serialising plain strings and numbers cannot fail; the fallback
    // would only make npm skip the line as corrupt.
    let json = serde_json::to_string(&entry).unwrap_or_default();
    format!(
        "\n{}\t{json}",
        Hash::of(Algorithm::Sha1, json.as_bytes()).hex()
    )
}

/// cacache's `hashToSegments`: two characters, two more, the rest.
fn segments(hex: &str) -> [&str; 3] {
    [&hex[..2], &hex[2..4], &hex[4..]]
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A name in `dir` unique to this process (an earlier process with the
/// same id may have left it).
fn temp_path(dir: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("lockproof-{}-{n}", std::process::id()))
}

/// Creates a file that did not exist, under a name unique to this process.
fn new_temp_file(dir: &Path) -> io::Result<(PathBuf, File)> {
    loop {
        let path = temp_path(dir);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            // Left by an earlier process with the same id.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
