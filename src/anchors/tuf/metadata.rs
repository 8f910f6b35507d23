//! TUF metadata (specification 1.0) as the client reads it: root,
//! timestamp, snapshot, targets and delegated targets, each with the
//! canonical bytes its signatures cover.
//!
//! Parsing checks shape only: the `_type`, the spec version, dates,
//! thresholds of at least one, hex hashes. Whether a document is signed,
//! current and consistent with the others is the business of
//! [`super::signatures`] and [`super::update`].

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256, Sha512};

use super::canonical::canonical;
use crate::sigstore::keys::PublicKey;

/// The four top-level roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopRole {
    /// Signs the root of trust itself.
    Root,
    /// Signs the timestamp, which names the current snapshot.
    Timestamp,
    /// Signs the snapshot, which names every targets metadata version.
    Snapshot,
    /// Signs the targets and their delegations.
    Targets,
}

impl TopRole {
    /// The role's name in metadata and file names.
    pub fn name(self) -> &'static str {
        match self {
            TopRole::Root => "root",
            TopRole::Timestamp => "timestamp",
            TopRole::Snapshot => "snapshot",
            TopRole::Targets => "targets",
        }
    }
}

/// Why a metadata document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{role} metadata: {why}")]
pub struct MetadataError {
    /// Which role's document.
    pub role: String,
    /// What is wrong with it.
    pub why: String,
}

fn bad(role: &str, why: impl ToString) -> MetadataError {
    MetadataError {
        role: role.to_owned(),
        why: why.to_string(),
    }
}

/// One signature of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The key ID it names.
    pub keyid: String,
    /// The signature bytes (hex-decoded).
    pub sig: Vec<u8>,
}

/// A parsed document with what its signatures cover.
#[derive(Debug, Clone)]
pub struct Signed<T> {
    /// The parsed `signed` part.
    pub signed: T,
    /// Its signatures.
    pub signatures: Vec<Signature>,
    /// The canonical JSON of `signed`, the bytes the signatures cover.
    pub canonical: Vec<u8>,
}

/// A key a role may sign with. Keys of a type lockproof cannot verify with
/// (anything but ECDSA P-256 and Ed25519) are kept as `None`: they are
/// listed, but no signature by them counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(pub Option<PublicKey>);

/// The keys and threshold of one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleKeys {
    /// Key IDs allowed to sign, without repeats.
    pub keyids: BTreeSet<String>,
    /// How many distinct keys must sign (at least 1).
    pub threshold: usize,
}

/// `root.json`.
#[derive(Debug, Clone)]
pub struct Root {
    /// Its version.
    pub version: u64,
    /// When it expires.
    pub expires: Timestamp,
    /// Whether the repository serves `N.role.json` and hash-prefixed
    /// targets.
    pub consistent_snapshot: bool,
    /// Every key the roles name, by key ID.
    pub keys: BTreeMap<String, Key>,
    /// The keys and threshold of each top-level role.
    pub roles: Roles,
}

/// The keys and thresholds of the four top-level roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    /// The root role.
    pub root: RoleKeys,
    /// The timestamp role.
    pub timestamp: RoleKeys,
    /// The snapshot role.
    pub snapshot: RoleKeys,
    /// The targets role.
    pub targets: RoleKeys,
}

impl Root {
    /// The keys and threshold of `role`.
    pub fn role(&self, role: TopRole) -> &RoleKeys {
        match role {
            TopRole::Root => &self.roles.root,
            TopRole::Timestamp => &self.roles.timestamp,
            TopRole::Snapshot => &self.roles.snapshot,
            TopRole::Targets => &self.roles.targets,
        }
    }
}

/// What a timestamp or snapshot says of another metadata file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaFile {
    /// Its version.
    pub version: u64,
    /// Its length in bytes, if stated.
    pub length: Option<u64>,
    /// Its hashes, if stated.
    pub hashes: Hashes,
}

/// Hashes by algorithm; only SHA-256 and SHA-512 are kept (others cannot
/// be checked and so do not count).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hashes {
    /// SHA-256, if stated.
    pub sha256: Option<Vec<u8>>,
    /// SHA-512, if stated.
    pub sha512: Option<Vec<u8>>,
}

impl Hashes {
    /// Whether any checkable hash is stated.
    pub fn is_empty(&self) -> bool {
        self.sha256.is_none() && self.sha512.is_none()
    }

    /// Whether `bytes` have every stated hash.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        self.sha256
            .as_ref()
            .is_none_or(|h| Sha256::digest(bytes).as_slice() == h.as_slice())
            && self
                .sha512
                .as_ref()
                .is_none_or(|h| Sha512::digest(bytes).as_slice() == h.as_slice())
    }
}

/// `timestamp.json` (named apart from [`jiff::Timestamp`]).
#[derive(Debug, Clone)]
pub struct TimestampMeta {
    /// Its version.
    pub version: u64,
    /// When it expires.
    pub expires: Timestamp,
    /// What it says of `snapshot.json`.
    pub snapshot: MetaFile,
}

/// `snapshot.json`.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Its version.
    pub version: u64,
    /// When it expires.
    pub expires: Timestamp,
    /// Every targets metadata file (`targets.json`, `ROLE.json`).
    pub meta: BTreeMap<String, MetaFile>,
}

/// One target file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFile {
    /// Its exact length.
    pub length: u64,
    /// Its hashes (at least one checkable).
    pub hashes: Hashes,
}

/// A delegation from a targets role to another.
#[derive(Debug, Clone)]
pub struct Delegation {
    /// The delegated role's name.
    pub name: String,
    /// Its keys and threshold (keys from the delegating role's list).
    pub keys: RoleKeys,
    /// Whether the search stops here when the paths match.
    pub terminating: bool,
    /// Path patterns it is trusted for (`*` within one path segment).
    pub paths: Vec<String>,
    /// SHA-256 hex prefixes of the target paths it is trusted for.
    pub path_hash_prefixes: Vec<String>,
}

/// `targets.json` or a delegated targets role.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Its version.
    pub version: u64,
    /// When it expires.
    pub expires: Timestamp,
    /// Target files by path.
    pub targets: BTreeMap<String, TargetFile>,
    /// Keys of the delegations.
    pub delegation_keys: BTreeMap<String, Key>,
    /// Delegations, in priority order.
    pub delegations: Vec<Delegation>,
}

mod raw {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::Value;

    #[derive(Deserialize)]
    pub struct Envelope {
        pub signed: Value,
        pub signatures: Vec<Sig>,
    }

    #[derive(Deserialize)]
    pub struct Sig {
        pub keyid: String,
        pub sig: String,
    }

    #[derive(Deserialize)]
    pub struct Common {
        #[serde(rename = "_type")]
        pub kind: String,
        pub spec_version: String,
        pub version: u64,
        pub expires: String,
    }

    #[derive(Deserialize)]
    pub struct Key {
        pub keytype: String,
        pub scheme: String,
        pub keyval: KeyVal,
    }

    #[derive(Deserialize)]
    pub struct KeyVal {
        pub public: String,
    }

    #[derive(Deserialize)]
    pub struct Role {
        pub keyids: Vec<String>,
        pub threshold: u64,
    }

    #[derive(Deserialize)]
    pub struct Root {
        #[serde(default)]
        pub consistent_snapshot: bool,
        pub keys: BTreeMap<String, Key>,
        pub roles: BTreeMap<String, Role>,
    }

    #[derive(Deserialize)]
    pub struct Meta {
        pub version: u64,
        pub length: Option<u64>,
        #[serde(default)]
        pub hashes: BTreeMap<String, String>,
    }

    #[derive(Deserialize)]
    pub struct WithMeta {
        pub meta: BTreeMap<String, Meta>,
    }

    #[derive(Deserialize)]
    pub struct Target {
        pub length: u64,
        pub hashes: BTreeMap<String, String>,
    }

    #[derive(Deserialize)]
    pub struct Targets {
        #[serde(default)]
        pub targets: BTreeMap<String, Target>,
        pub delegations: Option<Delegations>,
    }

    #[derive(Deserialize)]
    pub struct Delegations {
        #[serde(default)]
        pub keys: BTreeMap<String, Key>,
        #[serde(default)]
        pub roles: Vec<DelegatedRole>,
    }

    #[derive(Deserialize)]
    pub struct DelegatedRole {
        pub name: String,
        pub keyids: Vec<String>,
        pub threshold: u64,
        #[serde(default)]
        pub terminating: bool,
        pub paths: Option<Vec<String>>,
        pub path_hash_prefixes: Option<Vec<String>>,
    }
}

/// Parses a document of role `role` (`root`, `targets`, a delegated name)
/// whose `_type` must be `kind`, with `parse` for the `signed` part.
fn document<T>(
    bytes: &[u8],
    role: &str,
    kind: &str,
    parse: impl FnOnce(&Value, u64, Timestamp) -> Result<T, MetadataError>,
) -> Result<Signed<T>, MetadataError> {
    let envelope: raw::Envelope = serde_json::from_slice(bytes).map_err(|e| bad(role, e))?;
    let common: raw::Common =
        serde_json::from_value(envelope.signed.clone()).map_err(|e| bad(role, e))?;
    if common.kind != kind {
        return Err(bad(
            role,
            format!("_type is {:?}, not {kind:?}", common.kind),
        ));
    }
    if common.spec_version.split('.').next() != Some("1") {
        let why = format!("spec_version {:?} is not 1.x", common.spec_version);
        return Err(bad(role, why));
    }
    let expires = common
        .expires
        .parse::<Timestamp>()
        .map_err(|e| bad(role, format!("expires {:?}: {e}", common.expires)))?;
    let signed = parse(&envelope.signed, common.version, expires)?;
    let signatures = envelope
        .signatures
        .into_iter()
        .map(|s| {
            let sig = hex(&s.sig).ok_or_else(|| bad(role, "a signature is not hex"))?;
            Ok(Signature {
                keyid: s.keyid,
                sig,
            })
        })
        .collect::<Result<_, MetadataError>>()?;
    let canonical = canonical(&envelope.signed).map_err(|e| bad(role, e))?;
    Ok(Signed {
        signed,
        signatures,
        canonical,
    })
}

fn fields<T: for<'de> Deserialize<'de>>(value: &Value, role: &str) -> Result<T, MetadataError> {
    T::deserialize(value).map_err(|e| bad(role, e))
}

impl Root {
    /// Parses `root.json`.
    pub fn parse(bytes: &[u8]) -> Result<Signed<Root>, MetadataError> {
        document(bytes, "root", "root", |value, version, expires| {
            let raw: raw::Root = fields(value, "root")?;
            let get = |role: TopRole| {
                let keys = raw
                    .roles
                    .get(role.name())
                    .ok_or_else(|| bad("root", format!("no {} role", role.name())))?;
                role_keys("root", keys.keyids.clone(), keys.threshold)
            };
            let roles = Roles {
                root: get(TopRole::Root)?,
                timestamp: get(TopRole::Timestamp)?,
                snapshot: get(TopRole::Snapshot)?,
                targets: get(TopRole::Targets)?,
            };
            Ok(Root {
                version,
                expires,
                consistent_snapshot: raw.consistent_snapshot,
                keys: raw
                    .keys
                    .iter()
                    .map(|(id, k)| (id.clone(), key(k)))
                    .collect(),
                roles,
            })
        })
    }
}

impl TimestampMeta {
    /// Parses `timestamp.json`.
    pub fn parse(bytes: &[u8]) -> Result<Signed<TimestampMeta>, MetadataError> {
        document(
            bytes,
            "timestamp",
            "timestamp",
            |value, version, expires| {
                let raw: raw::WithMeta = fields(value, "timestamp")?;
                let snapshot = raw
                    .meta
                    .get("snapshot.json")
                    .ok_or_else(|| bad("timestamp", "no snapshot.json entry"))?;
                Ok(TimestampMeta {
                    version,
                    expires,
                    snapshot: meta_file("timestamp", snapshot)?,
                })
            },
        )
    }
}

impl Snapshot {
    /// Parses `snapshot.json`.
    pub fn parse(bytes: &[u8]) -> Result<Signed<Snapshot>, MetadataError> {
        document(bytes, "snapshot", "snapshot", |value, version, expires| {
            let raw: raw::WithMeta = fields(value, "snapshot")?;
            let meta = raw
                .meta
                .iter()
                .map(|(name, m)| Ok((name.clone(), meta_file("snapshot", m)?)))
                .collect::<Result<_, MetadataError>>()?;
            Ok(Snapshot {
                version,
                expires,
                meta,
            })
        })
    }
}

impl Targets {
    /// Parses a targets document of role `role` (`targets` or a delegated
    /// role's name).
    pub fn parse(bytes: &[u8], role: &str) -> Result<Signed<Targets>, MetadataError> {
        document(bytes, role, "targets", |value, version, expires| {
            let raw: raw::Targets = fields(value, role)?;
            let targets = raw
                .targets
                .iter()
                .map(|(path, t)| {
                    let hashes = hashes(role, &t.hashes)?;
                    if hashes.is_empty() {
                        return Err(bad(role, format!("target {path} has no sha256/sha512")));
                    }
                    let length = t.length;
                    Ok((path.clone(), TargetFile { length, hashes }))
                })
                .collect::<Result<_, MetadataError>>()?;
            let (delegation_keys, delegations) = match raw.delegations {
                None => (BTreeMap::new(), Vec::new()),
                Some(d) => {
                    let keys = d.keys.iter().map(|(id, k)| (id.clone(), key(k))).collect();
                    let roles = d
                        .roles
                        .into_iter()
                        .map(|r| {
                            Ok(Delegation {
                                keys: role_keys(role, r.keyids, r.threshold)?,
                                name: r.name,
                                terminating: r.terminating,
                                paths: r.paths.unwrap_or_default(),
                                path_hash_prefixes: r.path_hash_prefixes.unwrap_or_default(),
                            })
                        })
                        .collect::<Result<_, MetadataError>>()?;
                    (keys, roles)
                }
            };
            Ok(Targets {
                version,
                expires,
                targets,
                delegation_keys,
                delegations,
            })
        })
    }
}

fn role_keys(role: &str, keyids: Vec<String>, threshold: u64) -> Result<RoleKeys, MetadataError> {
    let threshold = usize::try_from(threshold)
        .ok()
        .filter(|t| *t >= 1)
        .ok_or_else(|| bad(role, format!("threshold {threshold} is not at least 1")))?;
    Ok(RoleKeys {
        keyids: keyids.into_iter().collect(),
        threshold,
    })
}

fn meta_file(role: &str, raw: &raw::Meta) -> Result<MetaFile, MetadataError> {
    Ok(MetaFile {
        version: raw.version,
        length: raw.length,
        hashes: hashes(role, &raw.hashes)?,
    })
}

fn hashes(role: &str, raw: &BTreeMap<String, String>) -> Result<Hashes, MetadataError> {
    let get = |alg: &str| {
        raw.get(alg)
            .map(|h| hex(h).ok_or_else(|| bad(role, format!("{alg} hash is not hex"))))
            .transpose()
    };
    Ok(Hashes {
        sha256: get("sha256")?,
        sha512: get("sha512")?,
    })
}

/// A key as TUF writes it: ECDSA P-256 (`ecdsa` or `ecdsa-sha2-nistp256`,
/// PEM or hex SEC1 point) or Ed25519 (hex). Anything else is kept unusable.
fn key(raw: &raw::Key) -> Key {
    let public = raw.keyval.public.as_str();
    let parsed = match (raw.keytype.as_str(), raw.scheme.as_str()) {
        ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => {
            if public.contains("-----BEGIN") {
                PublicKey::from_pem(public.as_bytes()).ok()
            } else {
                hex(public)
                    .and_then(|point| p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).ok())
                    .map(PublicKey::P256)
            }
            .filter(|k| matches!(k, PublicKey::P256(_)))
        }
        ("ed25519", "ed25519") => hex(public)
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
            .map(PublicKey::Ed25519),
        _ => None,
    };
    Key(parsed)
}

/// Lower- or upper-case hex to bytes.
pub fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Bytes as lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
