//! The real npm 12 under `lockproof install`: in a project whose
//! `npm-shrinkwrap.json` and `package-lock.json` differ, npm 12 installs
//! the package lock's packages, from the bytes lockproof verified only.
//!
//! npm 12 is installed at test time by the machine's own npm from the npm
//! registry (`npm install npm@12 --prefix <target>/tmp/npm12`), the one
//! download of `cargo test` beyond 127.0.0.1 (the README says so), kept
//! under the target folder for the next run. Where npm 12 cannot be
//! installed or cannot run, the test is skipped, saying why.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::fake_registry::FakeRegistry;
use crate::install::{npm_requests, project, real_npm_env};
use crate::tarballs::{Pkg, serve};
use crate::util::lockproof;

/// The tools folder npm 12 is installed into.
fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("npm12")
}

/// The major version of the npm package installed under `prefix`.
fn installed_major(prefix: &Path) -> Option<u64> {
    let text = std::fs::read(prefix.join("node_modules/npm/package.json")).ok()?;
    let doc: Value = serde_json::from_slice(&text).ok()?;
    doc["version"].as_str()?.split('.').next()?.parse().ok()
}

/// npm 12's executable, installed on first use; `None` after saying why
/// it cannot be had.
fn npm12() -> Option<PathBuf> {
    let tools = tools();
    if installed_major(&tools) != Some(12) {
        install_npm12(&tools)?;
    }
    let program = tools.join("node_modules/.bin/npm");
    match Command::new(&program).arg("--version").output() {
        Ok(out) if out.status.success() => {
            eprintln!(
                "npm {} at {}",
                String::from_utf8_lossy(&out.stdout).trim(),
                program.display()
            );
            Some(program)
        }
        Ok(out) => {
            eprintln!(
                "SKIPPED: npm 12 at {} does not run here: {}",
                program.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("SKIPPED: cannot run {}: {e}", program.display());
            None
        }
    }
}

/// Installs npm@12 into `tools` with the machine's npm: into a folder of
/// its own first, moved into place whole, so an interrupted install is
/// never taken for a finished one.
fn install_npm12(tools: &Path) -> Option<()> {
    let parent = tools.parent()?;
    let staging = match tempfile::Builder::new().prefix("npm12-").tempdir_in(parent) {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "SKIPPED: cannot create a folder in {}: {e}",
                parent.display()
            );
            return None;
        }
    };
    eprintln!(
        "installing npm@12 from the npm registry into {}",
        tools.display()
    );
    let out = Command::new("npm")
        .args(["install", "npm@12", "--no-audit", "--no-fund", "--prefix"])
        .arg(staging.path())
        .output();
    match out {
        Ok(out) if out.status.success() && installed_major(staging.path()) == Some(12) => {}
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
            eprintln!(
                "SKIPPED: `npm install npm@12` failed ({}): {}",
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            );
            return None;
        }
        Err(e) => {
            eprintln!("SKIPPED: no npm on this machine to install npm 12 with: {e}");
            return None;
        }
    }
    let _ = std::fs::remove_dir_all(tools);
    // Another test run may have moved its own copy in first: either will do.
    if std::fs::rename(staging.keep(), tools).is_err() && installed_major(tools) != Some(12) {
        eprintln!("SKIPPED: cannot move npm 12 into {}", tools.display());
        return None;
    }
    Some(())
}

#[test]
fn real_npm_12_installs_the_package_lock_not_the_shrinkwrap_from_verified_bytes_only() {
    let Some(npm) = npm12() else {
        return;
    };
    let reg = FakeRegistry::start();
    let pkgs = [Pkg::clean("kept"), Pkg::clean("wrapped")];
    serve(&reg, &pkgs);
    // package.json and package-lock.json install `kept`; the shrinkwrap
    // beside them pins `wrapped`, which npm 11 would install instead.
    let dir = project(&pkgs[..1], &[]);
    let other = project(&pkgs[1..], &[]);
    std::fs::copy(
        other.path().join("package-lock.json"),
        dir.path().join("npm-shrinkwrap.json"),
    )
    .expect("copy");
    let home = tempfile::tempdir().expect("home");
    let run = |npm_version: Option<&str>| {
        let mut cmd = lockproof();
        cmd.current_dir(dir.path()).env_remove("LOCKPROOF_OFFLINE");
        match npm_version {
            Some(v) => cmd.env("LOCKPROOF_NPM_VERSION", v),
            None => cmd.env_remove("LOCKPROOF_NPM_VERSION"),
        };
        for (key, value) in real_npm_env(home.path()) {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd.args(["install", "--registry", &reg.url, "--cache-dir", "cache"])
            .args(["--format", "json", "--output", "report.json", "--npm"])
            .arg(&npm)
            .args(["--", "--loglevel=warn"])
            .output()
            .expect("lockproof runs")
    };
    // Told the npm is 11 while the one it runs is 12: refused before
    // anything is fetched.
    let out = run(Some("11"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--npm-version 11 contradicts the npm lockproof install runs"),
        "{stderr}"
    );
    assert!(reg.seen().is_empty(), "{:?}", reg.seen());
    let out = run(None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).expect("the report"))
            .expect("JSON");
    let lockfiles: Vec<&str> = report["lockfiles"]
        .as_array()
        .expect("lockfiles")
        .iter()
        .filter_map(|l| l["path"].as_str())
        .collect();
    assert_eq!(lockfiles, ["package-lock.json"]);
    let installer = &report["lockfiles"][0]["installer"];
    assert_eq!(installer["major"], 12, "{installer}");
    assert_eq!(installer["from"]["kind"], "installed", "{installer}");
    let ignored: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "shrinkwrap-ignored")
        .collect();
    assert_eq!(ignored.len(), 1, "{report}");
    assert_eq!(ignored[0]["location"]["file"], "npm-shrinkwrap.json");
    // npm installed the package lock's package, not the shrinkwrap's.
    let modules = dir.path().join("node_modules");
    assert!(modules.join("kept/package.json").is_file(), "{stderr}");
    assert!(!modules.join("wrapped").exists(), "{stderr}");
    // Every tarball was fetched by lockproof, once, and verified; npm
    // asked the registry nothing.
    let tarballs: Vec<String> = reg
        .seen()
        .into_iter()
        .filter(|s| s.path.ends_with(".tgz"))
        .map(|s| format!("{} ({})", s.path, s.user_agent.unwrap_or_default()))
        .collect();
    assert_eq!(tarballs.len(), 1, "{tarballs:?}");
    assert!(
        tarballs[0].starts_with("/kept/-/kept-1.0.0.tgz (lockproof/"),
        "{tarballs:?}"
    );
    assert_eq!(npm_requests(&reg), Vec::<String>::new(), "{stderr}");
    assert_eq!(report["summary"]["tarballs"]["verified"], 1, "{report}");
}
