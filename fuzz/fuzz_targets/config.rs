//! `lockproof.toml` (`lockproof::config::parse`): no panic, and every error
//! is one line naming the file.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lockproof::config;
use lockproof_fuzz::assert_one_line;

fuzz_target!(|text: &str| {
    if let Err(e) = config::parse(Path::new("fuzz/lockproof.toml"), text) {
        assert_one_line(&e);
        assert!(e.to_string().starts_with("fuzz/lockproof.toml: "), "{e}");
    }
});
