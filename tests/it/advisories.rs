//! Advisory sources end to end, over real HTTP on 127.0.0.1 and from local
//! zips built here: OSV records written in the tests (none copied from the
//! public databases) cover each range kind, `last_affected`, `limit`,
//! withdrawn records, aliases, a scoped package, build metadata and a
//! record for another ecosystem that must not match.

use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lockproof::advisories::api::{ApiSettings, Query};
use lockproof::advisories::evidence::{Lookup, SourceKind};
use lockproof::advisories::export::Limits;
use lockproof::advisories::http::{HttpOptions, UreqHttp};
use lockproof::advisories::source::{self, Database, Settings};
use lockproof::advisories::store::Store;
use lockproof::advisories::update::{self, Outcome};
use lockproof::registry::proxy::Proxies;
use serde_json::{Value, json};
use url::Url;

use crate::fake_osv::{Export, FakeOsv};

fn semver(events: Value) -> Value {
    json!([{"type": "SEMVER", "events": events}])
}

fn npm(name: &str, ranges: Value) -> Value {
    json!({"package": {"ecosystem": "npm", "name": name}, "ranges": ranges})
}

/// The test database: one or more records per case.
fn records() -> Vec<Value> {
    vec![
        json!({"id": "GHSA-semv-0001", "modified": "2026-05-01T00:00:00Z",
               "aliases": ["CVE-2026-1001"], "summary": "Prototype pollution in semver-range",
               "database_specific": {"severity": "HIGH"},
               "references": [{"type": "ADVISORY", "url": "https://advisories.example/GHSA-semv-0001"}],
               "affected": [npm("semver-range", semver(json!([
                   {"introduced": "1.0.0"}, {"fixed": "1.4.2"},
                   {"introduced": "2.0.0"}, {"fixed": "2.1.0"}])))]}),
        json!({"id": "CVE-2026-1001", "modified": "2026-05-02T00:00:00Z",
               "summary": "semver-range before 1.4.2 allows prototype pollution",
               "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
               "affected": [npm("semver-range", json!([{"type": "ECOSYSTEM", "events": [
                   {"introduced": "0"}, {"fixed": "1.4.2"}]}]))]}),
        json!({"id": "PYSEC-2026-1", "modified": "2026-05-03T00:00:00Z",
               "summary": "A Python package of the same name",
               "affected": [{"package": {"ecosystem": "PyPI", "name": "semver-range"},
                             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}),
        json!({"id": "MAL-2026-77", "modified": "2026-05-04T00:00:00Z",
               "summary": "Malicious code in evil-pkg (npm)",
               "affected": [npm("evil-pkg", semver(json!([{"introduced": "0"}])))]}),
        json!({"id": "GHSA-logr-0001", "modified": "2026-05-05T00:00:00Z",
               "aliases": ["MAL-2026-88"], "summary": "Embedded malicious code in @acme/logger",
               "database_specific": {"severity": "CRITICAL"},
               "affected": [{"package": {"ecosystem": "npm", "name": "@acme/logger"},
                             "versions": ["2.3.4", "2.3.5"]}]}),
        json!({"id": "GHSA-last-0001", "modified": "2026-05-06T00:00:00Z",
               "summary": "No fix yet in last-aff",
               "affected": [npm("last-aff", semver(json!([{"introduced": "0"}, {"last_affected": "3.0.0"}])))]}),
        json!({"id": "GHSA-lim-0001", "modified": "2026-05-07T00:00:00Z",
               "summary": "Only the 1.x line of limited",
               "affected": [npm("limited", semver(json!([{"introduced": "1.0.0"}, {"limit": "1.5.0"}])))]}),
        json!({"id": "GHSA-uns-0001", "modified": "2026-05-08T00:00:00Z",
               "summary": "Events out of order",
               "affected": [npm("unsorted", semver(json!([
                   {"fixed": "4.0.1"}, {"introduced": "4.0.0"}, {"fixed": "3.2.0"}, {"introduced": "3.0.0"}])))]}),
        json!({"id": "GHSA-wdrn-0001", "modified": "2026-05-09T00:00:00Z",
               "withdrawn": "2026-05-10T00:00:00Z", "summary": "Withdrawn",
               "affected": [npm("withdrawn-pkg", semver(json!([{"introduced": "0"}])))]}),
        json!({"id": "GHSA-bld-0001", "modified": "2026-05-11T00:00:00Z",
               "summary": "Build metadata is not part of precedence",
               "database_specific": {"severity": "LOW"},
               "affected": [npm("build-meta", semver(json!([{"introduced": "1.0.0"}, {"fixed": "1.0.1"}])))]}),
        json!({"id": "GHSA-git-0001", "modified": "2026-05-12T00:00:00Z",
               "summary": "Known by commits and enumerated versions",
               "affected": [{"package": {"ecosystem": "npm", "name": "git-only"},
                             "versions": ["0.3.0"],
                             "ranges": [{"type": "GIT", "repo": "https://git.example/git-only",
                                         "events": [{"introduced": "0"}, {"fixed": "0123456789abcdef0123456789abcdef01234567"}]}]}]}),
        json!({"id": "GHSA-pre-0001", "modified": "2026-05-13T00:00:00Z",
               "summary": "Only some prereleases",
               "database_specific": {"severity": "MODERATE"},
               "affected": [npm("pre-pkg", semver(json!([{"introduced": "2.0.0-beta.1"}, {"fixed": "2.0.0"}])))]}),
        json!({"id": "GHSA-v4v4-0001", "modified": "2026-06-30T22:15:00Z",
               "summary": "Rated with CVSS v4 only",
               "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],
               "affected": [npm("v4-only", semver(json!([{"introduced": "0"}])))]}),
    ]
}

/// name@version queries and the whole expected outcome, one line each.
const QUERIES: &[&str] = &[
    "semver-range@0.9.0",
    "semver-range@1.0.0",
    "semver-range@1.4.2",
    "semver-range@2.0.5",
    "semver-range@2.1.0",
    "evil-pkg@9.9.9",
    "@acme/logger@2.3.5",
    "@acme/logger@2.3.6",
    "logger@2.3.5",
    "last-aff@3.0.0",
    "last-aff@3.0.1",
    "limited@1.4.9",
    "limited@1.5.0",
    "unsorted@3.1.0",
    "unsorted@3.2.0",
    "unsorted@4.0.0",
    "withdrawn-pkg@1.0.0",
    "build-meta@1.0.0+build.5",
    "build-meta@1.0.1+build.5",
    "git-only@0.3.0",
    "git-only@0.4.0",
    "pre-pkg@2.0.0-beta.0",
    "pre-pkg@2.0.0-beta.2",
    "pre-pkg@2.0.0",
    "v4-only@1.0.0",
    "no-advisories@1.0.0",
];

fn queries() -> Vec<Query<'static>> {
    QUERIES
        .iter()
        .map(|q| {
            let at = q.rfind('@').unwrap();
            Query {
                name: &q[..at],
                version: &q[at + 1..],
            }
        })
        .collect()
}

/// One line per lookup, for snapshots.
fn render(lookups: &[Lookup]) -> String {
    QUERIES
        .iter()
        .zip(lookups)
        .map(|(q, l)| match l {
            Lookup::Absent => format!("{q}: absent"),
            Lookup::Unknown { reason } => format!("{q}: unknown ({reason})"),
            Lookup::Present {
                advisories,
                incomplete,
            } => {
                let list: Vec<String> = advisories
                    .iter()
                    .map(|a| {
                        format!(
                            "{}{} [{}] {}{} fixed={:?}",
                            a.id,
                            if a.malicious { " MALWARE" } else { "" },
                            a.aliases.join(","),
                            a.severity(),
                            if a.rating.severity().is_none() {
                                " (unrated)"
                            } else {
                                ""
                            },
                            a.fixed
                        )
                    })
                    .collect();
                let note = incomplete
                    .as_ref()
                    .map(|i| format!(" incomplete: {i}"))
                    .unwrap_or_default();
                format!("{q}: {}{note}", list.join("; "))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn zip_of(docs: &[Value]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for doc in docs {
        w.start_file(format!("{}.json", doc["id"].as_str().unwrap()), opts)
            .unwrap();
        w.write_all(doc.to_string().as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn http() -> Arc<UreqHttp> {
    Arc::new(UreqHttp::new(
        HttpOptions {
            timeout: Duration::from_secs(30),
            retries: 0,
            backoff: Duration::from_millis(10),
        },
        &Proxies::default(),
    ))
}

fn settings(cache: &Path, server: Option<&FakeOsv>, offline: bool) -> Settings {
    let base = server.map_or("http://127.0.0.1:9/".to_string(), |s| s.url.clone());
    Settings {
        cache_dir: Some(cache.to_path_buf()),
        advisory_db: None,
        export_url: Url::parse(&format!("{base}npm/all.zip")).unwrap(),
        api: ApiSettings::new(Url::parse(&base).unwrap()),
        offline,
        limits: Limits::default(),
    }
}

fn write_zip(dir: &Path, docs: &[Value]) -> PathBuf {
    let path = dir.join("all.zip");
    std::fs::write(&path, zip_of(docs)).unwrap();
    path
}

#[test]
fn a_local_export_matches_every_case() {
    let dir = tempfile::tempdir().unwrap();
    let zip = write_zip(dir.path(), &records());
    let settings = Settings {
        advisory_db: Some(zip),
        ..settings(&dir.path().join("cache"), None, true)
    };
    let db = source::open(&settings, http(), &mut |_| {});
    assert!(matches!(db, Database::Index { .. }), "{db:?}");
    let info = db.info();
    assert_eq!(info.source, SourceKind::File);
    assert_eq!(
        info.records,
        Some(11),
        "withdrawn and PyPI records are not indexed"
    );
    let lookups = db.lookup(&queries());
    let text = render(&lookups);
    insta::assert_snapshot!("advisories_local_export", text);
    // The cases the snapshot shows, stated.
    let line = |q: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{q}:")))
            .unwrap()
            .to_string()
    };
    assert!(line("semver-range@1.0.0").contains("GHSA-semv-0001 [CVE-2026-1001] high"));
    assert!(line("semver-range@0.9.0").contains("CVE-2026-1001 [] critical"));
    assert!(line("evil-pkg@9.9.9").contains("MAL-2026-77 MALWARE"));
    assert!(line("@acme/logger@2.3.5").contains("GHSA-logr-0001 MALWARE [MAL-2026-88]"));
    assert!(line("v4-only@1.0.0").contains("high (unrated)"));
    for absent in [
        "semver-range@1.4.2",
        "@acme/logger@2.3.6",
        "logger@2.3.5",
        "last-aff@3.0.1",
        "limited@1.5.0",
        "withdrawn-pkg@1.0.0",
        "build-meta@1.0.1+build.5",
        "git-only@0.4.0",
        "pre-pkg@2.0.0-beta.0",
    ] {
        assert_eq!(line(absent), format!("{absent}: absent"));
    }
}

#[test]
fn the_export_is_downloaded_once_and_an_unchanged_one_costs_one_request() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeOsv::start();
    server.export(Export {
        path: "/npm/all.zip".into(),
        bytes: zip_of(&records()),
        etag: "\"db-1\"".into(),
        last_modified: "Tue, 30 Jun 2026 23:00:00 GMT".into(),
    });
    let s = settings(dir.path(), Some(&server), true);

    // Offline with nothing downloaded: every entry is unknown, never clean.
    let before = source::open(&s, http(), &mut |_| {});
    assert!(matches!(before, Database::Missing { .. }), "{before:?}");
    let unknown = before.lookup(&queries());
    assert!(unknown.iter().all(|l| matches!(l, Lookup::Unknown { .. })));
    assert!(server.seen().is_empty(), "offline means no request");

    let store = Store::new(dir.path());
    let first = update::update(
        http().as_ref(),
        &store,
        &s.export_url,
        &s.limits,
        &mut |_| {},
    )
    .unwrap();
    assert!(matches!(first, Outcome::Updated(_)), "{first:?}");
    assert_eq!(server.seen().len(), 1);
    let second = update::update(
        http().as_ref(),
        &store,
        &s.export_url,
        &s.limits,
        &mut |_| {},
    )
    .unwrap();
    assert!(matches!(second, Outcome::Unchanged(_)), "{second:?}");
    let seen = server.seen();
    assert_eq!(
        seen.len(),
        2,
        "the unchanged export cost exactly one request"
    );
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"db-1\""));
    assert_eq!(
        seen[1].if_modified_since.as_deref(),
        Some("Tue, 30 Jun 2026 23:00:00 GMT")
    );

    let db = source::open(&s, http(), &mut |_| {});
    let lookups = db.lookup(&queries());
    let local = {
        let zip = write_zip(dir.path(), &records());
        let local = Settings {
            advisory_db: Some(zip),
            ..settings(&dir.path().join("other-cache"), None, true)
        };
        source::open(&local, http(), &mut |_| {}).lookup(&queries())
    };
    assert_eq!(
        lookups, local,
        "the downloaded export answers as the local one"
    );
    assert_eq!(
        server.seen().len(),
        2,
        "an audit reads the index, not the server"
    );
    let info = db.info();
    assert_eq!(info.source, SourceKind::Export);
    let now = "2026-07-02T23:00:00Z".parse().unwrap();
    let line = info.line(now);
    assert!(
        line.starts_with(&format!(
            "OSV export {}npm/all.zip: 11 npm records",
            server.url
        )),
        "{line}"
    );
    assert!(
        line.contains("data as of 2026-06-30 23:00 UTC (2 days old)"),
        "{line}"
    );
    assert!(
        line.contains(", downloaded ") && line.contains(", checked "),
        "{line}"
    );
}

#[test]
fn a_hostile_download_leaves_the_previous_database_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeOsv::start();
    let s = settings(dir.path(), Some(&server), true);
    let store = Store::new(dir.path());
    server.export(Export {
        path: "/npm/all.zip".into(),
        bytes: zip_of(&records()),
        etag: "\"db-1\"".into(),
        last_modified: "Tue, 30 Jun 2026 23:00:00 GMT".into(),
    });
    update::update(
        http().as_ref(),
        &store,
        &s.export_url,
        &s.limits,
        &mut |_| {},
    )
    .unwrap();
    let good = source::open(&s, http(), &mut |_| {}).lookup(&queries());

    // A zip bomb: a record that inflates far past the per-record limit,
    // many times over.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..8 {
        w.start_file(format!("GHSA-bomb-{i}.json"), opts).unwrap();
        w.write_all(&vec![b' '; 2 << 20]).unwrap();
    }
    let bomb = w.finish().unwrap().into_inner();
    let small = Limits {
        max_record_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        ..Limits::default()
    };
    for (etag, bytes) in [
        ("\"bomb\"", bomb),
        ("\"junk\"", b"<html>maintenance</html>".to_vec()),
    ] {
        server.export(Export {
            path: "/npm/all.zip".into(),
            bytes,
            etag: etag.into(),
            last_modified: "Wed, 01 Jul 2026 23:00:00 GMT".into(),
        });
        let err = update::update(http().as_ref(), &store, &s.export_url, &small, &mut |_| {});
        assert!(err.is_err(), "{etag}: {err:?}");
        let after = source::open(&s, http(), &mut |_| {}).lookup(&queries());
        assert_eq!(after, good, "{etag}: the old index still answers");
    }
}

#[test]
fn the_api_answers_online_in_batches_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeOsv::start();
    for r in records() {
        server.record(r);
    }
    server.answer("semver-range@1.0.0", &["GHSA-semv-0001", "CVE-2026-1001"]);
    server.answer("evil-pkg@9.9.9", &["MAL-2026-77"]);
    server.answer("@acme/logger@2.3.5", &["GHSA-logr-0001"]);
    server.answer("withdrawn-pkg@1.0.0", &["GHSA-wdrn-0001"]);
    server.answer("limited@1.4.9", &["GHSA-gone-0001"]);
    let s = Settings {
        api: ApiSettings {
            batch_size: 10,
            ..ApiSettings::new(Url::parse(&server.url).unwrap())
        },
        ..settings(dir.path(), Some(&server), false)
    };
    let db = source::open(&s, http(), &mut |_| {});
    assert!(matches!(db, Database::Api { .. }), "{db:?}");
    assert_eq!(
        db.info().line("2026-07-01T00:00:00Z".parse().unwrap()),
        format!("OSV API {}, queried live", server.url)
    );
    let lookups = db.lookup(&queries());
    insta::assert_snapshot!(
        "advisories_api",
        render(&lookups).replace(&server.url, "http://osv.test/")
    );
    let seen = server.seen();
    let posts: Vec<_> = seen.iter().filter(|r| r.method == "POST").collect();
    // 26 queries in batches of 10, then a second page for semver-range.
    assert_eq!(posts.len(), 4);
    assert!(posts.iter().all(|p| p.path == "/v1/querybatch"));
    let gets: Vec<&str> = seen
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(gets.len(), 6, "each distinct id once: {gets:?}");
}
