//! The on-disk TUF state: the last verified metadata and targets of one
//! repository, under `<cache>/tuf/v1/<repository>/`.
//!
//! `state.json` holds the raw metadata documents; targets are files named by
//! their SHA-256. A save writes the targets first, then `state.json` through
//! a temporary file renamed into place, so a crash or a failed update never
//! leaves a half-written state: the previous one stays until the new one is
//! complete. Loading never trusts what it reads: the documents are replayed
//! from the embedded root through the same checks as an update (expiry
//! aside, the age being reported instead), and each target must have the
//! length and hashes the verified targets metadata states.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::metadata::to_hex;
use super::remote::{FetchError, Remote};
use super::update::{Files, Freshness, Trusted, TufError, check_bytes};

/// Folder of this layout under `<cache>/tuf/`.
pub const LAYOUT: &str = "v1";
/// Largest `state.json` read back.
const MAX_STATE: u64 = 32 * 1024 * 1024;

/// Why the cached state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// `state.json` is not the store's format.
    #[error("{path}: not a lockproof TUF state: {why}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The cached documents or targets do not verify.
    #[error("cached TUF state does not verify: {0}")]
    Verify(#[from] TufError),
}

/// A verified state read back from disk.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The replayed, verified metadata.
    pub trusted: Trusted,
    /// The wanted targets, each checked against the metadata.
    pub targets: BTreeMap<String, Vec<u8>>,
    /// When the state was saved.
    pub updated: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct State {
    repository: String,
    /// RFC 3339.
    updated: String,
    files: Files,
    /// Target path to the SHA-256 hex naming its file.
    targets: BTreeMap<String, String>,
}

/// The store of one repository.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    repository: String,
}

impl Store {
    /// The store for `repository` (its base URL) under `cache_dir`.
    pub fn new(cache_dir: &Path, repository: &str) -> Store {
        let host = url::Url::parse(repository)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "repository".to_owned());
        let id = to_hex(&Sha256::digest(repository.as_bytes()));
        let short = id.get(..12).unwrap_or(&id);
        let name: String = format!("{host}-{short}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Store {
            dir: cache_dir.join("tuf").join(LAYOUT).join(name),
            repository: repository.to_owned(),
        }
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether a state was ever saved (it may still fail to load).
    pub fn has_state(&self) -> bool {
        self.dir.join("state.json").exists()
    }

    /// The cached state replayed from `bootstrap`, with the `wanted`
    /// targets; `Ok(None)` when nothing was ever saved.
    pub fn load(&self, bootstrap: &Trusted, wanted: &[&str]) -> Result<Option<Cached>, StoreError> {
        let path = self.dir.join("state.json");
        let bytes = match read_limited(&path, MAX_STATE) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(StoreError::Io { path, error }),
        };
        let format = |why: String| StoreError::Format {
            path: path.clone(),
            why,
        };
        let state: State = serde_json::from_slice(&bytes).map_err(|e| format(e.to_string()))?;
        if state.repository != self.repository {
            return Err(format(format!("it is for {}", state.repository)));
        }
        let updated: Timestamp = state
            .updated
            .parse()
            .map_err(|e| format(format!("updated: {e}")))?;
        let remote = CachedRemote(&state.files);
        let (trusted, infos) = bootstrap.update(&remote, Freshness::Unchecked, wanted)?;
        let mut targets = BTreeMap::new();
        for (target, info) in infos {
            let name = state
                .targets
                .get(&target)
                .ok_or_else(|| format(format!("no cached copy of {target}")))?;
            let file = self
                .target_file(name)
                .ok_or_else(|| format(format!("bad name {name}")))?;
            let bytes = read_limited(&file, info.length)
                .map_err(|error| StoreError::Io { path: file, error })?;
            check_bytes(&target, &bytes, Some(info.length), &info.hashes, "targets")?;
            targets.insert(target, bytes);
        }
        Ok(Some(Cached {
            trusted,
            targets,
            updated,
        }))
    }

    /// Saves a verified state and its targets, replacing the previous one
    /// only once everything is written.
    pub fn save(
        &self,
        trusted: &Trusted,
        targets: &BTreeMap<String, Vec<u8>>,
        updated: Timestamp,
    ) -> Result<(), StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |error| StoreError::Io { path, error }
        };
        let dir = self.dir.join("targets");
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let mut names = BTreeMap::new();
        for (target, bytes) in targets {
            let name = to_hex(&Sha256::digest(bytes));
            let path = dir.join(&name);
            write_atomic(&path, bytes).map_err(io(&path))?;
            names.insert(target.clone(), name);
        }
        let state = State {
            repository: self.repository.clone(),
            updated: updated.to_string(),
            files: trusted.files.clone(),
            targets: names.clone(),
        };
        let path = self.dir.join("state.json");
        let json = serde_json::to_vec(&state).map_err(|e| StoreError::Format {
            path: path.clone(),
            why: e.to_string(),
        })?;
        write_atomic(&path, &json).map_err(io(&path))?;
        // Targets no state names any more; failing to delete one is harmless.
        if let Ok(entries) = fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !names.values().any(|n| *n == name) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }

    fn target_file(&self, name: &str) -> Option<PathBuf> {
        let hex = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
        hex.then(|| self.dir.join("targets").join(name))
    }
}

/// The saved documents served as a repository, so replaying them runs the
/// update's own checks.
struct CachedRemote<'a>(&'a Files);

impl Remote for CachedRemote<'_> {
    fn fetch(&self, path: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        let files = self.0;
        let found = if let Some(version) = path.strip_suffix(".root.json") {
            let version: u64 = version.parse().map_err(|_| FetchError::NotFound)?;
            files
                .roots
                .iter()
                .find(|doc| root_version(doc) == Some(version))
        } else if path == "timestamp.json" {
            files.timestamp.as_ref()
        } else if path == "snapshot.json" || path.ends_with(".snapshot.json") {
            files.snapshot.as_ref()
        } else if path == "targets.json" || path.ends_with(".targets.json") {
            files.targets.as_ref()
        } else {
            let role = path.strip_suffix(".json").unwrap_or(path);
            let unversioned = role
                .split_once('.')
                .filter(|(v, _)| v.bytes().all(|b| b.is_ascii_digit()))
                .map(|(_, rest)| rest);
            [Some(role), unversioned]
                .into_iter()
                .flatten()
                .filter_map(|r| percent_encoding::percent_decode_str(r).decode_utf8().ok())
                .find_map(|r| files.delegated.get(r.as_ref()))
        };
        let doc = found.ok_or(FetchError::NotFound)?;
        if doc.len() as u64 > limit {
            return Err(FetchError::TooLarge(limit));
        }
        Ok(doc.clone().into_bytes())
    }
}

fn root_version(doc: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Peek {
        signed: Version,
    }
    #[derive(Deserialize)]
    struct Version {
        version: u64,
    }
    serde_json::from_str::<Peek>(doc)
        .ok()
        .map(|p| p.signed.version)
}

fn read_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!("larger than {limit} bytes")));
    }
    Ok(bytes)
}

/// Writes through a temporary file in the same folder, renamed into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let tmp = dir.join(format!(".tmp-{}-{nanos}", std::process::id()));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}
