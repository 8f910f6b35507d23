//! The evidence pipeline over an in-memory [`Source`]: what each answer
//! (or fault) becomes, which questions are asked at all, and that nothing
//! unknown turns into verified or absent. No HTTP server, no disk.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Condvar, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use url::Url;

use super::collect::{Request, Tarballs, collect};
use super::model::{EntryEvidence, Evidence, Metadata, Signatures, State};
use super::provenance::Provenance;
use super::source::{
    AttestationKey, AttestationsOutcome, FetchedTarball, KeysOutcome, PackageKey, PackageOutcome,
    Source, TarballKey, TarballOutcome,
};
use super::summary::EvidenceKind;
use super::tarball::{Skip, TarballEvidence};
use super::unknown::Unknown;
use crate::advisories::api::Query;
use crate::advisories::evidence::Lookup;
use crate::anchors::{self, Anchors};
use crate::integrity::Integrity;
use crate::lockfile::{self, Lockfile};
use crate::registry::npmrc::{NpmConfig, Sources};
use crate::registry::packument::{AttestationsRef, PackageRecord, VersionRecord, Versions};
use crate::signatures::{KeySet, RegistryKey, Signature, Verdict, keyid, signed_message};
use crate::trust::{Earlier, Fields, History, TrustLevel};

const REGISTRY: &str = "https://registry.npmjs.org/";
/// The registry most tests ask: not npm's public one, so its own keys count.
const MIRROR: &str = "https://mirror.example.org/";
const SHA512_A: &str = "sha512-ufIfwX7g5obXKaJhzbnAJBNf5Idxqty+AHaNadWFxtNKjGmF/ZO8ptSEjQRQRymBPZtLa0NV9sbrsH87Ae2R1A==";
const SHA512_B: &str = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";

/// Answers from memory, and remembers every question.
#[derive(Default)]
struct Fake {
    packages: BTreeMap<String, PackageOutcome>,
    keys: Option<KeysOutcome>,
    attestations: BTreeMap<String, AttestationsOutcome>,
    tarballs: BTreeMap<String, TarballOutcome>,
    asked: Mutex<Vec<String>>,
    /// Told of every question.
    asking: Condvar,
    /// Package records are answered only once a tarball was asked for (or
    /// after a minute, so that a pipeline that never asks fails, not hangs).
    packages_after_a_tarball: bool,
    /// Each advisory question is answered "unknown", with the question as
    /// the reason, so that answers can be told apart.
    echo_advisories: bool,
}

impl Fake {
    fn ask(&self, question: String) {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(question);
        }
        self.asking.notify_all();
    }

    /// Waits until a tarball was asked for, at most a minute.
    fn wait_for_a_tarball(&self) {
        if let Ok(asked) = self.asked.lock() {
            let _ =
                self.asking
                    .wait_timeout_while(asked, std::time::Duration::from_secs(60), |a| {
                        !a.iter().any(|q| q.starts_with("tarball"))
                    });
        }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

impl Source for Fake {
    fn packages(&self, wanted: &[(PackageKey, Versions)]) -> Vec<PackageOutcome> {
        if self.packages_after_a_tarball {
            self.wait_for_a_tarball();
        }
        wanted
            .iter()
            .map(|(key, versions)| {
                let list: Vec<&str> = versions.iter().collect();
                self.ask(format!("package {} {}", key.name, list.join(",")));
                self.packages
                    .get(&key.name)
                    .cloned()
                    .unwrap_or(PackageOutcome::NotFound)
            })
            .collect()
    }

    fn keys(&self, registry: &Url) -> KeysOutcome {
        self.ask(format!("keys {registry}"));
        self.keys.clone().unwrap_or(KeysOutcome::NotServed)
    }

    fn attestations(
        &self,
        wanted: &BTreeMap<AttestationKey, String>,
    ) -> BTreeMap<AttestationKey, AttestationsOutcome> {
        wanted
            .keys()
            .map(|key| {
                let spec = format!("{}@{}", key.name, key.version);
                self.ask(format!("attestations {spec}"));
                let outcome = self
                    .attestations
                    .get(&spec)
                    .cloned()
                    .unwrap_or(AttestationsOutcome::NotFound);
                (key.clone(), outcome)
            })
            .collect()
    }

    fn advisories(&self, queries: &[Query<'_>]) -> Vec<Lookup> {
        queries
            .iter()
            .map(|q| {
                let spec = format!("{}@{}", q.name, q.version);
                self.ask(format!("advisories {spec}"));
                if self.echo_advisories {
                    Lookup::Unknown {
                        reason: spec.into(),
                    }
                } else {
                    Lookup::Absent
                }
            })
            .collect()
    }

    fn tarballs(&self, wanted: &[TarballKey]) -> BTreeMap<TarballKey, FetchedTarball> {
        wanted
            .iter()
            .map(|key| {
                self.ask(format!("tarball {}", key.url));
                let outcome = self
                    .tarballs
                    .get(key.url.as_str())
                    .cloned()
                    .unwrap_or(TarballOutcome::Failed("no such tarball".into()));
                (key.clone(), (outcome, None))
            })
            .collect()
    }
}

/// A v3 lockfile of `(name, version, integrity)` registry entries.
fn lockfile(entries: &[(&str, &str, &str)]) -> Lockfile {
    let packages: Vec<String> = entries
        .iter()
        .map(|(name, version, integrity)| {
            format!(
                r#""node_modules/{name}": {{"version": "{version}", "resolved": "{REGISTRY}{name}/-/{name}-{version}.tgz", "integrity": "{integrity}"}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"name": "app", "lockfileVersion": 3, "packages": {{"": {{"name": "app"}}, {}}}}}"#,
        packages.join(", ")
    );
    lockfile::parse_bytes(Path::new("package-lock.json"), text.as_bytes()).expect("lockfile")
}

/// npm's configuration with `registry` as the default registry.
fn npm(registry: &str) -> NpmConfig {
    NpmConfig::load(&Sources {
        project_dir: None,
        user_npmrc: None,
        env: &[],
        cli_registry: Some(registry),
    })
    .expect("npm configuration")
}

fn now() -> Timestamp {
    "2026-12-01T00:00:00Z".parse().expect("time")
}

fn record(versions: &[(&str, VersionRecord)]) -> PackageOutcome {
    PackageOutcome::Record(Box::new(PackageRecord {
        name: String::new(),
        versions: versions
            .iter()
            .map(|(v, r)| ((*v).to_string(), r.clone()))
            .collect(),
        missing: BTreeSet::new(),
        has_time: true,
    }))
}

fn version(integrity: &str) -> VersionRecord {
    VersionRecord {
        integrity: Some(integrity.to_string()),
        published: Some("2026-01-01T00:00:00Z".to_string()),
        ..VersionRecord::default()
    }
}

/// Runs the pipeline over `fake` for every entry, without tarballs,
/// asking the mirror.
fn run(lock: &Lockfile, fake: &Fake) -> Evidence {
    run_at(MIRROR, lock, fake)
}

/// Runs the pipeline with `registry` as the registry npm asks.
fn run_at(registry: &str, lock: &Lockfile, fake: &Fake) -> Evidence {
    run_with(registry, lock, fake, None, &BTreeMap::new(), Tarballs::Skip)
}

fn run_with(
    registry: &str,
    lock: &Lockfile,
    fake: &Fake,
    scope: Option<&[bool]>,
    base_versions: &BTreeMap<usize, String>,
    tarballs: Tarballs<'_>,
) -> Evidence {
    let npm = npm(registry);
    let anchors = embedded_anchors();
    let request = Request {
        npm: &npm,
        scope,
        base_versions,
        tarballs,
        anchors: &anchors,
        now: now(),
    };
    collect(lock, &request, fake)
}

/// The anchors embedded in lockproof, as an offline run with no cache
/// uses them.
fn embedded_anchors() -> Anchors {
    let mut settings = anchors::Settings::new(None, now());
    settings.offline = true;
    anchors::load(&settings)
}

fn test_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32].into()).expect("key")
}

fn key_set(sk: &SigningKey) -> KeySet {
    let der = sk
        .verifying_key()
        .to_public_key_der()
        .expect("public key DER");
    let key = RegistryKey::from_parts(
        &keyid(sk.verifying_key()),
        None,
        &STANDARD.encode(der.as_bytes()),
    )
    .expect("registry key");
    KeySet::from_keys([key]).expect("key set")
}

fn signature(sk: &SigningKey, name: &str, version: &str, integrity: &str) -> Signature {
    let sig: DerSignature = sk.sign(signed_message(name, version, integrity).as_bytes());
    Signature {
        keyid: keyid(sk.verifying_key()),
        sig: STANDARD.encode(sig.as_bytes()),
    }
}

/// A source whose registry signs and serves `a@1.0.0` signed with
/// `integrity`, its version document pointing to attestations when
/// `attested`.
fn signed_a(integrity: &str, attested: bool) -> Fake {
    let sk = test_key();
    let mut v = version(integrity);
    v.signatures = Some(vec![signature(&sk, "a", "1.0.0", integrity)]);
    v.attestations = attested.then(|| AttestationsRef {
        url: format!("{REGISTRY}-/npm/v1/attestations/a@1.0.0"),
        provenance_predicate: None,
        provenance: false,
    });
    Fake {
        packages: BTreeMap::from([("a".to_string(), record(&[("1.0.0", v)]))]),
        keys: Some(KeysOutcome::Served(key_set(&sk))),
        ..Fake::default()
    }
}

#[test]
fn a_signed_version_is_present_and_verified() {
    let lock = lockfile(&[("a", "1.0.0", SHA512_A)]);
    let fake = signed_a(SHA512_A, false);
    let evidence = run(&lock, &fake);
    let ev = evidence.entries[0].as_ref().expect("registry entry");
    assert_eq!(ev.metadata_state(), State::Present);
    assert!(matches!(
        ev.signatures,
        Signatures::Judged(Verdict::Verified { .. })
    ));
    // The registry signs, and this version points to no attestations.
    assert_eq!(ev.provenance, Provenance::Absent);
    assert_eq!(ev.trust_level(), Some(TrustLevel::Signed));
    // The mirror's signature is its own word, and the report says so.
    assert_eq!(evidence.notes.len(), 1);
    assert!(evidence.notes[0].contains("only that registry's say-so"));
}

#[test]
fn a_signature_by_another_key_is_judged_not_trusted() {
    let sk = test_key();
    let other = SigningKey::from_bytes(&[9u8; 32].into()).expect("key");
    let lock = lockfile(&[("a", "1.0.0", SHA512_A)]);
    let mut v = version(SHA512_A);
    v.signatures = Some(vec![signature(&other, "a", "1.0.0", SHA512_A)]);
    let fake = Fake {
        packages: BTreeMap::from([("a".to_string(), record(&[("1.0.0", v)]))]),
        keys: Some(KeysOutcome::Served(key_set(&sk))),
        ..Fake::default()
    };
    let ev = run(&lock, &fake).entries[0].clone().expect("entry");
    assert!(!matches!(
        ev.signatures,
        Signatures::Judged(Verdict::Verified { .. })
    ));
    assert_eq!(ev.trust_level(), Some(TrustLevel::None));
}

#[test]
fn a_failed_fetch_is_unknown_with_its_fault_never_absent() {
    let lock = lockfile(&[("a", "1.0.0", SHA512_A)]);
    let fake = Fake {
        packages: BTreeMap::from([(
            "a".to_string(),
            PackageOutcome::Failed("https://r/a: HTTP 500".into()),
        )]),
        ..Fake::default()
    };
    let evidence = run(&lock, &fake);
    let ev = evidence.entries[0].as_ref().expect("entry");
    assert_eq!(
        ev.metadata,
        Metadata::Unknown(Unknown::Failed("https://r/a: HTTP 500".into()))
    );
    assert_eq!(ev.signature_state(), State::Unknown);
    assert_eq!(ev.provenance_state(), State::Unknown);
    assert_eq!(ev.trust_level(), None);
    let summary = evidence.summary(&lock);
    assert_eq!(summary.registry.unknown, 1);
    assert_eq!(summary.not_judged.len(), 1);
    assert_eq!(summary.not_judged[0].kind, EvidenceKind::Registry);
    assert_eq!(summary.not_judged[0].reason, "https://r/a: HTTP 500");
}

#[test]
fn offline_misses_are_unknown_as_offline() {
    let lock = lockfile(&[("a", "1.0.0", SHA512_A)]);
    let fake = Fake {
        packages: BTreeMap::from([("a".to_string(), PackageOutcome::NotCached)]),
        ..Fake::default()
    };
    let ev = run(&lock, &fake).entries[0].clone().expect("entry");
    match ev.metadata {
        Metadata::Unknown(why) => assert!(why.is_offline()),
        other => panic!("expected unknown, got {other:?}"),
    }
}

#[test]
fn a_registry_that_signs_nothing_leaves_signatures_and_provenance_unknown_with_one_note() {
    let lock = lockfile(&[("a", "1.0.0", SHA512_A), ("b", "2.0.0", SHA512_B)]);
    let fake = Fake {
        packages: BTreeMap::from([
            ("a".to_string(), record(&[("1.0.0", version(SHA512_A))])),
            ("b".to_string(), record(&[("2.0.0", version(SHA512_B))])),
        ]),
        keys: Some(KeysOutcome::NotServed),
        ..Fake::default()
    };
    let evidence = run(&lock, &fake);
    for ev in evidence.entries.iter().flatten() {
        assert_eq!(ev.metadata_state(), State::Present);
        assert_eq!(
            ev.signatures,
            Signatures::Unknown(Unknown::SignaturesNotServed)
        );
        assert_eq!(
            ev.provenance,
            Provenance::Unknown(Unknown::AttestationsNotServed)
        );
        assert_eq!(ev.trust_level(), None, "unknown is never a level");
    }
    assert_eq!(evidence.notes.len(), 1);
    assert!(evidence.notes[0].contains("2 entries unverifiable"));
}

#[test]
fn keys_that_cannot_be_fetched_leave_signatures_unknown() {
    let lock = lockfile(&[("a", "1.0.0", SHA512_A)]);
    let fake = Fake {
        keys: Some(KeysOutcome::Failed("timeout".into())),
        ..signed_a(SHA512_A, false)
    };
    let ev = run(&lock, &fake).entries[0].clone().expect("entry");
    assert_eq!(
        ev.signatures,
        Signatures::Unknown(Unknown::KeysFailed("timeout".into()))
    );
}

#[test]
fn attestations_pointed_to_but_not_served_are_a_fetch_failure() {
    let lock = lockfile(&[("a", "1.0.0", SHA512_A)]);
    let fake = signed_a(SHA512_A, true);
    let ev = run(&lock, &fake).entries[0].clone().expect("entry");
    assert!(matches!(ev.provenance, Provenance::FetchFailed(_)));
    assert_eq!(ev.provenance_state(), State::Unknown);
    assert!(fake.asked().contains(&"attestations a@1.0.0".to_string()));
}

#[test]
fn attestations_are_not_asked_for_without_a_sha512_to_bind_them_to() {
    let sha1 = "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let lock = lockfile(&[("a", "1.0.0", sha1)]);
    let fake = signed_a(sha1, true);
    let ev = run(&lock, &fake).entries[0].clone().expect("entry");
    assert!(matches!(
        ev.provenance,
        Provenance::Unknown(Unknown::Unbound(_))
    ));
    assert!(!fake.asked().iter().any(|q| q.starts_with("attestations")));
}

#[test]
fn advisories_are_asked_once_per_name_and_version_and_answer_each_entry() {
    let entry = |path: &str, name: &str, version: &str| {
        format!(
            r#""{path}": {{"version": "{version}", "resolved": "{REGISTRY}{name}/-/{name}-{version}.tgz", "integrity": "{SHA512_A}"}}"#
        )
    };
    let packages = [
        entry("node_modules/a", "a", "1.0.0"),
        entry("node_modules/b", "b", "1.0.0"),
        entry("node_modules/b/node_modules/a", "a", "2.0.0"),
        entry("node_modules/c", "c", "1.0.0"),
        entry("node_modules/c/node_modules/a", "a", "1.0.0"),
        entry("node_modules/d/node_modules/a", "a", "2.0.0"),
        entry("node_modules/d", "d", "1.0.0"),
    ];
    let text = format!(
        r#"{{"name": "app", "lockfileVersion": 3, "packages": {{"": {{"name": "app"}}, {}}}}}"#,
        packages.join(", ")
    );
    let lock = lockfile::parse_bytes(Path::new("package-lock.json"), text.as_bytes()).unwrap();
    let fake = Fake {
        echo_advisories: true,
        ..Fake::default()
    };
    let evidence = run(&lock, &fake);
    let mut asked: Vec<String> = fake
        .asked()
        .into_iter()
        .filter(|q| q.starts_with("advisories"))
        .collect();
    asked.sort();
    assert_eq!(
        asked,
        ["a@1.0.0", "a@2.0.0", "b@1.0.0", "c@1.0.0", "d@1.0.0"].map(|s| format!("advisories {s}"))
    );
    assert_eq!(lock.entries.len(), 7);
    for (i, entry) in lock.entries.iter().enumerate() {
        let spec = format!("{}@{}", entry.name, entry.version.as_deref().unwrap());
        assert_eq!(
            evidence.advisories.get(i),
            Some(&Lookup::Unknown {
                reason: spec.into()
            }),
            "{}",
            entry.path
        );
    }
}

#[test]
fn diff_scope_asks_only_about_changed_entries_and_their_base_versions() {
    let lock = lockfile(&[("a", "2.0.0", SHA512_A), ("b", "1.0.0", SHA512_B)]);
    let mut staged = version(SHA512_A);
    staged.npm_user = Some(crate::registry::packument::NpmUser {
        name: "GitHub Actions".into(),
        email: None,
        trusted_publisher: None,
        approver: Some(crate::registry::packument::Person {
            name: "alice".into(),
            email: None,
        }),
    });
    let fake = Fake {
        packages: BTreeMap::from([(
            "a".to_string(),
            record(&[("1.0.0", staged), ("2.0.0", version(SHA512_A))]),
        )]),
        ..Fake::default()
    };
    let scope = [true, false];
    let base = BTreeMap::from([(0, "1.0.0".to_string())]);
    let evidence = run_with(MIRROR, &lock, &fake, Some(&scope), &base, Tarballs::Skip);
    assert_eq!(
        fake.asked(),
        vec![
            "package a 1.0.0,2.0.0".to_string(),
            format!("keys {MIRROR}"),
            "advisories a@2.0.0".to_string(),
        ]
    );
    assert!(evidence.entries[1].is_none(), "unchanged: no evidence");
    assert_eq!(evidence.base_claims.get(&0), Some(&TrustLevel::Staged));
}

#[test]
fn the_previous_release_is_compared_only_after_the_entrys_own_provenance_verified() {
    let lock = lockfile(&[("a", "2.0.0", SHA512_A)]);
    let mut v = version(SHA512_A);
    v.history = History {
        previous: Some(Earlier {
            version: "1.0.0".into(),
            level: TrustLevel::Provenance,
            fields: Fields {
                attestations: true,
                integrity: Some(SHA512_B.into()),
                ..Fields::default()
            },
        }),
        ..History::default()
    };
    let mut evidence = Evidence {
        entries: vec![Some(super::model::EntryEvidence {
            registry: std::sync::Arc::new(Url::parse(MIRROR).expect("url")),
            metadata: Metadata::Found(Box::new(v)),
            signatures: Signatures::Unknown(Unknown::NoKeys),
            provenance: Provenance::Unknown(Unknown::NotCached),
            previous_provenance: None,
        })],
        ..Evidence::default()
    };
    assert!(super::previous::wanted(&lock, &evidence).is_empty());
    if let Some(Some(ev)) = evidence.entries.first_mut() {
        ev.provenance = Provenance::Verified(Box::default());
    }
    let wanted = super::previous::wanted(&lock, &evidence);
    let key = wanted
        .keys()
        .next()
        .expect("the previous release is wanted");
    assert_eq!((key.name.as_str(), key.version.as_str()), ("a", "1.0.0"));
    let sha512 = Integrity::parse(SHA512_B).expect("sri");
    assert_eq!(
        Some(key.sha512.clone()),
        sha512.hashes().first().map(|h| h.hex()),
        "bound to the registry's integrity of that release"
    );
    // The registry then fails to serve them: counted, never compared.
    let fetched = BTreeMap::from([(key.clone(), AttestationsOutcome::NotFound)]);
    let keys = BTreeMap::new();
    let anchors = embedded_anchors();
    let judging = super::attestations::Judging {
        fetched: &fetched,
        keys: &keys,
        anchors: &anchors,
        now: now(),
    };
    super::previous::add(&lock, &mut evidence, judging);
    let ev = evidence.entries[0].as_ref().expect("entry");
    assert!(matches!(
        ev.previous_provenance,
        Some(Provenance::FetchFailed(_))
    ));
    assert_eq!(evidence.notes.len(), 1);
    assert!(evidence.notes[0].starts_with("identity drift: 1 entries not compared"));
}

#[test]
fn tarballs_that_mismatch_or_fail_are_told_apart_and_only_changed_ones_are_fetched() {
    let lock = lockfile(&[
        ("a", "1.0.0", SHA512_A),
        ("b", "1.0.0", SHA512_B),
        ("c", "1.0.0", SHA512_B),
    ]);
    // npm fetches the lockfile's public-registry URLs from the configured
    // registry (`replace-registry-host`).
    let url = |name: &str| format!("{MIRROR}{name}/-/{name}-1.0.0.tgz");
    let other = Integrity::parse(SHA512_B).expect("sri");
    let fake = Fake {
        tarballs: BTreeMap::from([
            (
                url("a"),
                TarballOutcome::Mismatch {
                    actual: other.strongest().clone(),
                    size: 3,
                },
            ),
            (url("b"), TarballOutcome::Failed("HTTP 503".into())),
        ]),
        ..Fake::default()
    };
    let scope = [true, true, false];
    let evidence = run_with(
        MIRROR,
        &lock,
        &fake,
        Some(&scope),
        &BTreeMap::new(),
        Tarballs::Verify { machine: None },
    );
    assert!(matches!(
        evidence.tarballs[0],
        Some(TarballEvidence::Mismatch { .. })
    ));
    assert!(matches!(
        evidence.tarballs[1],
        Some(TarballEvidence::Failed { .. })
    ));
    assert!(evidence.tarballs[2].is_none(), "unchanged: not fetched");
    assert!(!fake.asked().contains(&format!("tarball {}", url("c"))));
}

#[test]
fn tarballs_the_lockfile_names_download_while_the_registry_is_asked() {
    // `a` is locked with its URL; `b` without (npm's
    // omit-lockfile-registry-resolved): its URL is the version document's.
    let text = format!(
        r#"{{"lockfileVersion": 3, "packages": {{
            "node_modules/a": {{"version": "1.0.0", "resolved": "{REGISTRY}a/-/a-1.0.0.tgz", "integrity": "{SHA512_A}"}},
            "node_modules/b": {{"version": "1.0.0", "integrity": "{SHA512_B}"}}}}}}"#
    );
    let lock =
        lockfile::parse_bytes(Path::new("package-lock.json"), text.as_bytes()).expect("lockfile");
    let url_a = format!("{MIRROR}a/-/a-1.0.0.tgz");
    let url_b = format!("{MIRROR}b/-/b-1.0.0-dist.tgz");
    let mut b = version(SHA512_B);
    b.tarball = Some(url_b.clone());
    let fake = Fake {
        packages: BTreeMap::from([
            ("a".to_string(), record(&[("1.0.0", version(SHA512_A))])),
            ("b".to_string(), record(&[("1.0.0", b)])),
        ]),
        packages_after_a_tarball: true,
        ..Fake::default()
    };
    let evidence = run_with(
        MIRROR,
        &lock,
        &fake,
        None,
        &BTreeMap::new(),
        Tarballs::Verify { machine: None },
    );
    let asked: Vec<String> = fake
        .asked()
        .into_iter()
        // Key sets and advisories are asked for on their own schedule.
        .filter(|q| !q.starts_with("keys") && !q.starts_with("advisories"))
        .collect();
    assert_eq!(
        asked,
        [
            format!("tarball {url_a}"),
            "package a 1.0.0".to_string(),
            "package b 1.0.0".to_string(),
            format!("tarball {url_b}"),
        ],
        "a's tarball while the registry is asked, b's once it named the URL, each once"
    );
    assert_eq!(evidence.tarballs.len(), 2);
}

#[test]
fn an_entry_without_integrity_is_skipped_not_fetched() {
    let text = format!(
        r#"{{"lockfileVersion": 3, "packages": {{"node_modules/a": {{"version": "1.0.0", "resolved": "{REGISTRY}a/-/a-1.0.0.tgz"}}}}}}"#
    );
    let lock =
        lockfile::parse_bytes(Path::new("package-lock.json"), text.as_bytes()).expect("lockfile");
    let fake = Fake::default();
    let evidence = run_with(
        MIRROR,
        &lock,
        &fake,
        None,
        &BTreeMap::new(),
        Tarballs::Verify { machine: None },
    );
    assert!(matches!(
        evidence.tarballs[0],
        Some(TarballEvidence::Skipped(Skip::NoIntegrity))
    ));
    assert!(!fake.asked().iter().any(|q| q.starts_with("tarball")));
}

#[test]
fn npm_public_registry_keys_are_pinned_whatever_its_endpoint_serves() {
    // A TLS-intercepting proxy re-signs every version with its own key and
    // serves that key at the keys endpoint.
    let lock = lockfile(&[("a", "1.0.0", SHA512_A)]);
    let fake = signed_a(SHA512_A, false);
    let evidence = run_at(REGISTRY, &lock, &fake);
    let ev = evidence.entries[0].as_ref().expect("entry");
    assert!(
        matches!(
            ev.signatures,
            Signatures::Judged(Verdict::UnknownKey { .. })
        ),
        "{:?}",
        ev.signatures
    );
    assert_ne!(ev.trust_level(), Some(TrustLevel::Signed));
    assert!(
        evidence
            .notes
            .iter()
            .any(|n| n.contains("serves keys that are not npm's")),
        "{:?}",
        evidence.notes
    );
}

#[test]
fn npm_public_registry_answers_without_any_signature_were_stripped() {
    let lock = lockfile(&[("a", "1.0.0", SHA512_A), ("b", "2.0.0", SHA512_B)]);
    let fake = Fake {
        packages: BTreeMap::from([
            ("a".to_string(), record(&[("1.0.0", version(SHA512_A))])),
            ("b".to_string(), record(&[("2.0.0", version(SHA512_B))])),
        ]),
        keys: Some(KeysOutcome::NotServed),
        ..Fake::default()
    };
    let evidence = run_at(REGISTRY, &lock, &fake);
    for ev in evidence.entries.iter().flatten() {
        assert_eq!(
            ev.signatures,
            Signatures::Unknown(Unknown::SignaturesStripped)
        );
        assert_eq!(ev.trust_level(), None);
    }
    let registry = Url::parse(REGISTRY).expect("url");
    assert_eq!(evidence.stripped.get(&registry), Some(&2));
    // One fact for the audit, not a note per entry nor "does not serve".
    assert!(evidence.notes.is_empty(), "{:?}", evidence.notes);
}

#[test]
fn npm_public_registry_versions_missing_their_signature_among_signed_ones_are_missing() {
    let sk = test_key();
    let lock = lockfile(&[("a", "1.0.0", SHA512_A), ("b", "2.0.0", SHA512_B)]);
    let mut signed = version(SHA512_A);
    signed.signatures = Some(vec![signature(&sk, "a", "1.0.0", SHA512_A)]);
    let fake = Fake {
        packages: BTreeMap::from([
            ("a".to_string(), record(&[("1.0.0", signed)])),
            ("b".to_string(), record(&[("2.0.0", version(SHA512_B))])),
        ]),
        ..Fake::default()
    };
    let evidence = run_at(REGISTRY, &lock, &fake);
    assert!(evidence.stripped.is_empty());
    let b = evidence.entries[1].as_ref().expect("entry");
    assert_eq!(b.signatures, Signatures::Judged(Verdict::Missing));
}

#[test]
fn entries_are_grouped_by_the_text_of_their_reason_in_lockfile_order() {
    let names = ["a", "b", "c", "d", "e"];
    let lock = lockfile(&names.map(|n| (n, "1.0.0", SHA512_A)));
    let registry = Url::parse(REGISTRY).unwrap();
    let with = |provenance: Provenance| {
        Some(EntryEvidence {
            registry: std::sync::Arc::new(registry.clone()),
            metadata: Metadata::VersionMissing,
            signatures: Signatures::Judged(Verdict::Verified { keyid: "k".into() }),
            provenance,
            previous_provenance: None,
        })
    };
    // `a` and `d` fail alike; `c` is a fetch failure that reads like them.
    let evidence = Evidence {
        entries: vec![
            with(Provenance::Unknown(Unknown::Failed("boom".into()))),
            with(Provenance::Unknown(Unknown::NotFetched)),
            with(Provenance::FetchFailed("boom".into())),
            with(Provenance::Unknown(Unknown::Failed("boom".into()))),
            with(Provenance::Unknown(Unknown::Failed("other".into()))),
        ],
        ..Evidence::default()
    };
    let groups: Vec<(EvidenceKind, String, Vec<String>)> = evidence
        .summary(&lock)
        .not_judged
        .into_iter()
        .map(|g| {
            assert_eq!(g.count, g.paths.len());
            (g.kind, g.reason, g.paths)
        })
        .collect();
    let paths = |ns: &[&str]| ns.iter().map(|n| format!("node_modules/{n}")).collect();
    assert_eq!(
        groups,
        vec![
            (
                EvidenceKind::Provenance,
                "boom".into(),
                paths(&["a", "c", "d"])
            ),
            (
                EvidenceKind::Provenance,
                "not fetched".into(),
                paths(&["b"])
            ),
            (EvidenceKind::Provenance, "other".into(), paths(&["e"])),
        ]
    );
}
