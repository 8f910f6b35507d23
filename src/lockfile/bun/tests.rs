use std::path::Path;

use super::*;
use crate::lockfile::{Pin, Resolved};

const SHA512: &str = "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==";
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn read(text: &str) -> Lockfile {
    parse(
        Path::new("bun.lock"),
        text,
        &mut PathBudget::new(text.len()),
    )
    .unwrap()
}

fn err(text: &str) -> String {
    parse(
        Path::new("bun.lock"),
        text,
        &mut PathBudget::new(text.len()),
    )
    .unwrap_err()
    .to_string()
}

fn find<'l>(lockfile: &'l Lockfile, path: &str) -> &'l Entry {
    lockfile
        .entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| {
            let paths: Vec<&str> = lockfile.entries.iter().map(|e| e.path.as_str()).collect();
            panic!("no {path} in {paths:?}")
        })
}

fn sample() -> String {
    format!(
        r#"{{
  "lockfileVersion": 1,
  // Bun writes no comments, but its reader takes them.
  "workspaces": {{
    "": {{
      "name": "app",
      "dependencies": {{ "ms": "^2.1.3", }},
    }},
    "packages/ws-a": {{ "name": "ws-a" }},
  }},
  "patchedDependencies": {{ "ms@2.1.3": "patches/ms@2.1.3.patch" }},
  "catalog": {{ "react": "^18.0.0" }},
  "packages": {{
    "ms": ["ms@2.1.3", "", {{}}, "{SHA512}"],

    "@esbuild/linux-x64": ["@esbuild/linux-x64@0.25.12", "", {{ "os": "linux", "cpu": "x64" }}, "{SHA512}"],

    "esbuild": ["esbuild@0.25.12", "", {{ "optionalDependencies": {{ "@esbuild/linux-x64": "0.25.12" }}, "hasInstallScript": true, "bin": {{ "esbuild": "bin/esbuild" }} }}, "{SHA512}"],

    "debug/ms": ["ms@2.0.0", "https://npm.example/ms/-/ms-2.0.0.tgz", {{}}, "{SHA512}"],

    "@s/a/@s/b": ["@s/b@1.0.0", "", {{}}, ""],

    "string-width-cjs": ["string-width@4.2.3", "", {{}}, "{SHA512}"],

    "ws-a": ["ws-a@workspace:packages/ws-a"],

    "linked": ["linked@link:../linked", {{}}],

    "folder": ["folder@file:../folder", {{}}],

    "tarball": ["tarball@./vendor/tarball-1.0.0.tgz", {{}}, "{SHA512}"],

    "remote": ["remote@https://example.com/remote-1.0.0.tgz", {{}}],

    "gitdep": ["gitdep@github:o/gitdep#main", {{}}, "{COMMIT}"],

    "npm/bundled": ["bundled@1.0.0", "", {{ "bundled": true }}, ""],

    "weird": ["weird@latest", {{}}],
  }},
}}
"#
    )
}

#[test]
fn reads_packages_at_their_install_paths() {
    let lock = read(&sample());
    assert_eq!(
        lock.format,
        LockfileFormat::Bun {
            lockfile_version: 1
        }
    );
    assert_eq!(lock.version_line, 2);
    assert_eq!(lock.root.as_ref().map(|r| r.name.as_str()), Some("app"));
    assert_eq!(lock.entries.len(), 14);
    let ms = find(&lock, "node_modules/ms");
    assert_eq!(
        (ms.name.as_str(), ms.version.as_deref()),
        ("ms", Some("2.1.3"))
    );
    assert_eq!(ms.source, SourceKind::Registry);
    assert_eq!(ms.resolved, Resolved::Absent);
    assert!(matches!(ms.integrity, IntegrityField::Valid(_)));
    assert_eq!(ms.pin, Pin::Integrity);
    assert_eq!(ms.patch.as_deref(), Some("patches/ms@2.1.3.patch"));
    assert_eq!(ms.line, 14);
    let nested = find(&lock, "node_modules/debug/node_modules/ms");
    assert_eq!(nested.version.as_deref(), Some("2.0.0"));
    assert_eq!(
        nested
            .url
            .as_ref()
            .and_then(crate::lockfile::ResolvedUrl::host_str),
        Some("npm.example")
    );
    assert_eq!(nested.source, SourceKind::Registry);
    let scoped = find(&lock, "node_modules/@s/a/node_modules/@s/b");
    assert_eq!(
        (scoped.name.as_str(), scoped.folder_name.as_str()),
        ("@s/b", "@s/b")
    );
    assert_eq!(scoped.integrity, IntegrityField::Absent);
    let esbuild = find(&lock, "node_modules/esbuild");
    assert!(esbuild.has_install_script);
    let platform = find(&lock, "node_modules/@esbuild/linux-x64").platform();
    assert_eq!(
        (platform.os.as_slice(), platform.cpu.as_slice()),
        (&["linux".to_string()][..], &["x64".to_string()][..])
    );
}

#[test]
fn aliases_workspaces_links_tarballs_git_and_bundles() {
    let lock = read(&sample());
    let alias = find(&lock, "node_modules/string-width-cjs");
    assert_eq!(
        (alias.name.as_str(), alias.folder_name.as_str()),
        ("string-width", "string-width-cjs")
    );
    assert_eq!(
        find(&lock, "node_modules/ws-a").source,
        SourceKind::Workspace
    );
    let linked = find(&lock, "node_modules/linked");
    assert_eq!(
        (linked.source, &linked.resolved),
        (SourceKind::Link, &Resolved::Url("file:../linked".into()))
    );
    assert_eq!(find(&lock, "node_modules/folder").source, SourceKind::Link);
    let tarball = find(&lock, "node_modules/tarball");
    assert_eq!(tarball.source, SourceKind::LocalFile);
    assert!(matches!(tarball.integrity, IntegrityField::Valid(_)));
    let remote = find(&lock, "node_modules/remote");
    assert_eq!(remote.source, SourceKind::RemoteTarball);
    let git = find(&lock, "node_modules/gitdep");
    assert_eq!(git.source, SourceKind::Git);
    assert_eq!(
        git.resolved,
        Resolved::Url(format!("github:o/gitdep#{COMMIT}"))
    );
    assert_eq!(
        find(&lock, "node_modules/npm/node_modules/bundled").source,
        SourceKind::Bundled
    );
    assert_eq!(
        find(&lock, "node_modules/weird").source,
        SourceKind::Unrecognized
    );
}

#[test]
fn install_paths_refuse_empty_names() {
    assert_eq!(install_path("a"), Some(("node_modules/a".into(), "a")));
    assert_eq!(
        install_path("@s/a/b/@t/c"),
        Some((
            "node_modules/@s/a/node_modules/b/node_modules/@t/c".into(),
            "@t/c"
        ))
    );
    for bad in ["", "a/", "/a", "a//b", "@s", "@s/", "@/a", "a/@s"] {
        assert_eq!(install_path(bad), None, "{bad:?}");
    }
}

#[test]
fn errors_name_the_file_the_entry_and_the_line() {
    assert_eq!(
        err("{\"lockfileVersion\": 9, \"packages\": {}}"),
        "bun.lock: line 1: unknown bun.lock lockfileVersion 9 (lockproof reads 0 to 3)"
    );
    assert_eq!(
        err("{\"packages\": {}}"),
        "bun.lock: line 1: the lockfile: no lockfileVersion"
    );
    assert_eq!(
        err("{\"lockfileVersion\": 1,\n \"packages\": {\n  \"a\": [\"a@1.0.0\"]\n }\n}"),
        "bun.lock: line 3: packages[\"a\"]: no registry item"
    );
    assert_eq!(
        err("{\"lockfileVersion\": 1,\n \"packages\": {\n  \"a\": [\"a@1.0.0\", 5]\n }\n}"),
        "bun.lock: line 3: packages[\"a\"].[1]: expected string, found number"
    );
    assert_eq!(
        err("{\"lockfileVersion\": 1,\n \"packages\": {\n  \"a\": {}\n }\n}"),
        "bun.lock: line 3: packages[\"a\"]: expected array, found object"
    );
    assert_eq!(
        err(
            "{\"lockfileVersion\": 1,\n \"packages\": {\n  \"a/\": [\"a@1.0.0\", \"\", {}, \"\"]\n }\n}"
        ),
        "bun.lock: line 3: packages[\"a/\"]: the key is not a package path"
    );
    assert_eq!(
        err("{\"lockfileVersion\": 1, // trailing\n \"packages\": {,}\n}"),
        "bun.lock: malformed JSON: expected a string key at line 2, column 15"
    );
}

#[test]
fn hostile_input_is_refused_or_read_in_one_pass() {
    let deep = format!(
        "{{\"lockfileVersion\": 1, \"packages\": {}",
        "[".repeat(1_000_000)
    );
    assert!(err(&deep).contains("nesting too deep"), "{}", err(&deep));
    let comments = format!(
        "{{\"lockfileVersion\": 1, {} \"packages\": {{}}}}",
        "/* , ] */ // ,}\n".repeat(200_000)
    );
    assert!(read(&comments).entries.is_empty());
    let mut many = String::from("{\"lockfileVersion\": 1, \"packages\": {");
    for i in 0..100_000 {
        many.push_str(&format!(
            "\"a{i}/b\": [\"b@1.0.0\", \"\", {{}}, \"{SHA512}\"],"
        ));
    }
    many.push_str("}}");
    assert_eq!(read(&many).entries.len(), 100_000);
}
