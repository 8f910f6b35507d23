//! `known-malicious` and `vulnerable-version` findings in every output
//! format, from a lockfile and a local export built here, through the
//! library (the audit command wires the same calls). Advisory summaries
//! are untrusted text: a hostile one must come out escaped everywhere.

use std::io::{Cursor, Write as _};
use std::path::Path;
use std::sync::Arc;

use lockproof::advisories::api::{ApiSettings, Query};
use lockproof::advisories::export::Limits;
use lockproof::advisories::http::{HttpOptions, UreqHttp};
use lockproof::advisories::judge;
use lockproof::advisories::source::{self, Settings};
use lockproof::config::{Config, Date};
use lockproof::finding::{Location, PackageRef};
use lockproof::lockfile;
use lockproof::policy::{self, Policy};
use lockproof::registry::proxy::Proxies;
use lockproof::report::{self, Audited, Format, RenderOptions, Report};
use serde_json::json;
use url::Url;

use crate::fake_registry::{lockfile, sri};

const FORMATS: [Format; 5] = [
    Format::Table,
    Format::Json,
    Format::Sarif,
    Format::Markdown,
    Format::Github,
];

fn export(dir: &Path) -> std::path::PathBuf {
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
    let lock = lockfile::parse_bytes(Path::new("package-lock.json"), text.as_bytes()).unwrap();
    let settings = Settings {
        cache_dir: Some(dir.path().join("cache")),
        advisory_db: Some(export(dir.path())),
        export_url: Url::parse("http://127.0.0.1:9/npm/all.zip").unwrap(),
        api: ApiSettings::new(Url::parse("http://127.0.0.1:9/").unwrap()),
        offline: true,
        limits: Limits::default(),
    };
    let http = Arc::new(UreqHttp::new(HttpOptions::default(), &Proxies::default()));
    let db = source::open(&settings, http, &mut |_| {});
    let queries: Vec<Query> = lock
        .entries
        .iter()
        .map(|e| Query {
            name: e.name.clone(),
            version: e.version.clone().unwrap_or_default(),
        })
        .collect();
    let lookups = db.lookup(&queries);
    let findings: Vec<_> = lock
        .entries
        .iter()
        .zip(&lookups)
        .flat_map(|(e, l)| {
            let version = e.version.clone().unwrap_or_default();
            judge::judge(&e.name, &version, l).into_iter().map(|f| {
                f.into_finding(
                    PackageRef {
                        name: e.name.clone(),
                        version: e.version.clone(),
                        path: e.path.clone(),
                    },
                    Location {
                        file: "package-lock.json".into(),
                        line: e.line,
                    },
                )
            })
        })
        .collect();
    assert_eq!(findings.len(), 3);
    let policy = Policy::new(&Config::default(), None, Date::of(jiff::Timestamp::now()));
    let outcome = policy::apply(&policy, findings);
    let report = Report::build(
        vec![Audited {
            evidence: Default::default(),
            evidence_notes: Vec::new(),
            provenance: Vec::new(),
            trust: Vec::new(),
            tarballs: None,
            tarballs_skipped: Vec::new(),
            lockfile: lock,
            config: None,
            fail_on: policy.fail_on,
            outcome,
            diff: None,
        }],
        true,
        Vec::new(),
        None,
    );
    for format in FORMATS {
        let out = report::render(&report, format, RenderOptions::default());
        let name = format!("{format:?}").to_lowercase();
        insta::assert_snapshot!(format!("advisory_findings_{name}"), out);
        // Markdown escapes punctuation with backslashes.
        let plain = out.replace('\\', "");
        assert!(plain.contains("known-malicious"), "{name}");
        assert!(plain.contains("known malware: MAL-2026-77"), "{name}");
        assert!(plain.contains("vulnerable-version"), "{name}");
        assert!(!out.contains('\u{1b}'), "{name}: raw ESC");
        assert!(!out.contains("new\nline"), "{name}: raw newline");
        if format == Format::Markdown {
            assert!(!out.contains("<img"), "markdown: raw HTML");
        }
    }
}
