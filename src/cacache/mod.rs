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
//!   so either lookup finds the bytes.
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

use serde::Serialize;

use crate::integrity::{Algorithm, Hash, Integrity, IntegrityError};

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
        let parsed = Integrity::parse(integrity).map_err(|source| CacheError::Integrity {
            integrity: integrity.to_owned(),
            source,
        })?;
        let algorithm = parsed.strongest().algorithm;
        let actual = Hash::of(algorithm, bytes);
        // A string may hold several digests of one algorithm; cacache
        // looks under each, so the matching one is the one to use.
        let hash = parsed
            .hashes()
            .iter()
            .find(|h| **h == actual)
            .ok_or_else(|| CacheError::Mismatch {
                integrity: integrity.to_owned(),
            })?;
        let key = request_key(url)?;
        self.write_atomically(&self.content_path(hash), bytes)?;
        let metadata = Metadata::new(url, now_ms(), &[], &[]);
        self.append_index(&key, &[index_line(&key, hash, bytes.len(), &metadata)])
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
            index_line(&key, &hash, body.len(), &metadata)
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

    /// Writes `bytes` to a new file in the cache's `tmp` folder (as cacache
    /// does, so the rename stays on one filesystem) and renames it to `dest`.
    fn write_atomically(&self, dest: &Path, bytes: &[u8]) -> Result<(), CacheError> {
        let io_err = |path: &Path| {
            let path = path.to_owned();
            move |source| CacheError::Io { path, source }
        };
        let tmp_dir = self.cacache().join("tmp");
        fs::create_dir_all(&tmp_dir).map_err(io_err(&tmp_dir))?;
        let (tmp, mut file) = new_temp_file(&tmp_dir).map_err(io_err(&tmp_dir))?;
        // No fsync: the folder is rebuilt for each install, and npm checks
        // every byte it reads against the digest anyway.
        let written = file.write_all(bytes);
        drop(file);
        let moved = written.and_then(|()| {
            let parent = dest.parent().unwrap_or(dest);
            fs::create_dir_all(parent)?;
            fs::rename(&tmp, dest)
        });
        if moved.is_err() {
            // Best effort: a stray temporary file is harmless to npm.
            let _ = fs::remove_file(&tmp);
        }
        moved.map_err(io_err(dest))
    }
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
fn index_line(key: &str, hash: &Hash, size: usize, metadata: &Metadata<'_>) -> String {
    #[derive(Serialize)]
    struct Entry<'a> {
        key: &'a str,
        integrity: String,
        time: u64,
        size: usize,
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

/// Creates a file that did not exist, under a name unique to this process.
fn new_temp_file(dir: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("lockproof-{}-{n}", std::process::id()));
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
