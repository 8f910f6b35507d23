//! SRI strings (`lockproof::integrity::Integrity::parse`): no panic, errors
//! print on one line, and a parsed value written back as SRI parses to
//! itself.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use lockproof::integrity::Integrity;
use lockproof_fuzz::assert_prints_on_one_line;

fuzz_target!(|text: &str| {
    match Integrity::parse(text) {
        Ok(integrity) => {
            let strongest = integrity.strongest();
            assert!(
                integrity
                    .hashes()
                    .iter()
                    .all(|h| h.algorithm <= strongest.algorithm)
            );
            let written = integrity
                .hashes()
                .iter()
                .map(|h| format!("{}-{}", h.algorithm.name(), STANDARD.encode(&h.digest)))
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(
                Integrity::parse(&written).as_ref(),
                Ok(&integrity),
                "{written:?}"
            );
            let _ = strongest.hex();
        }
        Err(e) => assert_prints_on_one_line(&e),
    }
});
