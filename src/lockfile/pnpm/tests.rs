use std::path::Path;

use super::*;
use crate::lockfile::{IntegrityField, Resolved};

const SHA512: &str = "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==";
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn read(text: &str) -> Lockfile {
    parse(Path::new("pnpm-lock.yaml"), text).unwrap()
}

fn err(text: &str) -> String {
    parse(Path::new("pnpm-lock.yaml"), text)
        .unwrap_err()
        .to_string()
}

fn find<'l>(lockfile: &'l Lockfile, path: &str) -> &'l Entry {
    lockfile
        .entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no {path} in {:?}", paths(lockfile)))
}

fn paths(lockfile: &Lockfile) -> Vec<&str> {
    lockfile.entries.iter().map(|e| e.path.as_str()).collect()
}

fn v9() -> String {
    format!(
        "lockfileVersion: '9.0'

settings:
  autoInstallPeers: true

catalogs:
  default:
    react:
      specifier: ^18.0.0
      version: 18.2.0

patchedDependencies:
  ms@2.1.3:
    hash: abc123
    path: patches/ms@2.1.3.patch

importers:

  .:
    dependencies:
      react:
        specifier: 'catalog:'
        version: 18.2.0
      local:
        specifier: link:../local
        version: link:../local

  packages/ws-a:
    dependencies:
      ms:
        specifier: ^2.1.3
        version: 2.1.3(patch_hash=abc123)

packages:

  '@esbuild/linux-x64@0.25.12':
    resolution: {{integrity: {SHA512}}}
    engines: {{node: '>=18'}}
    cpu: [x64]
    os: [linux]

  ms@2.1.3:
    resolution: {{integrity: {SHA512}}}

  react@18.2.0:
    resolution: {{integrity: {SHA512}}}
    peerDependencies:
      loose-envify: '*'

  vendored@file:vendor/vendored-1.0.0.tgz:
    resolution: {{integrity: {SHA512}, tarball: file:vendor/vendored-1.0.0.tgz}}
    version: 1.0.0

  remote@https://example.com/remote-1.0.0.tgz:
    resolution: {{tarball: https://example.com/remote-1.0.0.tgz}}
    version: 1.0.0

  folder@file:packages/folder:
    resolution: {{directory: packages/folder, type: directory}}

  gitdep@git+https://github.com/o/gitdep.git#{COMMIT}:
    resolution: {{commit: {COMMIT}, repo: https://github.com/o/gitdep.git, type: git}}
    version: 2.0.0

  node@runtime:22.0.0:
    resolution: {{type: variations, variants: []}}

snapshots:

  '@esbuild/linux-x64@0.25.12':
    optional: true

  ms@2.1.3(patch_hash=abc123): {{}}

  react@18.2.0(loose-envify@1.4.0):
    optional: true

  react@18.2.0: {{}}
"
    )
}

#[test]
fn reads_registry_tarball_folder_and_git_resolutions() {
    let lock = read(&v9());
    assert_eq!(lock.format, LockfileFormat::Pnpm(PnpmVersion::V9));
    assert_eq!(lock.version_line, 1);
    assert!(lock.root.is_none());
    let esbuild = find(&lock, "@esbuild/linux-x64@0.25.12");
    assert_eq!(esbuild.name, "@esbuild/linux-x64");
    assert_eq!(esbuild.version.as_deref(), Some("0.25.12"));
    assert_eq!(esbuild.source, SourceKind::Registry);
    assert_eq!(esbuild.resolved, Resolved::Absent);
    assert!(matches!(esbuild.integrity, IntegrityField::Valid(_)));
    assert_eq!(esbuild.platform().cpu, vec!["x64"]);
    assert_eq!(esbuild.platform().os, vec!["linux"]);
    assert!(esbuild.flags.optional, "every snapshot is optional");
    assert_eq!(esbuild.line, 36);

    let vendored = find(&lock, "vendored@file:vendor/vendored-1.0.0.tgz");
    assert_eq!(
        (vendored.name.as_str(), vendored.version.as_deref()),
        ("vendored", Some("1.0.0"))
    );
    assert_eq!(vendored.source, SourceKind::LocalFile);
    let remote = find(&lock, "remote@https://example.com/remote-1.0.0.tgz");
    assert_eq!(remote.source, SourceKind::RemoteTarball);
    assert_eq!(remote.integrity, IntegrityField::Absent);
    assert_eq!(
        remote
            .url
            .as_ref()
            .map(crate::lockfile::ResolvedUrl::as_str),
        Some("https://example.com/remote-1.0.0.tgz")
    );
    let folder = find(&lock, "folder@file:packages/folder");
    assert_eq!(folder.source, SourceKind::Link);
    assert_eq!(folder.version, None);
    assert_eq!(
        folder.resolved,
        Resolved::Url("file:packages/folder".into())
    );
    let git = find(
        &lock,
        &format!("gitdep@git+https://github.com/o/gitdep.git#{COMMIT}"),
    );
    assert_eq!(git.source, SourceKind::Git);
    assert_eq!(
        git.resolved,
        Resolved::Url(format!("git+https://github.com/o/gitdep.git#{COMMIT}"))
    );
    assert_eq!(
        git.url
            .as_ref()
            .and_then(crate::lockfile::ResolvedUrl::host_str),
        Some("github.com")
    );
    let runtime = find(&lock, "node@runtime:22.0.0");
    assert_eq!(runtime.source, SourceKind::Unrecognized);
}

#[test]
fn snapshots_patches_and_importers() {
    let lock = read(&v9());
    let react = find(&lock, "react@18.2.0");
    assert!(
        !react.flags.optional,
        "one of its snapshots is not optional"
    );
    assert_eq!(react.patch, None);
    assert_eq!(find(&lock, "ms@2.1.3").patch.as_deref(), Some("abc123"));
    let ws = find(&lock, "packages/ws-a");
    assert_eq!(ws.source, SourceKind::Workspace);
    assert_eq!(ws.name, "ws-a");
    assert_eq!(ws.line, 28);
    assert!(
        !paths(&lock).iter().any(|p| p.contains("local")),
        "links of importers are not packages"
    );
    assert_eq!(lock.entries.len(), 9);
}

#[test]
fn reads_both_documents_of_a_pnpm_10_lockfile() {
    let env = format!(
        "---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    configDependencies: {{}}\n    packageManagerDependencies:\n      pnpm:\n        specifier: 12.0.0\n        version: 12.0.0\n\npackages:\n\n  pnpm@12.0.0:\n    resolution: {{integrity: {SHA512}}}\n    hasBin: true\n\nsnapshots:\n\n  pnpm@12.0.0: {{}}\n\n---\n"
    );
    let lock = read(&format!("{env}{}", v9()));
    let pnpm = find(&lock, "env:pnpm@12.0.0");
    assert_eq!((pnpm.name.as_str(), pnpm.line), ("pnpm", 15));
    let ms = find(&lock, "ms@2.1.3");
    assert_eq!(ms.line, 23 + 42);
    assert_eq!(lock.version_line, 24);
    assert_eq!(lock.entries.len(), 10);
}

#[test]
fn reads_6_and_5_keys_and_their_flags() {
    let v6 = format!(
        "lockfileVersion: '6.0'\n\npackages:\n\n  /@s/a@1.0.0(react@18.2.0):\n    resolution: {{integrity: {SHA512}}}\n    dev: true\n    requiresBuild: true\n\n  /b@2.0.0:\n    resolution: {{integrity: {SHA512}}}\n    dev: false\n    optional: true\n\n  github.com/o/c/{COMMIT}:\n    resolution: {{tarball: https://codeload.github.com/o/c/tar.gz/{COMMIT}}}\n    name: c\n    version: 3.0.0\n    dev: false\n"
    );
    let lock = read(&v6);
    assert_eq!(
        lock.format,
        LockfileFormat::Pnpm(PnpmVersion::V6 { minor: 0 })
    );
    let a = find(&lock, "/@s/a@1.0.0(react@18.2.0)");
    assert_eq!(
        (a.name.as_str(), a.version.as_deref()),
        ("@s/a", Some("1.0.0"))
    );
    assert!(a.flags.dev && a.has_install_script);
    let b = find(&lock, "/b@2.0.0");
    assert!(b.flags.optional && !b.flags.dev);
    let c = find(&lock, &format!("github.com/o/c/{COMMIT}"));
    assert_eq!(
        (c.name.as_str(), c.version.as_deref()),
        ("c", Some("3.0.0"))
    );
    assert_eq!(c.source, SourceKind::RemoteTarball);

    let v5 = format!(
        "lockfileVersion: 5.4\n\nspecifiers:\n  react-dom: ^17.0.2\n\npackages:\n\n  /react-dom/17.0.2_react@17.0.2:\n    resolution: {{integrity: {SHA512}}}\n    dev: false\n\n  /@s/x/1.0.0:\n    resolution: {{integrity: {SHA512}}}\n"
    );
    let lock = read(&v5);
    assert_eq!(
        lock.format,
        LockfileFormat::Pnpm(PnpmVersion::V5 { minor: 4 })
    );
    let rd = find(&lock, "/react-dom/17.0.2_react@17.0.2");
    assert_eq!(
        (rd.name.as_str(), rd.version.as_deref()),
        ("react-dom", Some("17.0.2"))
    );
    let x = find(&lock, "/@s/x/1.0.0");
    assert_eq!(
        (x.name.as_str(), x.version.as_deref()),
        ("@s/x", Some("1.0.0"))
    );
    assert_eq!(x.line, 12);
}

#[test]
fn errors_name_the_file_the_entry_and_the_line() {
    assert_eq!(
        err("lockfileVersion: '7.0'\n"),
        "pnpm-lock.yaml: line 1: unknown pnpm lockfileVersion 7.0 (lockproof reads 5.3, 5.4, 6.0, 6.1 and 9.0)"
    );
    assert_eq!(
        err("packages: {}\n"),
        "pnpm-lock.yaml: line 1: the lockfile: no lockfileVersion"
    );
    assert_eq!(
        err("lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    cpu: x64\n"),
        "pnpm-lock.yaml: line 3: packages[\"a@1.0.0\"]: no resolution"
    );
    assert_eq!(
        err(
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {type: git, repo: x}\n"
        ),
        "pnpm-lock.yaml: line 4: packages[\"a@1.0.0\"].resolution.commit: missing"
    );
    assert_eq!(
        err("lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: [1]}\n"),
        "pnpm-lock.yaml: line 4: packages[\"a@1.0.0\"].resolution.integrity: expected string, found array"
    );
    assert_eq!(
        err("lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [1]\n"),
        "pnpm-lock.yaml: line 3: packages[\"a@1.0.0\"]: expected object, found array"
    );
    assert_eq!(
        err("lockfileVersion: '9.0'\npackages:\n  nameless:\n    resolution: {integrity: x}\n"),
        "pnpm-lock.yaml: line 3: packages[\"nameless\"]: the key names no package and there is no name field"
    );
    assert_eq!(
        err(
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x}\n   bad: indent\n"
        ),
        "pnpm-lock.yaml: malformed YAML: while parsing a block mapping, did not find expected key at line 5, column 4"
    );
    assert!(err("---\nlockfileVersion: '9.0'\n---\nlockfileVersion: '9.0'\n---\nlockfileVersion: '9.0'\n").contains("at most two"));
    assert!(matches!(
        parse(Path::new("p"), "# only a comment\n"),
        Err(LockfileError::Empty(_))
    ));
}

#[test]
fn hostile_names_are_kept_for_the_checks_to_judge() {
    let lock = read(&format!(
        "lockfileVersion: '9.0'\npackages:\n  '../../evil@1.0.0':\n    resolution: {{integrity: {SHA512}}}\n"
    ));
    let e = &lock.entries[0];
    assert_eq!(e.name, "../../evil");
    assert!(crate::lockfile::name::name_problem(&e.name).is_some());
}

#[test]
fn a_huge_lockfile_is_read_in_one_pass() {
    let mut text = String::from("lockfileVersion: '9.0'\n\npackages:\n\n");
    for i in 0..50_000 {
        text.push_str(&format!(
            "  p{i}@1.0.0:\n    resolution: {{integrity: {SHA512}}}\n\n"
        ));
    }
    text.push_str("snapshots:\n\n");
    for i in 0..50_000 {
        text.push_str(&format!("  p{i}@1.0.0(peer@1.0.0):\n    optional: true\n"));
    }
    let lock = read(&text);
    assert_eq!(lock.entries.len(), 50_000);
    assert!(lock.entries.iter().all(|e| e.flags.optional));
}
