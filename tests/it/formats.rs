//! Snapshots of every output format for several scenarios, of `--help`,
//! and escaping of hostile names in each format.

use serde_json::{Value, json};

use crate::util::{file_uri, lockproof, root, run};

const FORMATS: [&str; 5] = ["table", "json", "sarif", "markdown", "github"];
const SCENARIOS: [&str; 5] = [
    "clean",
    "risky",
    "v1-nested",
    "with-config",
    "hostile-names",
];

#[test]
fn snapshot_every_format_of_every_scenario() {
    // SARIF names the working folder (the repository) by its absolute URI.
    let root_uri = file_uri(&root().canonicalize().expect("repository root"));
    for scenario in SCENARIOS {
        for format in FORMATS {
            let r = run(&["audit", &format!("fixtures/{scenario}"), "--format", format]);
            assert!(
                r.code == 0 || r.code == 1,
                "{scenario} {format}: {}",
                r.stderr
            );
            let shown = r.stdout.replace(&root_uri, "file:///[ROOT]");
            insta::assert_snapshot!(format!("{scenario}_{format}"), shown);
        }
    }
}

/// `--verbose` keeps the table lockproof printed before findings were
/// grouped: one row per finding, paths as named, nothing wrapped.
#[test]
fn snapshot_the_verbose_table() {
    for scenario in ["risky", "with-config", "hostile-names"] {
        let r = run(&["audit", &format!("fixtures/{scenario}"), "--verbose"]);
        assert!(r.code == 0 || r.code == 1, "{scenario}: {}", r.stderr);
        insta::assert_snapshot!(format!("{scenario}_table_verbose"), r.stdout);
    }
}

/// A lockfile inside the working folder is located relative to
/// `%SRCROOT%`, whether named by a relative or an absolute path, and one
/// outside it by its absolute `file://` URI without a base; names with a
/// space, `#`, `%` and non-ASCII letters are percent-encoded. The snapshots
/// show what locates the results, the temporary folder as `[TEMP]`.
#[test]
fn sarif_locates_lockfiles_inside_and_outside_the_working_folder() {
    let temp = tempfile::tempdir().expect("temp dir");
    let base = temp.path().canonicalize().expect("temp dir");
    let work = base.join("work folder");
    let (inside, outside) = (work.join("a #1 %41 \u{fc}"), base.join("outside #2 \u{fc}"));
    for dir in [&inside, &outside] {
        std::fs::create_dir_all(dir).expect("folder");
        std::fs::copy(
            root().join("fixtures/risky/package-lock.json"),
            dir.join("package-lock.json"),
        )
        .expect("copy");
    }
    for (name, lockfile) in [
        ("sarif_relative", "a #1 %41 \u{fc}".to_string()),
        ("sarif_absolute_inside", inside.display().to_string()),
        ("sarif_absolute_outside", outside.display().to_string()),
    ] {
        let out = lockproof()
            .current_dir(&work)
            .args(["audit", &lockfile, "--format", "sarif"])
            .output()
            .expect("lockproof runs");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
        let run = &sarif["runs"][0];
        let results = run["results"].as_array().expect("results");
        let mut locations: Vec<&Value> = results
            .iter()
            .map(|r| &r["locations"][0]["physicalLocation"]["artifactLocation"])
            .collect();
        locations.dedup();
        let shown = json!({
            "driver": {
                "name": run["tool"]["driver"]["name"],
                "informationUri": run["tool"]["driver"]["informationUri"],
            },
            "originalUriBaseIds": run["originalUriBaseIds"],
            "results": results.len(),
            "artifactLocations": locations,
        });
        let text = serde_json::to_string_pretty(&shown)
            .expect("JSON")
            .replace(&file_uri(&base), "file:///[TEMP]");
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn snapshot_help() {
    for (name, args) in [
        ("help", &["--help"][..]),
        ("help_audit", &["audit", "--help"][..]),
        ("help_explain", &["explain", "--help"][..]),
    ] {
        let r = run(args);
        assert_eq!(r.code, 0);
        insta::assert_snapshot!(name, r.stdout);
    }
}

#[test]
fn hostile_names_are_escaped_in_every_format() {
    for format in FORMATS {
        let r = run(&["audit", "fixtures/hostile-names", "--format", format]);
        assert!(!r.stdout.contains('\u{1b}'), "{format}: raw ESC");
        assert!(
            !r.stdout.contains("new\nline"),
            "{format}: raw newline in a name"
        );
        if format == "markdown" {
            assert!(!r.stdout.contains("<img"), "markdown: raw HTML");
            assert!(!r.stdout.contains("[link](http"), "markdown: live link");
        }
        if format == "github" {
            for line in r.stdout.lines() {
                assert!(
                    line.starts_with("::error ")
                        || line.starts_with("::warning ")
                        || line.starts_with("::notice ")
                        || line.starts_with("lockproof: "),
                    "forged line: {line}"
                );
            }
        }
    }
}

#[test]
fn sarif_rules_and_results_agree() {
    let r = run(&["audit", "fixtures/with-config", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), lockproof::finding::Code::ALL.len());
    for rule in rules {
        assert!(
            rule["help"]["text"]
                .as_str()
                .unwrap()
                .contains("## What it means")
        );
        let (name, id) = (
            rule["name"].as_str().unwrap_or(""),
            rule["id"].as_str().unwrap(),
        );
        assert!(!name.eq_ignore_ascii_case(id), "SARIF1001: {id}");
    }
    let results = run0["results"].as_array().unwrap();
    for res in results {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
        assert_eq!(
            res["locations"][0]["physicalLocation"]["artifactLocation"],
            json!({"uri": "fixtures/with-config/package-lock.json", "uriBaseId": "%SRCROOT%"})
        );
        assert!(
            res["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(
        suppressed.len(),
        1,
        "the ignored finding is a suppressed result"
    );
}

/// `--write FORMAT=FILE` renders the same audit as `--format FORMAT` would,
/// next to the report on standard output, and the exit code is unchanged.
#[test]
fn write_adds_report_files_from_the_same_audit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = |name: &str| dir.path().join(name).display().to_string();
    let (sarif, markdown) = (file("out.sarif"), file("out.md"));
    let both = run(&[
        "audit",
        "fixtures/risky",
        "--format",
        "github",
        "--write",
        &format!("sarif={sarif}"),
        "--write",
        &format!("markdown={markdown}"),
    ]);
    assert_eq!(both.code, 1, "{}", both.stderr);
    assert_eq!(
        both.stdout,
        run(&["audit", "fixtures/risky", "--format", "github"]).stdout
    );
    for (path, format) in [(&sarif, "sarif"), (&markdown, "markdown")] {
        let alone = run(&["audit", "fixtures/risky", "--format", format]);
        let written = std::fs::read_to_string(path).expect("written");
        assert_eq!(written, alone.stdout, "{format}");
    }
    let bad = run(&["audit", "fixtures/clean", "--write", "pdf=x.pdf"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown format"), "{}", bad.stderr);
}
