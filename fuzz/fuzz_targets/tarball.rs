//! The tarball reader (`lockproof::tarball::inspect`) with small limits.
//! The first byte chooses the framing: odd, the rest is gzip-compressed
//! here first (so mutations reach the tar walker inside gzip); even, the
//! rest is read as it is (gzip framing, or plain tar). A slice never fails
//! to read, so inspection always returns; the limits hold, and what it
//! keeps stays bounded. (Violation texts may span lines: every report
//! renderer escapes them.)

#![no_main]

use libfuzzer_sys::fuzz_target;
use lockproof::tarball::{self, LISTED_ENTRY_VIOLATIONS, Limits, Violation};
use lockproof_fuzz::tgz;

const LIMITS: Limits = Limits {
    max_decompressed_bytes: 1 << 20,
    max_entries: 64,
    max_manifest_bytes: 16 << 10,
};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input = if mode & 1 == 1 {
        tgz::gzip(rest)
    } else {
        rest.to_vec()
    };
    let inspection = match tarball::inspect(input.as_slice(), &LIMITS) {
        Ok(inspection) => inspection,
        Err(e) => panic!("reading a slice failed: {e}"),
    };
    assert!(inspection.entries <= LIMITS.max_entries, "{inspection:?}");
    assert!(
        inspection.decompressed_bytes <= LIMITS.max_decompressed_bytes,
        "{inspection:?}"
    );
    // Past the listed entry violations only a count is kept; manifest
    // field problems are bounded by the manifest's size limit.
    let (fields, others): (Vec<_>, Vec<_>) = inspection
        .violations
        .iter()
        .partition(|v| matches!(v, Violation::ManifestFieldType { .. }));
    assert!(others.len() <= LISTED_ENTRY_VIOLATIONS + 16, "{others:?}");
    assert!(fields.len() as u64 <= LIMITS.max_manifest_bytes);
    for violation in &inspection.violations {
        let _ = violation.to_string();
    }
    let _ = inspection.implicit_gyp_install();
});
