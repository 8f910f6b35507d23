//! Parse plus offline checks of a large real lockfile (`cargo bench`).
//!
//! Reads the largest shared lockfile (2,589 entries, 2 MB) from
//! `../shared/fixtures/lockfiles` when it is there, else the largest
//! lockfile committed in `fixtures/`, and says which it used.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use lockproof::checks::{self, Context};
use lockproof::config::{Config, Date};
use lockproof::lockfile;
use lockproof::policy::{self, Policy};
use lockproof::report::{self, Audited, Format, RenderOptions, Report};

const SHARED: &str =
    "../shared/fixtures/lockfiles/pub-create-react-app-v2-workspaces-large.package-lock.json";
const FALLBACK: &str = "fixtures/example/package-lock.json";

fn input() -> (PathBuf, Vec<u8>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = [SHARED, FALLBACK]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.is_file())
        .expect("a lockfile to benchmark");
    let bytes = std::fs::read(&path).expect("readable lockfile");
    eprintln!("benchmarking {} ({} bytes)", path.display(), bytes.len());
    (path, bytes)
}

fn bench(c: &mut Criterion) {
    let (path, bytes) = input();
    let ctx = Context::default();
    c.bench_function("parse + offline checks", |b| {
        b.iter(|| {
            let lock = lockfile::parse_bytes(&path, black_box(&bytes)).expect("parses");
            black_box(checks::run(&lock, &ctx, None))
        })
    });
    let today = Date::today();
    c.bench_function("full audit to JSON report", |b| {
        b.iter(|| {
            let lock = lockfile::parse_bytes(&path, black_box(&bytes)).expect("parses");
            let findings = checks::run(&lock, &ctx, None);
            let policy = Policy::new(&Config::default(), None, today);
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
                }],
                true,
                Vec::new(),
            );
            black_box(report::render(
                &report,
                Format::Json,
                RenderOptions::default(),
            ))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
