//! Archives whose entry sizes npm's tar versions read differently: each
//! must stop the walk rather than be read the way one version reads it.

use super::*;

/// Where the first header after [`package`]'s entries starts.
const AFTER_PACKAGE: u64 = 5 * BLOCK as u64;

/// The stop an archive that npm's tar versions would frame differently ends
/// in, at the header at `offset`.
fn ambiguous_at(offset: u64, reason: &'static str) -> Vec<Violation> {
    vec![Violation::AmbiguousSize { offset, reason }]
}

#[test]
fn a_negative_pax_size_cannot_hide_a_second_manifest() {
    // The reviewer's proof of concept: older node-tar reads `size=-5` as 0
    // bytes, so the "data" of the 1024-byte entry is read as headers and
    // its second package.json (with a postinstall) is extracted last.
    let mut hidden = Tar::default();
    hidden.file("package/package.json", MANIFEST);
    let hidden = hidden.bytes;
    assert_eq!(hidden.len(), 1024, "the hidden entry fills the blob's data");
    for size in ["-5", "-0x10"] {
        let mut tar = Tar::default();
        tar.entry("package/", b'5', b"", "")
            .file("package/package.json", br#"{"name":"demo"}"#)
            .file("package/index.js", b"module.exports = 1;\n")
            .pax(&[("size", size)])
            .raw(&Tar::header("package/blob", b'0', 1024, ""))
            .raw(&hidden);
        let found = check_tar(&mut tar);
        assert_eq!(
            found.violations,
            ambiguous_at(AFTER_PACKAGE, "a pax size that is not plain decimal digits"),
            "{size}"
        );
        assert!(!found.complete);
    }
}

#[test]
fn pax_sizes_that_are_not_plain_digits_stop_the_walk() {
    let not_digits = "a pax size that is not plain decimal digits";
    for (size, reason) in [
        ("0x10", not_digits),
        ("1.5", not_digits),
        ("", not_digits),
        (" 512", not_digits),
        ("+512", not_digits),
        ("1e3", not_digits),
        ("Infinity", not_digits),
        ("99999999999999999999", "a pax size beyond 2^53"),
    ] {
        let mut tar = package();
        tar.pax(&[("size", size)]).file("package/blob", b"");
        let found = check_tar(&mut tar);
        assert_eq!(
            found.violations,
            ambiguous_at(AFTER_PACKAGE, reason),
            "{size:?}"
        );
    }
}

#[test]
fn a_size_in_a_global_pax_record_stops_the_walk() {
    // tar 6 lets a global size override a local one, tar 7 the reverse, so
    // even a plain one is refused.
    let mut tar = package();
    tar.pax_as(b'g', &[("size", "512")])
        .pax(&[("size", "0")])
        .file("package/blob", b"");
    assert_eq!(
        check_tar(&mut tar).violations,
        ambiguous_at(AFTER_PACKAGE, "a size in a global pax record")
    );
}

#[test]
fn a_pending_pax_size_at_an_ignored_entry_type_stops_the_walk() {
    // Older node-tar skips the `Z` entry by the pax size (0 here), so the
    // block after it is a header; tar 7.5.16 skips 512 bytes of data.
    let mut tar = package();
    tar.pax(&[("size", "0")])
        .raw(&Tar::header("package/odd", b'Z', 512, ""))
        .file("package/package.json", b"{}");
    let found = check_tar(&mut tar);
    assert_eq!(
        found.violations,
        ambiguous_at(
            AFTER_PACKAGE + 2 * BLOCK as u64,
            "a pax size pending at an entry type tar skips"
        )
    );
    // Without a pending size every version skips it by its header.
    let mut tar = package();
    tar.entry("package/odd", b'Z', &[b'x'; 512], "");
    let found = check_tar(&mut tar);
    assert_eq!(found.violations, []);
    assert_eq!(found.entries, 3);
}

#[test]
fn a_pending_pax_size_at_an_extension_record_stops_the_walk() {
    // Older node-tar reads an `L`, `K`, `x` or `g` record's data by the
    // pending pax size, tar 7.5.16 by the record's own.
    for flag in [b'L', b'K', b'x', b'g'] {
        let mut tar = package();
        tar.pax(&[("size", "0")])
            .entry("././@LongLink", flag, b"package/x.js\0", "")
            .file("package/x.js", b"");
        assert_eq!(
            check_tar(&mut tar).violations,
            ambiguous_at(
                AFTER_PACKAGE + 2 * BLOCK as u64,
                "a pax size pending at an extension record"
            ),
            "{}",
            flag as char
        );
    }
}

#[test]
fn npm_pack_like_archive_with_pax_headers_has_no_violations() {
    // What `npm pack` (npm 11.19) writes for a path over 100 bytes: a local
    // pax record with the path, the mtime and the size as plain digits,
    // then the file with the same size. Every version reads it alike.
    let long = format!("package/{}/index.js", "d".repeat(120));
    let index = b"module.exports = 1;\n";
    let index_size = index.len().to_string();
    let mut tar = Tar::default();
    tar.entry("package/", b'5', b"", "")
        .pax(&[("path", "package/package.json"), ("mtime", "499162500")])
        .file("package/package.json", MANIFEST)
        .pax(&[
            ("path", &long),
            ("mtime", "499162500"),
            ("size", &index_size),
        ])
        .file("package/ddd/index.js", index);
    let found = check_tar(&mut tar);
    assert_eq!(found.violations, []);
    assert!(found.complete);
    assert_eq!(found.entries, 3);
    assert!(found.manifest.is_some());
}
