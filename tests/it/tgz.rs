//! Package tarballs built in the tests: ustar headers written by hand and
//! gzip-compressed, including the hostile shapes npm pack never makes.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

/// One archive member.
pub enum Member<'a> {
    /// A regular file.
    File(&'a str, &'a [u8]),
    /// A symbolic link and its target.
    Symlink(&'a str, &'a str),
}

/// A ustar header block for `path`.
fn header(path: &str, size: usize, kind: u8, link: &str) -> [u8; 512] {
    let mut h = [0u8; 512];
    let put = |h: &mut [u8; 512], at: usize, bytes: &[u8]| {
        h[at..at + bytes.len()].copy_from_slice(bytes);
    };
    put(&mut h, 0, path.as_bytes());
    put(&mut h, 100, b"0000644\0");
    put(&mut h, 108, b"0000000\0");
    put(&mut h, 116, b"0000000\0");
    put(&mut h, 124, format!("{size:011o}\0").as_bytes());
    put(&mut h, 136, b"14000000000\0");
    put(&mut h, 148, b"        ");
    h[156] = kind;
    put(&mut h, 157, link.as_bytes());
    put(&mut h, 257, b"ustar\0");
    put(&mut h, 263, b"00");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    put(&mut h, 148, format!("{sum:06o}\0 ").as_bytes());
    h
}

/// The uncompressed tar of `members`.
pub fn tar(members: &[Member<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        match m {
            Member::File(path, body) => {
                out.extend_from_slice(&header(path, body.len(), b'0', ""));
                out.extend_from_slice(body);
                out.resize(out.len().div_ceil(512) * 512, 0);
            }
            Member::Symlink(path, target) => {
                out.extend_from_slice(&header(path, 0, b'2', target));
            }
        }
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// gzip of `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

/// A package tarball: `package/package.json` with `manifest`, plus
/// `extra` members.
pub fn package(manifest: &serde_json::Value, extra: &[Member<'_>]) -> Vec<u8> {
    let json = manifest.to_string();
    let mut members = vec![
        Member::File("package/package.json", json.as_bytes()),
        Member::File("package/index.js", b"module.exports = 42;\n"),
    ];
    members.extend(extra.iter().map(|m| match m {
        Member::File(p, b) => Member::File(p, b),
        Member::Symlink(p, t) => Member::Symlink(p, t),
    }));
    gzip(&tar(&members))
}

/// A gzip bomb: a package whose one file inflates to `bytes` zeros,
/// compressed as it is generated (never held whole).
pub fn bomb(bytes: usize) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&header("package/zeros", bytes, b'0', ""))
        .expect("gzip");
    let chunk = vec![0u8; 1 << 20];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len());
        gz.write_all(&chunk[..n]).expect("gzip");
        left -= n;
    }
    gz.finish().expect("gzip")
}
