//! Sigstore verification as a user meets it: `lockproof verify-bundle` on
//! bundles from the test PKI (every media type and log kind verifies; each
//! check, broken alone, is refused with that check named), and provenance
//! checks on lockfile entries against the fake registry.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha512};

use crate::fake_registry::{FakeRegistry, FakeVersion, Route, TestKey, lockfile, packument, sri};
use crate::registry::{Project, found, pairs};
use crate::sigstore_pki::{
    BundleSpec, Identity, LogKind, LogSig, Media, NPM_PUBLISH, Pki, SLSA_V1, Sct, Signer, Tsa,
};
use crate::util::lockproof;

/// A folder with the PKI's trusted root, npm key and artifact.
struct World {
    pki: Pki,
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> Self {
        let pki = Pki::new();
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("root.json"), pki.trusted_root_json()).expect("root");
        let keys: Value = serde_json::from_str(&pki.npm_keys_json()).expect("keys");
        let der = STANDARD
            .decode(keys["keys"][0]["key"].as_str().expect("key"))
            .expect("b64");
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        );
        std::fs::write(dir.path().join("npm.pem"), pem).expect("pem");
        std::fs::write(dir.path().join("artifact.tgz"), b"octo-pkg-1.0.0.tgz").expect("artifact");
        World { pki, dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `verify-bundle` on `bundle` against the artifact file;
    /// returns (exit code, stdout + stderr).
    fn verify(&self, bundle: &Value, key: bool) -> (i32, String) {
        std::fs::write(self.path("bundle.json"), bundle.to_string()).expect("bundle");
        let root = self.path("root.json");
        let mut cmd = lockproof();
        cmd.args(["verify-bundle", "--bundle"])
            .arg(self.path("bundle.json"))
            .arg("--trusted-root")
            .arg(&root);
        if key {
            cmd.arg("--key").arg(self.path("npm.pem"));
        } else {
            let id = Identity::default();
            cmd.args([
                "--certificate-identity",
                &id.san_uri,
                "--certificate-oidc-issuer",
                &id.issuer,
            ]);
        }
        let out = cmd.arg(self.path("artifact.tgz")).output().expect("run");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }
}

#[test]
fn every_media_type_and_log_kind_verifies() {
    let w = World::new();
    for media in [Media::V01, Media::V02, Media::V03] {
        for kind in [
            LogKind::Intoto002,
            LogKind::Dsse001,
            LogKind::HashedRekord001,
        ] {
            for signer in [Signer::Fulcio(Identity::default()), Signer::NpmKey] {
                let key = matches!(signer, Signer::NpmKey);
                let spec = BundleSpec {
                    media,
                    kind,
                    signer,
                    inclusion_proof: media != Media::V01,
                    ..BundleSpec::default()
                };
                let (code, text) = w.verify(&w.pki.bundle(&spec), key);
                assert_eq!(code, 0, "{media:?} {kind:?} key={key}: {text}");
                assert!(text.starts_with("verified: "), "{text}");
            }
        }
    }
}

/// Each case breaks one check and names the words the refusal must carry.
#[test]
fn each_broken_check_is_refused_and_named() {
    let w = World::new();
    let base = BundleSpec::default();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "leaf from an untrusted CA",
            w.pki.bundle(&BundleSpec {
                untrusted_ca: true,
                ..base.clone()
            }),
            "does not chain to a trusted Fulcio CA",
        ),
        (
            "leaf expired at log time",
            w.pki.bundle(&BundleSpec {
                not_after: Some(base.integrated_time - 1),
                ..base.clone()
            }),
            "leaf certificate was not valid",
        ),
        (
            "no code-signing EKU",
            w.pki.bundle(&BundleSpec {
                code_signing_eku: false,
                ..base.clone()
            }),
            "code-signing",
        ),
        (
            "no SCT",
            w.pki.bundle(&BundleSpec {
                sct: Sct::Absent,
                ..base.clone()
            }),
            "certificate transparency",
        ),
        (
            "SCT from an unknown CT log",
            w.pki.bundle(&BundleSpec {
                sct: Sct::UnknownLog,
                ..base.clone()
            }),
            "certificate transparency",
        ),
        (
            "SET by another key",
            w.pki.bundle(&BundleSpec {
                set: LogSig::WrongKey,
                ..base.clone()
            }),
            "signed entry timestamp",
        ),
        (
            "checkpoint by another key",
            w.pki.bundle(&BundleSpec {
                checkpoint: LogSig::WrongKey,
                ..base.clone()
            }),
            "inclusion proof",
        ),
        (
            "v0.2 without inclusion proof",
            w.pki.bundle(&BundleSpec {
                media: Media::V02,
                inclusion_proof: false,
                ..base.clone()
            }),
            "requires an inclusion proof",
        ),
        (
            "no SET and no proof",
            w.pki.bundle(&BundleSpec {
                media: Media::V01,
                inclusion_proof: false,
                set: LogSig::Absent,
                ..base.clone()
            }),
            "neither a signed entry timestamp nor an inclusion proof",
        ),
        (
            "wrong identity",
            w.pki.bundle(&BundleSpec {
                signer: Signer::Fulcio(Identity {
                    san_uri: "https://github.com/evil/x/.github/workflows/r.yml@refs/heads/main"
                        .into(),
                    ..Identity::default()
                }),
                ..base.clone()
            }),
            "certificate SAN",
        ),
        (
            "another artifact",
            w.pki.bundle(&BundleSpec {
                subject_sha512_hex: "00".repeat(64),
                ..base.clone()
            }),
            "not a subject",
        ),
    ];
    let mut mutated = Vec::new();
    let good = w.pki.bundle(&base);
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut b = good.clone();
        f(&mut b);
        b
    };
    mutated.push((
        "DSSE signature",
        edit(&|b| flip(&mut b["dsseEnvelope"]["signatures"][0]["sig"])),
        "signature",
    ));
    mutated.push((
        "payload changed after signing",
        edit(&|b| b["dsseEnvelope"]["payloadType"] = json!("application/json")),
        "signature",
    ));
    mutated.push((
        "log body of another entry",
        edit(&|b| flip(&mut b["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"])),
        "transparency log",
    ));
    mutated.push((
        "unknown log",
        edit(&|b| flip(&mut b["verificationMaterial"]["tlogEntries"][0]["logId"]["keyId"])),
        "not in the trusted root",
    ));
    mutated.push((
        "integrated time",
        edit(&|b| {
            b["verificationMaterial"]["tlogEntries"][0]["integratedTime"] = json!("1760000001")
        }),
        "signed entry timestamp",
    ));
    mutated.push((
        "inclusion proof hash",
        edit(&|b| {
            flip(&mut b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"][0])
        }),
        "inclusion proof",
    ));
    mutated.push((
        "unsupported media type",
        edit(&|b| b["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=9")),
        "unsupported bundle media type",
    ));
    for (what, bundle, expect) in cases.into_iter().chain(mutated) {
        let (code, text) = w.verify(&bundle, false);
        assert_eq!(code, 1, "{what} was accepted: {text}");
        assert!(text.contains(expect), "{what}: {text:?} lacks {expect:?}");
    }
}

#[test]
fn fulcio_extensions_can_be_required() {
    let w = World::new();
    let bundle = w.pki.bundle(&BundleSpec::default());
    std::fs::write(w.path("bundle.json"), bundle.to_string()).expect("bundle");
    let id = Identity::default();
    let run = |extra: &[&str]| {
        let out = lockproof()
            .args(["verify-bundle", "--bundle"])
            .arg(w.path("bundle.json"))
            .arg("--trusted-root")
            .arg(w.path("root.json"))
            .args([
                "--certificate-identity",
                &id.san_uri,
                "--certificate-oidc-issuer",
                &id.issuer,
            ])
            .args(extra)
            .arg(w.path("artifact.tgz"))
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let good = run(&[
        "--certificate-source-repository",
        &id.source_repo,
        "--certificate-source-ref",
        &id.source_ref,
        "--certificate-runner-environment",
        &id.runner_env,
    ]);
    assert_eq!(good.0, Some(0), "{}", good.1);
    let (code, err) = run(&["--certificate-source-ref", "refs/heads/evil"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("certificate source ref is"), "{err}");
}

#[test]
fn a_publish_attestation_needs_the_right_key() {
    let w = World::new();
    let spec = BundleSpec {
        media: Media::V02,
        signer: Signer::NpmKey,
        predicate_type: NPM_PUBLISH.into(),
        ..BundleSpec::default()
    };
    let bundle = w.pki.bundle(&spec);
    assert_eq!(w.verify(&bundle, true).0, 0);
    let (code, text) = w.verify(&bundle, false);
    assert_eq!(code, 1);
    assert!(text.contains("policy expects a certificate"), "{text}");
}

fn flip(v: &mut Value) {
    let mut bytes = STANDARD
        .decode(v.as_str().unwrap_or_default())
        .expect("base64");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    *v = json!(STANDARD.encode(bytes));
}

// ---- provenance checks on lockfile entries, against the fake registry ----

/// Hex sha512 of what `sri(content)` hashes.
pub(crate) fn sha512_hex(content: &str) -> String {
    Sha512::digest(content.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An attestations body for `name@version` about `sha512`, provenance
/// signed as `identity`.
pub(crate) fn attestations(
    pki: &Pki,
    name: &str,
    version: &str,
    sha512: &str,
    identity: Identity,
) -> Value {
    let provenance = BundleSpec {
        subject_name: format!("pkg:npm/{name}@{version}"),
        subject_sha512_hex: sha512.into(),
        signer: Signer::Fulcio(identity),
        ..BundleSpec::default()
    };
    let publish = BundleSpec {
        media: Media::V02,
        signer: Signer::NpmKey,
        predicate_type: NPM_PUBLISH.into(),
        ..provenance.clone()
    };
    json!({"attestations": [
        {"predicateType": SLSA_V1, "bundle": pki.bundle(&provenance)},
        {"predicateType": NPM_PUBLISH, "bundle": pki.bundle(&publish)},
    ]})
}

/// The registry keys body: `key` (signatures) and the PKI's npm key
/// (publish attestations).
pub(crate) fn keys_with_npm(pki: &Pki, key: &TestKey) -> String {
    let npm: Value = serde_json::from_str(&pki.npm_keys_json()).expect("keys");
    let mut keys: Value =
        serde_json::from_str(&crate::registry::keys_body(&[(key, None)])).expect("keys");
    keys["keys"]
        .as_array_mut()
        .expect("array")
        .push(npm["keys"][0].clone());
    keys.to_string()
}

/// A signing registry whose packages each carry attestations (or not),
/// keys = the signature key and the PKI's npm key.
struct Attested {
    reg: FakeRegistry,
    root: tempfile::NamedTempFile,
}

fn attested(pki: &Pki, packages: &[(&str, Option<Value>, Value)]) -> Attested {
    let key = TestKey::new(1);
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_with_npm(pki, &key)));
    for (name, body, extra) in packages {
        let mut v = FakeVersion::signed(name, "1.0.0", &key);
        let mut extra = extra.clone();
        if let Some(body) = body {
            let path = format!("/-/npm/v1/attestations/{name}@1.0.0");
            extra["dist_attestations"] = json!(format!("https://registry.npmjs.org{path}"));
            reg.route(&path, Route::Json(body.to_string()));
        }
        v.extra = extra;
        let mut doc: Value = serde_json::from_str(&packument(name, &[v])).expect("packument");
        if let Some(url) = doc["versions"]["1.0.0"]
            .as_object_mut()
            .and_then(|d| d.remove("dist_attestations"))
        {
            doc["versions"]["1.0.0"]["dist"]["attestations"] =
                json!({"url": url, "provenance": {"predicateType": SLSA_V1}});
        }
        reg.route(&format!("/{name}"), Route::Json(doc.to_string()));
    }
    let root = tempfile::NamedTempFile::new().expect("root");
    std::fs::write(root.path(), pki.trusted_root_json()).expect("root");
    Attested { reg, root }
}

fn audit(att: &Attested, names: &[&str]) -> (i32, Value) {
    let integrities: Vec<String> = names.iter().map(|n| sri(&format!("{n}@1.0.0"))).collect();
    let entries: Vec<(&str, &str, &str)> = names
        .iter()
        .zip(&integrities)
        .map(|(n, i)| (*n, "1.0.0", i.as_str()))
        .collect();
    let project = Project::new(&lockfile(&entries));
    let root = path_str(att.root.path());
    let (code, report, _) = project.audit(&att.reg, &["--trusted-root", &root]);
    (code, report)
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn provenance_checks_fire_each_on_its_case_only() {
    let pki = Pki::new();
    let about = |name: &str| sha512_hex(&format!("{name}@1.0.0"));
    let good = |name: &str| {
        Some(attestations(
            &pki,
            name,
            "1.0.0",
            &about(name),
            Identity::default(),
        ))
    };
    let mut bad_sig = attestations(
        &pki,
        "badsig",
        "1.0.0",
        &about("badsig"),
        Identity::default(),
    );
    flip(&mut bad_sig["attestations"][0]["bundle"]["dsseEnvelope"]["signatures"][0]["sig"]);
    let mut bad_publish = attestations(
        &pki,
        "badpub",
        "1.0.0",
        &about("badpub"),
        Identity::default(),
    );
    flip(&mut bad_publish["attestations"][1]["bundle"]["dsseEnvelope"]["signatures"][0]["sig"]);
    let feature = Identity {
        source_ref: "refs/heads/feature".into(),
        runner_env: "github-hosted".into(),
        ..Identity::default()
    };
    let repo = json!({"repository": {"type": "git", "url": "git+https://github.com/octo-org/octo-pkg.git"}});
    let att = attested(
        &pki,
        &[
            ("verified", good("verified"), repo.clone()),
            ("noprov", None, json!({})),
            ("badsig", Some(bad_sig), json!({})),
            ("badpub", Some(bad_publish), json!({})),
            (
                "otherbytes",
                Some(attestations(
                    &pki,
                    "otherbytes",
                    "1.0.0",
                    &"ab".repeat(64),
                    Identity::default(),
                )),
                json!({}),
            ),
            (
                "othername",
                Some(attestations(
                    &pki,
                    "evil",
                    "1.0.0",
                    &about("othername"),
                    Identity::default(),
                )),
                json!({}),
            ),
            (
                "elsewhere",
                good("elsewhere"),
                json!({"repository": "github:someone-else/octo-pkg"}),
            ),
            (
                "featurebuild",
                Some(attestations(
                    &pki,
                    "featurebuild",
                    "1.0.0",
                    &about("featurebuild"),
                    feature,
                )),
                json!({}),
            ),
        ],
    );
    let names = [
        "verified",
        "noprov",
        "badsig",
        "badpub",
        "otherbytes",
        "othername",
        "elsewhere",
        "featurebuild",
    ];
    let (code, report) = audit(&att, &names);
    assert_eq!(
        found(&report),
        pairs(&[
            ("provenance-invalid", "badsig"),
            ("publish-attestation-invalid", "badpub"),
            ("provenance-subject-mismatch", "otherbytes"),
            ("provenance-subject-mismatch", "othername"),
            ("provenance-repository-mismatch", "elsewhere"),
            ("provenance-untrusted-build", "featurebuild"),
        ])
    );
    assert_eq!(code, 1);
    // provenance-absent is allowed by default: counted, not listed.
    assert_eq!(
        report["suppressed"]["provenance-absent"], 1,
        "{}",
        report["suppressed"]
    );
    let ev = &report["summary"]["evidence"]["provenance"];
    assert_eq!(ev["absent"], 1, "{ev}");
    assert_eq!(ev["present"], 7, "{ev}");
    let listed = &report["lockfiles"][0]["provenance"];
    let verified: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        verified,
        ["elsewhere", "featurebuild", "verified"],
        "{listed}"
    );
    let v = &listed[2];
    let id = Identity::default();
    assert_eq!(v["source_repository"], json!(id.source_repo));
    assert_eq!(v["source_ref"], json!(id.source_ref));
    assert_eq!(v["source_commit"], json!(id.source_digest));
    assert_eq!(v["workflow"], json!(id.build_signer));
    assert_eq!(v["publish_attestation"], json!(true));
}

#[test]
fn unreachable_attestations_are_unknown_never_verified_and_cached_bodies_are_reverified() {
    let pki = Pki::new();
    let body = attestations(
        &pki,
        "pkg",
        "1.0.0",
        &sha512_hex("pkg@1.0.0"),
        Identity::default(),
    );
    let att = attested(&pki, &[("pkg", Some(body), json!({}))]);
    att.reg
        .route("/-/npm/v1/attestations/pkg@1.0.0", Route::Status(500));
    let (code, report) = audit(&att, &["pkg"]);
    assert_eq!(found(&report), vec![("fetch-failed".into(), "pkg".into())]);
    assert_eq!(report["summary"]["evidence"]["provenance"]["unknown"], 1);
    assert_eq!(code, 0, "fetch-failed warns by default");
}

#[test]
fn strict_mode_fails_offline_when_claimed_attestations_were_never_had() {
    let pki = Pki::new();
    let body = attestations(
        &pki,
        "pkg",
        "1.0.0",
        &sha512_hex("pkg@1.0.0"),
        Identity::default(),
    );
    let att = attested(&pki, &[("pkg", Some(body), json!({}))]);
    // Online once: the packument and keys are cached, the attestations it
    // points to fail and are not.
    att.reg
        .route("/-/npm/v1/attestations/pkg@1.0.0", Route::Status(500));
    let project = Project::new(&lockfile(&[("pkg", "1.0.0", &sri("pkg@1.0.0"))]));
    let root = path_str(att.root.path());
    // An advisory database is at hand (it lists no package), so that only
    // the attestations are unknown offline.
    let db = path_str(&crate::advisory_findings::export(project.path()));
    let (code, _, _) = project.audit(&att.reg, &["--trusted-root", &root, "--advisory-db", &db]);
    assert_eq!(code, 0, "fetch-failed warns by default");
    // Offline, the claimed attestations cannot be had: strict fails the
    // run on the entry, without --strict it is counted, not reported.
    let offline = ["--trusted-root", &root, "--advisory-db", &db, "--offline"];
    let (code, report, _) = project.audit(&att.reg, &offline);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["evidence"]["provenance"]["unknown"], 1);
    let mut strict = offline.to_vec();
    strict.push("--strict");
    let (code, report, _) = project.audit(&att.reg, &strict);
    assert_eq!(code, 1, "{report:#}");
    let failed: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "fetch-failed" && f["fails"] == true)
        .collect();
    assert_eq!(failed.len(), 1, "{report:#}");
    assert_eq!(failed[0]["package"]["name"], "pkg");
    assert!(
        failed[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("provenance evidence unknown: offline")),
        "{report:#}"
    );
}

// ---- Rekor v2 entries and RFC 3161 signed timestamps ----

/// A Rekor v2 `dsse` 0.0.2 bundle (v0.3, Ed25519 checkpoint, no SET, no
/// integrated time, a signed timestamp from the trusted TSA).
fn rekor_v2(signer: Signer) -> BundleSpec {
    BundleSpec {
        kind: LogKind::DsseV002,
        signer,
        ..BundleSpec::default()
    }
}

/// `BundleSpec::default().integrated_time`, which the TSA stamps.
const STAMPED: &str = "2025-10-09T08:53:20Z";

#[test]
fn rekor_v2_bundles_verify_at_their_signed_timestamp() {
    let w = World::new();
    for signer in [Signer::Fulcio(Identity::default()), Signer::NpmKey] {
        let key = matches!(signer, Signer::NpmKey);
        let bundle = w.pki.bundle(&rekor_v2(signer));
        let entry = &bundle["verificationMaterial"]["tlogEntries"][0];
        assert!(entry.get("integratedTime").is_none() && entry.get("inclusionPromise").is_none());
        let (code, text) = w.verify(&bundle, key);
        assert_eq!(code, 0, "key={key}: {text}");
        // The TSA's time is the only one, so it is the signing time.
        assert!(text.contains(&format!(" at {STAMPED}")), "{text}");
        // Writers that print zero integers say "0": still no log time.
        let mut zero = bundle.clone();
        zero["verificationMaterial"]["tlogEntries"][0]["integratedTime"] = json!("0");
        assert_eq!(w.verify(&zero, key).0, 0, "integratedTime \"0\"");
    }
}

/// Each case breaks one piece of Rekor v2 evidence (or the timestamp that
/// stands in for the log's time) and names the words of the refusal.
#[test]
fn rekor_v2_bundles_with_broken_evidence_are_refused_and_named() {
    let w = World::new();
    let base = rekor_v2(Signer::Fulcio(Identity::default()));
    let cases: Vec<(&str, BundleSpec, &str)> = vec![
        (
            "no signed timestamp",
            BundleSpec {
                timestamp: Some(Tsa::Absent),
                ..base.clone()
            },
            "no verified time",
        ),
        (
            "timestamp over other bytes",
            BundleSpec {
                timestamp: Some(Tsa::WrongImprint),
                ..base.clone()
            },
            "signed timestamp: message imprint",
        ),
        (
            "timestamp from an untrusted TSA",
            BundleSpec {
                timestamp: Some(Tsa::Untrusted),
                ..base.clone()
            },
            "signed timestamp: timestamp signing certificate does not chain",
        ),
        (
            "checkpoint by another Ed25519 key",
            BundleSpec {
                checkpoint: LogSig::WrongKey,
                ..base.clone()
            },
            "inclusion proof",
        ),
        (
            "checkpoint left out",
            BundleSpec {
                checkpoint: LogSig::Absent,
                ..base.clone()
            },
            "inclusionProof.checkpoint",
        ),
        (
            "no inclusion proof",
            BundleSpec {
                inclusion_proof: false,
                ..base.clone()
            },
            "requires an inclusion proof",
        ),
        (
            "log entry for another payload",
            BundleSpec {
                log_other_payload: true,
                ..base.clone()
            },
            "transparency log body does not match the bundle: payload hash",
        ),
        (
            // The leaf expired before the TSA's time: the chain is checked
            // at the timestamp, there being no log time.
            "leaf expired at the timestamp",
            BundleSpec {
                not_after: Some(base.integrated_time - 1),
                ..base.clone()
            },
            "leaf certificate was not valid",
        ),
    ];
    for (what, spec, expect) in cases {
        let (code, text) = w.verify(&w.pki.bundle(&spec), false);
        assert_eq!(code, 1, "{what} was accepted: {text}");
        assert!(text.contains(expect), "{what}: {text:?} lacks {expect:?}");
    }
}

#[test]
fn a_rekor_v1_bundle_may_also_carry_a_signed_timestamp() {
    let w = World::new();
    for signer in [Signer::Fulcio(Identity::default()), Signer::NpmKey] {
        let key = matches!(signer, Signer::NpmKey);
        let spec = BundleSpec {
            signer,
            timestamp: Some(Tsa::Valid),
            ..BundleSpec::default()
        };
        let (code, text) = w.verify(&w.pki.bundle(&spec), key);
        assert_eq!(code, 0, "key={key}: {text}");
        // The token is checked, not merely carried, next to the SET.
        let bad = BundleSpec {
            timestamp: Some(Tsa::WrongImprint),
            ..spec
        };
        let (code, text) = w.verify(&w.pki.bundle(&bad), key);
        assert_eq!(code, 1, "key={key}: {text}");
        assert!(text.contains("signed timestamp"), "{text}");
    }
}

/// Since the 2026 Rekor v2 spec change (sigstore/architecture-docs#63)
/// clients log DSSE envelopes as `hashedrekord` 0.0.2 over SHA-256 of the
/// PAE, and the v2 log refuses new `dsse` entries; message signatures were
/// always `hashedrekord` 0.0.2 there.
#[test]
fn rekor_v2_hashedrekord_bundles_verify() {
    let w = World::new();
    for kind in [LogKind::DsseHashedRekordV002, LogKind::HashedRekordV002] {
        for signer in [Signer::Fulcio(Identity::default()), Signer::NpmKey] {
            let key = matches!(signer, Signer::NpmKey);
            let spec = BundleSpec {
                kind,
                ..rekor_v2(signer)
            };
            let (code, text) = w.verify(&w.pki.bundle(&spec), key);
            assert_eq!(code, 0, "{kind:?} key={key}: {text}");
            let other = BundleSpec {
                log_other_payload: true,
                ..spec
            };
            let (code, text) = w.verify(&w.pki.bundle(&other), key);
            assert_eq!(code, 1, "{kind:?} key={key}: {text}");
            assert!(
                text.contains("transparency log body does not match"),
                "{text}"
            );
        }
    }
}

/// An inclusion proof does not sign the integrated time beside it: a
/// bundle cannot pick a time inside a retired log key's window when only a
/// signed timestamp says when it was made.
#[test]
fn an_unsigned_integrated_time_does_not_choose_the_log_key_window() {
    let w = World::new();
    let spec = BundleSpec {
        set: LogSig::Absent,
        timestamp: Some(Tsa::Valid),
        ..BundleSpec::default()
    };
    let t = spec.integrated_time;
    let mut bundle = w.pki.bundle(&spec);
    assert_eq!(w.verify(&bundle, false).0, 0, "the honest bundle verifies");
    bundle["verificationMaterial"]["tlogEntries"][0]["integratedTime"] =
        json!((t - 2 * 86_400).to_string());
    let mut root: Value = serde_json::from_str(&w.pki.trusted_root_json()).expect("root");
    let end = jiff::Timestamp::from_second(t - 86_400)
        .expect("time")
        .to_string();
    root["tlogs"][0]["publicKey"]["validFor"]["end"] = json!(end);
    std::fs::write(w.path("root.json"), root.to_string()).expect("root");
    let (code, text) = w.verify(&bundle, false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("log key was not valid"), "{text}");
}

/// The wrapper's predicate type is not signed; the statement's is.
#[test]
fn a_signed_statement_of_another_kind_is_not_provenance() {
    let pki = Pki::new();
    let about = sha512_hex("pkg@1.0.0");
    let mut body = attestations(&pki, "pkg", "1.0.0", &about, Identity::default());
    body["attestations"][0]["bundle"] = pki.bundle(&BundleSpec {
        subject_name: "pkg:npm/pkg@1.0.0".into(),
        subject_sha512_hex: about.clone(),
        predicate_type: "https://example.com/not-provenance/v1".into(),
        ..BundleSpec::default()
    });
    let email = Identity {
        san_uri: "mailto:someone@example.com".into(),
        issuer: "https://accounts.google.com".into(),
        ..Identity::default()
    };
    let personal = attestations(
        &pki,
        "personal",
        "1.0.0",
        &sha512_hex("personal@1.0.0"),
        email,
    );
    let att = attested(
        &pki,
        &[
            ("pkg", Some(body), json!({})),
            ("personal", Some(personal), json!({})),
        ],
    );
    let (_, report) = audit(&att, &["pkg", "personal"]);
    assert_eq!(
        found(&report),
        vec![
            ("provenance-invalid".to_string(), "pkg".to_string()),
            (
                "provenance-untrusted-build".to_string(),
                "personal".to_string()
            ),
        ]
    );
}
