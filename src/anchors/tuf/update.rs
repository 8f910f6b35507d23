//! The TUF 1.0 client workflow (specification §5): root rotation, then
//! timestamp, snapshot and targets, each checked for signatures, rollback,
//! freeze and mix-and-match, then a search of the (delegated) targets for
//! the files wanted.
//!
//! An update builds a new [`Trusted`] state from the last trusted one and
//! returns it only when every check passed: a failed update leaves the
//! state it started from as it was. Replaying a cached state goes through
//! the same code, with the cache as the remote and expiry not enforced
//! (a cache is re-verified, never trusted as written).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::metadata::{
    Delegation, Hashes, Key, MetaFile, MetadataError, RoleKeys, Root, Signed, Snapshot, TargetFile,
    Targets, TimestampMeta, TopRole, to_hex,
};
use super::remote::{FetchError, Remote};
use super::signatures::{BelowThreshold, verify_threshold};

/// Most bytes of one root document.
pub const MAX_ROOT: u64 = 512 * 1024;
/// Most bytes of the timestamp document.
pub const MAX_TIMESTAMP: u64 = 16 * 1024;
/// Most bytes of the snapshot when the timestamp does not state its length.
pub const MAX_SNAPSHOT: u64 = 4 * 1024 * 1024;
/// Most bytes of a targets document when the snapshot does not state it.
pub const MAX_TARGETS: u64 = 8 * 1024 * 1024;
/// Most root versions one update walks through.
pub const MAX_ROOT_ROTATIONS: u64 = 256;
/// Most delegated roles one target search visits.
pub const MAX_DELEGATIONS: usize = 32;

/// Why an update (or a cached state) was refused; each variant is a check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TufError {
    /// A file could not be fetched.
    #[error("{file}: {error}")]
    Fetch {
        /// The file.
        file: String,
        /// Why.
        error: FetchError,
    },
    /// A document does not parse.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// Too few valid signatures.
    #[error(transparent)]
    Signature(#[from] BelowThreshold),
    /// A version lower than the trusted one: a rollback.
    #[error("{role} version {new} is older than the trusted version {trusted} (rollback)")]
    Rollback {
        /// The role.
        role: String,
        /// The trusted version.
        trusted: u64,
        /// The version offered.
        new: u64,
    },
    /// A document that expired before the update started: a freeze.
    #[error("{role} metadata expired at {expires} (freeze)")]
    Expired {
        /// The role.
        role: String,
        /// When it expired.
        expires: Timestamp,
    },
    /// A version other than the one the referring metadata names.
    #[error("{role} version {found} is not the version {expected} that {by} names (mix-and-match)")]
    VersionMismatch {
        /// The role.
        role: String,
        /// The referring role.
        by: &'static str,
        /// The version named.
        expected: u64,
        /// The version found.
        found: u64,
    },
    /// Bytes whose hash is not the one stated.
    #[error("{file}: hash differs from the one {by} states")]
    HashMismatch {
        /// The file.
        file: String,
        /// Who states the hash.
        by: String,
    },
    /// Bytes whose length is not the one stated.
    #[error("{file}: {found} bytes, {by} states {expected}")]
    LengthMismatch {
        /// The file.
        file: String,
        /// Who states the length.
        by: String,
        /// The length stated.
        expected: u64,
        /// The length found.
        found: u64,
    },
    /// Metadata the referring document should name is missing from it.
    #[error("{by} does not list {role}")]
    Unlisted {
        /// The missing role or file.
        role: String,
        /// The referring role.
        by: &'static str,
    },
    /// No (delegated) targets role lists the target.
    #[error("no targets role lists {0}")]
    TargetNotFound(String),
    /// More root versions or delegations than any real repository has.
    #[error("more than {0} root versions or delegated roles")]
    TooMany(u64),
}

/// The raw documents of a verified state, as the store keeps them: roots
/// newer than the bootstrap one in version order, and the current
/// timestamp, snapshot, targets and delegated targets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Files {
    /// Root documents after the bootstrap root, oldest first.
    pub roots: Vec<String>,
    /// `timestamp.json`.
    pub timestamp: Option<String>,
    /// The snapshot.
    pub snapshot: Option<String>,
    /// The top-level targets.
    pub targets: Option<String>,
    /// Delegated targets by role name.
    pub delegated: BTreeMap<String, String>,
}

/// A verified repository state.
#[derive(Debug, Clone)]
pub struct Trusted {
    /// The current root.
    pub root: Signed<Root>,
    /// The current timestamp.
    pub timestamp: Option<Signed<TimestampMeta>>,
    /// The current snapshot.
    pub snapshot: Option<Signed<Snapshot>>,
    /// The current top-level targets.
    pub targets: Option<Signed<Targets>>,
    /// Delegated targets loaded so far, by role name.
    pub delegated: BTreeMap<String, Signed<Targets>>,
    /// The documents all of this was read from.
    pub files: Files,
}

/// Whether expiry is enforced: on an update from the network it is (a
/// freeze is an attack); on replaying the cache it is not (the cache is a
/// fallback whose age is reported, never a fresher source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Refuse documents that expired before this time.
    At(Timestamp),
    /// Check everything but expiry.
    Unchecked,
}

impl Trusted {
    /// The state a client starts from: the bootstrap root, which must be
    /// signed by a threshold of its own root keys.
    pub fn bootstrap(root: &[u8]) -> Result<Trusted, TufError> {
        let root = Root::parse(root)?;
        let own = role(&root.signed, TopRole::Root);
        verify_threshold(&root, "root", own, &root.signed.keys)?;
        Ok(Trusted {
            root,
            timestamp: None,
            snapshot: None,
            targets: None,
            delegated: BTreeMap::new(),
            files: Files::default(),
        })
    }

    /// Updates from `remote` and finds `wanted` targets; returns the new
    /// state and each target's length and hashes. `self` is not changed.
    pub fn update(
        &self,
        remote: &dyn Remote,
        freshness: Freshness,
        wanted: &[&str],
    ) -> Result<(Trusted, BTreeMap<String, TargetFile>), TufError> {
        let mut next = self.clone();
        next.update_root(remote, freshness)?;
        next.update_timestamp(remote, freshness)?;
        next.update_snapshot(remote, freshness)?;
        next.update_targets(remote, freshness)?;
        let mut found = BTreeMap::new();
        for path in wanted {
            let file = next.find_target(remote, freshness, path)?;
            found.insert((*path).to_owned(), file);
        }
        Ok((next, found))
    }

    /// §5.3: walks `N+1.root.json` until the repository has no newer one.
    fn update_root(&mut self, remote: &dyn Remote, freshness: Freshness) -> Result<(), TufError> {
        let start = self.root.signed.clone();
        for _ in 0..MAX_ROOT_ROTATIONS {
            let version = self.root.signed.version + 1;
            let file = format!("{version}.root.json");
            let bytes = match remote.fetch(&file, MAX_ROOT) {
                Ok(bytes) => bytes,
                Err(FetchError::NotFound) => {
                    check_expiry("root", self.root.signed.expires, freshness)?;
                    self.forget_if_rotated(&start);
                    return Ok(());
                }
                Err(error) => return Err(TufError::Fetch { file, error }),
            };
            let new = Root::parse(&bytes)?;
            // Signed by a threshold of the keys trusted so far, and of its
            // own: the old keys vouch for the new, the new accept the role.
            let old = &self.root.signed;
            verify_threshold(&new, "root", role(old, TopRole::Root), &old.keys)?;
            let own = role(&new.signed, TopRole::Root);
            verify_threshold(&new, "root", own, &new.signed.keys)?;
            if new.signed.version != version {
                return Err(TufError::Rollback {
                    role: "root".into(),
                    trusted: self.root.signed.version,
                    new: new.signed.version,
                });
            }
            self.root = new;
            self.files.roots.push(text(bytes));
        }
        Err(TufError::TooMany(MAX_ROOT_ROTATIONS))
    }

    /// §5.3.11: new timestamp or snapshot keys mean the old versions may
    /// have been pushed up by a compromised key; they stop counting for
    /// rollback checks.
    fn forget_if_rotated(&mut self, start: &Root) {
        let changed = |r| role(start, r) != role(&self.root.signed, r);
        if changed(TopRole::Timestamp) || changed(TopRole::Snapshot) {
            self.timestamp = None;
            self.files.timestamp = None;
        }
        if changed(TopRole::Snapshot) {
            self.snapshot = None;
            self.files.snapshot = None;
        }
    }

    /// §5.4.
    fn update_timestamp(
        &mut self,
        remote: &dyn Remote,
        freshness: Freshness,
    ) -> Result<(), TufError> {
        let file = "timestamp.json";
        let bytes = fetch(remote, file, MAX_TIMESTAMP)?;
        let new = TimestampMeta::parse(&bytes)?;
        let root = &self.root.signed;
        verify_threshold(
            &new,
            "timestamp",
            role(root, TopRole::Timestamp),
            &root.keys,
        )?;
        if let Some(old) = &self.timestamp {
            let (old, newer) = (&old.signed, &new.signed);
            rollback("timestamp", old.version, newer.version)?;
            rollback("snapshot", old.snapshot.version, newer.snapshot.version)?;
            if old.version == newer.version {
                // The same version again: nothing new, the trusted one stays.
                return check_expiry("timestamp", old.expires, freshness);
            }
        }
        check_expiry("timestamp", new.signed.expires, freshness)?;
        self.timestamp = Some(new);
        self.files.timestamp = Some(text(bytes));
        Ok(())
    }

    /// §5.5.
    fn update_snapshot(
        &mut self,
        remote: &dyn Remote,
        freshness: Freshness,
    ) -> Result<(), TufError> {
        let Some(timestamp) = &self.timestamp else {
            return Err(TufError::Unlisted {
                role: "snapshot".into(),
                by: "timestamp",
            });
        };
        let meta = timestamp.signed.snapshot.clone();
        let file = self.meta_path("snapshot", meta.version);
        let cached = self.files.snapshot.as_deref().map(str::as_bytes);
        let bytes = reuse_or_fetch(remote, &file, cached, &meta, MAX_SNAPSHOT, "timestamp")?;
        let new = Snapshot::parse(&bytes)?;
        let root = &self.root.signed;
        verify_threshold(&new, "snapshot", role(root, TopRole::Snapshot), &root.keys)?;
        if new.signed.version != meta.version {
            return Err(TufError::VersionMismatch {
                role: "snapshot".into(),
                by: "timestamp",
                expected: meta.version,
                found: new.signed.version,
            });
        }
        if let Some(old) = &self.snapshot {
            for (name, old_meta) in &old.signed.meta {
                let new_meta = new.signed.meta.get(name).ok_or(TufError::Unlisted {
                    role: name.clone(),
                    by: "snapshot",
                })?;
                rollback(name, old_meta.version, new_meta.version)?;
            }
        }
        check_expiry("snapshot", new.signed.expires, freshness)?;
        self.snapshot = Some(new);
        self.files.snapshot = Some(text(bytes));
        Ok(())
    }

    /// §5.6, for the top-level targets.
    fn update_targets(
        &mut self,
        remote: &dyn Remote,
        freshness: Freshness,
    ) -> Result<(), TufError> {
        let meta = self.listed("targets")?;
        let file = self.meta_path("targets", meta.version);
        let cached = self.files.targets.as_deref().map(str::as_bytes);
        let bytes = reuse_or_fetch(remote, &file, cached, &meta, MAX_TARGETS, "snapshot")?;
        let new = Targets::parse(&bytes, "targets")?;
        let root = &self.root.signed;
        verify_threshold(&new, "targets", role(root, TopRole::Targets), &root.keys)?;
        check_listed_version("targets", &meta, new.signed.version)?;
        check_expiry("targets", new.signed.expires, freshness)?;
        self.targets = Some(new);
        self.files.targets = Some(text(bytes));
        // Delegated roles are loaded again, against this snapshot, as the
        // search needs them.
        self.delegated.clear();
        Ok(())
    }

    /// §5.6.7: a pre-order depth-first search of the delegation graph.
    fn find_target(
        &mut self,
        remote: &dyn Remote,
        freshness: Freshness,
        path: &str,
    ) -> Result<TargetFile, TufError> {
        let mut stack = vec!["targets".to_owned()];
        let mut visited = 0;
        while let Some(name) = stack.pop() {
            visited += 1;
            if visited > MAX_DELEGATIONS {
                return Err(TufError::TooMany(MAX_DELEGATIONS as u64));
            }
            let targets = self.targets_role(&name)?;
            if let Some(file) = targets.signed.targets.get(path) {
                return Ok(file.clone());
            }
            let mut children = Vec::new();
            for delegation in &targets.signed.delegations {
                if delegation.covers(path) {
                    children.push(delegation.clone());
                    if delegation.terminating {
                        break;
                    }
                }
            }
            let keys = targets.signed.delegation_keys.clone();
            // Pushed in reverse, so the first listed is searched first.
            for delegation in children.into_iter().rev() {
                self.load_delegated(remote, freshness, &delegation, &keys)?;
                stack.push(delegation.name);
            }
        }
        Err(TufError::TargetNotFound(path.to_owned()))
    }

    fn targets_role(&self, name: &str) -> Result<&Signed<Targets>, TufError> {
        let found = match name {
            "targets" => self.targets.as_ref(),
            other => self.delegated.get(other),
        };
        found.ok_or_else(|| TufError::Unlisted {
            role: name.to_owned(),
            by: "snapshot",
        })
    }

    fn load_delegated(
        &mut self,
        remote: &dyn Remote,
        freshness: Freshness,
        delegation: &Delegation,
        keys: &BTreeMap<String, Key>,
    ) -> Result<(), TufError> {
        let name = delegation.name.as_str();
        if self.delegated.contains_key(name) {
            return Ok(());
        }
        let meta = self.listed(name)?;
        let file = self.meta_path(&encode(name), meta.version);
        let cached = self.files.delegated.get(name).map(String::as_bytes);
        let bytes = reuse_or_fetch(remote, &file, cached, &meta, MAX_TARGETS, "snapshot")?;
        let new = Targets::parse(&bytes, name)?;
        verify_threshold(&new, name, &delegation.keys, keys)?;
        check_listed_version(name, &meta, new.signed.version)?;
        check_expiry(name, new.signed.expires, freshness)?;
        self.delegated.insert(name.to_owned(), new);
        self.files.delegated.insert(name.to_owned(), text(bytes));
        Ok(())
    }

    /// What the snapshot says of `ROLE.json`.
    fn listed(&self, role: &str) -> Result<MetaFile, TufError> {
        self.snapshot
            .as_ref()
            .and_then(|s| s.signed.meta.get(&format!("{role}.json")))
            .cloned()
            .ok_or_else(|| TufError::Unlisted {
                role: role.to_owned(),
                by: "snapshot",
            })
    }

    /// `VERSION.ROLE.json` with consistent snapshots, else `ROLE.json`.
    fn meta_path(&self, role: &str, version: u64) -> String {
        if self.root.signed.consistent_snapshot {
            format!("{version}.{role}.json")
        } else {
            format!("{role}.json")
        }
    }

    /// Downloads the target `path` described by `file` (from
    /// [`Trusted::update`]) and checks its length and hashes.
    pub fn fetch_target(
        &self,
        remote: &dyn Remote,
        path: &str,
        file: &TargetFile,
    ) -> Result<Vec<u8>, TufError> {
        let location = self.target_path(path, file);
        let bytes = fetch(remote, &location, file.length)?;
        check_bytes(path, &bytes, Some(file.length), &file.hashes, "targets")?;
        Ok(bytes)
    }

    /// Where the repository serves a target: with consistent snapshots,
    /// its SHA-256 (else SHA-512) hex before its file name.
    pub fn target_path(&self, path: &str, file: &TargetFile) -> String {
        let hash = file.hashes.sha256.as_ref().or(file.hashes.sha512.as_ref());
        match hash {
            Some(hash) if self.root.signed.consistent_snapshot => {
                let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
                let prefixed = format!("{}.{name}", to_hex(hash));
                if dir.is_empty() {
                    format!("targets/{prefixed}")
                } else {
                    format!("targets/{dir}/{prefixed}")
                }
            }
            _ => format!("targets/{path}"),
        }
    }
}

impl Delegation {
    /// Whether this delegation is trusted for `path`.
    fn covers(&self, path: &str) -> bool {
        let hashed = to_hex(&Sha256::digest(path.as_bytes()));
        self.paths.iter().any(|p| glob(p, path))
            || self
                .path_hash_prefixes
                .iter()
                .any(|p| hashed.starts_with(&p.to_ascii_lowercase()))
    }
}

/// Shell-style matching as TUF path patterns use it: segment by segment,
/// `*` within a segment, `?` for one character.
fn glob(pattern: &str, path: &str) -> bool {
    let (pattern, path): (Vec<&str>, Vec<&str>) =
        (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| segment(p.as_bytes(), s.as_bytes()))
}

fn segment(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative wildcard matching: linear in practice, no recursion.
    let (mut p, mut t, mut star, mut mark) = (0, 0, None, 0);
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some(p);
                mark = t;
                p += 1;
            }
            Some(&c) if c == b'?' || Some(&c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some(s) => {
                    p = s + 1;
                    mark += 1;
                    t = mark;
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|c| *c == b'*'))
}

/// A role name as it appears in a file name (percent-encoded).
fn encode(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2E", ".")
        .replace("%2D", "-")
        .replace("%5F", "_")
}

fn role(root: &Root, role: TopRole) -> &RoleKeys {
    root.role(role)
}

fn fetch(remote: &dyn Remote, file: &str, limit: u64) -> Result<Vec<u8>, TufError> {
    remote.fetch(file, limit).map_err(|error| TufError::Fetch {
        file: file.to_owned(),
        error,
    })
}

/// The cached copy when it is the one `meta` names (same hashes, or when
/// none are stated the version check that follows decides), else a fresh
/// download within the stated length.
fn reuse_or_fetch(
    remote: &dyn Remote,
    file: &str,
    cached: Option<&[u8]>,
    meta: &MetaFile,
    default_limit: u64,
    by: &str,
) -> Result<Vec<u8>, TufError> {
    if let Some(cached) = cached
        && !meta.hashes.is_empty()
        && meta.hashes.matches(cached)
        && meta.length.is_none_or(|l| l == cached.len() as u64)
    {
        return Ok(cached.to_vec());
    }
    let bytes = fetch(remote, file, meta.length.unwrap_or(default_limit))?;
    check_bytes(file, &bytes, meta.length, &meta.hashes, by)?;
    Ok(bytes)
}

/// Checks `bytes` against a stated length and hashes.
pub fn check_bytes(
    file: &str,
    bytes: &[u8],
    length: Option<u64>,
    hashes: &Hashes,
    by: &str,
) -> Result<(), TufError> {
    let found = bytes.len() as u64;
    if let Some(expected) = length
        && expected != found
    {
        return Err(TufError::LengthMismatch {
            file: file.to_owned(),
            by: by.to_owned(),
            expected,
            found,
        });
    }
    if !hashes.matches(bytes) {
        return Err(TufError::HashMismatch {
            file: file.to_owned(),
            by: by.to_owned(),
        });
    }
    Ok(())
}

fn check_listed_version(role: &str, meta: &MetaFile, found: u64) -> Result<(), TufError> {
    if found == meta.version {
        Ok(())
    } else {
        Err(TufError::VersionMismatch {
            role: role.to_owned(),
            by: "snapshot",
            expected: meta.version,
            found,
        })
    }
}

fn rollback(role: &str, trusted: u64, new: u64) -> Result<(), TufError> {
    if new < trusted {
        Err(TufError::Rollback {
            role: role.to_owned(),
            trusted,
            new,
        })
    } else {
        Ok(())
    }
}

fn check_expiry(role: &str, expires: Timestamp, freshness: Freshness) -> Result<(), TufError> {
    match freshness {
        Freshness::At(now) if expires < now => Err(TufError::Expired {
            role: role.to_owned(),
            expires,
        }),
        _ => Ok(()),
    }
}

/// Metadata that parsed is UTF-8; were it not, the lossy copy would fail
/// its hash when replayed, so the cache would be refused, not trusted.
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_patterns_match_within_segments_only() {
        assert!(glob("registry.npmjs.org/*", "registry.npmjs.org/keys.json"));
        assert!(!glob(
            "registry.npmjs.org/*",
            "registry.npmjs.org/a/keys.json"
        ));
        assert!(!glob("registry.npmjs.org/*", "other.org/keys.json"));
        assert!(glob("*", "trusted_root.json"));
        assert!(glob("a?c/*.json", "abc/x.json"));
        assert!(!glob("a?c/*.json", "abc/x.txt"));
        assert!(glob("**", "x"));
    }

    #[test]
    fn role_names_are_encoded_for_file_names() {
        assert_eq!(encode("registry.npmjs.org"), "registry.npmjs.org");
        assert_eq!(encode("a/b"), "a%2Fb");
    }
}
