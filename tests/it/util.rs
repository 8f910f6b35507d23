//! Helpers: run the binary from the repository root, so paths in outputs
//! are the stable relative paths `fixtures/...`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A folder that holds nothing: HOME for every run, so no user `.npmrc` or
/// cache leaks into a test.
fn empty_home() -> PathBuf {
    std::env::temp_dir().join("lockproof-tests-empty-home")
}

/// The binary, started in the repository root with a clean environment:
/// offline (tests never touch the network beyond 127.0.0.1), an empty HOME,
/// no npm_config_* or proxy variables, no COLUMNS (tables are 100 wide),
/// npm 11's rules (whatever npm the machine has), and a cache folder of
/// its own per run.
pub fn lockproof() -> Command {
    let mut cmd = Command::cargo_bin("lockproof").expect("binary built");
    cmd.current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .env("HOME", empty_home())
        .env("LOCKPROOF_OFFLINE", "1")
        .env("LOCKPROOF_NPM_VERSION", "11")
        // Trust anchors are refreshed from a closed loopback port: tests
        // never reach Sigstore's TUF repository.
        .env("LOCKPROOF_TUF_URL", "http://127.0.0.1:9")
        // Likewise OSV: its API and export are asked on a closed port.
        .env("LOCKPROOF_OSV_URL", "http://127.0.0.1:9/")
        .env("LOCKPROOF_OSV_EXPORT_URL", "http://127.0.0.1:9/npm/all.zip")
        .env(
            "LOCKPROOF_CACHE_DIR",
            std::env::temp_dir().join(format!("lockproof-tests-cache-{}", std::process::id())),
        );
    for (key, _) in std::env::vars_os() {
        let key_lower = key.to_string_lossy().to_ascii_lowercase();
        if key_lower.starts_with("npm_config_")
            || ["https_proxy", "http_proxy", "proxy", "no_proxy"].contains(&key_lower.as_str())
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// What a run produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs lockproof with `args`.
pub fn run(args: &[&str]) -> Run {
    let out = lockproof().args(args).output().expect("lockproof runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `audit` with `--format json` and parses the report.
pub fn json_report(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["audit", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

/// `(code, package name)` of every reported finding.
pub fn codes(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["package"]["name"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

/// `path` of every audited lockfile, in report order.
pub fn lockfile_paths(report: &serde_json::Value) -> Vec<&str> {
    report["lockfiles"]
        .as_array()
        .expect("lockfiles array")
        .iter()
        .map(|l| l["path"].as_str().unwrap_or_default())
        .collect()
}

/// The `file://` URI of the absolute `path`, each segment percent-encoded
/// but for RFC 3986's unreserved characters, as SARIF reports write it.
pub fn file_uri(path: &Path) -> String {
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let mut uri = String::from("file://");
    for segment in path.iter().skip(1) {
        uri.push('/');
        uri.push_str(&utf8_percent_encode(&segment.to_string_lossy(), KEEP).to_string());
    }
    uri
}
