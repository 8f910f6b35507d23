//! Parses every lockfile found under the given paths (files, or folders
//! searched recursively for the names lockproof reads) with lockproof's
//! readers, and prints per file: the format, the entries by source, how
//! many carry an integrity, and the time the parse took. Exits 1 when any
//! file fails to parse. For checking the readers against real lockfiles
//! that stay outside the repository:
//!
//! `cargo run --release --example parse_lockfiles -- /path/to/lockfiles`

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use lockproof::lockfile::discover::ALL_NAMES;
use lockproof::lockfile::{IntegrityField, YarnChecksum, discover, load_located};

fn main() {
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        collect(Path::new(&arg), &mut files);
    }
    files.sort();
    let mut failed = 0;
    for file in &files {
        let located = match discover(file) {
            Ok(found) => found,
            Err(e) => {
                println!("FAIL {e}");
                failed += 1;
                continue;
            }
        };
        for located in located {
            let start = Instant::now();
            match load_located(&located) {
                Ok(lockfile) => {
                    let took = start.elapsed();
                    let mut by_source: BTreeMap<String, usize> = BTreeMap::new();
                    for e in &lockfile.entries {
                        *by_source.entry(e.source.to_string()).or_default() += 1;
                    }
                    let with_integrity = lockfile
                        .entries
                        .iter()
                        .filter(|e| matches!(e.integrity, IntegrityField::Valid(_)))
                        .count();
                    let yarn_checksums = lockfile
                        .entries
                        .iter()
                        .filter(|e| matches!(e.pin.yarn_checksum(), Some(YarnChecksum::Zip { .. })))
                        .count();
                    println!(
                        "ok   {} [{}] {} entries ({}), {} with integrity, {} Yarn checksums, {} repeated keys, {:.1} ms",
                        located.path.display(),
                        lockfile.format,
                        lockfile.entries.len(),
                        by_source
                            .iter()
                            .map(|(k, v)| format!("{k} {v}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        with_integrity,
                        yarn_checksums,
                        lockfile.duplicate_keys.len(),
                        took.as_secs_f64() * 1000.0
                    );
                }
                Err(e) => {
                    println!("FAIL {e}");
                    failed += 1;
                }
            }
        }
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

/// Files named like a lockfile under `path` (or `path` itself).
fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(read) = std::fs::read_dir(path) else {
        return;
    };
    for item in read.flatten() {
        let p = item.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| ALL_NAMES.contains(&n))
        {
            out.push(p);
        }
    }
}
