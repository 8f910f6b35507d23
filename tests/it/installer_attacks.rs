//! A pull request's attempts to make lockproof judge less than npm 12
//! will install or run: a `package.json` lockproof cannot read, settings
//! written the way npm reads them but lockproof did not, and a shrinkwrap
//! named to `lockproof install` where npm 12 installs the package lock.

use std::path::Path;

use crate::util::{codes, lockproof};

/// A project with one registry entry that has install scripts.
fn project(package_json: &str, npmrc: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let lock = r#"{
      "name": "p", "lockfileVersion": 3,
      "packages": {
        "": {"name": "p", "dependencies": {"evil": "1.0.0"}},
        "node_modules/evil": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/evil/-/evil-1.0.0.tgz", "integrity": "sha512-AAAA", "hasInstallScript": true}
      }
    }"#;
    std::fs::write(dir.path().join("package-lock.json"), lock).expect("write");
    std::fs::write(dir.path().join("package.json"), package_json).expect("write");
    std::fs::write(dir.path().join(".npmrc"), npmrc).expect("write");
    dir
}

/// `audit --format json` in `dir` by npm 12's rules.
fn audit(dir: &Path) -> (i32, String, String) {
    let out = lockproof()
        .current_dir(dir)
        .env("LOCKPROOF_NPM_VERSION", "12")
        .args(["audit", "--format", "json"])
        .output()
        .expect("lockproof runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn script_codes(stdout: &str) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(stdout).expect("JSON report");
    codes(&report)
        .into_iter()
        .filter(|(code, _)| code.starts_with("install-script"))
        .map(|(code, _)| code)
        .collect()
}

#[test]
fn a_package_json_lockproof_cannot_parse_fails_closed() {
    let dir = project("{\"allowScripts\": {\"evil\": true,}}", "");
    let (code, stdout, stderr) = audit(dir.path());
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("package.json: line 1, column") && stderr.contains("not valid JSON"),
        "{stderr}"
    );
}

#[test]
fn npms_own_reading_of_the_settings_keeps_the_script_visible() {
    // Blocked with no policy: the baseline.
    let dir = project("{}", "");
    assert_eq!(
        script_codes(&audit(dir.path()).1),
        ["install-script-blocked"]
    );
    for (package_json, npmrc) in [
        ("{}", "dangerously-allow-all-scripts=yes\n"),
        ("{}", "allow-scripts[]=evil\n"),
        (
            r#"{"allowScripts": {"evil@^1": true}}"#,
            "allow-scripts=evil\n",
        ),
        (r#"{"allowScripts": {"evil": true, "evil@ ": false}}"#, ""),
        (
            r#"{"allowScripts": {"evil": true}}"#,
            "ignore-scripts=true\n",
        ),
    ] {
        let dir = project(package_json, npmrc);
        let (_, stdout, stderr) = audit(dir.path());
        assert_eq!(
            script_codes(&stdout),
            ["install-script"],
            "{package_json} {npmrc}: {stderr}"
        );
    }
}

#[test]
fn install_named_a_shrinkwrap_installs_what_npm_12_reads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root_only = r#"{"name": "p", "lockfileVersion": 3, "packages": {"": {"name": "p"}}}"#;
    std::fs::write(dir.path().join("npm-shrinkwrap.json"), root_only).expect("write");
    std::fs::write(dir.path().join("package-lock.json"), root_only).expect("write");
    std::fs::write(dir.path().join("package.json"), "{}").expect("write");
    let npm = dir.path().join("fake-npm.sh");
    std::fs::write(&npm, "#!/bin/sh\nexit 0\n").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&npm, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = lockproof()
        .current_dir(dir.path())
        .env("LOCKPROOF_NPM_VERSION", "12")
        .args([
            "install",
            "--format",
            "json",
            "--cache-dir",
            "cache",
            "--npm",
        ])
        .arg(&npm)
        .arg("npm-shrinkwrap.json")
        .output()
        .expect("lockproof runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        crate::util::lockfile_paths(&report),
        ["package-lock.json"],
        "npm 12 installs the package lock: that is the one to verify"
    );
}
