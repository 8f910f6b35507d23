//! `lockproof.toml` (`lockproof::config::parse`): no panic, and every error
//! names the file and prints on one line.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lockproof::config;
use lockproof_fuzz::{assert_names_file, assert_prints_on_one_line};

fuzz_target!(|text: &str| {
    let path = Path::new("fuzz/lockproof.toml");
    if let Err(e) = config::parse(path, text) {
        assert_prints_on_one_line(&e);
        assert_names_file(&e, path);
    }
});
