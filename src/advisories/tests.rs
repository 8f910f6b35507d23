//! Tests of the sources: the export reader against hostile archives, the
//! index against damage, updates and the API against an in-memory server.
//! (The same flows over real HTTP on 127.0.0.1 are in `tests/it`.)

use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};
use url::Url;
use zip::write::SimpleFileOptions;

use super::api::{self, ApiSettings, Query};
use super::evidence::Lookup;
use super::export::{self, ExportError, Limits};
use super::http::{Http, HttpError, Method, Request, Response};
use super::index::{Index, IndexError};
use super::osv::Record;
use super::source;
use super::store::Store;
use super::update::{self, Outcome, Progress, UpdateError};

/// An OSV record for npm package `name`.
fn record(id: &str, name: &str, events: Value) -> Value {
    json!({
        "id": id,
        "modified": "2026-06-01T00:00:00Z",
        "summary": format!("Problem in {name}"),
        "affected": [{"package": {"ecosystem": "npm", "name": name},
                      "ranges": [{"type": "SEMVER", "events": events}]}]
    })
}

/// A zip of `(name, bytes)` entries.
fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn json_entry(name: &str, doc: &Value) -> (String, Vec<u8>) {
    (name.to_string(), doc.to_string().into_bytes())
}

fn export_zip(docs: &[Value]) -> Vec<u8> {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for d in docs {
        let mut name = format!("{}.json", d["id"].as_str().unwrap());
        // The same id twice (a record moved between folders of a mirror).
        while entries.iter().any(|(n, _)| *n == name) {
            name = format!("dup/{name}");
        }
        entries.push(json_entry(&name, d));
    }
    let refs: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    zip_of(&refs)
}

fn read_all(path: &Path, limits: &Limits) -> Result<(export::Counts, Vec<Record>), ExportError> {
    let mut records = Vec::new();
    let counts = export::read(
        path,
        limits,
        &mut |r| {
            records.push(r);
            Ok(())
        },
        &mut |_, _| {},
    )?;
    Ok((counts, records))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn hostile_entries_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let good = record("GHSA-good", "a", json!([{"introduced": "0"}]));
    let bomb = vec![0u8; 3 << 20];
    let zip = zip_of(&[
        ("GHSA-good.json", good.to_string().into_bytes()),
        (
            "../../escape/GHSA-up.json",
            record("GHSA-up", "b", json!([{"introduced": "0"}]))
                .to_string()
                .into_bytes(),
        ),
        (
            "/abs/GHSA-abs.json",
            record("GHSA-abs", "c", json!([{"introduced": "0"}]))
                .to_string()
                .into_bytes(),
        ),
        ("README.txt", b"hello".to_vec()),
        ("GHSA-notjson.json", b"\x00\xffnot json".to_vec()),
        ("GHSA-array.json", b"[1, 2, 3]".to_vec()),
        ("GHSA-bomb.json", bomb),
        ("GHSA-withdrawn.json", {
            let mut w = record("GHSA-withdrawn", "a", json!([{"introduced": "0"}]));
            w["withdrawn"] = json!("2026-01-01T00:00:00Z");
            w.to_string().into_bytes()
        }),
        (
            "PYSEC-1.json",
            json!({"id": "PYSEC-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}}]})
                .to_string()
                .into_bytes(),
        ),
    ]);
    let path = write(dir.path(), "all.zip", &zip);
    let limits = Limits {
        max_record_bytes: 1 << 20,
        ..Limits::default()
    };
    let (counts, records) = read_all(&path, &limits).unwrap();
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["GHSA-good", "GHSA-up", "GHSA-abs"],
        "names are never used as paths"
    );
    assert_eq!(counts.entries, 9);
    assert_eq!(counts.npm, 3);
    assert_eq!(counts.not_json, 1);
    assert_eq!(counts.invalid, 2);
    assert_eq!(counts.too_large, 1);
    assert_eq!(counts.withdrawn, 1);
    assert_eq!(counts.other_ecosystems, 1);
    assert_eq!(counts.skipped(), 4);
    assert!(!dir.path().join("escape").exists());
}

#[test]
fn a_size_that_lies_or_a_bad_checksum_is_skipped_never_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let good = record("GHSA-good", "a", json!([{"introduced": "0"}]));
    let big = vec![b' '; 2 << 20];
    let mut zip = zip_of(&[
        ("GHSA-good.json", good.to_string().into_bytes()),
        ("GHSA-big.json", big),
    ]);
    // Declare the big entry as 100 bytes, in its local header and in the
    // central directory.
    for (sig, at) in [
        ([0x50, 0x4b, 0x03, 0x04], 22),
        ([0x50, 0x4b, 0x01, 0x02], 24),
    ] {
        let mut from = 0;
        let mut seen = 0;
        while let Some(pos) = zip[from..].windows(4).position(|w| w == sig) {
            let start = from + pos;
            seen += 1;
            if seen == 2 {
                zip[start + at..start + at + 4].copy_from_slice(&100u32.to_le_bytes());
            }
            from = start + 4;
        }
    }
    let path = write(dir.path(), "lying.zip", &zip);
    let limits = Limits {
        max_record_bytes: 1 << 20,
        ..Limits::default()
    };
    let (counts, records) = read_all(&path, &limits).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        counts.too_large + counts.unreadable + counts.invalid,
        1,
        "{counts:?}"
    );

    let mut flipped = zip_of(&[
        ("GHSA-good.json", good.to_string().into_bytes()),
        (
            "GHSA-two.json",
            record("GHSA-two", "b", json!([{"introduced": "0"}]))
                .to_string()
                .into_bytes(),
        ),
    ]);
    // Damage the compressed data of the second entry.
    let second = flipped
        .windows(13)
        .position(|w| w == b"GHSA-two.json")
        .unwrap();
    flipped[second + 20] ^= 0xff;
    let path = write(dir.path(), "flipped.zip", &flipped);
    let (counts, records) = read_all(&path, &Limits::default()).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(counts.unreadable + counts.invalid, 1, "{counts:?}");
}

#[test]
fn archives_over_a_limit_or_without_records_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<Value> = (0..5)
        .map(|i| record(&format!("GHSA-{i}"), "a", json!([{"introduced": "0"}])))
        .collect();
    let path = write(dir.path(), "five.zip", &export_zip(&docs));
    let err = |limits: Limits| read_all(&path, &limits).unwrap_err().to_string();
    assert!(
        err(Limits {
            max_entries: 4,
            ..Limits::default()
        })
        .contains("number of entries")
    );
    assert!(
        err(Limits {
            max_archive_bytes: 100,
            ..Limits::default()
        })
        .contains("archive size")
    );
    assert!(
        err(Limits {
            max_total_bytes: 300,
            ..Limits::default()
        })
        .contains("decompressed size"),
        "a zip bomb stops the read"
    );
    let empty = write(
        dir.path(),
        "empty.zip",
        &zip_of(&[("README.txt", b"x".to_vec())]),
    );
    assert!(matches!(
        read_all(&empty, &Limits::default()),
        Err(ExportError::Empty { .. })
    ));
    let junk = write(
        dir.path(),
        "junk.zip",
        b"PK\x03\x04 this is not a zip at all",
    );
    assert!(matches!(
        read_all(&junk, &Limits::default()),
        Err(ExportError::NotZip { .. })
    ));
    let mut cut = export_zip(&docs);
    cut.truncate(cut.len() / 2);
    let cut = write(dir.path(), "cut.zip", &cut);
    assert!(read_all(&cut, &Limits::default()).is_err());
}

/// Status, headers and body of a fake answer.
type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// An in-memory server: answers from a closure, records every request.
struct FakeHttp {
    answer: Box<dyn Fn(&Seen) -> Answer + Send + Sync>,
    seen: Mutex<Vec<Seen>>,
}

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    url: String,
    headers: HashMap<String, String>,
    body: Option<Value>,
}

impl FakeHttp {
    fn new(answer: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Self {
        Self {
            answer: Box::new(answer),
            seen: Mutex::new(Vec::new()),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Http for FakeHttp {
    fn send(&self, request: &Request<'_>) -> Result<Response, HttpError> {
        let seen = Seen {
            method: request.method,
            url: request.url.to_string(),
            headers: request
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            body: request.body.map(|b| serde_json::from_slice(b).unwrap()),
        };
        self.seen.lock().unwrap().push(seen.clone());
        let (status, headers, body) = (self.answer)(&seen);
        let header = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.clone())
        };
        Ok(Response {
            status,
            etag: header("etag"),
            last_modified: header("last-modified"),
            content_length: header("content-length").and_then(|l| l.parse().ok()),
            body: Box::new(Cursor::new(body)),
        })
    }
}

const EXPORT: &str = "https://osv.example/npm/all.zip";

fn serving(zip: Vec<u8>, etag: &'static str) -> FakeHttp {
    FakeHttp::new(move |seen| {
        if seen.headers.get("If-None-Match").map(String::as_str) == Some(etag) {
            return (304, vec![("etag", etag.into())], Vec::new());
        }
        (
            200,
            vec![
                ("etag", etag.into()),
                ("last-modified", "Mon, 01 Jun 2026 10:00:00 GMT".into()),
                ("content-length", zip.len().to_string()),
            ],
            zip.clone(),
        )
    })
}

#[test]
fn an_unchanged_export_costs_one_conditional_request() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let url = Url::parse(EXPORT).unwrap();
    let zip = export_zip(&[record("GHSA-a", "left-pad", json!([{"introduced": "0"}]))]);
    let http = serving(zip, "\"v1\"");
    let mut events = Vec::new();
    let first = update::update(&http, &store, &url, &Limits::default(), &mut |p| {
        events.push(p)
    })
    .unwrap();
    let Outcome::Updated(meta) = first else {
        panic!("{first:?}")
    };
    assert_eq!(meta.records, 1);
    assert_eq!(meta.etag.as_deref(), Some("\"v1\""));
    assert!(events.contains(&Progress::Requesting));
    assert!(
        events
            .iter()
            .any(|p| matches!(p, Progress::Downloading { total: Some(_), .. }))
    );
    assert!(
        events
            .iter()
            .any(|p| matches!(p, Progress::Indexing { .. }))
    );

    let second = update::update(&http, &store, &url, &Limits::default(), &mut |_| {}).unwrap();
    assert!(matches!(second, Outcome::Unchanged(_)), "{second:?}");
    let seen = http.seen();
    assert_eq!(seen.len(), 2, "one request per update");
    assert_eq!(
        seen[1].headers.get("If-None-Match").map(String::as_str),
        Some("\"v1\"")
    );
    assert_eq!(
        seen[1].headers.get("If-Modified-Since").map(String::as_str),
        Some("Mon, 01 Jun 2026 10:00:00 GMT")
    );
    assert!(update::checked_at(&store, &url).is_some());
    // No scratch files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(store.root())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_failed_update_keeps_the_previous_database() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let url = Url::parse(EXPORT).unwrap();
    let good = export_zip(&[record("GHSA-a", "left-pad", json!([{"introduced": "0"}]))]);
    update::update(
        &serving(good, "\"v1\""),
        &store,
        &url,
        &Limits::default(),
        &mut |_| {},
    )
    .unwrap();
    let before = update::open_export(&store, &url)
        .unwrap()
        .unwrap()
        .meta()
        .clone();

    let garbage = serving(b"not a zip".to_vec(), "\"v2\"");
    let err = update::update(&garbage, &store, &url, &Limits::default(), &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, UpdateError::Export(ExportError::NotZip { .. })),
        "{err}"
    );
    let empty = serving(zip_of(&[("README.txt", b"x".to_vec())]), "\"v3\"");
    assert!(update::update(&empty, &store, &url, &Limits::default(), &mut |_| {}).is_err());
    let failing = FakeHttp::new(|_| (503, vec![], vec![]));
    let err = update::update(&failing, &store, &url, &Limits::default(), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("HTTP 503"), "{err}");
    let huge = serving(vec![0; 4096], "\"v4\"");
    let small = Limits {
        max_archive_bytes: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        update::update(&huge, &store, &url, &small, &mut |_| {}),
        Err(UpdateError::TooLarge { .. })
    ));
    let after = update::open_export(&store, &url)
        .unwrap()
        .unwrap()
        .meta()
        .clone();
    assert_eq!(before, after);
}

#[test]
fn a_body_larger_than_announced_is_cut_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let url = Url::parse(EXPORT).unwrap();
    let unannounced = FakeHttp::new(|_| (200, vec![], vec![0u8; 5000]));
    let small = Limits {
        max_archive_bytes: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        update::update(&unannounced, &store, &url, &small, &mut |_| {}),
        Err(UpdateError::TooLarge { .. })
    ));
    assert!(update::open_export(&store, &url).unwrap().is_none());
}

fn built_index(dir: &Path, docs: &[Value]) -> Index {
    let path = write(dir, "db.zip", &export_zip(docs));
    update::open_file(&Store::new(dir), &path, &Limits::default(), &mut |_| {}).unwrap()
}

#[test]
fn the_index_finds_records_by_name_and_keeps_the_newest_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let mut newer = record("GHSA-dup", "a", json!([{"introduced": "2.0.0"}]));
    newer["modified"] = json!("2026-07-01T00:00:00Z");
    let docs = [
        record("GHSA-dup", "a", json!([{"introduced": "1.0.0"}])),
        newer,
        json!({"id": "GHSA-both", "affected": [
            {"package": {"ecosystem": "npm", "name": "@s/b"}, "versions": ["1.0.0"]},
            {"package": {"ecosystem": "npm", "name": "a"}, "versions": ["1.0.0"]}]}),
    ];
    let index = built_index(dir.path(), &docs);
    assert_eq!(index.meta().records, 2);
    assert_eq!(index.meta().duplicates, 1);
    assert_eq!(index.names(), 2);
    let found = index.lookup(&["a", "missing", "@s/b", "A"]).unwrap();
    let ids = |i: usize| found[i].iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(0), ["GHSA-both", "GHSA-dup"]);
    assert!(ids(1).is_empty());
    assert_eq!(ids(2), ["GHSA-both"]);
    assert!(ids(3).is_empty(), "names are case-sensitive");
    let dup = found[0].iter().find(|r| r.id == "GHSA-dup").unwrap();
    assert_eq!(dup.affected[0].ranges[0].events[0].version, "2.0.0");

    // Indexed once: opening the same file again reuses the index as it is;
    // a rewritten file gets a new one.
    let zip = dir.path().join("db.zip");
    let written = std::fs::metadata(index.path()).unwrap().modified().unwrap();
    let store = Store::new(dir.path());
    let again = update::open_file(&store, &zip, &Limits::default(), &mut |_| {
        panic!("re-indexed")
    })
    .unwrap();
    assert_eq!(again.path(), index.path());
    assert_eq!(
        std::fs::metadata(again.path()).unwrap().modified().unwrap(),
        written
    );
    let mut more = docs.to_vec();
    more.push(record("GHSA-new", "c", json!([{"introduced": "0"}])));
    let rewritten = built_index(dir.path(), &more);
    assert_ne!(rewritten.path(), index.path());
}

#[test]
fn a_damaged_index_is_an_error_never_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<Value> = ["a", "b", "c"]
        .iter()
        .map(|n| record(&format!("GHSA-{n}"), n, json!([{"introduced": "0"}])))
        .collect();
    let index = built_index(dir.path(), &docs);
    let path = index.path().to_path_buf();
    drop(index);
    let bytes = std::fs::read(&path).unwrap();
    let open = |b: &[u8]| {
        let p = write(dir.path(), "damaged.idx", b);
        Index::open(&p)
    };
    assert!(open(&bytes).is_ok());
    assert!(matches!(
        open(&bytes[..bytes.len() - 1]),
        Err(IndexError::Corrupt { .. })
    ));
    assert!(matches!(open(b"LPOSVIX1"), Err(IndexError::Corrupt { .. })));
    let mut magic = bytes.clone();
    magic[0] = b'X';
    assert!(matches!(open(&magic), Err(IndexError::Corrupt { .. })));
    // Names out of order: swap the names "a" and "c" in the names block.
    let mut unsorted = bytes.clone();
    let names_at = unsorted.windows(3).rposition(|w| w == b"abc").unwrap();
    unsorted[names_at] = b'c';
    unsorted[names_at + 2] = b'a';
    assert!(
        matches!(open(&unsorted), Err(IndexError::Corrupt { reason, .. }) if reason.contains("sorted"))
    );
    // The group of "b" damaged: the lookup fails, and the source says
    // unknown. Find it from the header and the table.
    let le = |at: usize, n: usize| {
        bytes[at..at + n]
            .iter()
            .rev()
            .fold(0u64, |acc, b| acc << 8 | u64::from(*b)) as usize
    };
    let (meta, names, names_len) = (le(8, 4), le(12, 4), le(24, 8));
    let table_at = 64 + meta;
    let groups_at = table_at + 20 * names + names_len;
    let (off, len) = (le(table_at + 20 + 8, 8), le(table_at + 20 + 16, 4));
    let mut garbled = bytes.clone();
    garbled[groups_at + off..groups_at + off + len].fill(0xff);
    let damaged = open(&garbled).unwrap();
    assert!(damaged.lookup(&["a"]).is_ok());
    assert!(damaged.lookup(&["b"]).is_err());
    let lookups = source::lookup_index(
        &damaged,
        &[Query {
            name: "b",
            version: "1.0.0",
        }],
    );
    assert!(matches!(&lookups[0], Lookup::Unknown { .. }), "{lookups:?}");
}

fn api_settings(batch: usize) -> ApiSettings {
    ApiSettings {
        batch_size: batch,
        ..ApiSettings::new(Url::parse("https://osv.example/api").unwrap())
    }
}

fn q<'a>(name: &'a str, version: &'a str) -> Query<'a> {
    Query { name, version }
}

/// An API serving `records`; `ids` answers each name@version; `paged`
/// names get their ids one page at a time.
fn api_server(records: Vec<Value>, ids: HashMap<String, Vec<&'static str>>) -> FakeHttp {
    FakeHttp::new(move |seen| match seen.method {
        Method::Post => {
            let results: Vec<Value> = seen.body.as_ref().unwrap()["queries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| {
                    let key = format!("{}@{}", q["package"]["name"].as_str().unwrap(), q["version"].as_str().unwrap());
                    assert_eq!(q["package"]["ecosystem"], "npm");
                    let all = ids.get(&key).cloned().unwrap_or_default();
                    // One id per page: the token is the index of the next.
                    let page: usize = q["page_token"].as_str().map_or(0, |t| t.parse().unwrap());
                    match all.get(page) {
                        None => json!({}),
                        Some(id) if page + 1 < all.len() => {
                            json!({"vulns": [{"id": id, "modified": "2026-06-01T00:00:00Z"}], "next_page_token": (page + 1).to_string()})
                        }
                        Some(id) => json!({"vulns": [{"id": id, "modified": "2026-06-01T00:00:00Z"}]}),
                    }
                })
                .collect();
            (
                200,
                vec![],
                json!({"results": results}).to_string().into_bytes(),
            )
        }
        Method::Get => {
            let id = seen.url.rsplit('/').next().unwrap().to_string();
            match records.iter().find(|r| r["id"] == id.as_str()) {
                Some(r) => (200, vec![], r.to_string().into_bytes()),
                None => (404, vec![], vec![]),
            }
        }
    })
}

#[test]
fn the_api_is_asked_in_batches_with_pages_then_per_record() {
    let records = vec![
        record("GHSA-one", "a", json!([{"introduced": "0"}])),
        {
            let mut r = record("GHSA-two", "a", json!([{"introduced": "0"}]));
            r["aliases"] = json!(["CVE-2026-2"]);
            r
        },
        record("CVE-2026-2", "a", json!([{"introduced": "0"}])),
        {
            let mut r = record("GHSA-gone", "b", json!([{"introduced": "0"}]));
            r["withdrawn"] = json!("2026-06-02T00:00:00Z");
            r
        },
    ];
    let ids = HashMap::from([
        (
            "a@1.0.0".to_string(),
            vec!["GHSA-one", "GHSA-two", "CVE-2026-2"],
        ),
        ("b@1.0.0".to_string(), vec!["GHSA-gone"]),
        ("c@1.0.0".to_string(), vec!["GHSA-missing", "GHSA-one"]),
        ("d@1.0.0".to_string(), vec!["GHSA-missing"]),
    ]);
    let http = api_server(records, ids);
    let queries = [
        q("a", "1.0.0"),
        q("b", "1.0.0"),
        q("c", "1.0.0"),
        q("d", "1.0.0"),
        q("e", "1.0.0"),
        q("a", "1.0.0"),
    ];
    let out = api::lookup(&http, &api_settings(2), &queries);
    let ids_of = |l: &Lookup| {
        l.advisories()
            .iter()
            .map(|a| a.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids_of(&out[0]),
        ["GHSA-one", "GHSA-two"],
        "the CVE merged into its GHSA"
    );
    assert_eq!(out[0], out[5], "a repeated query has the same answer");
    assert_eq!(out[1], Lookup::Absent, "a withdrawn record is dropped");
    assert!(
        matches!(&out[2], Lookup::Present { incomplete: Some(w), .. } if w.contains("404")),
        "{:?}",
        out[2]
    );
    assert!(
        matches!(&out[3], Lookup::Unknown { reason } if reason.contains("404")),
        "{:?}",
        out[3]
    );
    assert_eq!(out[4], Lookup::Absent);
    let seen = http.seen();
    let posts: Vec<&Seen> = seen.iter().filter(|s| s.method == Method::Post).collect();
    // 5 distinct queries in batches of 2 (3 posts), then page 2 for a and
    // c (1 post), then page 3 for a (1 post).
    assert_eq!(posts.len(), 5);
    assert!(
        posts
            .iter()
            .all(|p| p.url == "https://osv.example/api/v1/querybatch")
    );
    let tokens: Vec<&Value> = posts[3].body.as_ref().unwrap()["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| &q["page_token"])
        .collect();
    assert_eq!(tokens, [&json!("1"), &json!("1")]);
    let gets = seen.iter().filter(|s| s.method == Method::Get).count();
    assert_eq!(gets, 5, "each distinct id is fetched once");
}

#[test]
fn api_failures_leave_entries_unknown() {
    let failing = FakeHttp::new(|_| (500, vec![], vec![]));
    let out = api::lookup(&failing, &api_settings(10), &[q("a", "1.0.0")]);
    assert!(
        matches!(&out[0], Lookup::Unknown { reason } if reason.contains("HTTP 500")),
        "{out:?}"
    );
    let short = FakeHttp::new(|_| (200, vec![], br#"{"results": []}"#.to_vec()));
    let out = api::lookup(&short, &api_settings(10), &[q("a", "1.0.0")]);
    assert!(
        matches!(&out[0], Lookup::Unknown { reason } if reason.contains("0 results for 1")),
        "{out:?}"
    );
    let endless = FakeHttp::new(|_| {
        (
            200,
            vec![],
            br#"{"results": [{"next_page_token": "again"}]}"#.to_vec(),
        )
    });
    let out = api::lookup(&endless, &api_settings(10), &[q("a", "1.0.0")]);
    assert!(
        matches!(&out[0], Lookup::Unknown { reason } if reason.contains("pages")),
        "{out:?}"
    );
    assert_eq!(endless.seen().len(), 20);
    let liar = FakeHttp::new(|seen| match seen.method {
        Method::Post => (
            200,
            vec![],
            br#"{"results": [{"vulns": [{"id": "GHSA-a"}]}]}"#.to_vec(),
        ),
        Method::Get => (
            200,
            vec![],
            record("GHSA-other", "a", json!([{"introduced": "0"}]))
                .to_string()
                .into_bytes(),
        ),
    });
    let out = api::lookup(&liar, &api_settings(10), &[q("a", "1.0.0")]);
    assert!(
        matches!(&out[0], Lookup::Unknown { reason } if reason.contains("another record")),
        "{out:?}"
    );
}
