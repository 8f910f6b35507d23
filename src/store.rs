//! The tarball store: verified tarballs on disk, addressed by the hash the
//! lockfile pins them with (`tarballs-v1/<algorithm>/<2 hex>/<rest>`).
//!
//! A file lands in the store only after its bytes matched the lockfile, by
//! a rename from a temporary file in the same folder, so a crash leaves no
//! half-written tarball under a real name, and read-only (on Unix): nothing
//! in lockproof or npm writes to a stored file in place. Reads hash the
//! file again: the store is a download cache, never a witness, and a file
//! that no longer matches its name is deleted.
//!
//! A stored file is handed to another folder (npm's cache, for `install`)
//! by [`open_hashed`] and [`Opened::place`]: its bytes are hashed through
//! the very handle that is then linked or copied, so the new path holds the
//! bytes just hashed, or nothing.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
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
        (Hash::of_ring(self.algorithm, &digest), self.bytes)
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
    /// hash to it. A file that does not is deleted, and so is a name that
    /// is no regular file (a planted device or pipe).
    pub fn lookup(&self, hash: &Hash) -> Option<PathBuf> {
        let path = self.path_of(hash);
        let mut file = match open_regular(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                let _ = fs::remove_file(&path);
                return None;
            }
            Err(_) => return None,
        };
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

    /// Moves `staged`, whose bytes hash to `hash`, to its place, read-only.
    pub fn commit(&self, staged: Staged, hash: &Hash) -> io::Result<PathBuf> {
        let path = self.path_of(hash);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        make_read_only(&staged.file);
        fs::rename(&staged.path, &path)?;
        Ok(path)
    }
}

/// Opens `path` for reading when it is a regular file (through links);
/// anything else is refused with [`io::ErrorKind::InvalidInput`]. A device
/// or pipe planted under a stored name would never end (`/dev/zero`) or
/// block the reader: looked at before it is opened, so that a pipe is not
/// waited on, and again through the handle, for what took the name since.
fn open_regular(path: &Path) -> io::Result<File> {
    let not_a_file = || io::Error::new(io::ErrorKind::InvalidInput, "not a regular file");
    if !fs::metadata(path)?.is_file() {
        return Err(not_a_file());
    }
    let file = File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_a_file());
    }
    Ok(file)
}

/// How [`Opened::place`] put the bytes at their new path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// A hard link to the read-only file whose bytes were hashed.
    Linked,
    /// A copy, hashed again as it was written.
    Copied,
}

/// Why [`Opened::place`] put nothing at the new path.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    /// The new path exists already (nothing was written to it).
    #[error("the new path exists already")]
    Exists,
    /// The file's bytes changed after they were hashed.
    #[error("the file changed after it was hashed")]
    Changed,
    /// Reading the file or writing the new path failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A file opened to be handed on, with the hash of its bytes as read
/// through this handle.
pub struct Opened {
    file: File,
    path: PathBuf,
    hash: Hash,
    size: u64,
    /// Read-only, and on a system whose files [`Opened::place`] can tell
    /// apart: only then may a link share its bytes.
    linkable: bool,
}

/// Opens `path`, a regular file, and hashes its bytes with `algorithm`
/// (see [`open_regular`]). On Unix the file is
/// made read-only first (when lockproof owns it), so that after hashing
/// only its owner's deliberate `chmod` or root can change its bytes.
pub fn open_hashed(path: &Path, algorithm: Algorithm) -> io::Result<Opened> {
    let mut file = open_regular(path)?;
    let linkable = make_read_only(&file);
    let (hash, size) = copy_hashing(&mut file, &mut io::sink(), algorithm)?;
    Ok(Opened {
        file,
        path: path.to_owned(),
        hash,
        size,
        linkable,
    })
}

impl Opened {
    /// The hash of the bytes read.
    pub fn hash(&self) -> &Hash {
        &self.hash
    }

    /// Their number.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Puts the hashed bytes at `dest`, which must not exist: a hard link
    /// when the file is read-only and the link provably names the very
    /// file that was hashed (same device and inode as the open handle: a
    /// path swapped for another file since is never linked); else a copy
    /// from the open handle, hashed as it is written, and refused
    /// ([`PlaceError::Changed`], `dest` removed) if the bytes changed since
    /// they were hashed. Another filesystem, a filesystem without hard
    /// links or a file of another user all end in a copy.
    pub fn place(&mut self, dest: &Path) -> Result<Placed, PlaceError> {
        if self.linkable && self.link(dest)? {
            return Ok(Placed::Linked);
        }
        self.copy(dest)?;
        Ok(Placed::Copied)
    }

    /// Links `dest` to the file; `false` when that was not possible or did
    /// not give the file that was hashed (then `dest` is gone again).
    #[cfg(unix)]
    fn link(&self, dest: &Path) -> Result<bool, PlaceError> {
        use std::os::unix::fs::MetadataExt as _;
        match fs::hard_link(&self.path, dest) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(PlaceError::Exists),
            Err(_) => return Ok(false),
        }
        let same = match (self.file.metadata(), fs::symlink_metadata(dest)) {
            (Ok(hashed), Ok(linked)) => {
                hashed.dev() == linked.dev() && hashed.ino() == linked.ino()
            }
            _ => false,
        };
        if !same {
            fs::remove_file(dest)?;
        }
        Ok(same)
    }

    #[cfg(not(unix))]
    fn link(&self, _dest: &Path) -> Result<bool, PlaceError> {
        Ok(false)
    }

    fn copy(&mut self, dest: &Path) -> Result<(), PlaceError> {
        self.file.seek(SeekFrom::Start(0))?;
        let mut out = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
        {
            Ok(out) => out,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(PlaceError::Exists),
            Err(e) => return Err(e.into()),
        };
        let copied = copy_hashing(&mut self.file, &mut out, self.hash.algorithm);
        drop(out);
        let outcome = match copied {
            Ok((hash, _)) if hash == self.hash => return Ok(()),
            Ok(_) => PlaceError::Changed,
            Err(e) => PlaceError::Io(e),
        };
        let _ = fs::remove_file(dest);
        Err(outcome)
    }
}

/// Takes the write permissions off `file` (Unix); whether it is read-only
/// now and lockproof's user owns it: the owner of a file can make it
/// writable again at will, so a file of another user (a cache folder
/// shared, or restored with its owners) is never linked, read-only or not.
/// Elsewhere files stay as they are: a read-only file there could not be
/// replaced or deleted by the store.
#[cfg(unix)]
fn make_read_only(file: &File) -> bool {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let Ok(metadata) = file.metadata() else {
        return false;
    };
    if metadata.uid() != rustix::process::geteuid().as_raw() {
        return false;
    }
    let mode = metadata.permissions().mode();
    mode & 0o7222 == 0
        || file
            .set_permissions(fs::Permissions::from_mode(mode & 0o555))
            .is_ok()
}

#[cfg(not(unix))]
fn make_read_only(_file: &File) -> bool {
    false
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
        tamper(&path, b"tampered");
        assert_eq!(store.lookup(&hash), None, "a changed file is not served");
        assert!(!path.exists(), "and is deleted");
        let staged = store.stage().expect("stage");
        let temp = staged.path.clone();
        drop(staged);
        assert!(!temp.exists(), "an uncommitted file is removed");
    }

    /// Overwrites `path` as its owner could, write permission first.
    fn tamper(path: &Path, bytes: &[u8]) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(path, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        fs::write(path, bytes).expect("write");
    }

    /// A committed file holding `bytes`, and its hash.
    fn stored(store: &Store, bytes: &[u8]) -> (PathBuf, Hash) {
        let mut staged = store.stage().expect("stage");
        let (hash, _) =
            copy_hashing(&mut &bytes[..], &mut staged.file, Algorithm::Sha512).expect("copy");
        let path = store.commit(staged, &hash).expect("commit");
        (path, hash)
    }

    #[cfg(unix)]
    fn inode(path: &Path) -> (u64, u64) {
        use std::os::unix::fs::MetadataExt as _;
        let m = fs::symlink_metadata(path).expect("metadata");
        (m.dev(), m.ino())
    }

    #[cfg(unix)]
    #[test]
    fn stored_files_are_read_only_and_placed_as_links_to_the_hashed_file() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::new(dir.path());
        let (path, hash) = stored(&store, b"tarball");
        let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode();
        assert_eq!(mode(&path) & 0o222, 0, "no one may write to a stored file");
        // A file of the store from before it was read-only becomes so.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let mut opened = open_hashed(&path, Algorithm::Sha512).expect("open");
        assert_eq!(opened.hash(), &hash);
        assert_eq!(opened.size(), 7);
        assert_eq!(mode(&path) & 0o777, 0o444);
        let dest = dir.path().join("linked");
        assert_eq!(opened.place(&dest).expect("place"), Placed::Linked);
        assert_eq!(inode(&dest), inode(&path), "one file, not a copy");
        assert_eq!(fs::read(&dest).expect("read"), b"tarball");
        assert!(matches!(opened.place(&dest), Err(PlaceError::Exists)));
    }

    #[cfg(unix)]
    #[test]
    fn a_path_swapped_after_hashing_is_never_linked() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::new(dir.path());
        let (path, _) = stored(&store, b"verified");
        let mut opened = open_hashed(&path, Algorithm::Sha512).expect("open");
        // Another file takes the stored file's name after it was hashed.
        let other = dir.path().join("other");
        fs::write(&other, b"swapped!").expect("write");
        fs::rename(&other, &path).expect("rename");
        let dest = dir.path().join("placed");
        assert_eq!(opened.place(&dest).expect("place"), Placed::Copied);
        assert_ne!(inode(&dest), inode(&path));
        assert_eq!(
            fs::read(&dest).expect("read"),
            b"verified",
            "the bytes hashed, read through the open handle"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_stored_name_that_is_a_symlink_is_copied_not_linked() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::new(dir.path());
        let (path, hash) = stored(&store, b"verified");
        // A planted link under the stored name, to a file with the right
        // bytes that its planter keeps: a link to the name would link the
        // symlink, whose target its planter can change at will.
        let elsewhere = dir.path().join("elsewhere");
        fs::rename(&path, &elsewhere).expect("rename");
        std::os::unix::fs::symlink(&elsewhere, &path).expect("symlink");
        let mut opened = open_hashed(&path, Algorithm::Sha512).expect("open");
        assert_eq!(opened.hash(), &hash);
        let dest = dir.path().join("placed");
        assert_eq!(opened.place(&dest).expect("place"), Placed::Copied);
        assert!(fs::symlink_metadata(&dest).expect("metadata").is_file());
        assert_eq!(fs::read(&dest).expect("read"), b"verified");
    }

    /// A device or pipe planted under a stored name (`/dev/zero` never ends,
    /// a pipe blocks its reader) is not a stored file: never read as one.
    #[cfg(unix)]
    #[test]
    fn a_stored_name_that_is_not_a_file_is_not_read() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::new(dir.path());
        let (path, hash) = stored(&store, b"verified");
        fs::remove_file(&path).expect("remove");
        std::os::unix::fs::symlink("/dev/zero", &path).expect("symlink");
        assert_eq!(store.lookup(&hash), None);
        assert!(fs::symlink_metadata(&path).is_err(), "the link is deleted");
        std::os::unix::fs::symlink("/dev/zero", &path).expect("symlink");
        assert!(open_hashed(&path, Algorithm::Sha512).is_err());
    }

    /// A stored file of another user, read-only: its owner can make it
    /// writable again whenever they like, so it is copied. Needs root to
    /// give the file away.
    #[cfg(unix)]
    #[test]
    fn a_read_only_file_of_another_user_is_copied_not_linked() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::new(dir.path());
        let (path, hash) = stored(&store, b"verified");
        let nobody = 65534;
        if std::os::unix::fs::chown(&path, Some(nobody), Some(nobody)).is_err() {
            eprintln!("SKIPPED: cannot give a file to another user");
            return;
        }
        assert_eq!(fs::metadata(&path).expect("metadata").uid(), nobody);
        let mut opened = open_hashed(&path, Algorithm::Sha512).expect("open");
        assert_eq!(opened.hash(), &hash);
        let dest = dir.path().join("placed");
        assert_eq!(opened.place(&dest).expect("place"), Placed::Copied);
        assert_ne!(inode(&dest), inode(&path));
        assert_eq!(fs::read(&dest).expect("read"), b"verified");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn another_filesystem_gets_a_copy() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().expect("dir");
        let Ok(other) = tempfile::tempdir_in("/dev/shm") else {
            eprintln!("SKIPPED: no /dev/shm");
            return;
        };
        let device = |p: &Path| fs::metadata(p).expect("metadata").dev();
        if device(dir.path()) == device(other.path()) {
            eprintln!("SKIPPED: /dev/shm is on the temporary folder's filesystem");
            return;
        }
        let store = Store::new(dir.path());
        let (path, _) = stored(&store, b"tarball");
        let mut opened = open_hashed(&path, Algorithm::Sha512).expect("open");
        let dest = other.path().join("placed");
        assert_eq!(opened.place(&dest).expect("place"), Placed::Copied);
        assert_eq!(fs::read(&dest).expect("read"), b"tarball");
    }

    #[test]
    fn a_copy_of_bytes_changed_after_hashing_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::new(dir.path());
        let (path, _) = stored(&store, b"verified");
        let mut opened = open_hashed(&path, Algorithm::Sha512).expect("open");
        // As on a filesystem without hard links: a copy.
        opened.linkable = false;
        tamper(&path, b"tampered");
        let dest = dir.path().join("placed");
        assert!(matches!(opened.place(&dest), Err(PlaceError::Changed)));
        assert!(!dest.exists(), "nothing is left at the new path");
        // Unchanged bytes are copied.
        let (path, _) = stored(&store, b"intact");
        let mut opened = open_hashed(&path, Algorithm::Sha512).expect("open");
        opened.linkable = false;
        assert_eq!(opened.place(&dest).expect("place"), Placed::Copied);
        assert_eq!(fs::read(&dest).expect("read"), b"intact");
    }
}
