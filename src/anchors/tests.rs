//! Which anchors are used: TUF when it verifies, else the newest verified
//! cache, else the embedded copies; a refused update keeps the last good
//! state; the trusted root is parsed only when asked for.

use std::path::Path;

use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use p256::pkcs8::EncodePublicKey as _;
use serde_json::json;

use super::tuf::remote::HttpRemote;
use super::tuf::testrepo::{Served, Server, Spec, attacks, good, next};
use super::*;
use crate::signatures::keyid;

fn now() -> Timestamp {
    "2026-06-01T00:00:00Z".parse().expect("time")
}

/// An npm keys target with one test key, told apart from npm's own.
fn test_keys_target() -> (Vec<u8>, String) {
    let sk = p256::ecdsa::SigningKey::from_bytes(&[77u8; 32].into()).expect("scalar");
    let der = sk.verifying_key().to_public_key_der().expect("spki");
    let id = keyid(sk.verifying_key());
    let doc = json!({"keys": [{
        "keyId": id, "keyUsage": "npm:signatures",
        "publicKey": {
            "rawBytes": base64::engine::general_purpose::STANDARD.encode(der.as_bytes()),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": {"start": "2020-01-01T00:00:00Z"},
        },
    }]});
    (doc.to_string().into_bytes(), id)
}

fn repo() -> (Spec, String) {
    let (keys, id) = test_keys_target();
    (good(PUBLIC_GOOD.as_bytes(), &keys), id)
}

fn settings(cache: &Path, spec: &Spec) -> Settings {
    let mut s = Settings::new(Some(cache.to_path_buf()), now());
    s.tuf_url = "http://tuf.test".into();
    s.tuf_root = Some(spec.bootstrap());
    s
}

fn served(spec: &Spec) -> Served {
    let served = Served::default();
    served.set(spec.files());
    served
}

fn state_file(cache: &Path) -> Vec<u8> {
    let dirs = std::fs::read_dir(cache.join("tuf").join("v1")).expect("store");
    let dir = dirs.flatten().next().expect("a repository").path();
    std::fs::read(dir.join("state.json")).expect("state")
}

#[test]
fn a_refresh_gives_tuf_anchors_and_the_cache_serves_later_runs() {
    let cache = tempfile::tempdir().expect("tmp");
    let (spec, id) = repo();
    let settings = settings(cache.path(), &spec);
    let anchors = refresh::choose(&settings, &served(&spec), false);
    assert_eq!(anchors.refresh_error, None);
    assert!(matches!(&anchors.npm_keys_source, Source::Tuf(v) if v.snapshot == 2));
    assert!(anchors.npm_keys.get(&id).is_some());
    assert!(
        anchors
            .describe()
            .starts_with("trust anchors: TUF (root v1, snapshot v2")
    );

    // Fresh enough: the cache is used and the repository not asked.
    let anchors = refresh::choose(&settings, &Served::default(), false);
    assert_eq!(anchors.refresh_error, None);
    assert!(matches!(anchors.trusted_root_source, Source::Cache { .. }));
    assert!(anchors.npm_keys.get(&id).is_some());

    // Stale: a refresh is tried, fails, and the cache still serves.
    let mut later = settings.clone();
    later.now = now() + SignedDuration::from_hours(49);
    let anchors = refresh::choose(&later, &Served::default(), false);
    assert!(anchors.refresh_error.is_some());
    assert!(matches!(anchors.npm_keys_source, Source::Cache { .. }));
    let line = anchors.describe();
    assert!(
        line.contains("verified cache from 2026-06-01 (2 days old)"),
        "{line}"
    );
    assert!(
        line.contains("refresh failed: 2.root.json: not found")
            || line.contains("refresh failed: timestamp.json: not found"),
        "{line}"
    );
}

#[test]
fn a_refused_update_keeps_the_last_good_state() {
    let (good_spec, id) = repo();
    for (name, attack) in attacks(&good_spec) {
        let cache = tempfile::tempdir().expect("tmp");
        let settings = settings(cache.path(), &good_spec);
        let anchors = refresh::choose(&settings, &served(&good_spec), true);
        assert_eq!(anchors.refresh_error, None, "{name}");
        let before = state_file(cache.path());

        let anchors = refresh::choose(&settings, &served(&attack), true);
        assert!(anchors.refresh_error.is_some(), "{name} was accepted");
        assert!(
            matches!(&anchors.npm_keys_source, Source::Cache { versions, .. } if versions.snapshot == 2),
            "{name}: {:?}",
            anchors.npm_keys_source
        );
        assert!(anchors.npm_keys.get(&id).is_some(), "{name}");
        assert_eq!(state_file(cache.path()), before, "{name} changed the cache");
    }
    // And a legitimate next version is taken.
    let cache = tempfile::tempdir().expect("tmp");
    let settings = settings(cache.path(), &good_spec);
    refresh::choose(&settings, &served(&good_spec), true);
    let anchors = refresh::choose(&settings, &served(&next(&good_spec)), true);
    assert!(matches!(&anchors.npm_keys_source, Source::Tuf(v) if v.snapshot == 3));
}

#[test]
fn an_unreachable_repository_falls_back_to_the_embedded_anchors() {
    let cache = tempfile::tempdir().expect("tmp");
    let (spec, _) = repo();
    // A port nothing listens on any more.
    let server = Server::start();
    let url = server.url();
    drop(server);
    let mut settings = settings(cache.path(), &spec);
    settings.tuf_url = url.clone();
    let remote = HttpRemote::new(&url, std::time::Duration::from_secs(5), &Default::default());
    let anchors = refresh::choose(&settings, &remote, false);
    assert_eq!(anchors.npm_keys_source, Source::Embedded);
    assert_eq!(anchors.trusted_root_source, Source::Embedded);
    assert_eq!(anchors.npm_keys, KeySet::npm_public());
    let line = anchors.describe();
    assert!(
        line.starts_with(
            "trust anchors: embedded (sigstore 4.5.1 wheel, 2026-10); refresh failed: 2.root.json: "
        ),
        "{line}"
    );
    assert!(anchors.trusted_root().is_ok());

    let mut offline = settings.clone();
    offline.offline = true;
    let anchors = refresh::choose(&offline, &remote, false);
    assert_eq!(anchors.refresh_error, None);
    assert!(anchors.describe().ends_with("; offline"));
    assert!(matches!(update(&offline), Err(UpdateError::Offline)));
}

#[test]
fn a_tampered_cache_is_refused_and_the_embedded_anchors_used() {
    let cache = tempfile::tempdir().expect("tmp");
    let (spec, id) = repo();
    let settings = settings(cache.path(), &spec);
    refresh::choose(&settings, &served(&spec), true);
    // Swap the cached npm keys for other bytes.
    let dirs = std::fs::read_dir(cache.path().join("tuf/v1")).expect("store");
    let dir = dirs.flatten().next().expect("repository").path();
    for target in std::fs::read_dir(dir.join("targets"))
        .expect("targets")
        .flatten()
    {
        let bytes = std::fs::read(target.path()).expect("read");
        if bytes.starts_with(b"{\"keys\"") {
            std::fs::write(
                target.path(),
                crate::signatures::target::EMBEDDED.as_bytes(),
            )
            .expect("write");
        }
    }
    let mut offline = settings.clone();
    offline.offline = true;
    let anchors = refresh::choose(&offline, &Served::default(), false);
    assert_eq!(anchors.npm_keys_source, Source::Embedded);
    assert!(anchors.npm_keys.get(&id).is_none());
    let line = anchors.describe();
    assert!(line.contains("; offline; cache: "), "{line}");
}

#[test]
fn the_trusted_root_is_parsed_only_when_asked_and_a_file_replaces_it() {
    let cache = tempfile::tempdir().expect("tmp");
    let (spec, _) = repo();
    let settings = settings(cache.path(), &spec);
    let anchors = refresh::choose(&settings, &served(&spec), false);
    assert!(anchors.trusted_root.get().is_none());
    assert!(anchors.trusted_root().is_ok());
    assert!(anchors.trusted_root.get().is_some());

    let file = cache.path().join("root.json");
    std::fs::write(&file, "{\"mediaType\": \"text/plain\"}").expect("write");
    let mut own = settings.clone();
    own.trusted_root_file = Some(file.clone());
    let anchors = refresh::choose(&own, &served(&spec), false);
    assert_eq!(anchors.trusted_root_source, Source::File(file));
    let err = anchors.trusted_root().expect_err("not a trusted root");
    assert!(err.starts_with("file "), "{err}");
    assert!(anchors.show().contains("unusable"));
}
