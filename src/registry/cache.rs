//! The disk cache: compact package records and registry key sets, kept per
//! registry and name, revalidated with ETag / Last-Modified.
//!
//! The folder is versioned (`v5/`): a release that changes what a record
//! holds moves to a new folder instead of misreading old files. Writes go
//! to a temporary file renamed into place, so a crash never leaves half a
//! file; a file that does not parse is deleted and refetched, never trusted.
//!
//! A cache folder can come from elsewhere (a shared volume, a restored CI
//! cache) and is hostile input: each record carries an HMAC under a key
//! kept outside the cache folder ([`RecordKey`]), so a record written or
//! edited by anyone else is refetched, never trusted, and a record's
//! freshness is capped when it is read ([`Cached::is_fresh`]).

use std::fs;
use std::path::{Path, PathBuf};

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::client::MAX_FRESHNESS;

/// Folder of this cache layout under the cache root.
pub const LAYOUT: &str = "v5";

/// How far in the future a record's fetch time may lie (clock skew
/// between runs) before the record is taken for tampered.
const SKEW: i64 = 300;

/// A cached value with what is needed to revalidate it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cached<T> {
    /// The URL it came from.
    pub url: String,
    /// `ETag` of the response.
    pub etag: Option<String>,
    /// `Last-Modified` of the response.
    pub last_modified: Option<String>,
    /// When (unix seconds) the value was fetched or last revalidated.
    pub fetched_at: i64,
    /// Seconds the registry allowed the value to be reused without asking
    /// (`Cache-Control: max-age`); `None`: revalidate every time.
    pub max_age: Option<u64>,
    /// The value.
    pub value: T,
}

impl<T> Cached<T> {
    /// Whether the value may be used at `now` without asking the registry:
    /// fetched no later than now, and less than its `max-age`, capped at
    /// [`MAX_FRESHNESS`], ago. The cap is applied here, when reading, so
    /// no record can extend its own life.
    pub fn is_fresh(&self, now: i64) -> bool {
        let Some(age) = self.max_age else {
            return false;
        };
        let age = i64::try_from(age.min(MAX_FRESHNESS)).unwrap_or(0);
        self.fetched_at <= now.saturating_add(SKEW) && now < self.fetched_at.saturating_add(age)
    }
}

/// The secret that authenticates cache records. Kept outside the cache
/// folder, so whoever can write (or restore) the cache folder cannot forge
/// a record lockproof would trust.
#[derive(Clone)]
pub struct RecordKey(hmac::Key);

impl std::fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordKey(***)")
    }
}

impl RecordKey {
    /// The key in the file at `path`, created (32 random bytes, readable
    /// by its owner only) when there is none.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        match fs::read(path) {
            Ok(bytes) if bytes.len() == 32 => return Ok(Self::from_bytes(&bytes)),
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{}: not a lockproof cache key",
                    path.display()
                )));
            }
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            Err(_) => {}
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let bytes = random_bytes()?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                std::io::Write::write_all(&mut file, &bytes)?;
                Ok(Self::from_bytes(&bytes))
            }
            // Another run created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let bytes = fs::read(path)?;
                Ok(Self::from_bytes(&bytes))
            }
            Err(e) => Err(e),
        }
    }

    /// A key for this process only: records it writes are refetched by the
    /// next run (used when no key file can be kept).
    pub fn ephemeral() -> Self {
        let bytes = random_bytes().unwrap_or([0; 32]);
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, bytes))
    }

    /// The tag of one record: its kind, cache key and bytes.
    fn tag(&self, kind: &str, key: &str, bytes: &[u8]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.0);
        for part in [kind.as_bytes(), b"\0", key.as_bytes(), b"\0", bytes] {
            ctx.update(part);
        }
        ctx.sign()
    }

    fn verify(&self, kind: &str, key: &str, bytes: &[u8], tag: &[u8]) -> bool {
        let mut ctx = Vec::with_capacity(kind.len() + key.len() + bytes.len() + 2);
        for part in [kind.as_bytes(), b"\0", key.as_bytes(), b"\0", bytes] {
            ctx.extend_from_slice(part);
        }
        hmac::verify(&self.0, &ctx, tag).is_ok()
    }
}

fn random_bytes() -> std::io::Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| std::io::Error::other("no system randomness"))?;
    Ok(bytes)
}

/// The cache folder.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    /// Authenticates records; `None` for a cache only listed or cleaned.
    key: Option<RecordKey>,
}

/// What `lockproof cache info` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheInfo {
    /// Files.
    pub files: u64,
    /// Bytes.
    pub bytes: u64,
}

impl Cache {
    /// A cache under `dir` (the layout folder is added) whose records are
    /// authenticated with `key`.
    pub fn new(dir: &Path, key: RecordKey) -> Self {
        Self {
            root: dir.join(LAYOUT),
            key: Some(key),
        }
    }

    /// The cache under `dir`, to count or delete its files only.
    pub fn folder(dir: &Path) -> Self {
        Self {
            root: dir.join(LAYOUT),
            key: None,
        }
    }

    /// The platform's cache folder for lockproof: `$XDG_CACHE_HOME` or
    /// `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%`
    /// on Windows.
    pub fn default_dir() -> Option<PathBuf> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let base = if cfg!(target_os = "windows") {
            env("LOCALAPPDATA")
        } else if cfg!(target_os = "macos") {
            env("HOME").map(|h| h.join("Library/Caches"))
        } else {
            env("XDG_CACHE_HOME").or_else(|| env("HOME").map(|h| h.join(".cache")))
        };
        base.map(|b| b.join("lockproof"))
    }

    /// The layout folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, kind: &str, key: &str) -> PathBuf {
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        // Two-level fan-out, as git and cacache do: parallel writers then
        // rarely contend for one directory's lock.
        let (fan, rest) = hex.split_at(2);
        self.root.join(kind).join(fan).join(format!("{rest}.json"))
    }

    /// Reads the entry `key` of `kind`. A missing file is `None`; an
    /// unreadable, corrupt or unauthenticated one (its tag does not verify
    /// under this cache's key) is deleted and is `None` too.
    pub fn read<T: DeserializeOwned>(&self, kind: &str, key: &str) -> Option<Cached<T>> {
        let secret = self.key.as_ref()?;
        let path = self.path(kind, key);
        let bytes = fs::read(&path).ok()?;
        let parsed = bytes
            .iter()
            .position(|&b| b == b'\n')
            .and_then(|nl| {
                let tag = hex_decode(bytes.get(..nl)?)?;
                let body = bytes.get(nl + 1..)?;
                secret.verify(kind, key, body, &tag).then_some(body)
            })
            .and_then(|body| serde_json::from_slice::<Cached<T>>(body).ok());
        if parsed.is_none() {
            let _ = fs::remove_file(&path);
        }
        parsed
    }

    /// Writes the entry `key` of `kind` atomically. Failing to cache is
    /// not an error of the audit: the caller may ignore it.
    pub fn write<T: Serialize>(
        &self,
        kind: &str,
        key: &str,
        entry: &Cached<T>,
    ) -> std::io::Result<()> {
        let Some(secret) = &self.key else {
            return Err(std::io::Error::other(
                "a cache without a record key is read-only",
            ));
        };
        let path = self.path(kind, key);
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir)?;
        let body = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        let tag = secret.tag(kind, key, &body);
        let mut bytes: Vec<u8> = tag
            .as_ref()
            .iter()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect();
        bytes.push(b'\n');
        bytes.extend_from_slice(&body);
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
            std::process::id()
        ));
        // No fsync: a file a crash leaves torn fails to parse and is
        // discarded on read (see `read`), so durability buys nothing here,
        // and an fsync per packument made cold runs disk-bound.
        fs::write(&tmp, &bytes)?;
        fs::rename(&tmp, &path).inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })
    }

    /// Counts the files and bytes under `dir` (symbolic links are not
    /// followed; unreadable entries are not counted).
    pub fn count(dir: &Path) -> CacheInfo {
        let mut info = CacheInfo::default();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                match e.metadata() {
                    Ok(m) if m.is_dir() => stack.push(e.path()),
                    Ok(m) => {
                        info.files += 1;
                        info.bytes += m.len();
                    }
                    Err(_) => {}
                }
            }
        }
        info
    }
}

/// Lower-case hex to bytes; `None` for anything else.
fn hex_decode(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| {
            let digit = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            Some(digit(pair[0])? << 4 | digit(pair[1])?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(fetched_at: i64, max_age: Option<u64>) -> Cached<()> {
        Cached {
            url: String::new(),
            etag: None,
            last_modified: None,
            fetched_at,
            max_age,
            value: (),
        }
    }

    #[test]
    fn freshness_is_capped_when_read_whatever_the_record_claims() {
        let now = 1_000_000;
        assert!(at(now - 10, Some(60)).is_fresh(now));
        assert!(!at(now - 61, Some(60)).is_fresh(now));
        assert!(
            !at(now, None).is_fresh(now),
            "no max-age: always revalidate"
        );
        // A record claiming a year of freshness is fresh for the cap only.
        assert!(at(now - 100, Some(365 * 86_400)).is_fresh(now));
        assert!(!at(now - 3600, Some(365 * 86_400)).is_fresh(now));
        // A fetch time in the future is a tampered record, not a fresh one.
        assert!(!at(now + 86_400, Some(60)).is_fresh(now));
        assert!(!at(i64::MAX, Some(u64::MAX)).is_fresh(now));
    }

    #[test]
    fn records_written_or_edited_without_the_key_are_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let ours = Cache::new(dir.path(), RecordKey::ephemeral());
        let entry = Cached {
            url: "u".into(),
            etag: None,
            last_modified: None,
            fetched_at: 0,
            max_age: None,
            value: 7u32,
        };
        ours.write("k", "a", &entry).unwrap();
        let path = ours.path("k", "a");
        // Someone else's key: the record is not theirs to read.
        let theirs = Cache::new(dir.path(), RecordKey::ephemeral());
        assert!(theirs.read::<u32>("k", "a").is_none());
        assert!(!path.exists(), "an unauthenticated record is deleted");
        // An edit that keeps the tag.
        ours.write("k", "a", &entry).unwrap();
        let text = fs::read_to_string(&path).unwrap().replace(":7}", ":8}");
        fs::write(&path, text).unwrap();
        assert!(ours.read::<u32>("k", "a").is_none());
        // A record moved under another key.
        ours.write("k", "a", &entry).unwrap();
        fs::create_dir_all(ours.path("k", "b").parent().unwrap()).unwrap();
        fs::copy(ours.path("k", "a"), ours.path("k", "b")).unwrap();
        assert!(ours.read::<u32>("k", "b").is_none());
        assert_eq!(ours.read::<u32>("k", "a").map(|c| c.value), Some(7));
    }

    #[test]
    fn the_key_file_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config/lockproof/cache.key");
        let a = RecordKey::load_or_create(&path).unwrap();
        let b = RecordKey::load_or_create(&path).unwrap();
        assert_eq!(
            a.tag("k", "a", b"x").as_ref(),
            b.tag("k", "a", b"x").as_ref()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner only");
        }
        fs::write(&path, b"short").unwrap();
        assert!(RecordKey::load_or_create(&path).is_err());
    }

    #[test]
    fn round_trips_and_discards_corrupt_files() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), RecordKey::ephemeral());
        assert!(cache.read::<u32>("k", "a").is_none());
        let entry = Cached {
            url: "u".into(),
            etag: Some("\"e\"".into()),
            last_modified: None,
            fetched_at: 0,
            max_age: None,
            value: 7u32,
        };
        cache.write("k", "a", &entry).unwrap();
        let back = cache.read::<u32>("k", "a").unwrap();
        assert_eq!((back.value, back.etag.as_deref()), (7, Some("\"e\"")));
        assert_eq!(Cache::count(cache.root()).files, 1);
        let path = cache.path("k", "a");
        fs::write(&path, b"{not json").unwrap();
        assert!(cache.read::<u32>("k", "a").is_none());
        assert!(!path.exists(), "a corrupt file is deleted");
        assert_eq!(Cache::count(cache.root()), CacheInfo::default());
    }
}
