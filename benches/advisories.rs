//! Advisory matching against an indexed database (`cargo bench --bench
//! advisories`).
//!
//! Generates an OSV export of 100,000 records (60% malware records over
//! whole packages or listed versions, 40% vulnerability advisories with
//! ranges, aliases, CVSS vectors and references) for 40,000 package names,
//! indexes it once, prints the index's size on disk and how long indexing
//! took, then measures what an offline audit pays for advisories: opening
//! the index and matching a 2,500-entry lockfile (a fifth of whose names
//! have advisories). Nothing here is from a public database.

use std::hint::black_box;
use std::io::{Cursor, Write as _};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use lockproof::advisories::api::Query;
use lockproof::advisories::export::Limits;
use lockproof::advisories::index::Index;
use lockproof::advisories::source;
use lockproof::advisories::store::Store;
use lockproof::advisories::update;
use serde_json::json;

const RECORDS: usize = 100_000;
const NAMES: usize = 40_000;
const ENTRIES: usize = 2_500;

/// A small deterministic generator (xorshift), so every run sees the same
/// database.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn version(&mut self) -> String {
        format!("{}.{}.{}", self.below(8), self.below(30), self.below(20))
    }
}

fn name(i: usize) -> String {
    if i.is_multiple_of(7) {
        format!("@scope{}/package-{i}", i % 97)
    } else {
        format!("package-{i}")
    }
}

fn record(i: usize, rng: &mut Rng) -> serde_json::Value {
    let pkg = name(rng.below(NAMES as u64) as usize);
    if i % 5 < 3 {
        let affected = if rng.below(2) == 0 {
            json!({"package": {"ecosystem": "npm", "name": pkg},
                   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]})
        } else {
            let versions: Vec<String> = (0..1 + rng.below(4)).map(|_| rng.version()).collect();
            json!({"package": {"ecosystem": "npm", "name": pkg}, "versions": versions})
        };
        json!({
            "id": format!("MAL-2026-{i}"),
            "modified": "2026-06-01T00:00:00Z",
            "published": "2026-05-30T00:00:00Z",
            "summary": format!("Malicious code in {pkg} (npm)"),
            "details": "The package runs a script at install time that sends environment variables to a remote host.",
            "affected": [affected],
            "references": [{"type": "WEB", "url": format!("https://reports.example/{i}")}],
            "database_specific": {"malicious-packages-origins": [{"source": "bench", "sha256": "00"}]}
        })
    } else {
        let (a, b) = (rng.version(), rng.version());
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        json!({
            "id": format!("GHSA-{i:04x}-bnch-{:04x}", i % 65536),
            "modified": "2026-06-01T00:00:00Z",
            "published": "2026-05-30T00:00:00Z",
            "aliases": [format!("CVE-2026-{i}")],
            "summary": format!("Prototype pollution in {pkg} when merging untrusted objects"),
            "details": "A crafted payload can add properties to Object.prototype.",
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N"}],
            "affected": [{"package": {"ecosystem": "npm", "name": pkg},
                          "ranges": [{"type": "ECOSYSTEM", "events": [
                              {"introduced": lo}, {"fixed": hi},
                              {"introduced": "9.0.0"}, {"fixed": "9.0.4"}]}]}],
            "references": [
                {"type": "ADVISORY", "url": format!("https://advisories.example/{i}")},
                {"type": "WEB", "url": format!("https://code.example/{pkg}/commit/{i}")},
                {"type": "PACKAGE", "url": format!("https://code.example/{pkg}")}],
            "database_specific": {"severity": "HIGH", "github_reviewed": true, "cwe_ids": ["CWE-1321"]}
        })
    }
}

fn export_zip(rng: &mut Rng) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..RECORDS {
        let r = record(i, rng);
        w.start_file(format!("{}.json", r["id"].as_str().unwrap_or("x")), opts)
            .expect("zip entry");
        w.write_all(r.to_string().as_bytes()).expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

/// A lockfile's worth of names and versions: one name in five has
/// advisories.
fn lockfile(rng: &mut Rng) -> Vec<(String, String)> {
    (0..ENTRIES)
        .map(|i| {
            let name = if i.is_multiple_of(5) {
                name(rng.below(NAMES as u64) as usize)
            } else {
                format!("clean-{i}")
            };
            (name, rng.version())
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let dir = tempfile::tempdir().expect("temp dir");
    let zip = dir.path().join("all.zip");
    std::fs::write(&zip, export_zip(&mut rng)).expect("write zip");
    let store = Store::new(dir.path());
    let started = Instant::now();
    let index = update::open_file(&store, &zip, &Limits::default(), &mut |_| {}).expect("index");
    let indexing = started.elapsed();
    let index_path = index.path().to_path_buf();
    let zip_bytes = std::fs::metadata(&zip).map(|m| m.len()).unwrap_or(0);
    let index_bytes = std::fs::metadata(&index_path).map(|m| m.len()).unwrap_or(0);
    let entries = lockfile(&mut rng);
    let queries: Vec<Query<'_>> = entries
        .iter()
        .map(|(name, version)| Query { name, version })
        .collect();
    let lookups = source::lookup_index(&index, &queries);
    let present = lookups
        .iter()
        .filter(|l| !l.advisories().is_empty())
        .count();
    eprintln!(
        "{RECORDS} records for {} names: zip {:.1} MB, index {:.1} MB, indexed in {:.2} s; \
         {ENTRIES} entries, {present} with advisories",
        index.names(),
        zip_bytes as f64 / 1e6,
        index_bytes as f64 / 1e6,
        indexing.as_secs_f64()
    );
    drop(index);
    // Wall time on a shared machine counts other processes' turns; the
    // thread's own CPU time does not.
    let runs = 100;
    if let Some(before) = thread_cpu_ms() {
        for _ in 0..runs {
            let index = Index::open(&index_path).expect("opens");
            black_box(source::lookup_index(&index, black_box(&queries)));
        }
        if let Some(after) = thread_cpu_ms() {
            eprintln!(
                "open index + match {ENTRIES} entries: {:.1} ms of CPU per run ({runs} runs)",
                (after - before) / runs as f64
            );
        }
    }
    let mut group = c.benchmark_group("advisories");
    group.sample_size(30);
    group.bench_function("open index + match 2,500 entries", |b| {
        b.iter(|| {
            let index = Index::open(&index_path).expect("opens");
            black_box(source::lookup_index(&index, black_box(&queries)))
        })
    });
    let index = Index::open(&index_path).expect("opens");
    group.bench_function("match 2,500 entries (index open)", |b| {
        b.iter(|| black_box(source::lookup_index(&index, black_box(&queries))))
    });
    let names: Vec<&str> = queries.iter().map(|q| q.name).collect();
    group.bench_function("read the records of 2,500 names (index open)", |b| {
        b.iter(|| black_box(index.lookup(black_box(&names))))
    });
    group.finish();
}

/// This thread's user + system CPU time in milliseconds (Linux; `None`
/// elsewhere).
fn thread_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at ")".
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here; the
    // kernel counts them in USER_HZ, which is 100 on Linux.
    Some((ticks(11)? + ticks(12)?) * 10.0)
}

criterion_group!(benches, bench);
criterion_main!(benches);
