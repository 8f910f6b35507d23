//! Measures how many real npm Sigstore bundles lockproof verifies per second
//! on one thread.
//!
//! ```text
//! taskset -c 0 cargo run --release --example bench_bundles -- ../shared/fixtures/real [SECONDS]
//! ```
//!
//! `scripts/bench-sigstore.sh` runs this beside sigstore-js and
//! sigstore-python on the same bundles and prints the comparison.
//!
//! Reads, in place, every `*.attestations.json`, `tarball-digests.txt`,
//! `sigstore-trusted_root.json` and `npm-keys.v1.json` from the folder, sorts
//! the bundles into three kinds (SLSA provenance in a v0.1 bundle, SLSA
//! provenance in a v0.3 bundle, npm publish attestations) and, per kind,
//! after a warm-up, loops over that kind's bundles for a fixed wall time
//! (`SECONDS`, default 2) in three modes:
//!
//! - `value`: the bundle's JSON text → `serde_json::Value` →
//!   `Bundle::from_value` → `verify`, as `check_real_bundles` and lockproof's
//!   provenance check do (they get the bundle nested in a parsed body);
//! - `text`: the bundle's JSON text → `Bundle::from_json` → `verify`;
//! - `verify`: `verify` alone on an already parsed `Bundle`.
//!
//! Every verification is full: log inclusion proof or promise, signed time,
//! certificate chain and SCTs (provenance, any Fulcio identity) or npm's key
//! by hint (publish), the DSSE signature, and the tarball's sha512 as a
//! statement subject. Each bundle is verified once before timing and must
//! pass, so a failure is never timed. Prints a `VERSION` line, a `verified`
//! line per bundle, and one
//! `RESULT <kind> <mode> <bundles/s> <verifications> <seconds>` line per kind
//! and mode, for the script to read.
//!
//! Exits 1 with a message if a file is missing or a bundle does not verify.

#[path = "real_fixtures/mod.rs"]
mod real_fixtures;

use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use lockproof::signatures::KeySet;
use lockproof::sigstore::bundle::Bundle;
use lockproof::sigstore::trust_root::TrustedRoot;
use lockproof::sigstore::verify::{Artifact, SignerPolicy, VerifiedBundle, verify};
use mimalloc::MiMalloc;
use serde_json::Value;

// The lockproof binary allocates with mimalloc; so does this, to time what
// the CLI would do.
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

const PUBLISH: &str = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1";
const KINDS: [&str; 3] = ["provenance-v0.1", "provenance-v0.3", "publish"];
const WARM_UP: Duration = Duration::from_millis(300);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("bench_bundles: FAILED: {msg}");
            ExitCode::FAILURE
        }
    }
}

struct Case {
    label: String,
    kind: &'static str,
    /// The tarball's sha512, as `verify` takes it; kept here so that the
    /// timed loop does not clone it.
    digests: [(&'static str, String); 1],
    publish: bool,
    /// The bundle's JSON text, re-serialised from the attestations body as
    /// the other libraries get it (`JSON.stringify`, `json.dumps`).
    text: String,
}

struct Ctx<'a> {
    root: &'a TrustedRoot,
    keys: &'a KeySet,
    now: Timestamp,
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: bench_bundles <fixtures/real folder> [seconds per kind and mode]")?;
    let secs: f64 = match args.next() {
        Some(s) => s
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && *s > 0.0)
            .ok_or_else(|| format!("seconds must be a positive number, not {s:?}"))?,
        None => 2.0,
    };
    let budget = Duration::from_secs_f64(secs);
    let dir = Path::new(&dir);
    let now = Timestamp::now();
    let (root, keys) = real_fixtures::trust(dir, now)?;
    let ctx = Ctx {
        root: &root,
        keys: &keys,
        now,
    };
    let cases = load_cases(dir)?;
    println!("VERSION lockproof {}", env!("CARGO_PKG_VERSION"));

    // Check every bundle once before timing anything: a benchmark of
    // failures would measure nothing. (Any later failure, in warm-up or
    // timing, also stops the run with its error.)
    for case in &cases {
        let who = verify_text_value(case, &ctx)?.signer();
        verify_text_direct(case, &ctx)?;
        println!("verified  {:<16} {:<32} {who}", case.kind, case.label);
    }

    for kind in KINDS {
        let of_kind: Vec<&Case> = cases.iter().filter(|c| c.kind == kind).collect();
        if of_kind.is_empty() {
            println!("SKIP {kind}: no bundle of this kind in {}", dir.display());
            continue;
        }
        let parsed: Vec<Bundle> = of_kind
            .iter()
            .map(|c| Bundle::from_json(c.text.as_bytes()).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        // Each step drops its result inside: freeing the verified statement
        // is part of a verification's cost.
        let modes: [(&str, &Step); 3] = [
            ("value", &|i| verify_text_value(of_kind[i], &ctx).map(drop)),
            ("text", &|i| verify_text_direct(of_kind[i], &ctx).map(drop)),
            ("verify", &|i| {
                verify_bundle(of_kind[i], &parsed[i], &ctx).map(drop)
            }),
        ];
        for (mode, step) in modes {
            timed(of_kind.len(), WARM_UP, step)?;
            let (n, elapsed) = timed(of_kind.len(), budget, step)?;
            let rate = n as f64 / elapsed.as_secs_f64();
            println!(
                "RESULT {kind} {mode} {rate:.1} {n} {:.3}",
                elapsed.as_secs_f64()
            );
        }
    }
    Ok(())
}

/// One verification of the bundle at an index of a kind's list.
type Step<'a> = dyn Fn(usize) -> Result<(), String> + 'a;

/// Runs `step` round-robin over `len` bundles until `budget` has passed;
/// returns how many ran and how long they took. Reading the clock costs tens
/// of nanoseconds against a verification's hundreds of microseconds, so it is
/// read every time.
fn timed(len: usize, budget: Duration, step: &Step) -> Result<(u64, Duration), String> {
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        step(n as usize % len)?;
        n += 1;
        let elapsed = start.elapsed();
        if elapsed >= budget {
            return Ok((n, elapsed));
        }
    }
}

fn load_cases(dir: &Path) -> Result<Vec<Case>, String> {
    let digests = real_fixtures::tarball_digests(&String::from_utf8_lossy(&real_fixtures::read(
        dir,
        "tarball-digests.txt",
    )?));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".attestations.json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in &files {
        let stem = file.trim_end_matches(".attestations.json");
        let sha512 = digests
            .get(&format!("{stem}.tgz"))
            .ok_or_else(|| format!("{file}: no digest for {stem}.tgz"))?;
        let body: Value = serde_json::from_slice(&real_fixtures::read(dir, file)?)
            .map_err(|e| format!("{file}: {e}"))?;
        for att in body["attestations"]
            .as_array()
            .ok_or(format!("{file}: no attestations"))?
        {
            let predicate_type = att["predicateType"].as_str().unwrap_or_default();
            let media_type = att["bundle"]["mediaType"].as_str().unwrap_or_default();
            let version = bundle_version(media_type)
                .ok_or_else(|| format!("{file}: unknown bundle media type {media_type:?}"))?;
            let publish = predicate_type == PUBLISH;
            let kind = match (publish, version) {
                (true, _) => "publish",
                (false, "v0.1") => "provenance-v0.1",
                (false, "v0.3") => "provenance-v0.3",
                (false, other) => {
                    return Err(format!(
                        "{file}: provenance in a {other} bundle fits no measured kind"
                    ));
                }
            };
            cases.push(Case {
                label: format!("{stem} bundle {version}"),
                kind,
                digests: [("sha512", sha512.clone())],
                publish,
                text: serde_json::to_string(&att["bundle"]).map_err(|e| e.to_string())?,
            });
        }
    }
    if cases.is_empty() {
        return Err(format!("no attestation bundles in {}", dir.display()));
    }
    Ok(cases)
}

/// The bundle format version a media type names.
fn bundle_version(media_type: &str) -> Option<&'static str> {
    match media_type {
        "application/vnd.dev.sigstore.bundle+json;version=0.1" => Some("v0.1"),
        "application/vnd.dev.sigstore.bundle+json;version=0.2" => Some("v0.2"),
        "application/vnd.dev.sigstore.bundle+json;version=0.3"
        | "application/vnd.dev.sigstore.bundle.v0.3+json" => Some("v0.3"),
        _ => None,
    }
}

/// The path lockproof's provenance check takes: a JSON value, then a bundle.
fn verify_text_value(case: &Case, ctx: &Ctx) -> Result<VerifiedBundle, String> {
    let value: Value = serde_json::from_str(&case.text).map_err(|e| e.to_string())?;
    let bundle = Bundle::from_value(value).map_err(|e| e.to_string())?;
    verify_bundle(case, &bundle, ctx)
}

fn verify_text_direct(case: &Case, ctx: &Ctx) -> Result<VerifiedBundle, String> {
    let bundle = Bundle::from_json(case.text.as_bytes()).map_err(|e| e.to_string())?;
    verify_bundle(case, &bundle, ctx)
}

fn verify_bundle(case: &Case, bundle: &Bundle, ctx: &Ctx) -> Result<VerifiedBundle, String> {
    let policy = if case.publish {
        SignerPolicy::Keys(ctx.keys)
    } else {
        SignerPolicy::AnyIdentity
    };
    verify(
        black_box(bundle),
        ctx.root,
        policy,
        Artifact::Digests(&case.digests),
        ctx.now,
    )
    .map_err(|e| format!("{} {}: {e}", case.kind, case.label))
}
