//! Memory and output stay linear in the lockfile's size, for every format:
//! the install paths of a lockfile's entries may add up to at most
//! `PATH_BYTES_PER_FILE_BYTE` times the file (and at least
//! `MIN_PATH_BYTES`); past that, the file is refused with exit 2 and an
//! error naming the limit. The files are generated here (`nested_v1.rs`).

use std::fmt::Write as _;
use std::path::Path;

use lockproof::lockfile::{
    Lockfile, LockfileError, MIN_PATH_BYTES, PATH_BYTES_PER_FILE_BYTE, PackageManager, parse_as,
};

use crate::nested_v1::{ISSUE_13, Shape};
use crate::util::run;

/// The most a file of `size` bytes may spend on install paths.
fn limit(size: usize) -> usize {
    (size * PATH_BYTES_PER_FILE_BYTE).max(MIN_PATH_BYTES)
}

fn path_bytes(lockfile: &Lockfile) -> usize {
    lockfile.entries.iter().map(|e| e.path.len()).sum()
}

/// Parses `text` as `manager`'s lockfile named `name`.
fn parse(manager: PackageManager, name: &str, text: &str) -> Result<Lockfile, LockfileError> {
    parse_as(manager, Path::new(name), text.as_bytes())
}

/// The error for a file of `size` bytes whose paths go past the limit.
fn assert_refused(result: Result<Lockfile, LockfileError>, size: usize) {
    match result {
        Err(LockfileError::PathsTooLong {
            limit: l, size: s, ..
        }) => assert_eq!((l, s), (limit(size), size)),
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(lockfile) => panic!(
            "read: {} entries, {} bytes of install paths from a {size}-byte file",
            lockfile.entries.len(),
            path_bytes(&lockfile)
        ),
    }
}

#[test]
fn the_nested_v1_case_of_issue_13_is_refused_naming_the_limit() {
    let text = ISSUE_13.npm_v1();
    // The file the issue measured: its paths are hundreds of times its size.
    assert!(
        text.len() > 650_000 && text.len() < 700_000,
        "{}",
        text.len()
    );
    assert!(ISSUE_13.install_path_bytes() > 100 * limit(text.len()));
    assert_refused(
        parse(PackageManager::Npm, "package-lock.json", &text),
        text.len(),
    );
}

/// Deep enough that the old code wrote a report hundreds of times the
/// file's size, small enough to run in a test.
const HOSTILE: Shape = Shape {
    depth: 120,
    siblings: 10,
    chain_name_len: 100,
};

#[test]
fn audit_refuses_a_hostile_nested_v1_lockfile_with_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("package-lock.json");
    let text = HOSTILE.npm_v1();
    assert!(HOSTILE.install_path_bytes() > limit(text.len()));
    std::fs::write(&file, &text).expect("write");
    let file = file.display().to_string();
    for args in [
        &["audit", "--offline", "--format", "json", &file][..],
        &["audit", "--offline", "--quiet", &file][..],
    ] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {} bytes of output", r.stdout.len());
        assert!(r.stdout.is_empty(), "{args:?}: {} bytes", r.stdout.len());
        let expected = format!(
            "the entries' install paths (node_modules/a/node_modules/b/...) add up to more than \
             {} bytes, the limit for a lockfile of {} bytes",
            limit(text.len()),
            text.len()
        );
        assert!(r.stderr.contains(&expected), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
}

#[test]
fn a_deep_lockfile_within_the_limit_is_audited_and_its_report_stays_in_proportion() {
    // A chain 250 deep: deeper than any real lockfile, paths under the
    // floor.
    let shape = Shape {
        depth: 250,
        siblings: 0,
        chain_name_len: 1,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("package-lock.json");
    let text = shape.npm_v1();
    std::fs::write(&file, &text).expect("write");
    let lockfile = parse(PackageManager::Npm, "package-lock.json", &text).expect("read");
    assert_eq!(lockfile.entries.len(), 249);
    assert_eq!(path_bytes(&lockfile), shape.install_path_bytes());
    let r = run(&[
        "audit",
        "--offline",
        "--format",
        "json",
        &file.display().to_string(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The report lists each path a few times (findings, trust list).
    assert!(
        r.stdout.len() < 8 * limit(text.len()),
        "{} bytes of report",
        r.stdout.len()
    );
}

/// Bun's keys are paths without the `node_modules/` between segments
/// (`a/a/b0`): a key of one-letter names is a path seven times as long.
fn bun(depth: usize, siblings: usize) -> String {
    let mut out = String::from("{\"lockfileVersion\": 1, \"packages\": {\n");
    let mut prefix = String::new();
    for level in 0..depth {
        for i in 0..siblings {
            let _ = writeln!(out, "\"{prefix}b{i}\": [\"b{i}@1.0.0\", \"\", {{}}, \"\"],");
        }
        if level + 1 < depth {
            let _ = writeln!(out, "\"{prefix}a\": [\"a@1.0.0\", \"\", {{}}, \"\"],");
            prefix.push_str("a/");
        }
    }
    out.push_str("}}\n");
    out
}

#[test]
fn bun_keys_that_expand_past_the_limit_are_refused() {
    let text = bun(250, 2);
    assert_refused(parse(PackageManager::Bun, "bun.lock", &text), text.len());
    // The same keys, fewer of them: read, with every path.
    let text = bun(100, 2);
    let lockfile = parse(PackageManager::Bun, "bun.lock", &text).expect("read");
    assert_eq!(lockfile.entries.len(), 299);
}

/// A `packages` map whose keys are the paths of a deep tree.
fn npm_v3(shape: &Shape) -> String {
    let chain = "n".repeat(shape.chain_name_len);
    let mut out = String::from("{\"lockfileVersion\": 3, \"packages\": {\"\": {\"name\": \"x\"}");
    let mut prefix = String::new();
    for level in 0..shape.depth {
        for i in 0..shape.siblings {
            let _ = write!(
                out,
                ",\n\"{prefix}node_modules/p{i}\": {{\"version\": \"1.0.0\"}}"
            );
        }
        if level + 1 < shape.depth {
            let _ = write!(
                out,
                ",\n\"{prefix}node_modules/{chain}\": {{\"version\": \"1.0.0\"}}"
            );
            prefix.push_str(&format!("node_modules/{chain}/"));
        }
    }
    out.push_str("}}\n");
    out
}

/// The longest name npm allows (214 characters), `i` making it unique.
fn long_name(i: usize) -> String {
    format!("{i:0>214}")
}

fn pnpm(entries: usize) -> String {
    let mut out = String::from("lockfileVersion: '9.0'\n\npackages:\n\n");
    for i in 0..entries {
        let _ = writeln!(
            out,
            "  p{}@1.0.0:\n    resolution: {{tarball: 'https://registry.npmjs.org/x.tgz'}}\n",
            long_name(i)
        );
    }
    out
}

fn yarn_classic(entries: usize) -> String {
    let mut out = String::from("# yarn lockfile v1\n\n");
    for i in 0..entries {
        let _ = writeln!(out, "p{0}@^1.0.0:\n  version \"1.0.0\"\n", long_name(i));
    }
    out
}

fn yarn_berry(entries: usize) -> String {
    let mut out = String::from("__metadata:\n  version: 8\n  cacheKey: 10c0\n\n");
    for i in 0..entries {
        let _ = writeln!(
            out,
            "\"p{0}@npm:^1.0.0\":\n  version: 1.0.0\n  resolution: \"p{0}@npm:1.0.0\"\n",
            long_name(i)
        );
    }
    out
}

#[test]
fn every_format_reads_no_more_install_path_than_the_limit_allows() {
    let deep = Shape {
        depth: 120,
        siblings: 10,
        chain_name_len: 100,
    };
    let files = [
        (PackageManager::Npm, "package-lock.json", deep.npm_v1()),
        (PackageManager::Npm, "package-lock.json", npm_v3(&deep)),
        (PackageManager::Pnpm, "pnpm-lock.yaml", pnpm(5000)),
        (PackageManager::Yarn, "yarn.lock", yarn_classic(5000)),
        (PackageManager::Yarn, "yarn.lock", yarn_berry(5000)),
        (PackageManager::Bun, "bun.lock", bun(250, 2)),
    ];
    let mut read = 0;
    for (manager, name, text) in files {
        match parse(manager, name, &text) {
            Ok(lockfile) => {
                assert!(lockfile.entries.len() > 1000, "{name}");
                assert!(
                    path_bytes(&lockfile) <= limit(text.len()),
                    "{name}: {} bytes of paths from {}",
                    path_bytes(&lockfile),
                    text.len()
                );
                read += 1;
            }
            Err(e) => assert!(matches!(e, LockfileError::PathsTooLong { .. }), "{e}"),
        }
    }
    // The formats whose paths are their keys are read whole.
    assert_eq!(read, 4);
}
