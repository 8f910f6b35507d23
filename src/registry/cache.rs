//! The disk cache: compact package records and registry key sets, kept per
//! registry and name, revalidated with ETag / Last-Modified.
//!
//! The folder is versioned (`v1/`): a release that changes what a record
//! holds moves to a new folder instead of misreading old files. Writes go
//! to a temporary file renamed into place, so a crash never leaves half a
//! file; a file that does not parse is deleted and refetched, never trusted.

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Folder of this cache layout under the cache root.
pub const LAYOUT: &str = "v3";

/// A cached value with what is needed to revalidate it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cached<T> {
    /// The URL it came from.
    pub url: String,
    /// `ETag` of the response.
    pub etag: Option<String>,
    /// `Last-Modified` of the response.
    pub last_modified: Option<String>,
    /// Until when (unix seconds) the value may be used without asking the
    /// registry, from `Cache-Control: max-age`.
    #[serde(default)]
    pub fresh_until: Option<i64>,
    /// The value.
    pub value: T,
}

/// The cache folder.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
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
    /// A cache under `dir` (the layout folder is added).
    pub fn new(dir: &Path) -> Self {
        Self {
            root: dir.join(LAYOUT),
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
    /// unreadable or corrupt one is deleted and is `None` too.
    pub fn read<T: DeserializeOwned>(&self, kind: &str, key: &str) -> Option<Cached<T>> {
        let path = self.path(kind, key);
        let bytes = fs::read(&path).ok()?;
        match serde_json::from_slice::<Cached<T>>(&bytes) {
            Ok(c) => Some(c),
            Err(_) => {
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// Writes the entry `key` of `kind` atomically. Failing to cache is
    /// not an error of the audit: the caller may ignore it.
    pub fn write<T: Serialize>(
        &self,
        kind: &str,
        key: &str,
        entry: &Cached<T>,
    ) -> std::io::Result<()> {
        let path = self.path(kind, key);
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir)?;
        let bytes = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
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

    /// Counts files and bytes.
    pub fn info(&self) -> CacheInfo {
        let mut info = CacheInfo::default();
        let mut stack = vec![self.root.clone()];
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

    /// Deletes this layout's folder.
    pub fn clean(&self) -> std::io::Result<()> {
        match fs::remove_dir_all(&self.root) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_discards_corrupt_files() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        assert!(cache.read::<u32>("k", "a").is_none());
        let entry = Cached {
            url: "u".into(),
            etag: Some("\"e\"".into()),
            last_modified: None,
            fresh_until: None,
            value: 7u32,
        };
        cache.write("k", "a", &entry).unwrap();
        let back = cache.read::<u32>("k", "a").unwrap();
        assert_eq!((back.value, back.etag.as_deref()), (7, Some("\"e\"")));
        assert_eq!(cache.info().files, 1);
        let path = cache.path("k", "a");
        fs::write(&path, b"{not json").unwrap();
        assert!(cache.read::<u32>("k", "a").is_none());
        assert!(!path.exists(), "a corrupt file is deleted");
        cache.write("k", "a", &entry).unwrap();
        cache.clean().unwrap();
        assert_eq!(cache.info(), CacheInfo::default());
    }
}
