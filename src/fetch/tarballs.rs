//! Tarball downloads into the store: each tarball streamed once, hashed
//! as it arrives with the lockfile's algorithm, kept only when the bytes
//! match the lockfile, and taken from the store next time.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{RegistrySource, progress};
use crate::evidence::source::{FetchedTarball, Inspected, TarballKey, TarballOutcome};
use crate::registry::client::{BodyError, FetchError};
use crate::store::{Store, copy_hashing};
use crate::tarball::Limits;

impl RegistrySource<'_> {
    /// Verifies every tarball of `wanted` into the store, `--jobs` at a
    /// time, and inspects each stored file in the same worker, so that
    /// reading one tarball overlaps the download of others.
    pub(super) fn fetch_tarballs(
        &self,
        wanted: &[TarballKey],
        bar: Option<&indicatif::ProgressBar>,
    ) -> BTreeMap<TarballKey, FetchedTarball> {
        let Some(store) = &self.store else {
            return wanted
                .iter()
                .map(|k| {
                    let why = "no cache folder for the tarball store".to_string();
                    (k.clone(), (TarballOutcome::Failed(why), None))
                })
                .collect();
        };
        let on_bytes = |total: u64| {
            if let Some(bar) = bar {
                progress::show_bytes(bar, total);
            }
        };
        let bytes = Downloaded {
            total: AtomicU64::new(0),
            on_bytes: &on_bytes,
        };
        self.parallel(wanted, bar, |key| {
            let outcome = self.tarball(store, key, &bytes);
            let inspected = match &outcome {
                TarballOutcome::Stored { path, .. } => Some(inspect_file(path, &self.limits)),
                _ => None,
            };
            (key.clone(), (outcome, inspected))
        })
    }

    fn tarball(&self, store: &Store, key: &TarballKey, bytes: &Downloaded<'_>) -> TarballOutcome {
        // A local file is read every time: it is what npm installs, and the
        // store holding bytes with its expected hash says nothing about it.
        if key.url.scheme() == "file" {
            return local(store, key);
        }
        if let Some(path) = store.lookup(&key.hash) {
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            return TarballOutcome::Stored {
                path,
                size,
                downloaded: false,
            };
        }
        let Some(client) = &self.client else {
            return TarballOutcome::NotCached;
        };
        let algorithm = key.hash.algorithm;
        let read = |r: &mut dyn std::io::Read| {
            let mut staged = store.stage().map_err(|e| {
                BodyError::Invalid(format!("cannot write to the tarball store: {e}"))
            })?;
            let mut counting = CountingWriter {
                inner: &mut staged.file,
                bytes,
            };
            let (hash, size) = copy_hashing(r, &mut counting, algorithm).map_err(BodyError::Io)?;
            Ok((staged, hash, size))
        };
        match client.get_with(&key.url, "application/octet-stream", None, None, &read) {
            Ok(resp) => match resp.body {
                Some((staged, hash, size)) if hash == key.hash => match store.commit(staged, &hash)
                {
                    Ok(path) => TarballOutcome::Stored {
                        path,
                        size,
                        downloaded: true,
                    },
                    Err(e) => TarballOutcome::Failed(format!(
                        "cannot move the tarball into the store: {e}"
                    )),
                },
                Some((_, actual, size)) => TarballOutcome::Mismatch { actual, size },
                None => TarballOutcome::Failed(format!("{}: empty answer", key.url)),
            },
            Err(FetchError::NotFound { url, status }) => {
                TarballOutcome::Failed(format!("{url}: HTTP {status}"))
            }
            Err(e) => TarballOutcome::Failed(e.to_string()),
        }
    }
}

/// A local tarball (`file:` in the lockfile), copied into the store when
/// its bytes match, like a download.
fn local(store: &Store, key: &TarballKey) -> TarballOutcome {
    let Ok(path) = key.url.to_file_path() else {
        return TarballOutcome::Failed(format!("{}: not a local path", key.url));
    };
    let copied = std::fs::File::open(&path).and_then(|mut file| {
        let mut staged = store.stage()?;
        let (hash, size) = copy_hashing(&mut file, &mut staged.file, key.hash.algorithm)?;
        Ok((staged, hash, size))
    });
    match copied {
        Ok((staged, hash, size)) if hash == key.hash => match store.commit(staged, &hash) {
            Ok(path) => TarballOutcome::Stored {
                path,
                size,
                downloaded: true,
            },
            Err(e) => {
                TarballOutcome::Failed(format!("cannot move the tarball into the store: {e}"))
            }
        },
        Ok((_, actual, size)) => TarballOutcome::Mismatch { actual, size },
        Err(e) => TarballOutcome::Failed(format!("{}: {e}", path.display())),
    }
}

/// Bytes downloaded by every worker, and who to tell.
struct Downloaded<'a> {
    total: AtomicU64,
    on_bytes: &'a (dyn Fn(u64) + Sync),
}

/// Counts bytes written, for the progress bar.
struct CountingWriter<'a, W> {
    inner: W,
    bytes: &'a Downloaded<'a>,
}

impl<W: std::io::Write> std::io::Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let total = self.bytes.total.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        (self.bytes.on_bytes)(total);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Inspects the stored tarball at `path` within `limits`.
fn inspect_file(path: &Path, limits: &Limits) -> Inspected {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("{}: cannot read the stored tarball: {e}", path.display()))?;
    crate::tarball::inspect(std::io::BufReader::with_capacity(64 * 1024, file), limits)
        .map(Box::new)
        .map_err(|e| format!("{}: {e}", path.display()))
}
