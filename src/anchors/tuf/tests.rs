//! The TUF client against repositories made in the tests and served over
//! HTTP on a loopback port: a sound update, a root rotation, and each
//! attack the specification names, refused with the check's own error.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::SIGSTORE_ROOT;
use super::metadata::TargetFile;
use super::remote::{FetchError, HttpRemote};
use super::testrepo::{
    K, NPM_KEYS, NPM_ROLE, PAST, Server, Spec, TRUSTED_ROOT, attacks, good, next,
};
use super::update::{Freshness, Trusted, TufError};

const ROOT_BYTES: &[u8] = b"{\"a trusted root\": true}";
const KEYS_BYTES: &[u8] = b"{\"keys\": []}";

fn now() -> Timestamp {
    "2026-06-01T00:00:00Z".parse().expect("time")
}

type Found = BTreeMap<String, TargetFile>;

/// Serves `spec` and updates `from` against it over HTTP, fetching both
/// targets.
fn update_from(from: &Trusted, server: &Server, spec: &Spec) -> Result<(Trusted, Found), TufError> {
    server.files.set(spec.files());
    let remote = HttpRemote::new(
        &server.url(),
        std::time::Duration::from_secs(10),
        &Default::default(),
    );
    let (trusted, found) = from.update(&remote, Freshness::At(now()), &[TRUSTED_ROOT, NPM_KEYS])?;
    for (path, file) in &found {
        trusted.fetch_target(&remote, path, file)?;
    }
    Ok((trusted, found))
}

fn bootstrap(spec: &Spec) -> Trusted {
    Trusted::bootstrap(&spec.bootstrap()).expect("bootstrap root")
}

/// Updates to `good`, then offers `attack`: the error it is refused with.
fn refused(good: &Spec, attack: &Spec) -> TufError {
    let server = Server::start();
    let (trusted, _) = update_from(&bootstrap(good), &server, good).expect("the good state");
    match update_from(&trusted, &server, attack) {
        Ok((t, _)) => panic!(
            "attack accepted: snapshot v{:?}",
            t.snapshot.map(|s| s.signed.version)
        ),
        Err(e) => e,
    }
}

fn attack(name: &str) -> (Spec, Spec) {
    let good = good(ROOT_BYTES, KEYS_BYTES);
    let spec = attacks(&good)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s)
        .expect("attack");
    (good, spec)
}

#[test]
fn the_embedded_sigstore_root_is_signed_by_a_threshold_of_its_own_keys() {
    let trusted = Trusted::bootstrap(SIGSTORE_ROOT.as_bytes()).expect("embedded root");
    assert_eq!(trusted.root.signed.version, 15);
    assert!(trusted.root.signed.consistent_snapshot);
    // Canonical JSON is what is signed: a changed value breaks it.
    let forged = SIGSTORE_ROOT.replacen("\"version\": 15", "\"version\": 16", 1);
    assert!(matches!(
        Trusted::bootstrap(forged.as_bytes()),
        Err(TufError::Signature(_))
    ));
}

#[test]
fn a_sound_repository_updates_through_its_delegation() {
    let spec = good(ROOT_BYTES, KEYS_BYTES);
    let server = Server::start();
    let (trusted, found) = update_from(&bootstrap(&spec), &server, &spec).expect("update");
    assert_eq!(found[TRUSTED_ROOT].length, ROOT_BYTES.len() as u64);
    assert_eq!(found[NPM_KEYS].length, KEYS_BYTES.len() as u64);
    assert!(trusted.delegated.contains_key(NPM_ROLE));
    assert_eq!(trusted.snapshot.map(|s| s.signed.version), Some(2));
    // The same repository again is no change, and no error.
    let (again, _) = update_from(&bootstrap(&spec), &server, &spec).expect("again");
    assert_eq!(again.timestamp.map(|t| t.signed.version), Some(2));
}

#[test]
fn a_root_rotation_is_accepted_and_its_new_keys_used() {
    let mut spec = good(ROOT_BYTES, KEYS_BYTES);
    let start = bootstrap(&spec);
    spec.rotate_root(&[K::P(3), K::P(4), K::P(5)]);
    spec.rotate_root(&[K::P(0), K::P(4), K::P(5)]);
    // The last root moves the snapshot role to a new key.
    if let Some(last) = spec.roots.last_mut() {
        last.snapshot = vec![K::P(2)];
    }
    spec.snapshot.keys = vec![K::P(2)];
    spec.snapshot.signers = vec![K::P(2)];
    let server = Server::start();
    let (trusted, _) = update_from(&start, &server, &spec).expect("rotation");
    assert_eq!(trusted.root.signed.version, 3);
    assert_eq!(trusted.files.roots.len(), 2);
}

#[test]
fn a_root_not_signed_by_a_threshold_of_old_and_new_keys_is_refused() {
    let base = good(ROOT_BYTES, KEYS_BYTES);
    let mut only_new = base.clone();
    only_new.rotate_root(&[K::P(3), K::P(4), K::P(5)]);
    only_new.roots[1].also_signed_by = vec![K::P(0)];
    let mut only_old = base.clone();
    only_old.rotate_root(&[K::P(3), K::P(4), K::P(5)]);
    only_old.roots[1].root.signers = vec![K::P(3)];
    for spec in [only_new, only_old] {
        let server = Server::start();
        let err = update_from(&bootstrap(&base), &server, &spec).expect_err("refused");
        assert!(
            matches!(&err, TufError::Signature(b) if b.role == "root" && b.valid == 1 && b.threshold == 2),
            "{err}"
        );
    }
}

#[test]
fn a_rollback_of_the_snapshot_is_refused() {
    let (good, spec) = attack("rollback of the snapshot");
    let err = refused(&good, &spec);
    assert!(
        matches!(&err, TufError::Rollback { role, trusted: 2, new: 1 } if role == "snapshot"),
        "{err}"
    );
}

#[test]
fn a_rollback_of_the_targets_is_refused() {
    let (good, spec) = attack("rollback of the targets");
    let err = refused(&good, &spec);
    assert!(
        matches!(&err, TufError::Rollback { role, trusted: 2, new: 1 } if role == "targets.json"),
        "{err}"
    );
}

#[test]
fn a_rollback_of_the_timestamp_is_refused() {
    let good = good(ROOT_BYTES, KEYS_BYTES);
    let mut spec = good.clone();
    spec.timestamp.version = 1;
    let err = refused(&good, &spec);
    assert!(
        matches!(&err, TufError::Rollback { role, trusted: 2, new: 1 } if role == "timestamp"),
        "{err}"
    );
}

#[test]
fn an_expired_timestamp_is_refused_as_a_freeze() {
    let (good, spec) = attack("freeze (expired timestamp)");
    let err = refused(&good, &spec);
    assert!(
        matches!(&err, TufError::Expired { role, .. } if role == "timestamp"),
        "{err}"
    );
    let mut stale_targets = next(&good);
    stale_targets.targets.expires = PAST;
    let err = refused(&good, &stale_targets);
    assert!(
        matches!(&err, TufError::Expired { role, .. } if role == "targets"),
        "{err}"
    );
}

#[test]
fn a_snapshot_that_does_not_match_the_targets_is_refused() {
    let (good, spec) = attack("mix-and-match (snapshot names other targets)");
    let err = refused(&good, &spec);
    assert!(
        matches!(&err, TufError::VersionMismatch { role, expected: 3, found: 2, .. } if role == "targets"),
        "{err}"
    );
    // A snapshot other than the one the timestamp hashed.
    let mut other = next(&good);
    other.npm.version = 2;
    let mut files = next(&good).files();
    let snapshot = format!("{}.snapshot.json", other.snapshot.version);
    files.insert(snapshot.clone(), other.files()[&snapshot].clone());
    let server = Server::start();
    let (trusted, _) = update_from(&bootstrap(&good), &server, &good).expect("good");
    server.files.set(files);
    let remote = HttpRemote::new(
        &server.url(),
        std::time::Duration::from_secs(10),
        &Default::default(),
    );
    let err = trusted
        .update(&remote, Freshness::At(now()), &[TRUSTED_ROOT])
        .expect_err("refused");
    assert!(matches!(&err, TufError::HashMismatch { .. }), "{err}");
}

#[test]
fn a_target_with_a_wrong_hash_or_length_is_refused() {
    let (good, spec) = attack("target with a wrong hash");
    let err = refused(&good, &spec);
    assert!(
        matches!(&err, TufError::HashMismatch { file, .. } if file == TRUSTED_ROOT),
        "{err}"
    );
    let (good, spec) = attack("target with a wrong length");
    let err = refused(&good, &spec);
    assert!(
        matches!(
            &err,
            TufError::Fetch {
                error: FetchError::TooLarge(_),
                ..
            }
        ),
        "{err}"
    );
    let mut short = next(&good);
    short.trusted_root = b"a new trusted root".to_vec();
    short.served_trusted_root = Some(b"a new".to_vec());
    let err = refused(&good, &short);
    assert!(
        matches!(&err, TufError::LengthMismatch { found: 5, .. }),
        "{err}"
    );
}

#[test]
fn signatures_below_threshold_are_refused() {
    let (good, spec) = attack("targets signed below threshold");
    let err = refused(&good, &spec);
    assert!(
        matches!(&err, TufError::Signature(b) if b.role == "targets" && b.valid == 1),
        "{err}"
    );
    // One key signing twice, or a key outside the role, is still one.
    for signers in [vec![K::P(7), K::P(7)], vec![K::P(7), K::P(0)]] {
        let mut spec = next(&good);
        spec.targets.signers = signers;
        let err = refused(&good, &spec);
        assert!(
            matches!(&err, TufError::Signature(b) if b.valid == 1),
            "{err}"
        );
    }
    // One key listed under two IDs is still one key.
    let mut aliased = good.clone();
    if let Some(root) = aliased.roots.first_mut() {
        root.targets = (vec![K::P(7), K::Alias(7)], 2);
    }
    let mut spec = next(&aliased);
    spec.targets.signers = vec![K::P(7), K::Alias(7)];
    let server = Server::start();
    let err = update_from(&bootstrap(&aliased), &server, &spec).expect_err("refused");
    assert!(
        matches!(&err, TufError::Signature(b) if b.valid == 1),
        "{err}"
    );
    // The delegated npm role is held to its own keys.
    let mut spec = next(&good);
    spec.npm.version = 2;
    spec.npm.signers = vec![K::P(8)];
    let err = refused(&good, &spec);
    assert!(
        matches!(&err, TufError::Signature(b) if b.role == NPM_ROLE && b.valid == 0),
        "{err}"
    );
}

#[test]
fn oversized_metadata_is_cut_off_not_read() {
    let good = good(ROOT_BYTES, KEYS_BYTES);
    let server = Server::start();
    let mut files = good.files();
    files.insert("timestamp.json".into(), vec![b' '; 64 * 1024]);
    server.files.set(files);
    let remote = HttpRemote::new(
        &server.url(),
        std::time::Duration::from_secs(10),
        &Default::default(),
    );
    let err = bootstrap(&good)
        .update(&remote, Freshness::At(now()), &[])
        .expect_err("refused");
    assert!(
        matches!(
            &err,
            TufError::Fetch {
                error: FetchError::TooLarge(_),
                ..
            }
        ),
        "{err}"
    );
}
