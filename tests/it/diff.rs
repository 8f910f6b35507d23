//! Diff mode (`lockproof audit --base BASE`), run as a user runs it: a base
//! lockfile on disk or a git revision, only findings about added or changed
//! entries reported (the others counted), and the exit code judged on those.

use std::path::Path;
use std::process::Command as Process;

use serde_json::{Value, json};

use crate::fake_registry::{FakeRegistry, FakeVersion, Route, TestKey, packument, sri};
use crate::registry::{Project, keys_body};
use crate::util::{codes, lockproof};

/// One entry of a test lockfile.
#[derive(Clone)]
struct Pkg {
    path: &'static str,
    version: &'static str,
    /// The content whose sha512 is the integrity; `None`: no integrity.
    content: Option<&'static str>,
    script: bool,
}

fn pkg(path: &'static str, version: &'static str) -> Pkg {
    Pkg {
        path,
        version,
        content: Some(path),
        script: false,
    }
}

/// A v3 lockfile of registry entries with registry tarball URLs.
fn lock(entries: &[Pkg]) -> String {
    let mut packages = serde_json::Map::new();
    packages.insert("".into(), json!({"name": "app", "version": "1.0.0"}));
    for p in entries {
        let name = p.path.rsplit("node_modules/").next().unwrap_or(p.path);
        let mut e = json!({
            "version": p.version,
            "resolved": format!("https://registry.npmjs.org/{name}/-/{name}-{}.tgz", p.version),
        });
        if let Some(c) = p.content {
            e["integrity"] = sri(c).into();
        }
        if p.script {
            e["hasInstallScript"] = true.into();
        }
        packages.insert(p.path.to_string(), e);
    }
    serde_json::to_string_pretty(&json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": packages,
    }))
    .expect("serializable")
}

/// The base of the main scenario: `kept` (no integrity: a high finding
/// that fails the default policy), `bumped`, `resigned` and `scripted`.
fn base_lock() -> String {
    lock(&[
        Pkg {
            content: None,
            ..pkg("node_modules/kept", "1.0.0")
        },
        pkg("node_modules/bumped", "1.0.0"),
        pkg("node_modules/resigned", "1.0.0"),
        pkg("node_modules/scripted", "1.0.0"),
        pkg("node_modules/moved", "1.0.0"),
    ])
}

/// The head of the main scenario: `kept` unchanged, `bumped` to 1.1.0,
/// `resigned`'s integrity changed at the same version, `scripted` now runs
/// install scripts, `fresh` is new (with a script), `moved` nests a second
/// copy.
fn head_lock() -> String {
    lock(&[
        Pkg {
            content: None,
            ..pkg("node_modules/kept", "1.0.0")
        },
        pkg("node_modules/bumped", "1.1.0"),
        Pkg {
            content: Some("other bytes"),
            ..pkg("node_modules/resigned", "1.0.0")
        },
        Pkg {
            script: true,
            ..pkg("node_modules/scripted", "1.0.0")
        },
        Pkg {
            script: true,
            ..pkg("node_modules/fresh", "2.0.0")
        },
        pkg("node_modules/moved", "1.0.0"),
        pkg("node_modules/fresh/node_modules/moved", "0.9.0"),
    ])
}

/// A folder holding `package-lock.json` (head) and `base-lock.json`.
fn scenario(base: &str, head: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("package-lock.json"), head).expect("write");
    std::fs::write(dir.path().join("base-lock.json"), base).expect("write");
    dir
}

/// Runs lockproof in `dir` (so paths in the output are relative).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = lockproof()
        .current_dir(dir)
        // Temporary folders are never inside the repository under test.
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .args(args)
        .output()
        .expect("lockproof runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["audit", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run_in(dir, &all);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (code, report)
}

/// `path → kinds` of the report's first lockfile.
fn kinds(report: &Value) -> Vec<(String, Vec<String>)> {
    report["lockfiles"][0]["changes"]
        .as_array()
        .expect("changes array")
        .iter()
        .map(|c| {
            let kinds = c["kinds"]
                .as_array()
                .expect("kinds")
                .iter()
                .map(|k| k.as_str().unwrap_or_default().to_string())
                .collect();
            (c["path"].as_str().unwrap_or_default().to_string(), kinds)
        })
        .collect()
}

fn strings(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .map(|(p, k)| (p.to_string(), k.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// Runs git in `dir` with a configuration of its own (no user or system
/// config, no signing), so commits work anywhere.
pub(crate) fn git(dir: &Path, args: &[&str]) {
    let out = Process::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=lockproof tests",
            "-c",
            "user.email=tests@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_base_file_reports_what_changed_and_how() {
    let dir = scenario(&base_lock(), &head_lock());
    let (code, report) = json_in(dir.path(), &["--base", "base-lock.json"]);
    assert_eq!(
        kinds(&report),
        strings(&[
            ("node_modules/bumped", &["version-bump"]),
            ("node_modules/fresh", &["new-package", "new-install-script"]),
            ("node_modules/fresh/node_modules/moved", &["new-path"]),
            ("node_modules/resigned", &["source-change"]),
            ("node_modules/scripted", &["new-install-script"]),
        ])
    );
    let changes = report["lockfiles"][0]["changes"].as_array().unwrap();
    assert_eq!(changes[0]["base_version"], "1.0.0");
    assert_eq!(changes[0]["version"], "1.1.0");
    assert_eq!(changes[0]["details"][0], "1.0.0 \u{2192} 1.1.0");
    let resigned = &changes[3];
    assert_eq!(resigned["suspicious"], true, "{resigned}");
    assert!(
        resigned["details"][0]
            .as_str()
            .unwrap()
            .contains("without a version change"),
        "{resigned}"
    );
    assert!(changes.iter().filter(|c| c["suspicious"] == true).count() == 1);
    assert_eq!(
        report["diff"],
        json!({"base": "base-lock.json", "kind": "file"})
    );
    assert_eq!(report["lockfiles"][0]["base"], "base-lock.json");
    assert_eq!(report["lockfiles"][0]["base_found"], true);
    assert_eq!(report["summary"]["changed"], 5);
    // `kept` lacks integrity (high) but did not change: counted, not shown,
    // and it does not fail the run.
    let mut found = codes(&report);
    found.sort();
    assert_eq!(
        found,
        [
            ("install-script-changed".to_string(), "fresh".to_string()),
            ("install-script-changed".to_string(), "scripted".to_string()),
            ("integrity-changed".to_string(), "resigned".to_string()),
        ]
    );
    assert_eq!(report["summary"]["unchanged"], 1);
    assert_eq!(report["lockfiles"][0]["unchanged"], 1);
    assert_eq!(code, 1, "same version, other bytes fails the run");
}

#[test]
fn policy_judges_the_reported_findings_only() {
    // Without --base, `kept`'s missing integrity fails the run.
    let dir = scenario(&base_lock(), &head_lock());
    let (code, _) = json_in(dir.path(), &[]);
    assert_eq!(code, 1);
    // A changed entry without integrity is reported and fails it.
    let head = lock(&[
        Pkg {
            content: None,
            ..pkg("node_modules/kept", "1.0.0")
        },
        Pkg {
            content: None,
            ..pkg("node_modules/bumped", "1.1.0")
        },
    ]);
    let dir = scenario(&base_lock(), &head);
    let (code, report) = json_in(dir.path(), &["--base", "base-lock.json"]);
    assert_eq!(
        codes(&report),
        [("integrity-missing".to_string(), "bumped".to_string())]
    );
    assert_eq!(report["summary"]["unchanged"], 1);
    assert_eq!(report["passed"], false);
    assert_eq!(code, 1);
}

#[test]
fn file_level_findings_are_shown_only_when_the_file_changed() {
    // The same file as its own base: nothing changed, every finding
    // (lockfile-old-format included) is counted, none shown.
    let (code, report) = crate::util::json_report(&[
        "fixtures/v1-nested",
        "--base",
        "fixtures/v1-nested/package-lock.json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(codes(&report), vec![]);
    assert_eq!(report["summary"]["changed"], 0);
    assert_eq!(report["summary"]["unchanged"], 3);
    // One byte more: the file changed, its entries did not.
    let v1 =
        std::fs::read_to_string(crate::util::root().join("fixtures/v1-nested/package-lock.json"))
            .unwrap();
    let dir = scenario(&v1, &format!("{v1}\n"));
    let (_, report) = json_in(dir.path(), &["--base", "base-lock.json"]);
    assert_eq!(
        codes(&report),
        [("lockfile-old-format".to_string(), "-".to_string())]
    );
    assert_eq!(report["summary"]["unchanged"], 2);
}

#[test]
fn a_git_revision_is_read_from_the_repository() {
    let repo = tempfile::tempdir().unwrap();
    let sub = repo.path().join("app");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("package-lock.json"), base_lock()).unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "app/package-lock.json"]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    std::fs::write(sub.join("package-lock.json"), head_lock()).unwrap();
    // From the repository root, and from inside the lockfile's folder.
    for (cwd, path) in [(repo.path(), "app"), (sub.as_path(), ".")] {
        let (code, report) = json_in(cwd, &[path, "--base", "HEAD"]);
        assert_eq!(code, 1, "the resigned entry's integrity-changed fails it");
        assert_eq!(report["diff"], json!({"base": "HEAD", "kind": "git-rev"}));
        assert_eq!(report["lockfiles"][0]["base"], "HEAD:app/package-lock.json");
        assert_eq!(report["summary"]["changed"], 5);
        assert_eq!(report["summary"]["unchanged"], 1);
    }
    // Committed, the head is its own base.
    git(repo.path(), &["commit", "-q", "-a", "-m", "head"]);
    let (_, report) = json_in(repo.path(), &["app", "--base", "HEAD"]);
    assert_eq!(report["summary"]["changed"], 0);
    let (_, report) = json_in(repo.path(), &["app", "--base", "HEAD~1"]);
    assert_eq!(report["summary"]["changed"], 5);
}

#[test]
fn a_lockfile_missing_at_the_revision_makes_every_entry_new() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("README"), "x").unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "README"]);
    git(repo.path(), &["commit", "-q", "-m", "first"]);
    std::fs::write(repo.path().join("package-lock.json"), head_lock()).unwrap();
    let (code, report) = json_in(repo.path(), &["--base", "HEAD"]);
    assert_eq!(code, 1, "kept's missing integrity is new too");
    assert_eq!(report["lockfiles"][0]["base_found"], false);
    assert_eq!(report["summary"]["changed"], 7);
    assert_eq!(report["summary"]["unchanged"], 0);
    let kinds = kinds(&report);
    assert!(
        kinds.iter().all(|(_, k)| k[0] == "new-package"),
        "{kinds:?}"
    );
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n
                == "package-lock.json does not exist at the base revision: every entry is new"),
        "{}",
        report["notes"]
    );
}

#[test]
fn revisions_starting_with_a_dash_are_refused() {
    let dir = scenario(&base_lock(), &head_lock());
    for arg in [
        ["--base", "--output=pwned"],
        ["--base", "-p"],
        ["--base=--exec-path", "."],
    ] {
        let mut args = vec!["audit"];
        args.extend(arg);
        let (code, stdout, stderr) = run_in(dir.path(), &args);
        assert_eq!(code, 2, "{arg:?}: {stdout}");
        assert!(
            stderr.contains("a git revision cannot start with '-'"),
            "{stderr}"
        );
    }
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn unknown_revisions_and_folders_outside_git_are_errors() {
    let dir = scenario(&base_lock(), &head_lock());
    let (code, _, stderr) = run_in(dir.path(), &["audit", "--base", "main"]);
    assert_eq!(code, 2);
    assert!(
        stderr
            .contains("package-lock.json: --base main: no such file, and not in a git repository"),
        "{stderr}"
    );
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "base-lock.json"]);
    git(dir.path(), &["commit", "-q", "-m", "x"]);
    let (code, _, stderr) = run_in(dir.path(), &["audit", "--base", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "package-lock.json: --base no-such-branch: no such file, and not a commit of the repository"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = run_in(dir.path(), &["audit", "--base", "HEAD:base-lock.json"]);
    assert_eq!(code, 2, "a blob is not a revision: {stderr}");
}

#[test]
fn a_base_file_is_compared_with_one_lockfile_only() {
    let r = crate::util::run(&[
        "audit",
        "fixtures/clean",
        "fixtures/risky",
        "--base",
        "fixtures/clean/package-lock.json",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("2 lockfiles are audited"), "{}", r.stderr);
    let dir = scenario("{", &head_lock());
    let (code, _, stderr) = run_in(dir.path(), &["audit", "--base", "base-lock.json"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("base lockfile base-lock.json: malformed JSON"),
        "{stderr}"
    );
}

#[test]
fn only_changed_entries_are_fetched() {
    let key = TestKey::new(7);
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_body(&[(&key, None)])));
    for (name, version) in [("alpha", "1.0.0"), ("beta", "2.0.0")] {
        reg.route(
            &format!("/{name}"),
            Route::Json(packument(name, &[FakeVersion::signed(name, version, &key)])),
        );
    }
    let entries = |names: &[(&str, &str)]| {
        crate::fake_registry::lockfile(
            &names
                .iter()
                .map(|(n, v)| (*n, *v, sri(&format!("{n}@{v}"))))
                .collect::<Vec<_>>()
                .iter()
                .map(|(n, v, i)| (*n, *v, i.as_str()))
                .collect::<Vec<_>>(),
        )
    };
    let project = Project::new(&entries(&[("alpha", "1.0.0"), ("beta", "2.0.0")]));
    let base = project.path().join("base.json");
    std::fs::write(&base, entries(&[("alpha", "1.0.0")])).unwrap();
    let (code, report, _) = project.audit(&reg, &["--base", &base.display().to_string()]);
    assert_eq!(code, 0);
    let asked: Vec<String> = reg.seen().into_iter().map(|s| s.path).collect();
    assert!(asked.iter().any(|p| p == "/beta"), "{asked:?}");
    assert!(!asked.iter().any(|p| p == "/alpha"), "{asked:?}");
    assert_eq!(report["summary"]["evidence"]["signatures"]["present"], 1);
    assert_eq!(report["lockfiles"][0]["trust"][0]["name"], "beta");
}

#[test]
fn a_version_bump_whose_trust_fields_drop_is_marked() {
    let key = TestKey::new(7);
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_body(&[(&key, None)])));
    let mut old = FakeVersion::signed("climber", "1.0.0", &key);
    old.extra =
        json!({"_npmUser": {"name": "GitHub Actions", "trustedPublisher": {"id": "github"}}});
    let mut new = FakeVersion::signed("climber", "1.1.0", &key);
    new.published = "2026-06-02T00:00:00.000Z";
    let mut doc: Value =
        serde_json::from_str(&packument("climber", &[old, new])).expect("packument");
    doc["versions"]["1.0.0"]["dist"]["attestations"] = json!({
        "url": "https://registry.npmjs.org/-/npm/v1/attestations/climber@1.0.0",
        "provenance": {"predicateType": "https://slsa.dev/provenance/v1"}
    });
    reg.route("/climber", Route::Json(doc.to_string()));
    let steady = ["1.0.0", "1.1.0"].map(|v| FakeVersion::signed("steady", v, &key));
    reg.route("/steady", Route::Json(packument("steady", &steady)));
    let entries = |version: &str| {
        let names = ["climber", "steady"];
        let integrities = names.map(|n| sri(&format!("{n}@{version}")));
        crate::fake_registry::lockfile(&[
            (names[0], version, &integrities[0]),
            (names[1], version, &integrities[1]),
        ])
    };
    let project = Project::new(&entries("1.1.0"));
    let base = project.path().join("base.json");
    std::fs::write(&base, entries("1.0.0")).unwrap();
    let (_, report, _) = project.audit(&reg, &["--base", &base.display().to_string()]);
    // `steady` claims `signed` at both versions: a bump, nothing more.
    assert_eq!(
        kinds(&report),
        strings(&[
            ("node_modules/climber", &["version-bump", "trust-change"]),
            ("node_modules/steady", &["version-bump"]),
        ])
    );
    let details = report["lockfiles"][0]["changes"][0]["details"].to_string();
    assert!(
        details.contains("trust fields trusted-publisher → signed"),
        "{details}"
    );
}

#[test]
fn hostile_names_in_changes_are_escaped() {
    let empty = lock(&[]);
    let base = tempfile::tempdir().unwrap();
    let base_file = base.path().join("empty.json");
    std::fs::write(&base_file, empty).unwrap();
    let base_arg = base_file.display().to_string();
    for format in ["table", "markdown", "github", "sarif"] {
        let r = crate::util::run(&[
            "audit",
            "fixtures/hostile-names",
            "--base",
            &base_arg,
            "--format",
            format,
        ]);
        assert!(r.code == 0 || r.code == 1, "{format}: {}", r.stderr);
        assert!(!r.stdout.contains('\u{1b}'), "{format}: raw ESC");
        assert!(!r.stdout.contains("new\nline"), "{format}: raw newline");
        if format == "markdown" {
            assert!(!r.stdout.contains("<img"), "markdown: raw HTML");
            assert!(!r.stdout.contains("[link](http"), "markdown: live link");
            assert!(r.stdout.contains("### Added or changed in"));
        }
    }
}

#[test]
fn snapshot_json_and_table() {
    let dir = scenario(&base_lock(), &head_lock());
    for format in ["json", "table"] {
        let (code, stdout, stderr) = run_in(
            dir.path(),
            &["audit", "--base", "base-lock.json", "--format", format],
        );
        assert_eq!(code, 1, "{stderr}");
        insta::assert_snapshot!(format!("diff_{format}"), stdout);
    }
}
