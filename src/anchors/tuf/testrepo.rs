//! A TUF repository made in the tests: test keys, metadata built from a
//! [`Spec`] that each test bends into an attack, and two ways to serve it:
//! from memory ([`Served::remote`]) or over HTTP on a loopback port by a
//! small server thread ([`Server`]), in the style of the integration tests'
//! fake registry.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::EncodePublicKey as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::canonical::canonical;
use super::metadata::to_hex;
use super::remote::{FetchError, Remote};

/// Far in the future and long past, as metadata expiry.
pub const FAR: &str = "2099-01-01T00:00:00Z";
/// Long past.
pub const PAST: &str = "2001-01-01T00:00:00Z";
/// The target paths the anchors use.
pub const TRUSTED_ROOT: &str = "trusted_root.json";
/// The npm keys target, in a delegated role.
pub const NPM_KEYS: &str = "registry.npmjs.org/keys.json";
/// The delegated role holding it.
pub const NPM_ROLE: &str = "registry.npmjs.org";

/// A test signing key: P-256 from the pool by index, or the one Ed25519 key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    /// P-256 key made from seed `n + 1`.
    P(u8),
    /// The Ed25519 key.
    Ed,
    /// The P-256 key `P(n)` listed under a second key ID.
    Alias(u8),
}

impl K {
    fn p256(n: u8) -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from_bytes(&[n + 1; 32].into()).expect("scalar")
    }

    fn ed() -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[42; 32])
    }

    /// The key's ID in the test metadata.
    pub fn id(self) -> String {
        match self {
            K::P(n) => format!("p256-{n}"),
            K::Ed => "ed25519".to_owned(),
            K::Alias(n) => format!("alias-{n}"),
        }
    }

    fn public(self) -> Value {
        match self {
            K::P(n) | K::Alias(n) => {
                let pem = K::p256(n)
                    .verifying_key()
                    .to_public_key_pem(p256::pkcs8::LineEnding::LF)
                    .expect("pem");
                json!({"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": pem}})
            }
            K::Ed => {
                let public = to_hex(K::ed().verifying_key().as_bytes());
                json!({"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": public}})
            }
        }
    }

    fn sign(self, message: &[u8]) -> String {
        match self {
            K::P(n) | K::Alias(n) => {
                let sig: p256::ecdsa::DerSignature = K::p256(n).sign(message);
                to_hex(sig.as_bytes())
            }
            K::Ed => to_hex(&K::ed().sign(message).to_bytes()),
        }
    }
}

/// Who may sign a role, and who does.
#[derive(Debug, Clone)]
pub struct Role {
    /// Its version.
    pub version: u64,
    /// When it expires.
    pub expires: &'static str,
    /// The keys the role lists.
    pub keys: Vec<K>,
    /// How many must sign.
    pub threshold: u64,
    /// The keys that do sign.
    pub signers: Vec<K>,
}

impl Role {
    fn new(version: u64, keys: &[K], threshold: u64) -> Role {
        Role {
            version,
            expires: FAR,
            keys: keys.to_vec(),
            threshold,
            signers: keys.to_vec(),
        }
    }
}

/// One root version: its own role keys, and those of the other roles.
#[derive(Debug, Clone)]
pub struct RootSpec {
    /// The root role (its version and expiry are the document's).
    pub root: Role,
    /// Extra signers besides `root.signers` (old keys during a rotation).
    pub also_signed_by: Vec<K>,
    /// The timestamp role's keys.
    pub timestamp: Vec<K>,
    /// The snapshot role's keys.
    pub snapshot: Vec<K>,
    /// The targets role's keys and threshold.
    pub targets: (Vec<K>, u64),
}

/// The whole repository, as each test shapes it.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Root versions, oldest first (the first is the bootstrap root).
    pub roots: Vec<RootSpec>,
    /// The timestamp.
    pub timestamp: Role,
    /// The snapshot.
    pub snapshot: Role,
    /// The top-level targets.
    pub targets: Role,
    /// The delegated npm role (keys, threshold, signers).
    pub npm: Role,
    /// Content of `trusted_root.json`.
    pub trusted_root: Vec<u8>,
    /// Content of `registry.npmjs.org/keys.json`.
    pub npm_keys: Vec<u8>,
    /// Overrides what the timestamp says the snapshot version is.
    pub timestamp_names_snapshot: Option<u64>,
    /// Overrides what the snapshot says the targets version is.
    pub snapshot_names_targets: Option<u64>,
    /// Serves these bytes for `trusted_root.json` instead of the content
    /// the targets metadata describes.
    pub served_trusted_root: Option<Vec<u8>>,
    /// Serves the targets document under this version's file name.
    pub targets_file_version: Option<u64>,
}

impl Spec {
    /// A sound repository: root v1 (keys 0-2, threshold 2), timestamp by
    /// the Ed25519 key, snapshot by key 6, targets by keys 7-8 (threshold
    /// 2), and the npm keys delegated to key 9.
    pub fn new(trusted_root: &[u8], npm_keys: &[u8]) -> Spec {
        let root = RootSpec {
            root: Role::new(1, &[K::P(0), K::P(1), K::P(2)], 2),
            also_signed_by: Vec::new(),
            timestamp: vec![K::Ed],
            snapshot: vec![K::P(6)],
            targets: (vec![K::P(7), K::P(8)], 2),
        };
        Spec {
            roots: vec![root],
            timestamp: Role::new(1, &[K::Ed], 1),
            snapshot: Role::new(1, &[K::P(6)], 1),
            targets: Role::new(1, &[K::P(7), K::P(8)], 2),
            npm: Role::new(1, &[K::P(9)], 1),
            trusted_root: trusted_root.to_vec(),
            npm_keys: npm_keys.to_vec(),
            timestamp_names_snapshot: None,
            snapshot_names_targets: None,
            served_trusted_root: None,
            targets_file_version: None,
        }
    }

    /// Adds root version N+1 with new root keys `keys` (threshold 2),
    /// signed by the previous root keys too; the other roles keep theirs.
    pub fn rotate_root(&mut self, keys: &[K]) {
        let last = self.roots.last().cloned().expect("a root");
        let mut next = last.clone();
        next.root = Role::new(last.root.version + 1, keys, 2);
        next.also_signed_by = last.root.keys.clone();
        self.roots.push(next);
    }

    /// The bootstrap root document.
    pub fn bootstrap(&self) -> Vec<u8> {
        let first = self.roots.first().expect("a root");
        envelope(&root_doc(first), &signers(first))
    }

    /// Every file the repository serves, by path.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        for root in &self.roots {
            let doc = envelope(&root_doc(root), &signers(root));
            files.insert(format!("{}.root.json", root.root.version), doc);
        }
        let targets_of = |entries: &[(&str, &[u8])]| {
            entries
                .iter()
                .map(|(path, content)| {
                    let sha = to_hex(&Sha256::digest(content));
                    let meta = json!({"length": content.len(), "hashes": {"sha256": sha}});
                    ((*path).to_owned(), meta)
                })
                .collect::<serde_json::Map<_, _>>()
        };

        let npm_doc = json!({
            "_type": "targets", "spec_version": "1.0.31", "version": self.npm.version,
            "expires": self.npm.expires,
            "targets": targets_of(&[(NPM_KEYS, &self.npm_keys)]),
        });
        let npm = envelope(&npm_doc, &self.npm.signers);

        let delegation_keys: serde_json::Map<_, _> =
            self.npm.keys.iter().map(|k| (k.id(), k.public())).collect();
        let targets_doc = json!({
            "_type": "targets", "spec_version": "1.0.31", "version": self.targets.version,
            "expires": self.targets.expires,
            "targets": targets_of(&[(TRUSTED_ROOT, &self.trusted_root)]),
            "delegations": {
                "keys": delegation_keys,
                "roles": [{
                    "name": NPM_ROLE, "keyids": ids(&self.npm.keys), "threshold": self.npm.threshold,
                    "terminating": true, "paths": ["registry.npmjs.org/*"],
                }],
            },
        });
        let targets = envelope(&targets_doc, &self.targets.signers);

        let targets_version = self.snapshot_names_targets.unwrap_or(self.targets.version);
        let snapshot_doc = json!({
            "_type": "snapshot", "spec_version": "1.0.31", "version": self.snapshot.version,
            "expires": self.snapshot.expires,
            "meta": {
                "targets.json": {"version": targets_version},
                "registry.npmjs.org.json": {"version": self.npm.version},
            },
        });
        let snapshot = envelope(&snapshot_doc, &self.snapshot.signers);

        let snapshot_version = self
            .timestamp_names_snapshot
            .unwrap_or(self.snapshot.version);
        let timestamp_doc = json!({
            "_type": "timestamp", "spec_version": "1.0.31", "version": self.timestamp.version,
            "expires": self.timestamp.expires,
            "meta": {"snapshot.json": {
                "version": snapshot_version,
                "length": snapshot.len(),
                "hashes": {"sha256": to_hex(&Sha256::digest(&snapshot))},
            }},
        });
        files.insert(
            "timestamp.json".into(),
            envelope(&timestamp_doc, &self.timestamp.signers),
        );
        files.insert(format!("{}.snapshot.json", self.snapshot.version), snapshot);
        let targets_file = self.targets_file_version.unwrap_or(self.targets.version);
        files.insert(format!("{targets_file}.targets.json"), targets);
        files.insert(format!("{}.{NPM_ROLE}.json", self.npm.version), npm);

        let trusted = to_hex(&Sha256::digest(&self.trusted_root));
        let served = self.served_trusted_root.clone();
        files.insert(
            format!("targets/{trusted}.{TRUSTED_ROOT}"),
            served.unwrap_or_else(|| self.trusted_root.clone()),
        );
        let npm_hash = to_hex(&Sha256::digest(&self.npm_keys));
        files.insert(
            format!("targets/{NPM_ROLE}/{npm_hash}.keys.json"),
            self.npm_keys.clone(),
        );
        files
    }
}

fn ids(keys: &[K]) -> Vec<String> {
    keys.iter().map(|k| k.id()).collect()
}

fn signers(root: &RootSpec) -> Vec<K> {
    let mut all = root.root.signers.clone();
    all.extend(&root.also_signed_by);
    all
}

fn root_doc(spec: &RootSpec) -> Value {
    let mut keys = serde_json::Map::new();
    let roles = [
        ("root", &spec.root.keys, spec.root.threshold),
        ("timestamp", &spec.timestamp, 1),
        ("snapshot", &spec.snapshot, 1),
        ("targets", &spec.targets.0, spec.targets.1),
    ];
    let mut role_map = serde_json::Map::new();
    for (name, role_keys, threshold) in roles {
        for k in role_keys {
            keys.insert(k.id(), k.public());
        }
        role_map.insert(
            name.to_owned(),
            json!({"keyids": ids(role_keys), "threshold": threshold}),
        );
    }
    json!({
        "_type": "root", "spec_version": "1.0.31", "version": spec.root.version,
        "expires": spec.root.expires, "consistent_snapshot": true,
        "keys": keys, "roles": role_map,
    })
}

/// A signed document: `signed` with a signature by each of `by`.
pub fn envelope(signed: &Value, by: &[K]) -> Vec<u8> {
    let bytes = canonical(signed).expect("canonical");
    let signatures: Vec<Value> = by
        .iter()
        .map(|k| json!({"keyid": k.id(), "sig": k.sign(&bytes)}))
        .collect();
    serde_json::to_vec_pretty(&json!({"signed": signed, "signatures": signatures})).expect("json")
}

/// Files served from memory.
#[derive(Debug, Clone, Default)]
pub struct Served(pub Arc<Mutex<BTreeMap<String, Vec<u8>>>>);

impl Served {
    /// Serves `files` from now on, replacing what was served.
    pub fn set(&self, files: BTreeMap<String, Vec<u8>>) {
        *self.0.lock().expect("lock") = files;
    }
}

impl Remote for Served {
    fn fetch(&self, path: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        let files = self.0.lock().expect("lock");
        let bytes = files.get(path).ok_or(FetchError::NotFound)?;
        if bytes.len() as u64 > limit {
            return Err(FetchError::TooLarge(limit));
        }
        Ok(bytes.clone())
    }
}

/// [`Served`] files over HTTP/1.1 on a loopback port: a thread per
/// connection, one request each, 404 for what is not served. Stops when
/// dropped.
pub struct Server {
    /// What it serves.
    pub files: Served,
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a server on a free loopback port.
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let files = Served::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (served, halt) = (files.clone(), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let served = served.clone();
                std::thread::spawn(move || answer(stream, &served));
            }
        });
        Server {
            files,
            stop,
            addr,
            thread: Some(thread),
        }
    }

    /// Base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(mut stream: TcpStream, served: &Served) {
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => {}
        }
    }
    let body = served
        .0
        .lock()
        .expect("lock")
        .get(path.trim_start_matches('/'))
        .cloned();
    let (status, body) = match body {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", Vec::new()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
}

/// A sound repository at version 2 of timestamp, snapshot and targets, so
/// that older versions exist to roll back to.
pub fn good(trusted_root: &[u8], npm_keys: &[u8]) -> Spec {
    let mut spec = Spec::new(trusted_root, npm_keys);
    spec.timestamp.version = 2;
    spec.snapshot.version = 2;
    spec.targets.version = 2;
    spec
}

/// The next timestamp, snapshot and targets of `good`: a legitimate
/// update, which each attack below then bends.
pub fn next(good: &Spec) -> Spec {
    let mut spec = good.clone();
    spec.timestamp.version += 1;
    spec.snapshot.version += 1;
    spec.targets.version += 1;
    spec
}

/// The attacks each check must refuse, as variations of `next(good)`.
pub fn attacks(good: &Spec) -> Vec<(&'static str, Spec)> {
    let mut list = Vec::new();
    let mut s = next(good);
    s.snapshot.version = 1;
    list.push(("rollback of the snapshot", s));
    let mut s = next(good);
    s.targets.version = 1;
    list.push(("rollback of the targets", s));
    let mut s = next(good);
    s.timestamp.expires = PAST;
    list.push(("freeze (expired timestamp)", s));
    let mut s = next(good);
    s.targets_file_version = Some(s.targets.version);
    s.targets.version = good.targets.version;
    s.snapshot_names_targets = Some(good.targets.version + 1);
    list.push(("mix-and-match (snapshot names other targets)", s));
    let mut s = next(good);
    s.trusted_root = b"a new trusted root".to_vec();
    s.served_trusted_root = Some(b"a bad trusted root".to_vec());
    list.push(("target with a wrong hash", s));
    let mut s = next(good);
    s.trusted_root = b"a new trusted root".to_vec();
    s.served_trusted_root = Some(b"a new trusted root, longer".to_vec());
    list.push(("target with a wrong length", s));
    let mut s = next(good);
    s.targets.signers = vec![K::P(7)];
    list.push(("targets signed below threshold", s));
    list
}
