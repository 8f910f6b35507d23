//! `known-malicious` and `vulnerable-version` findings in every output
//! format, from a lockfile and a local export built here (`--advisory-db`),
//! as a user runs the audit; ignores by advisory id. Advisory summaries
//! are untrusted text: a hostile one must come out escaped everywhere.

use std::io::{Cursor, Write as _};
use std::path::Path;

use serde_json::json;

use crate::fake_registry::{lockfile, sri};
use crate::util::lockproof;

const FORMATS: [&str; 5] = ["table", "json", "sarif", "markdown", "github"];

pub(crate) fn export(dir: &Path) -> std::path::PathBuf {
    let records = [
        json!({"id": "MAL-2026-77", "aliases": ["GHSA-evil-evil-evil"],
               "summary": "Malicious code in evil-pkg (npm)",
               "references": [{"type": "ADVISORY", "url": "https://advisories.example/MAL-2026-77"}],
               "affected": [{"package": {"ecosystem": "npm", "name": "evil-pkg"},
                             "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}),
        json!({"id": "GHSA-semv-0001", "aliases": ["CVE-2026-1001"],
               "summary": "Prototype pollution in semver-range",
               "database_specific": {"severity": "MODERATE"},
               "references": [{"type": "ADVISORY", "url": "https://advisories.example/GHSA-semv-0001"}],
               "affected": [{"package": {"ecosystem": "npm", "name": "semver-range"},
                             "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.4.2"}]}]}]}),
        json!({"id": "GHSA-host-0001",
               "summary": "new\nline \u{1b}[31mred <img src=x> [link](http://evil.example) ::error::x",
               "affected": [{"package": {"ecosystem": "npm", "name": "@acme/hostile"},
                             "versions": ["1.0.0"]}]}),
    ];
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for r in &records {
        w.start_file(format!("{}.json", r["id"].as_str().unwrap()), opts)
            .unwrap();
        w.write_all(r.to_string().as_bytes()).unwrap();
    }
    let path = dir.join("all.zip");
    std::fs::write(&path, w.finish().unwrap().into_inner()).unwrap();
    path
}

#[test]
fn advisory_findings_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let text = lockfile(&[
        ("evil-pkg", "9.9.9", &sri("evil-pkg@9.9.9")),
        ("semver-range", "1.0.0", &sri("semver-range@1.0.0")),
        ("@acme/hostile", "1.0.0", &sri("@acme/hostile@1.0.0")),
        ("left-pad", "1.3.0", &sri("left-pad@1.3.0")),
    ]);
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("package-lock.json"), text).unwrap();
    export(dir.path());
    for format in FORMATS {
        // Relative paths: SARIF fingerprints hash the location.
        // Wide, so messages read whole in the table.
        let out = lockproof()
            .current_dir(dir.path())
            .env("COLUMNS", "400")
            .args(["audit", "--format", format, "--advisory-db", "all.zip"])
            .args(["--cache-dir", "cache", "project"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let out =
            String::from_utf8_lossy(&out.stdout).replace(&dir.path().display().to_string(), "TMP");
        insta::assert_snapshot!(format!("advisory_findings_{format}"), out);
        // Markdown escapes punctuation with backslashes.
        let plain = out.replace('\\', "");
        assert!(plain.contains("known-malicious"), "{format}");
        assert!(plain.contains("known malware: MAL-2026-77"), "{format}");
        assert!(plain.contains("vulnerable-version"), "{format}");
        assert!(!out.contains('\u{1b}'), "{format}: raw ESC");
        assert!(!out.contains("new\nline"), "{format}: raw newline");
        if format == "markdown" {
            assert!(!out.contains("<img"), "markdown: raw HTML");
        }
    }
}

#[test]
fn ignores_by_advisory_id_cover_its_aliases_and_are_reported_when_unused() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("package-lock.json"),
        lockfile(&[("semver-range", "1.0.0", &sri("semver-range@1.0.0"))]),
    )
    .unwrap();
    std::fs::write(
        project.join("lockproof.toml"),
        "[[ignore]]\nadvisory = \"CVE-2026-1001\"\nreason = \"not reachable from our code\"\n\
         [[ignore]]\nadvisory = \"GHSA-none-0000\"\nreason = \"stale\"\n",
    )
    .unwrap();
    let out = lockproof()
        .args(["audit", "--format", "json", "--advisory-db"])
        .arg(export(dir.path()))
        .arg("--cache-dir")
        .arg(dir.path().join("cache"))
        .arg(&project)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        0,
        "{report:#}"
    );
    assert_eq!(report["ignored"][0]["code"], "vulnerable-version");
    assert_eq!(
        report["ignored"][0]["reason"],
        "not reachable from our code"
    );
    let notes: Vec<&str> = report["policy_notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["message"].as_str())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("GHSA-none-0000")),
        "{notes:?}"
    );
}
