//! The tarball store: verified tarballs on disk, addressed by the hash the
//! lockfile pins them with (`tarballs-v1/<algorithm>/<2 hex>/<rest>`).
//!
//! A file lands in the store only after its bytes matched the lockfile, by
//! a rename from a temporary file in the same folder, so a crash leaves no
//! half-written tarball under a real name. Reads hash the file again: the
//! store is a download cache, never a witness, and a file that no longer
//! matches its name is deleted.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::integrity::{Algorithm, Hash};

/// Folder of this store layout under the cache root.
pub const LAYOUT: &str = "tarballs-v1";

/// The store folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// A hash computed while bytes stream through, with their count.
pub struct Hashing {
    context: ring::digest::Context,
    algorithm: Algorithm,
    bytes: u64,
}

impl Hashing {
    /// Starts hashing with `algorithm`.
    pub fn new(algorithm: Algorithm) -> Self {
        Self {
            context: ring::digest::Context::new(algorithm.ring()),
            algorithm,
            bytes: 0,
        }
    }

    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.context.update(data);
        self.bytes += data.len() as u64;
    }

    /// The hash and the number of bytes hashed.
    pub fn finish(self) -> (Hash, u64) {
        let digest = self.context.finish();
        (
            Hash {
                algorithm: self.algorithm,
                digest: digest.as_ref().to_vec(),
            },
            self.bytes,
        )
    }
}

/// Copies `from` into `to`, hashing with `algorithm`; returns the hash and
/// the byte count.
pub fn copy_hashing(
    from: &mut dyn Read,
    to: &mut dyn Write,
    algorithm: Algorithm,
) -> io::Result<(Hash, u64)> {
    let mut hashing = Hashing::new(algorithm);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        hashing.update(chunk);
        to.write_all(chunk)?;
    }
    Ok(hashing.finish())
}

/// A temporary file in the store, deleted when dropped unless committed.
pub struct Staged {
    path: PathBuf,
    /// The open file.
    pub file: File,
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

static STAGED: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// The store under the cache folder `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            root: dir.join(LAYOUT),
        }
    }

    /// Where content with `hash` lives.
    pub fn path_of(&self, hash: &Hash) -> PathBuf {
        let hex = hash.hex();
        let (fan, rest) = hex.split_at(2.min(hex.len()));
        self.root
            .join(hash.algorithm.name())
            .join(fan)
            .join(format!("{rest}.tgz"))
    }

    /// The stored file for `hash`, when the store holds bytes that still
    /// hash to it. A file that does not is deleted.
    pub fn lookup(&self, hash: &Hash) -> Option<PathBuf> {
        let path = self.path_of(hash);
        let mut file = File::open(&path).ok()?;
        match copy_hashing(&mut file, &mut io::sink(), hash.algorithm) {
            Ok((actual, _)) if actual == *hash => Some(path),
            _ => {
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// A new temporary file in the store.
    pub fn stage(&self) -> io::Result<Staged> {
        let dir = self.root.join("tmp");
        fs::create_dir_all(&dir)?;
        let n = STAGED.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{}-{n}.part", std::process::id()));
        // Never through a file planted under that name (a symlink would
        // have the download written wherever it points).
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Staged { path, file })
    }

    /// Moves `staged`, whose bytes hash to `hash`, to its place.
    pub fn commit(&self, staged: Staged, hash: &Hash) -> io::Result<PathBuf> {
        let path = self.path_of(hash);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::rename(&staged.path, &path)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::Integrity;

    #[test]
    fn content_is_found_only_while_it_matches_its_name() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::new(dir.path());
        let mut staged = store.stage().expect("stage");
        let (hash, n) =
            copy_hashing(&mut &b"tarball"[..], &mut staged.file, Algorithm::Sha512).expect("copy");
        assert_eq!(n, 7);
        let sri = Integrity::parse(&hash.to_string()).expect("sri");
        assert_eq!(sri.strongest(), &hash);
        let path = store.commit(staged, &hash).expect("commit");
        assert_eq!(store.lookup(&hash), Some(path.clone()));
        fs::write(&path, b"tampered").expect("write");
        assert_eq!(store.lookup(&hash), None, "a changed file is not served");
        assert!(!path.exists(), "and is deleted");
        let staged = store.stage().expect("stage");
        let temp = staged.path.clone();
        drop(staged);
        assert!(!temp.exists(), "an uncommitted file is removed");
    }
}
