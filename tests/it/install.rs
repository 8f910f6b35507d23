//! `lockproof install`: the audit gates, every tarball is verified, and
//! the real npm installs offline from lockproof's cache folder only (the
//! end-to-end test skips, saying why, where npm is absent).

use std::path::Path;
use std::process::Output;

use serde_json::json;

use crate::fake_registry::FakeRegistry;
use crate::tarballs::{Pkg, serve, sri_of};
use crate::util::lockproof;

/// A project folder: `package.json` depending on `pkgs`, and a v3
/// lockfile whose entries name the public registry's tarball URLs (npm
/// and lockproof both map them to the configured registry), except the
/// `unresolved` ones, which have no `resolved` (npm's
/// `omit-lockfile-registry-resolved`).
fn project(pkgs: &[Pkg], unresolved: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    let deps: serde_json::Map<String, serde_json::Value> = pkgs
        .iter()
        .map(|p| (p.name.to_string(), json!("1.0.0")))
        .collect();
    let manifest = json!({"name": "app", "version": "1.0.0", "dependencies": deps});
    std::fs::write(dir.path().join("package.json"), manifest.to_string()).expect("write");
    let mut packages = serde_json::Map::new();
    packages.insert(
        "".into(),
        json!({"name": "app", "version": "1.0.0", "dependencies": deps}),
    );
    for p in pkgs {
        let mut entry = json!({"version": "1.0.0", "integrity": sri_of(&p.pinned)});
        if !unresolved.contains(&p.name) {
            entry["resolved"] =
                format!("https://registry.npmjs.org/{0}/-/{0}-1.0.0.tgz", p.name).into();
        }
        packages.insert(format!("node_modules/{}", p.name), entry);
    }
    let lock = json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": packages,
    });
    std::fs::write(
        dir.path().join("package-lock.json"),
        serde_json::to_string_pretty(&lock).expect("json"),
    )
    .expect("write");
    dir
}

/// Runs `lockproof install` in `dir` with `npm` as the npm to run.
fn install(dir: &Path, reg: &FakeRegistry, npm: &str, npm_args: &[&str]) -> Output {
    lockproof()
        .current_dir(dir)
        .env_remove("LOCKPROOF_OFFLINE")
        .args(["install", "--registry", &reg.url, "--cache-dir", "cache"])
        .args(["--retries", "0", "--npm", npm])
        .arg("--")
        .args(npm_args)
        .output()
        .expect("lockproof runs")
}

/// A stand-in npm that records its arguments and succeeds.
fn recording_npm(dir: &Path) -> String {
    let path = dir.join("fake-npm.sh");
    std::fs::write(
        &path,
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/npm-ran\"\n",
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    path.display().to_string()
}

#[test]
fn a_tarball_that_differs_from_the_lockfile_installs_nothing() {
    let reg = FakeRegistry::start();
    let mut swapped = Pkg::clean("swapped");
    swapped.served = crate::tgz::package(
        &json!({"name": "swapped", "version": "1.0.0"}),
        &[crate::tgz::Member::File("package/extra.js", b"evil()")],
    );
    let pkgs = [Pkg::clean("good"), swapped];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    let npm = recording_npm(dir.path());
    let out = install(dir.path(), &reg, &npm, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("tarball-integrity-mismatch"),
        "the report shows why"
    );
    assert!(stderr.contains("nothing was installed"), "{stderr}");
    assert!(!dir.path().join("npm-ran").exists(), "npm never ran");
    assert!(!dir.path().join("node_modules").exists());
}

#[test]
fn npm_runs_offline_from_lockproofs_cache_with_the_users_arguments() {
    let reg = FakeRegistry::start();
    let pkgs = [Pkg::clean("good")];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    let npm = recording_npm(dir.path());
    let out = install(dir.path(), &reg, &npm, &["--ignore-scripts"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = std::fs::read_to_string(dir.path().join("npm-ran")).expect("npm ran");
    let args: Vec<&str> = args.lines().collect();
    // The user's arguments first: npm keeps the last value of an option,
    // so lockproof's own come last.
    assert_eq!(args[..3], ["ci", "--ignore-scripts", "--offline"]);
    assert_eq!(args[3], "--cache");
    assert!(args[4].contains("install"), "{args:?}");
    assert_eq!(args[5..], ["--registry", &reg.url]);
    assert!(
        !Path::new(args[4]).exists(),
        "lockproof's npm cache folder is removed after npm ran"
    );
}

#[test]
fn npm_options_that_would_fetch_unverified_bytes_are_refused() {
    let reg = FakeRegistry::start();
    let pkgs = [Pkg::clean("good")];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    let npm = recording_npm(dir.path());
    for bad in [
        "--cache=/tmp/x",
        "--prefer-online",
        "--registry",
        "--prefix",
    ] {
        let out = install(dir.path(), &reg, &npm, &[bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not allowed"));
    }
    assert!(!dir.path().join("npm-ran").exists());
}

#[test]
fn real_npm_installs_the_verified_tarballs_fully_offline_with_and_without_resolved() {
    let Ok(version) = std::process::Command::new("npm").arg("--version").output() else {
        eprintln!("SKIPPED: npm is not installed on this machine");
        return;
    };
    eprintln!("npm {}", String::from_utf8_lossy(&version.stdout).trim());
    let reg = FakeRegistry::start();
    let mut helper = Pkg::with(
        "helper",
        &json!({"name": "helper", "version": "1.0.0", "main": "index.js"}),
        &[],
    );
    helper.served = crate::tgz::package(
        &json!({"name": "helper", "version": "1.0.0", "main": "index.js"}),
        &[],
    );
    helper.pinned = helper.served.clone();
    let pkgs = [Pkg::clean("good"), helper];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &["helper"]);
    // And a vendored tarball, which npm reads from the project folder.
    let vendored = crate::tgz::package(&json!({"name": "vendored", "version": "1.0.0"}), &[]);
    std::fs::create_dir(dir.path().join("vendor")).expect("mkdir");
    std::fs::write(dir.path().join("vendor/vendored-1.0.0.tgz"), &vendored).expect("write");
    let spec = "file:vendor/vendored-1.0.0.tgz";
    for (file, root) in [("package.json", None), ("package-lock.json", Some(""))] {
        let path = dir.path().join(file);
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        match root {
            None => doc["dependencies"]["vendored"] = spec.into(),
            Some(root) => {
                doc["packages"][root]["dependencies"]["vendored"] = spec.into();
                doc["packages"]["node_modules/vendored"] = json!({
                    "version": "1.0.0", "resolved": spec, "integrity": sri_of(&vendored),
                });
            }
        }
        std::fs::write(&path, doc.to_string()).expect("write");
    }
    let home = tempfile::tempdir().expect("home");
    let out = lockproof()
        .current_dir(dir.path())
        .env_remove("LOCKPROOF_OFFLINE")
        // npm must not read the machine's own configuration or cache.
        .env("HOME", home.path())
        .env("npm_config_userconfig", home.path().join("npmrc"))
        .env("npm_config_update_notifier", "false")
        .args(["install", "--registry", &reg.url, "--cache-dir", "cache"])
        .args(["--", "--ignore-scripts", "--no-audit", "--no-fund"])
        .output()
        .expect("lockproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for name in pkgs.iter().map(|p| p.name).chain(["vendored"]) {
        let manifest = dir
            .path()
            .join("node_modules")
            .join(name)
            .join("package.json");
        let text = std::fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{}: {e}\n{stderr}", manifest.display()));
        assert!(text.contains(name));
    }
    let tarballs = reg
        .seen()
        .iter()
        .filter(|s| s.path.ends_with(".tgz"))
        .count();
    assert_eq!(tarballs, 2, "lockproof fetched each tarball once; npm none");
}
