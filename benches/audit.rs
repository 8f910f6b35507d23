//! Parse plus offline checks of a large real lockfile (`cargo bench`), and
//! the whole offline audit of it to a JSON report.
//!
//! Reads the largest shared lockfile (2,589 entries, 2 MB) from
//! `../shared/fixtures/lockfiles` when it is there, else the largest
//! lockfile committed in `fixtures/`, and says which it used.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use lockproof::advisories::source::Database;
use lockproof::anchors;
use lockproof::audit::{Options, Subject, audit};
use lockproof::checks::{self, Context};
use lockproof::config::Config;
use lockproof::evidence::collect::Tarballs;
use lockproof::fetch::{FetchOptions, RegistrySource};
use lockproof::installer::Installer;
use lockproof::lockfile;
use lockproof::registry::cache::RecordKey;
use lockproof::registry::client::ClientOptions;
use lockproof::registry::npmrc::{NpmConfig, Sources};
use lockproof::report::{self, Format, RenderOptions, Report};
use lockproof::tarball::Limits;

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
    let now = jiff::Timestamp::now();
    let config = Config::default();
    let ctx = Context::new(&config, now);
    c.bench_function("parse + offline checks", |b| {
        b.iter(|| {
            let lock = lockfile::parse_bytes(&path, black_box(&bytes)).expect("parses");
            black_box(checks::run(&lock, &ctx, None))
        })
    });
    let npm = NpmConfig::load(&Sources {
        project_dir: None,
        user_npmrc: None,
        env: &[],
        cli_registry: None,
    })
    .expect("default npm configuration");
    // Offline with no cache folder: every registry question is answered
    // "not cached", as on a first offline run.
    let fetch = FetchOptions {
        offline: true,
        client: ClientOptions::default(),
        cache_dir: None,
        record_key: RecordKey::ephemeral(),
        jobs: 16,
        progress: false,
        limits: Limits::default(),
        now: now.as_second(),
    };
    let database = Database::Missing {
        reason: "benchmark".to_owned(),
    };
    let advisory_database = database.info();
    let source = RegistrySource::new(&fetch, &npm, &database).expect("offline source");
    let mut anchor_settings = anchors::Settings::new(None, now);
    anchor_settings.offline = true;
    let anchors = anchors::load(&anchor_settings);
    let options = Options {
        tarballs: Tarballs::Skip,
        anchors: &anchors,
        advisory_database: &advisory_database,
        fail_on: None,
        now,
    };
    let rules = lockproof::installer::which::flag("12").expect("a version");
    let installer = Installer::new(rules, None, &npm);
    c.bench_function("full offline audit to JSON report", |b| {
        b.iter(|| {
            let lock = lockfile::parse_bytes(&path, black_box(&bytes)).expect("parses");
            let subject = Subject {
                lockfile: lock,
                diff: None,
                config: &config,
                npm: &npm,
                installer: Some(&installer),
                ignored_shrinkwrap: None,
            };
            let outcome = audit(subject, &options, &source);
            let report = Report::build(vec![outcome.audited], true, Vec::new(), None);
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
