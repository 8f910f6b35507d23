//! The real npm installs from a cache folder lockproof wrote, offline.
//!
//! Hermetic: the tarball is packed by npm from files the test writes, the
//! lockfile points at a registry on 127.0.0.1 that is never contacted, and
//! npm runs with `--offline`. Skipped, with a printed reason, without npm.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lockproof::cacache::NpmCache;
use lockproof::tarball::{self, Limits};

const REGISTRY: &str = "http://127.0.0.1:9/";

/// Runs npm in `dir` with a config of its own, so the machine's npmrc
/// cannot change the outcome.
fn npm(dir: &Path, userconfig: &Path, args: &[&str]) -> Output {
    Command::new("npm")
        .args(args)
        .arg("--userconfig")
        .arg(userconfig)
        .args(["--no-update-notifier", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .unwrap()
}

fn npm_available() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn npm_ci_offline_installs_what_lockproof_cached() {
    if !npm_available() {
        println!("skipped: npm is not on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let userconfig = root.join("npmrc");
    fs::write(&userconfig, "").unwrap();
    let scratch = root.join("scratch-cache");
    let scratch = scratch.to_str().unwrap();

    // A package, packed by npm itself.
    let src = root.join("src");
    fs::create_dir(&src).unwrap();
    fs::write(
        src.join("package.json"),
        r#"{"name":"lp-demo","version":"1.0.0","main":"index.js"}"#,
    )
    .unwrap();
    fs::write(src.join("index.js"), "module.exports = 'from the cache';\n").unwrap();
    let packed = npm(&src, &userconfig, &["pack", "--cache", scratch]);
    assert!(packed.status.success(), "{packed:?}");
    let bytes = fs::read(src.join("lp-demo-1.0.0.tgz")).unwrap();

    // npm's own tarball inspects clean.
    let found = tarball::inspect(bytes.as_slice(), &Limits::default()).unwrap();
    assert_eq!(found.violations, []);
    assert_eq!(found.manifest.unwrap().name.as_deref(), Some("lp-demo"));

    // A project locked to it, at a URL nothing serves.
    let integrity = format!(
        "sha512-{}",
        STANDARD.encode(ring::digest::digest(&ring::digest::SHA512, &bytes))
    );
    let url = format!("{REGISTRY}lp-demo/-/lp-demo-1.0.0.tgz");
    let project = root.join("project");
    fs::create_dir(&project).unwrap();
    fs::write(
        project.join("package.json"),
        r#"{"name":"app","version":"1.0.0","dependencies":{"lp-demo":"1.0.0"}}"#,
    )
    .unwrap();
    let lock = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": {
            "": {"name": "app", "version": "1.0.0", "dependencies": {"lp-demo": "1.0.0"}},
            "node_modules/lp-demo": {"version": "1.0.0", "resolved": url, "integrity": integrity}
        }
    });
    fs::write(project.join("package-lock.json"), lock.to_string()).unwrap();

    let ci = |cache: &Path| {
        npm(
            &project,
            &userconfig,
            &[
                "ci",
                "--offline",
                "--ignore-scripts",
                "--registry",
                REGISTRY,
                "--cache",
                cache.to_str().unwrap(),
            ],
        )
    };

    // An empty cache: npm refuses rather than fetching.
    let empty = ci(&root.join("empty-cache"));
    assert!(!empty.status.success());
    let stderr = String::from_utf8_lossy(&empty.stderr);
    assert!(stderr.contains("ENOTCACHED"), "{stderr}");

    // The cache lockproof wrote: npm installs those bytes.
    let cache = NpmCache::new(root.join("cache"));
    cache.put(&url, &integrity, &bytes).unwrap();
    let installed = ci(cache.root());
    assert!(installed.status.success(), "{installed:?}");
    assert_eq!(
        fs::read_to_string(project.join("node_modules/lp-demo/index.js")).unwrap(),
        "module.exports = 'from the cache';\n"
    );
}
