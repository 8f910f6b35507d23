//! The lockfile parser (`lockproof::lockfile::parse_bytes`) on any bytes:
//! no panic, every error names the file and prints on one line, and no
//! more entries than bytes.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lockproof::lockfile;
use lockproof_fuzz::{assert_names_file, assert_prints_on_one_line};

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/package-lock.json");
    match lockfile::parse_bytes(path, data) {
        Ok(lock) => {
            assert!(
                lock.entries.len() <= data.len(),
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
