//! The advisory folder of lockproof's cache: where indexes live and how
//! they are replaced.
//!
//! The folder is versioned (`advisories/v1/`): an index format change
//! moves to a new folder rather than misreading old files. Each export URL
//! gets its own index (a mirror and the public export never mix), and each
//! local export file its own, keyed by its path, size and modification
//! time, so a changed file is indexed again. Indexes are built beside
//! their final name and renamed into place: a failed or interrupted update
//! leaves the previous index untouched.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

/// The folder of this layout under `<cache>/advisories/`.
pub const LAYOUT: &str = "v1";

/// The advisory folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The advisory folder under the cache folder `cache_dir`.
    pub fn new(cache_dir: &Path) -> Self {
        Self {
            root: cache_dir.join("advisories").join(LAYOUT),
        }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates the folder.
    pub fn create(&self) -> std::io::Result<()> {
        fs::create_dir_all(&self.root)
    }

    /// The index of the export downloaded from `url`.
    pub fn export_index(&self, url: &str) -> PathBuf {
        self.root
            .join(format!("export-{}.idx", key(url.as_bytes())))
    }

    /// When the export of `url` was last confirmed current (a sidecar of
    /// the index: a 304 does not rewrite the index).
    pub fn export_checked(&self, url: &str) -> PathBuf {
        self.root
            .join(format!("export-{}.checked", key(url.as_bytes())))
    }

    /// The index of the local export file `path`, as it is now.
    pub fn file_index(&self, path: &Path) -> std::io::Result<PathBuf> {
        let meta = fs::metadata(path)?;
        let canonical = fs::canonicalize(path)?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let id = format!("{}\0{}\0{}", canonical.display(), meta.len(), modified);
        Ok(self.root.join(format!("file-{}.idx", key(id.as_bytes()))))
    }

    /// A scratch path beside the indexes, unique to this process and call.
    pub fn scratch(&self, what: &str) -> PathBuf {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        self.root
            .join(format!(".{what}-{}-{nanos}.tmp", std::process::id()))
    }
}

/// Moves `built` to `target`, replacing it in one step.
pub fn install(built: &Path, target: &Path) -> std::io::Result<()> {
    fs::rename(built, target).inspect_err(|_| {
        let _ = fs::remove_file(built);
    })
}

fn key(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}
