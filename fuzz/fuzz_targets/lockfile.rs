//! The lockfile parser (`lockproof::lockfile::parse_bytes`) on any bytes:
//! no panic, every error one line, and no more entries than bytes.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lockproof::lockfile;
use lockproof_fuzz::assert_one_line;

fuzz_target!(|data: &[u8]| {
    match lockfile::parse_bytes(Path::new("fuzz/package-lock.json"), data) {
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
        Err(e) => assert_one_line(&e),
    }
});
