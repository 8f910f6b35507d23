//! Tarballs built byte by byte (so that hostile ones can be built at all)
//! and what [`inspect`] makes of them.

use std::io::{self, Read, Write};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::*;

mod bounds;
mod framing;

/// A tar archive under construction, one ustar header per entry.
#[derive(Default)]
struct Tar {
    bytes: Vec<u8>,
}

impl Tar {
    fn header(name: &str, flag: u8, size: u64, link: &str) -> [u8; BLOCK] {
        let mut h = [0u8; BLOCK];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[108..116].copy_from_slice(b"0000000\0");
        h[116..124].copy_from_slice(b"0000000\0");
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        h[136..148].copy_from_slice(b"14670000000\0");
        h[156] = flag;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        h[257..265].copy_from_slice(b"ustar\x0000");
        seal(&mut h);
        h
    }

    fn raw(&mut self, block: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(block);
        self
    }

    fn entry(&mut self, name: &str, flag: u8, data: &[u8], link: &str) -> &mut Self {
        self.raw(&Self::header(name, flag, data.len() as u64, link));
        self.bytes.extend_from_slice(data);
        let pad = padding(data.len() as u64) as usize;
        self.bytes.resize(self.bytes.len() + pad, 0);
        self
    }

    fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.entry(name, b'0', data, "")
    }

    fn pax(&mut self, records: &[(&str, &str)]) -> &mut Self {
        self.pax_as(b'x', records)
    }

    /// A pax record of type `flag` (`x` for the next entry, `g` for all).
    fn pax_as(&mut self, flag: u8, records: &[(&str, &str)]) -> &mut Self {
        let mut data = String::new();
        for (key, value) in records {
            let body = format!(" {key}={value}\n");
            // The length prefix counts its own digits.
            let mut len = body.len() + 1;
            while len.to_string().len() + body.len() != len {
                len += 1;
            }
            data.push_str(&format!("{len}{body}"));
        }
        self.entry("PaxHeader/x", flag, data.as_bytes(), "")
    }

    fn end(&mut self) -> Vec<u8> {
        self.bytes.resize(self.bytes.len() + 2 * BLOCK, 0);
        std::mem::take(&mut self.bytes)
    }
}

/// Writes the checksum of a header block into it.
fn seal(h: &mut [u8; BLOCK]) {
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

const MANIFEST: &[u8] =
    br#"{"name":"demo","version":"1.0.0","scripts":{"postinstall":"node setup.js"}}"#;

fn package() -> Tar {
    let mut tar = Tar::default();
    tar.entry("package/", b'5', b"", "")
        .file("package/package.json", MANIFEST)
        .file("package/index.js", b"module.exports = 1;\n");
    tar
}

fn check(tgz: &[u8]) -> Inspection {
    inspect(tgz, &Limits::default()).unwrap()
}

fn check_tar(tar: &mut Tar) -> Inspection {
    check(&gzip(&tar.end()))
}

#[test]
fn clean_package_has_no_violations() {
    let tar = package().end();
    let found = check(&gzip(&tar));
    assert_eq!(found.violations, []);
    assert!(found.complete);
    assert_eq!(found.entries, 3);
    assert_eq!(found.decompressed_bytes, tar.len() as u64);
    let m = found.manifest.unwrap();
    assert_eq!(m.name.as_deref(), Some("demo"));
    assert_eq!(m.postinstall.as_deref(), Some("node setup.js"));
    assert!(!found.has_binding_gyp);
}

#[test]
fn parent_segments_and_absolute_paths() {
    let found = check_tar(
        package()
            .file("package/../../evil.js", b"x")
            .file("package\\..\\win.js", b"x")
            .file("/etc/cron.d/evil", b"x")
            .file("C:\\evil.js", b"x"),
    );
    assert_eq!(
        found.violations,
        [
            Violation::ParentTraversal {
                path: "package/../../evil.js".into()
            },
            Violation::ParentTraversal {
                path: "package\\..\\win.js".into()
            },
            Violation::AbsolutePath {
                path: "/etc/cron.d/evil".into()
            },
            Violation::AbsolutePath {
                path: "C:\\evil.js".into()
            },
        ]
    );
}

#[test]
fn links_that_leave_the_package_and_links_that_stay() {
    let found = check_tar(
        package()
            .entry("package/lib/passwd", b'2', b"", "../../etc/passwd")
            .entry("package/lib/main", b'2', b"", "../index.js")
            .entry("package/hard", b'1', b"", "package/../../etc/shadow")
            .entry("package/hard-ok", b'1', b"", "package/index.js"),
    );
    assert_eq!(
        found.violations,
        [
            Violation::LinkEscapes {
                path: "package/lib/passwd".into(),
                target: "../../etc/passwd".into(),
                hard: false,
            },
            Violation::LinkEscapes {
                path: "package/hard".into(),
                target: "package/../../etc/shadow".into(),
                hard: true,
            },
        ]
    );
}

#[test]
fn devices_and_fifos() {
    let found = check_tar(package().entry("package/tty", b'3', b"", "").entry(
        "package/pipe",
        b'6',
        b"",
        "",
    ));
    assert_eq!(
        found.violations,
        [
            Violation::SpecialFile {
                path: "package/tty".into(),
                kind: SpecialKind::CharDevice
            },
            Violation::SpecialFile {
                path: "package/pipe".into(),
                kind: SpecialKind::Fifo
            },
        ]
    );
}

/// A reader that hands out its data in small pieces, to show that nothing
/// relies on one read returning everything.
struct Trickle<R>(R);

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(7);
        self.0.read(&mut buf[..n])
    }
}

#[test]
fn gzip_bomb_is_stopped_while_streaming() {
    // 16 MiB of zeros compressed as it is produced, against a 1 MiB limit.
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&Tar::header("package/zeros", b'0', 16 << 20, ""))
        .unwrap();
    let chunk = vec![0u8; 64 * 1024];
    for _ in 0..256 {
        enc.write_all(&chunk).unwrap();
    }
    let tgz = enc.finish().unwrap();
    let limits = Limits {
        max_decompressed_bytes: 1 << 20,
        ..Limits::default()
    };
    let found = inspect(Trickle(tgz.as_slice()), &limits).unwrap();
    assert!(!found.complete);
    assert_eq!(
        found.violations,
        [Violation::DecompressedTooLarge { limit: 1 << 20 }]
    );
    assert!(found.decompressed_bytes <= (1 << 20) + 1);
}

#[test]
fn concatenated_gzip_members_are_one_stream_and_count_toward_the_limit() {
    // One member holds a header for a 1 GiB file; 1024 copies of a member
    // of 1 MiB of zeros follow (npm's gunzip reads on across members).
    let mut tgz = gzip(&Tar::header("package/huge", b'0', 1 << 30, ""));
    let zeros = gzip(&vec![0u8; 1 << 20]);
    let members = zeros.repeat(1024);
    tgz.extend_from_slice(&members);
    let limits = Limits {
        max_decompressed_bytes: 8 << 20,
        ..Limits::default()
    };
    let found = inspect(tgz.as_slice(), &limits).unwrap();
    assert_eq!(
        found.violations,
        [Violation::DecompressedTooLarge { limit: 8 << 20 }]
    );
    // Below the limit the members read as one archive.
    let mut two = gzip(&package().end()[..BLOCK * 2]);
    two.extend(gzip(&package().end()[BLOCK * 2..]));
    let found = check(&two);
    assert_eq!(found.violations, []);
    assert!(found.manifest.is_some());
}

#[test]
fn too_many_entries() {
    let mut tar = package();
    for i in 0..20 {
        tar.file(&format!("package/f{i}.js"), b"");
    }
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let found = inspect(gzip(&tar.end()).as_slice(), &limits).unwrap();
    assert_eq!(found.violations, [Violation::TooManyEntries { limit: 10 }]);
    assert!(!found.complete);
}

#[test]
fn missing_manifest() {
    let mut tar = Tar::default();
    tar.file("package/index.js", b"")
        .file("package.json", MANIFEST)
        .file("package/lib/package.json", MANIFEST);
    let found = check_tar(&mut tar);
    assert_eq!(found.violations, [Violation::MissingManifest]);
    assert_eq!(found.manifest, None);
}

#[test]
fn malformed_manifest_has_line_and_column() {
    let mut tar = Tar::default();
    tar.file("package/package.json", b"{\n  \"name\": \"x\",\n}");
    let found = check_tar(&mut tar);
    let [
        Violation::MalformedManifest {
            line,
            column,
            message,
        },
    ] = found.violations.as_slice()
    else {
        panic!("{:?}", found.violations);
    };
    assert_eq!((*line, *column), (3, 1), "{message}");
}

#[test]
fn duplicate_manifests_are_flagged_and_the_last_one_is_read() {
    let found = check_tar(
        package()
            .file("other/package.json", br#"{"name":"other"}"#)
            .file("package/PACKAGE.JSON", b"{}"),
    );
    assert_eq!(
        found.violations,
        [Violation::DuplicateManifest {
            count: 3,
            paths: vec![
                "package/package.json".into(),
                "other/package.json".into(),
                "package/PACKAGE.JSON".into()
            ]
        }]
    );
    assert_eq!(found.manifest.unwrap().name.as_deref(), Some("other"));
}

#[test]
fn manifest_over_the_limit_is_not_read() {
    let mut tar = Tar::default();
    tar.file("package/package.json", &[b' '; 100]);
    let limits = Limits {
        max_manifest_bytes: 99,
        ..Limits::default()
    };
    let found = inspect(gzip(&tar.end()).as_slice(), &limits).unwrap();
    assert_eq!(
        found.violations,
        [Violation::ManifestTooLarge {
            size: 100,
            limit: 99
        }]
    );
}

#[test]
fn binding_gyp_implies_an_install_script_unless_opted_out() {
    let with = |manifest: &[u8]| {
        let mut tar = Tar::default();
        tar.file("package/package.json", manifest)
            .file("package/binding.gyp", b"{}");
        check_tar(&mut tar)
    };
    let plain = with(br#"{"name":"native"}"#);
    assert!(plain.has_binding_gyp);
    assert!(plain.implicit_gyp_install());
    assert!(!with(br#"{"gypfile":false}"#).implicit_gyp_install());
    assert!(!with(br#"{"scripts":{"preinstall":"x"}}"#).implicit_gyp_install());
    assert!(with(br#"{"scripts":{"postinstall":"x"}}"#).implicit_gyp_install());
    // Only a top-level file counts.
    let mut tar = package();
    tar.file("package/deps/binding.gyp", b"{}");
    assert!(!check_tar(&mut tar).has_binding_gyp);
}

#[test]
fn truncated_and_invalid_gzip() {
    let tgz = gzip(&package().end());
    let cut = check(&tgz[..tgz.len() / 2]);
    assert!(!cut.complete);
    assert!(
        matches!(cut.violations.as_slice(), [Violation::Truncated { .. }]),
        "{:?}",
        cut.violations
    );
    let mut flipped = tgz.clone();
    let at = flipped.len() - 6;
    flipped[at] ^= 0xff; // the CRC-32 in the trailer
    let bad = check(&flipped);
    assert!(
        matches!(bad.violations.as_slice(), [Violation::BadGzip { .. }]),
        "{:?}",
        bad.violations
    );
}

#[test]
fn archive_without_end_marker_or_cut_mid_entry_is_truncated() {
    let mut tar = package().end();
    tar.truncate(tar.len() - 2 * BLOCK);
    let found = check(&gzip(&tar));
    assert_eq!(
        found.violations,
        [Violation::Truncated {
            detail: "the archive has no end-of-archive marker"
        }]
    );
    let found = check(&gzip(&tar[..tar.len() - 100]));
    assert_eq!(
        found.violations,
        [Violation::Truncated { detail: DATA_ENDS }]
    );
}

#[test]
fn data_after_the_archive_is_flagged() {
    let mut tar = package().end();
    tar.extend_from_slice(&[0u8; 8192]); // GNU tar's record padding is fine
    assert_eq!(check(&gzip(&tar)).violations, []);
    let mut hidden = package().end();
    hidden.extend_from_slice(&Tar::default().file("package/package.json", b"{}").end());
    assert_eq!(
        check(&gzip(&hidden)).violations,
        [Violation::TrailingData {
            detail: "data after the end-of-archive marker"
        }]
    );
    let mut garbage = gzip(&package().end());
    garbage.extend_from_slice(b"not gzip");
    assert_eq!(
        check(&garbage).violations,
        [Violation::TrailingData {
            detail: "bytes after the gzip stream"
        }]
    );
}

#[test]
fn an_entry_after_a_single_zero_block_is_still_read() {
    // node-tar ends an archive at two zero blocks, not one.
    let mut tar = package();
    tar.raw(&[0u8; BLOCK]).file("package/package.json", b"{}");
    let found = check_tar(&mut tar);
    assert!(matches!(
        found.violations.as_slice(),
        [Violation::DuplicateManifest { .. }]
    ));
    assert_eq!(found.manifest.unwrap().name, None);
}

#[test]
fn bad_header_checksum_stops_the_walk() {
    let mut block = Tar::header("package/package.json", b'0', 2, "");
    block[0] = b'q';
    let mut tar = package();
    tar.raw(&block);
    let found = check_tar(&mut tar);
    let offset = 5 * BLOCK as u64;
    assert_eq!(
        found.violations,
        [Violation::BadHeader {
            offset,
            reason: "header checksum mismatch"
        }]
    );
}

#[test]
fn pax_and_gnu_long_names_override_the_header_name() {
    let long = format!("package/{}/x.js", "d".repeat(120));
    let mut tar = Tar::default();
    tar.pax(&[("path", "package/package.json")])
        .file("package/decoy.txt", MANIFEST)
        .entry("././@LongLink", b'L', format!("{long}\0").as_bytes(), "")
        .file("package/short.js", b"")
        .pax(&[("path", "package/../up.js")])
        .file("package/fine.js", b"");
    let found = check_tar(&mut tar);
    assert_eq!(
        found.violations,
        [Violation::ParentTraversal {
            path: "package/../up.js".into()
        }]
    );
    assert_eq!(found.entries, 3);
    assert_eq!(found.manifest.unwrap().name.as_deref(), Some("demo"));
}

#[test]
fn pax_size_decides_where_the_next_header_is() {
    // The header says 0 bytes; the pax size (as node-tar reads it) says
    // 512, so the block after it is data, not a header.
    let mut tar = package();
    let hidden = Tar::header("package/package.json", b'0', 0, "");
    tar.pax(&[("size", "512")])
        .file("package/blob", b"")
        .raw(&hidden);
    let found = check_tar(&mut tar);
    assert_eq!(found.violations, []);
    assert_eq!(found.entries, 4);
}

#[test]
fn directory_size_is_ignored_as_node_tar_does() {
    let mut tar = Tar::default();
    tar.raw(&Tar::header("package/", b'5', 1024, ""))
        .file("package/package.json", MANIFEST);
    assert_eq!(check_tar(&mut tar).violations, []);
}

#[test]
fn plain_tar_is_flagged_but_inspected() {
    let found = check(&package().end());
    assert_eq!(found.violations, [Violation::NotGzip]);
    assert!(found.manifest.is_some());
}

#[test]
fn a_failing_reader_is_an_error_not_a_violation() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::PermissionDenied, "denied"))
        }
    }
    let tgz = gzip(&package().end());
    let err = inspect(tgz[..20].chain(Failing), &Limits::default()).unwrap_err();
    let TarballError::Read(e) = err;
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
    assert!(inspect(Failing, &Limits::default()).is_err());
}

#[test]
fn a_pax_path_ending_in_a_slash_makes_a_directory_without_data() {
    // node-tar reads this "file" as a directory of size 0, so the block the
    // header claims as its data is the next header.
    let mut tar = Tar::default();
    tar.pax(&[("path", "package/sub/")])
        .raw(&Tar::header("package/x", b'0', 512, ""))
        .file("package/package.json", MANIFEST);
    let found = check_tar(&mut tar);
    assert_eq!(found.violations, []);
    assert_eq!(found.entries, 2);
    assert!(found.manifest.is_some());
}

#[test]
fn old_style_pax_record_with_a_link_name_is_invalid() {
    let mut tar = package();
    tar.entry("PaxHeader/x", b'X', b"", "target");
    let found = check_tar(&mut tar);
    assert!(
        matches!(
            found.violations.as_slice(),
            [Violation::BadHeader {
                reason: "link target on an entry that is not a link",
                ..
            }]
        ),
        "{:?}",
        found.violations
    );
}
