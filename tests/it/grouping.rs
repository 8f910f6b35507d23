//! Reports of a lockfile where one code fires on hundreds of entries, as on
//! an old shrinkwrap without integrity: the table, Markdown and annotations
//! lead with the verdict and stay short, grouped by code worst first;
//! `--verbose`, JSON and SARIF still list every finding. The lockfiles are
//! generated here.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::util::{Run, lockproof};

/// Writes a package lock with `missing` registry entries without an
/// integrity (high), one whose tarball URL names another package
/// (critical) and two with only a SHA-1 hash (medium).
fn write_lockfile(dir: &Path, missing: usize) {
    let mut packages = Map::new();
    packages.insert("".into(), json!({ "name": "app", "version": "1.0.0" }));
    for i in 0..missing {
        let name = format!("pkg-{i:04}");
        packages.insert(
            format!("node_modules/{name}"),
            json!({
                "version": "1.0.0",
                "resolved": format!("https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz"),
            }),
        );
    }
    packages.insert(
        "node_modules/swapped".into(),
        json!({
            "version": "1.0.0",
            "resolved": "https://registry.npmjs.org/evil/-/evil-6.6.6.tgz",
            "integrity": "sha512-BShxXxGJEiNp73WfTHZ8CPk7Ng1Hfs8O7KwWFO1e4alg/vKPa3a6zbB6Ot+d6oSgjCDsz5+yr7Rd3W8q/PGXDQ==",
        }),
    );
    for name in ["old-hash-a", "old-hash-b"] {
        packages.insert(
            format!("node_modules/{name}"),
            json!({
                "version": "2.0.0",
                "resolved": format!("https://registry.npmjs.org/{name}/-/{name}-2.0.0.tgz"),
                "integrity": "sha1-3A3iMcBp2s6BRBBGYG9pIWDHwE4=",
            }),
        );
    }
    let lock = json!({
        "name": "app",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": true,
        "packages": packages,
    });
    let text = serde_json::to_string_pretty(&lock).expect("JSON");
    std::fs::write(dir.join("package-lock.json"), text).expect("lockfile written");
}

/// `lockproof audit package-lock.json ARGS` in `dir`, with `env` set.
fn audit_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["package-lock.json"];
    all.extend_from_slice(args);
    audit_at(dir, &all, env)
}

/// `lockproof audit ARGS` in `dir`, with `env` set.
fn audit_at(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = lockproof();
    cmd.current_dir(dir).arg("audit").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("lockproof runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn snapshot_the_grouped_formats_of_many_findings_of_one_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_lockfile(dir.path(), 500);
    for format in ["table", "markdown", "github"] {
        let r = audit_in(dir.path(), &["--format", format], &[]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        insta::assert_snapshot!(format!("many_findings_{format}"), r.stdout);
    }
}

#[test]
fn the_table_leads_with_the_verdict_and_fits_the_width() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_lockfile(dir.path(), 500);
    for (columns, width) in [(None, 100), (Some("120"), 120), (Some("72"), 72)] {
        let env: Vec<(&str, &str)> = columns.map(|c| ("COLUMNS", c)).into_iter().collect();
        let r = audit_in(dir.path(), &[], &env);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stdout
                .starts_with("FAIL: 501 failing the policy - 503 findings"),
            "{}",
            r.stdout
        );
        assert!(widest(&r.stdout) <= width, "{width}:\n{}", r.stdout);
        assert!(r.stdout.lines().count() < 60, "{}", r.stdout);
        if width < 100 {
            continue;
        }
        for shown in ["500 entries, e.g.", "pkg-0000@1.0.0", "pkg-0002@1.0.0"] {
            assert!(r.stdout.contains(shown), "{shown}:\n{}", r.stdout);
        }
        assert!(!r.stdout.contains("pkg-0003"), "{}", r.stdout);
    }
}

#[test]
fn verbose_lists_every_finding_as_before_grouping() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_lockfile(dir.path(), 500);
    let r = audit_in(dir.path(), &["--verbose"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // One unwrapped row per finding, the lockfile's line first.
    let rows = |code: &str| r.stdout.lines().filter(|l| l.contains(code)).count();
    assert_eq!(rows("integrity-missing"), 500);
    assert_eq!(rows("tarball-name-mismatch"), 1);
    assert_eq!(rows("integrity-weak"), 2);
    assert!(
        r.stdout.starts_with("package-lock.json (lockfileVersion 3"),
        "{}",
        r.stdout
    );
    // Markdown: one row per finding, no groups, as many as GitHub takes
    // and a count of the rest.
    let markdown = audit_in(dir.path(), &["--verbose", "--format", "markdown"], &[]).stdout;
    assert!(!markdown.contains("<details>") && !markdown.contains("Rows with a count"));
    let listed = markdown
        .lines()
        .filter(|l| {
            ["| critical ", "| high ", "| medium "]
                .iter()
                .any(|s| l.starts_with(s))
        })
        .count();
    let more: usize = markdown
        .split_once(" more findings are not listed")
        .and_then(|(before, _)| before.rsplit('*').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(more > 0, "500 rows do not fit in a comment: {markdown}");
    assert_eq!(listed + more, 503, "{markdown}");
    let github = audit_in(dir.path(), &["--verbose", "--format", "github"], &[]);
    assert_eq!(github.stdout.matches("::error ").count(), 501);
}

#[test]
fn json_and_sarif_list_every_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_lockfile(dir.path(), 500);
    let json: Value =
        serde_json::from_str(&audit_in(dir.path(), &["--format", "json"], &[]).stdout)
            .expect("JSON report");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(503));
    let sarif: Value =
        serde_json::from_str(&audit_in(dir.path(), &["--format", "sarif"], &[]).stdout)
            .expect("SARIF report");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(503)
    );
}

/// As many entries as the 2017 shrinkwrap that prompted grouping: the
/// Markdown is cut under GitHub's comment limit with a pointer to the
/// JSON report, and annotations stay within what a step shows.
#[test]
fn a_shrinkwrap_sized_report_stays_under_github_limits() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_lockfile(dir.path(), 1357);
    let markdown = audit_in(dir.path(), &["--format", "markdown"], &[]).stdout;
    assert!(markdown.len() <= 60_000, "{}", markdown.len());
    assert!(markdown.starts_with("## ❌ lockproof\n\n**FAIL: 1358 failing"));
    assert_eq!(
        markdown.matches("<details>").count(),
        markdown.matches("</details>").count()
    );
    assert!(
        markdown.contains("more findings are not listed: GitHub limits a comment to 65,536 characters. `lockproof audit --format json` lists every finding."),
        "{markdown}"
    );
    // The grouped table and the evidence after the cut list are whole.
    assert!(markdown.contains("| high | `integrity-missing` | **1357 entries**, e.g. "));
    assert!(markdown.contains("**Evidence:**"));
    let github = audit_in(dir.path(), &["--format", "github"], &[]).stdout;
    let errors: Vec<&str> = github
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert!(errors.len() <= 10, "{github}");
    assert!(
        errors
            .first()
            .is_some_and(|l| l.contains("1354 more findings in this file are not annotated")),
        "{github}"
    );
}

/// With several lockfiles, locations name the file, relative to the
/// current folder even when given as absolute paths, and each file with
/// findings left unannotated gets its own count.
#[test]
fn several_lockfiles_are_located_relative_to_the_current_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("temp dir path");
    for sub in ["web", "api"] {
        std::fs::create_dir(root.join(sub)).expect("folder");
        write_lockfile(&root.join(sub), 20);
    }
    let (web, api) = (root.join("web"), root.join("api"));
    let paths = [web.to_str().expect("path"), api.to_str().expect("path")];
    let wide = [("COLUMNS", "200")];
    let table = audit_at(&root, &paths, &wide).stdout;
    let (findings, _) = table.split_once("\nEntries:").expect("summary");
    assert!(findings.contains("┆ Location "), "{table}");
    // Report order is by file: the examples come from the first.
    assert!(
        findings.contains("api/package-lock.json:19, 23, 27"),
        "{table}"
    );
    assert!(findings.contains("web/package-lock.json:99"), "{table}");
    assert!(!findings.contains(&*root.to_string_lossy()), "{table}");
    let mut args = paths.to_vec();
    args.extend(["--format", "github"]);
    let github = audit_at(&root, &args, &[]).stdout;
    for file in ["web", "api"] {
        let more = format!(
            "::error file={file}/package-lock.json,title=lockproof%3A 17 more findings::17 more"
        );
        assert_eq!(github.matches(&more).count(), 1, "{file}: {github}");
    }
}
