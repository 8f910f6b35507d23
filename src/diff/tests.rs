//! Unit tests of the comparison: kinds of change, suspicious integrity
//! changes, and `--base` parsing.

use super::*;

const A: &str = "sha512-Er2nc/H7RrMXZBFCEim6TCmMk02Z8vLC2Rbi1KEBggpo0fS6l0S1nnapwmIi3yW/+GOJap1Krg4w0Hg80oCqgQ==";
const B: &str = "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==";
const SHA1: &str = "sha1-LoWk8c1TjHb0n5gWw5GJTDBB5SA=";

/// One entry: `(path, version, resolved, integrity, hasInstallScript)`.
type Row<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>, bool);

/// A v3 lockfile of `entries`.
fn lock(entries: &[Row]) -> Lockfile {
    let mut packages = serde_json::Map::new();
    packages.insert("".into(), serde_json::json!({"name": "app"}));
    for (path, version, resolved, integrity, script) in entries {
        let mut e = serde_json::json!({"version": version});
        if let Some(r) = resolved {
            e["resolved"] = (*r).into();
        }
        if let Some(i) = integrity {
            e["integrity"] = (*i).into();
        }
        if *script {
            e["hasInstallScript"] = true.into();
        }
        packages.insert((*path).to_string(), e);
    }
    let doc = serde_json::json!({"lockfileVersion": 3, "packages": packages});
    lockfile::parse_bytes(Path::new("package-lock.json"), doc.to_string().as_bytes())
        .expect("test lockfile parses")
}

fn kinds(d: &LockfileDiff, path: &str) -> Vec<&'static str> {
    d.changes
        .iter()
        .find(|c| c.path == path)
        .map(|c| c.kinds.iter().map(|k| k.as_str()).collect())
        .unwrap_or_default()
}

const R: Option<&str> = Some("https://registry.npmjs.org/a/-/a-1.0.0.tgz");

#[test]
fn unchanged_entries_are_not_changes() {
    let base = lock(&[("node_modules/a", "1.0.0", R, Some(A), false)]);
    let now = lock(&[("node_modules/a", "1.0.0", R, Some(A), false)]);
    let d = compare("base".into(), &now, Some(&base), false);
    assert!(d.changes.is_empty());
    assert!(!d.is_changed("node_modules/a"));
}

#[test]
fn new_packages_paths_bumps_and_scripts() {
    let base = lock(&[
        ("node_modules/a", "1.0.0", None, Some(A), false),
        ("node_modules/b", "1.0.0", None, Some(A), false),
    ]);
    let now = lock(&[
        ("node_modules/a", "1.1.0", None, Some(B), true),
        ("node_modules/b", "1.0.0", None, Some(A), false),
        ("node_modules/c", "1.0.0", None, Some(A), true),
        (
            "node_modules/c/node_modules/b",
            "2.0.0",
            None,
            Some(B),
            false,
        ),
    ]);
    let d = compare("base".into(), &now, Some(&base), true);
    assert_eq!(
        kinds(&d, "node_modules/a"),
        ["version-bump", "new-install-script"]
    );
    assert_eq!(d.changes[0].details, ["1.0.0 \u{2192} 1.1.0"]);
    assert_eq!(d.changes[0].base_version.as_deref(), Some("1.0.0"));
    assert_eq!(
        kinds(&d, "node_modules/c"),
        ["new-package", "new-install-script"]
    );
    assert_eq!(kinds(&d, "node_modules/c/node_modules/b"), ["new-path"]);
    assert!(!d.is_changed("node_modules/b"));
    assert_eq!(d.changes.len(), 3);
    assert!(d.changes.iter().all(|c| !c.suspicious));
}

#[test]
fn integrity_changes_without_a_version_change_are_suspicious() {
    let base = lock(&[
        ("node_modules/a", "1.0.0", None, Some(A), false),
        ("node_modules/b", "1.0.0", None, Some(SHA1), false),
        ("node_modules/c", "1.0.0", None, None, false),
        ("node_modules/d", "1.0.0", None, Some(A), false),
        (
            "node_modules/e",
            "1.0.0",
            None,
            Some(&format!("{SHA1} {A}")),
            false,
        ),
    ]);
    let now = lock(&[
        ("node_modules/a", "1.0.0", None, Some(B), false),
        ("node_modules/b", "1.0.0", None, Some(B), false),
        ("node_modules/c", "1.0.0", None, Some(A), false),
        ("node_modules/d", "1.0.0", None, None, false),
        (
            "node_modules/e",
            "1.0.0",
            None,
            Some(&format!("{A} {SHA1}")),
            false,
        ),
    ]);
    let d = compare("base".into(), &now, Some(&base), true);
    let verdicts: Vec<(&str, bool)> = d
        .changes
        .iter()
        .map(|c| (c.path.as_str(), c.suspicious))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("node_modules/a", true),
            ("node_modules/b", true),
            ("node_modules/c", false),
            ("node_modules/d", true),
        ],
        "reordered hashes are no change"
    );
    assert!(d.changes[0].details[0].contains("pins other bytes"));
    assert_eq!(kinds(&d, "node_modules/a"), ["source-change"]);
}

#[test]
fn source_kind_host_and_resolved_changes() {
    let base = lock(&[
        ("node_modules/a", "1.0.0", R, Some(A), false),
        ("node_modules/b", "1.0.0", None, Some(A), false),
        ("node_modules/c", "1.0.0", R, Some(A), false),
    ]);
    let now = lock(&[
        (
            "node_modules/a",
            "1.0.0",
            Some("git+ssh://git@github.com/o/a.git#0123456789abcdef0123456789abcdef01234567"),
            Some(A),
            false,
        ),
        (
            "node_modules/b",
            "1.0.0",
            Some("https://user:secret@evil.example:8443/b/-/b-1.0.0.tgz"),
            Some(A),
            false,
        ),
        (
            "node_modules/c",
            "1.0.0",
            Some("https://registry.npmjs.org/x/-/x-1.0.0.tgz"),
            Some(A),
            false,
        ),
    ]);
    let d = compare("base".into(), &now, Some(&base), true);
    assert_eq!(
        d.changes[0].details,
        [
            "source registry \u{2192} git",
            "host registry.npmjs.org \u{2192} github.com"
        ]
    );
    assert_eq!(
        d.changes[1].details,
        ["host (the configured registry) \u{2192} evil.example:8443"]
    );
    assert!(
        !d.changes[1].details[0].contains("secret"),
        "credentials are never quoted"
    );
    assert_eq!(
        d.changes[2].details,
        ["resolved changed without a version change"]
    );
    assert!(
        d.changes
            .iter()
            .all(|c| c.kinds == [ChangeKind::SourceChange])
    );
}

#[test]
fn a_missing_base_makes_everything_new_and_the_file_changed() {
    let now = lock(&[("node_modules/a", "1.0.0", None, Some(A), false)]);
    let d = compare("HEAD:package-lock.json".into(), &now, None, false);
    assert!(!d.base_found && d.file_changed);
    assert_eq!(kinds(&d, "node_modules/a"), ["new-package"]);
}

#[test]
fn another_package_at_the_same_path_is_new() {
    let base = lock(&[("node_modules/a", "1.0.0", None, Some(A), false)]);
    let mut now = lock(&[("node_modules/a", "2.0.0", None, Some(B), false)]);
    now.entries[0].name = "evil".into();
    let d = compare("base".into(), &now, Some(&base), true);
    assert_eq!(kinds(&d, "node_modules/a"), ["new-package"]);
    assert_eq!(d.changes[0].base_version, None);
    assert_eq!(d.changes[0].details, ["replaces a@1.0.0 at this path"]);
}

#[test]
fn revisions_that_look_like_options_are_refused() {
    assert!(matches!(
        Base::parse("--output=x"),
        Err(DiffError::DashRevision(_))
    ));
    assert!(matches!(Base::parse(" "), Err(DiffError::EmptyBase)));
    assert_eq!(
        Base::parse("origin/main").ok(),
        Some(Base::Rev("origin/main".into()))
    );
    assert_eq!(
        Base::parse("Cargo.toml").ok().map(|b| b.kind()),
        Some(super::BaseKind::File)
    );
}
