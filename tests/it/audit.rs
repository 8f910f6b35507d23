//! `lockproof audit` on one fixture folder per scenario: each check fires on
//! its case and nowhere else, and the lockfile model is what npm means.

use std::path::Path;

use lockproof::lockfile::{self, IntegrityField, LockfileVersion, Resolved, SourceKind};

use crate::util::{codes, json_report, lockfile_paths, lockproof, run};

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(c, n)| (c.to_string(), n.to_string()))
        .collect();
    v.sort();
    v
}

#[test]
fn risky_fires_each_check_on_its_entry_only() {
    let (code, report) = json_report(&["fixtures/risky"]);
    assert_eq!(code, 1);
    let mut found = codes(&report);
    found.sort();
    assert_eq!(
        found,
        pairs(&[
            ("git-source", "from-git"),
            ("git-source", "old-git"),
            ("host-not-allowed", "other-host"),
            ("host-not-allowed", "remote-tar"),
            ("insecure-url", "old-git"),
            ("insecure-url", "plain-http"),
            ("insecure-url", "with-token"),
            ("install-script", "has-scripts"),
            ("integrity-malformed", "bad-hash"),
            ("integrity-missing", "no-integrity"),
            ("integrity-weak", "old-hash"),
            ("local-file-source", "local-tar"),
            ("remote-tarball-source", "remote-tar"),
            ("tarball-name-mismatch", "injected"),
            ("url-credentials", "with-token"),
        ])
    );
    assert_eq!(report["summary"]["entries"], 21);
    assert_eq!(report["summary"]["unverifiable"], 3);
    assert_eq!(report["summary"]["by_source"]["git"], 2);
    let kinds: Vec<_> = report["lockfiles"][0]["unverifiable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["kind"].as_str().unwrap(), u["paths"][0].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("link", "node_modules/ws-a"),
            ("workspace", "packages/ws-a"),
            ("bundled", "node_modules/has-bundle/node_modules/inner"),
        ]
    );
}

#[test]
fn findings_point_at_the_entry_line() {
    let (_, report) = json_report(&["fixtures/risky"]);
    let injected = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "tarball-name-mismatch")
        .unwrap();
    assert_eq!(injected["location"]["line"], 102);
    assert_eq!(
        injected["location"]["file"],
        "fixtures/risky/package-lock.json"
    );
    assert_eq!(injected["severity"], "critical");
    assert_eq!(injected["fails"], true);
}

#[test]
fn clean_and_real_example_lockfiles_pass() {
    let (code, report) = json_report(&["fixtures/clean"]);
    assert_eq!((code, codes(&report).len()), (0, 0));
    assert_eq!(report["passed"], true);
    let (code, report) = json_report(&["fixtures/example"]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["entries"], 104);
    assert_eq!(codes(&report), pairs(&[("install-script", "esbuild")]));
}

#[test]
fn a_folder_uses_the_shrinkwrap_as_npm_does() {
    let (code, report) = json_report(&["fixtures/shrinkwrap-wins"]);
    assert_eq!(
        code, 0,
        "the package-lock.json with an http URL must be ignored"
    );
    assert_eq!(
        report["lockfiles"][0]["path"],
        "fixtures/shrinkwrap-wins/npm-shrinkwrap.json"
    );
    let (code, _) = json_report(&["fixtures/shrinkwrap-wins/package-lock.json"]);
    assert_eq!(
        code, 1,
        "named explicitly, the package-lock.json is audited"
    );
}

#[test]
fn old_formats_are_read_and_flagged_once() {
    let (code, report) = json_report(&["fixtures/v1-nested"]);
    assert_eq!(code, 0);
    let mut found = codes(&report);
    found.sort();
    assert_eq!(
        found,
        pairs(&[
            ("git-source", "git-dep"),
            ("integrity-weak", "inherits"),
            ("lockfile-old-format", "-"),
        ])
    );
    let (code, report) = json_report(&["fixtures/npm4-shrinkwrap"]);
    assert_eq!(code, 1);
    assert_eq!(report["lockfiles"][0]["lockfile_version"], "unversioned");
    let missing = codes(&report)
        .iter()
        .filter(|(c, _)| c == "integrity-missing")
        .count();
    assert_eq!(
        missing, 4,
        "every registry entry of an npm 4 shrinkwrap lacks integrity"
    );
}

#[test]
fn v3_entries_carry_names_aliases_flags_and_lines() {
    let lock = lockfile::load(Path::new("fixtures/risky")).unwrap();
    assert_eq!(lock.version, LockfileVersion::V3);
    let root = lock.root.as_ref().unwrap();
    assert_eq!(
        (root.name.as_str(), root.version.as_deref()),
        ("risky-app", Some("1.0.0"))
    );
    assert_eq!((root.source, root.line), (SourceKind::Root, 7));
    let get = |path: &str| lock.entries.iter().find(|e| e.path == path).unwrap();
    let alias = get("node_modules/aliased");
    assert_eq!(
        (alias.name.as_str(), alias.folder_name.as_str()),
        ("lodash", "aliased")
    );
    assert_eq!(alias.line, 45);
    let scoped = get("node_modules/@scope/pkg");
    assert_eq!(scoped.name, "@scope/pkg");
    assert!(scoped.flags.dev);
    let fsevents = get("node_modules/fsevents");
    assert!(fsevents.flags.optional);
    assert_eq!(fsevents.platform().os, vec!["darwin"]);
    assert!(get("node_modules/peer-thing").flags.peer);
    assert_eq!(get("node_modules/ws-a").source, SourceKind::Link);
    assert_eq!(get("packages/ws-a").source, SourceKind::Workspace);
    assert_eq!(get("packages/ws-a").name, "ws-a");
    let inner = get("node_modules/has-bundle/node_modules/inner");
    assert_eq!(inner.source, SourceKind::Bundled);
    assert_eq!(inner.resolved, Resolved::Absent);
    assert!(get("node_modules/has-scripts").has_install_script);
    assert!(matches!(
        get("node_modules/bad-hash").integrity,
        IntegrityField::Malformed(_)
    ));
    assert_eq!(get("node_modules/local-tar").source, SourceKind::LocalFile);
    assert_eq!(
        get("node_modules/remote-tar").source,
        SourceKind::RemoteTarball
    );
}

#[test]
fn v1_entries_nest_and_resolve_aliases() {
    let lock = lockfile::load(Path::new("fixtures/v1-nested")).unwrap();
    assert_eq!(lock.version, LockfileVersion::V1);
    assert_eq!(lock.entries.len(), 9);
    assert_eq!(lock.root.as_ref().unwrap().source, SourceKind::Root);
    let get = |path: &str| lock.entries.iter().find(|e| e.path == path).unwrap();
    let nested = get("node_modules/debug/node_modules/ms");
    assert_eq!(
        (nested.version.as_deref(), nested.line),
        (Some("2.0.0"), 15)
    );
    let alias = get("node_modules/my-alias");
    assert_eq!(
        (alias.name.as_str(), alias.version.as_deref()),
        ("lodash", Some("4.17.21"))
    );
    let git = get("node_modules/git-dep");
    assert_eq!(git.source, SourceKind::Git);
    assert_eq!(git.version, None);
    assert_eq!(get("node_modules/resolved-false").resolved, Resolved::False);
    assert_eq!(
        get("node_modules/has-bundle/node_modules/inner").source,
        SourceKind::Bundled
    );
    assert!(get("node_modules/inherits").flags.dev);
}

#[test]
fn several_lockfiles_are_audited_in_one_run() {
    let (code, report) = json_report(&["fixtures/clean", "fixtures/v1-nested"]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["lockfiles"], 2);
    assert_eq!(report["summary"]["entries"], 11);
    let (code, _) = json_report(&["fixtures/clean", "fixtures/risky"]);
    assert_eq!(code, 1);
}

#[test]
fn bare_lockproof_audits_the_current_folder() {
    let out = lockproof()
        .current_dir(crate::util::root().join("fixtures/clean"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The verdict first, then the lockfile it is about.
    let mut lines = stdout.lines();
    assert!(
        lines.next().is_some_and(|l| l.starts_with("PASS")),
        "{stdout}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("package-lock.json (lockfileVersion 3")),
        "{stdout}"
    );
}

#[test]
fn fail_on_moves_the_gate() {
    assert_eq!(run(&["fixtures/v1-nested", "--fail-on", "medium"]).code, 1);
    assert_eq!(run(&["fixtures/example", "--fail-on", "low"]).code, 1);
    assert_eq!(run(&["fixtures/example", "--fail-on", "medium"]).code, 0);
    assert_eq!(run(&["fixtures/risky", "--fail-on", "critical"]).code, 1);
}

#[test]
fn output_file_and_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let r = run(&[
        "audit",
        "fixtures/risky",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["schema_version"], 1);
    let r = run(&["fixtures/risky", "--quiet"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (1, "", ""));
}

#[test]
fn no_colour_unless_a_terminal() {
    let r = run(&["fixtures/risky"]);
    assert!(!r.stdout.contains('\u{1b}'));
}

#[test]
fn offline_flag_is_accepted_and_the_report_says_what_was_not_checked() {
    let (_, report) = json_report(&["--offline", "fixtures/clean"]);
    assert_eq!(report["summary"]["evidence"]["registry"]["unknown"], 2);
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("registry evidence unknown for 2 entries (offline")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.contains("no tarball")), "{notes:?}");
}

#[test]
fn a_token_in_a_resolved_url_is_never_printed() {
    for format in ["table", "json", "sarif", "markdown", "github"] {
        let r = run(&["audit", "fixtures/risky", "--format", format]);
        assert!(
            r.stdout.replace("\\-", "-").contains("with-token"),
            "{format}"
        );
        assert!(
            !r.stdout.contains("SECRETTOKEN") && !r.stdout.contains("ci-bot"),
            "{format} leaks the token"
        );
    }
}

#[test]
fn hostile_names_and_paths_are_findings() {
    let (code, report) = json_report(&["fixtures/hostile-names"]);
    assert_eq!(code, 1);
    let invalid = codes(&report)
        .into_iter()
        .filter(|(c, _)| c == "invalid-package-name")
        .count();
    assert_eq!(invalid, 4);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {
  "node_modules/../../../etc": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/etc/-/etc-1.0.0.tgz",
    "integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==", "name": "etc"}
}}"#,
    )
    .unwrap();
    let (code, report) = json_report(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let msg = report["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("install folder"), "{msg}");
}

#[test]
fn duplicate_keys_are_reported_where_npm_would_take_the_last() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        "{\"lockfileVersion\": 3, \"packages\": {\n\"node_modules/ms\": {\"version\": \"2.1.3\"},\n\"node_modules/ms\": {\"version\": \"6.6.6\"}\n}}",
    )
    .unwrap();
    let (code, report) = json_report(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap();
    let dup = findings
        .iter()
        .find(|f| f["code"] == "duplicate-key")
        .unwrap();
    assert_eq!(dup["location"]["line"], 3);
    assert_eq!(
        report["summary"]["entries"], 1,
        "npm keeps only the last value"
    );
    let lock = lockfile::load(dir.path()).unwrap();
    assert_eq!(lock.entries[0].version.as_deref(), Some("6.6.6"));
}

/// Writes `content` as `name` in a fresh folder and audits it (JSON).
fn audit_text(name: &str, content: &str) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), content).unwrap();
    json_report(&[dir.path().to_str().unwrap()])
}

const EVIL_INTEGRITY: &str = "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==";

/// Lockfiles that make npm install from an attacker's host while looking
/// clean to a naive reader (found in review, each checked against npm 11).
#[test]
fn lockfiles_that_redirect_npm_are_caught() {
    let evil = "http://127.0.0.1:4873/evil/-/evil-1.0.0.tgz";
    let v3 = |entry: &str| {
        format!(
            r#"{{"lockfileVersion": 3, "packages": {{"": {{"name": "app"}}, "node_modules/lodash": {entry}}}}}"#
        )
    };
    let cases = [
        // npm reads `packages` whatever lockfileVersion says.
        (
            format!(
                r#"{{"lockfileVersion": 1, "dependencies": {{"lodash": {{"version": "4.17.21", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz", "integrity": "{EVIL_INTEGRITY}"}}}},
              "packages": {{"node_modules/lodash": {{"version": "4.17.21", "resolved": "{evil}", "integrity": "{EVIL_INTEGRITY}"}}}}}}"#
            ),
            "insecure-url",
        ),
        // npm ignores `inBundle` on a child of the root.
        (
            v3(&format!(
                r#"{{"version": "4.17.21", "resolved": "{evil}", "integrity": "{EVIL_INTEGRITY}", "inBundle": true}}"#
            )),
            "insecure-url",
        ),
        // `resolved` that npm reads as a spec.
        (
            v3(r#"{"version": "4.17.21", "resolved": "npm:evil@1.0.0"}"#),
            "unverifiable-source",
        ),
        (
            v3(
                r#"{"version": "4.17.21", "resolved": "evil/repo#0123456789abcdef0123456789abcdef01234567"}"#,
            ),
            "unverifiable-source",
        ),
        (
            v3(r#"{"version": "4.17.21", "resolved": "1.0.0"}"#),
            "unverifiable-source",
        ),
        // WHATWG accepts `http:host/path`.
        (
            v3(&format!(
                r#"{{"version": "4.17.21", "resolved": "http:127.0.0.1:4873/evil/-/evil-1.0.0.tgz?", "integrity": "{EVIL_INTEGRITY}"}}"#
            )),
            "host-not-allowed",
        ),
        // v1: npm takes the source from `version`, or from `from`.
        (
            format!(
                r#"{{"lockfileVersion": 1, "dependencies": {{"lodash": {{"version": "{evil}", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz", "integrity": "{EVIL_INTEGRITY}"}}}}}}"#
            ),
            "unverifiable-source",
        ),
        (
            format!(
                r#"{{"lockfileVersion": 1, "dependencies": {{"lodash": {{"from": "{evil}", "integrity": "{EVIL_INTEGRITY}"}}}}}}"#
            ),
            "insecure-url",
        ),
        (
            format!(
                r#"{{"lockfileVersion": 1, "dependencies": {{"lodash": {{"version": "4.17.21", "resolved": "{evil}", "integrity": "{EVIL_INTEGRITY}", "bundled": true}}}}}}"#
            ),
            "insecure-url",
        ),
    ];
    for (i, (content, code)) in cases.iter().enumerate() {
        let (exit, report) = audit_text("package-lock.json", content);
        let found = codes(&report);
        assert!(
            found.iter().any(|(c, _)| c == code),
            "case {i}: expected {code}, got {found:?}"
        );
        assert_eq!(exit, 1, "case {i} must fail the gate: {found:?}");
    }
}

#[test]
fn multibyte_paths_do_not_crash() {
    for resolved in [
        "file:\u{20ac}\u{20ac}",
        "https://registry.npmjs.org/a/-/%E2%82%AC%E2%82%AC",
    ] {
        let content = format!(
            r#"{{"lockfileVersion": 3, "packages": {{"node_modules/a": {{"version": "1.0.0", "resolved": "{resolved}"}}}}}}"#
        );
        let (exit, _) = audit_text("package-lock.json", &content);
        assert!(exit == 0 || exit == 1, "{resolved}: exit {exit}");
    }
}

#[test]
fn a_named_package_lock_is_audited_with_the_shrinkwrap_npm_reads() {
    let (code, report) = json_report(&["fixtures/shrinkwrap-wins/package-lock.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        lockfile_paths(&report),
        vec![
            "fixtures/shrinkwrap-wins/package-lock.json",
            "fixtures/shrinkwrap-wins/npm-shrinkwrap.json"
        ]
    );
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("npm installs from"))
    );
}

/// pre-commit passes every staged lockfile, sorted: `npm-shrinkwrap.json`
/// comes before the `package-lock.json` that brings it in again as the file
/// npm reads. Each is audited once.
#[test]
fn a_shrinkwrap_named_before_its_package_lock_is_audited_once() {
    let (_, report) = json_report(&[
        "fixtures/shrinkwrap-wins/npm-shrinkwrap.json",
        "fixtures/shrinkwrap-wins/package-lock.json",
    ]);
    assert_eq!(
        lockfile_paths(&report),
        vec![
            "fixtures/shrinkwrap-wins/npm-shrinkwrap.json",
            "fixtures/shrinkwrap-wins/package-lock.json"
        ]
    );
    let mut findings: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}",
                f["code"], f["location"]["file"], f["location"]["line"]
            )
        })
        .collect();
    let all = findings.len();
    findings.dedup();
    assert_eq!(findings.len(), all, "a finding reported twice");
}

#[test]
fn two_different_strongest_hashes_are_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let good = crate::tarballs::sri_of(b"good bytes");
    let evil = crate::tarballs::sri_of(b"evil bytes");
    let lock = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3,
        "packages": {
            "": {"name": "app", "version": "1.0.0"},
            "node_modules/twice": {"version": "1.0.0", "integrity": format!("{evil} {good}")},
            "node_modules/once": {"version": "1.0.0", "integrity": format!("{good} {good}")},
        }
    });
    let path = dir.path().join("package-lock.json");
    std::fs::write(&path, lock.to_string()).unwrap();
    let (code, report) = json_report(&["--offline", &path.display().to_string()]);
    assert_eq!(
        codes(&report),
        pairs(&[("integrity-malformed", "twice")]),
        "the same hash twice is harmless"
    );
    assert_eq!(code, 1);
}
