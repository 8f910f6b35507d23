//! The readers of the other package managers' lockfiles, through
//! `lockproof::lockfile::parse_as` as `discover` calls it: pnpm's YAML,
//! Yarn 1's own syntax, Yarn Berry's YAML and Bun's JSONC. The first byte
//! picks the manager (pnpm, Yarn, Bun), the rest is the file; `sniff` reads
//! it too. No panic, every error names the file and prints on one line,
//! no more entries than bytes.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lockproof::lockfile::{PackageManager, discover, parse_as};
use lockproof_fuzz::{assert_names_file, assert_prints_on_one_line};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let (manager, name) = match pick % 3 {
        0 => (PackageManager::Pnpm, "fuzz/pnpm-lock.yaml"),
        1 => (PackageManager::Yarn, "fuzz/yarn.lock"),
        _ => (PackageManager::Bun, "fuzz/bun.lock"),
    };
    let _ = discover::sniff(bytes);
    let path = Path::new(name);
    match parse_as(manager, path, bytes) {
        Ok(lock) => {
            assert!(
                lock.entries.len() <= bytes.len(),
                "{} entries",
                lock.entries.len()
            );
            for entry in lock.entries.iter().chain(&lock.root) {
                let _ = entry.spec();
            }
        }
        Err(e) => {
            assert_prints_on_one_line(&e);
            assert_names_file(&e, path);
        }
    }
});
