//! Archives built to make the inspection keep much more than they weigh:
//! what is kept must stay bounded whatever the entry count or field sizes.

use super::*;

#[test]
fn text_in_violations_is_shortened() {
    assert_eq!(shown("package/a"), "package/a");
    let exact = "a".repeat(SHOWN_CHARS);
    assert_eq!(shown(&exact), exact);
    // Cut on a character, not a byte, boundary.
    let long = format!("/{}", "é".repeat(SHOWN_CHARS));
    assert_eq!(
        shown(&long),
        format!("/{}…({} bytes)", "é".repeat(SHOWN_CHARS - 1), long.len())
    );
}

#[test]
fn symlinks_inheriting_a_large_global_linkpath_stay_bounded() {
    // The reviewer's case: one global pax link target, half a MiB here
    // (node-tar allows 1 MiB), applies to every later link; thousands of
    // symlinks each used to keep a copy of it in their violation.
    let links = 3000;
    let target = format!("/{}", "a".repeat(512 * 1024));
    let mut tar = package();
    tar.pax_as(b'g', &[("linkpath", &target)]);
    for i in 0..links {
        // The header's own target is overridden by the global one.
        tar.entry(&format!("package/l{i}"), b'2', b"", "x");
    }
    let found = check_tar(&mut tar);
    assert!(found.complete);
    assert_eq!(found.entries, 3 + links as u64);
    assert_eq!(found.violations.len(), LISTED_ENTRY_VIOLATIONS + 1);
    let kept = LISTED_ENTRY_VIOLATIONS as u64;
    assert_eq!(
        found.violations.last(),
        Some(&Violation::TooManyViolations {
            more: links as u64 - kept
        })
    );
    let shortened = format!("/{}…({} bytes)", "a".repeat(SHOWN_CHARS - 1), target.len());
    for v in &found.violations[..LISTED_ENTRY_VIOLATIONS] {
        let Violation::LinkEscapes { target, hard, .. } = v else {
            panic!("{v:?}");
        };
        assert_eq!(target, &shortened);
        assert!(!hard);
    }
    let stored: usize = found
        .violations
        .iter()
        .map(|v| format!("{v:?}").len())
        .sum();
    assert!(stored < LISTED_ENTRY_VIOLATIONS * 400, "{stored} bytes");
}

#[test]
fn a_stop_stays_the_last_violation_after_the_count() {
    let mut tar = package();
    for i in 0..LISTED_ENTRY_VIOLATIONS + 5 {
        tar.entry(&format!("/abs/{i}"), b'6', b"", "");
    }
    let mut bad = Tar::header("package/x", b'0', 0, "");
    bad[0] = b'q';
    tar.raw(&bad);
    let found = check_tar(&mut tar);
    assert!(!found.complete);
    let n = found.violations.len();
    assert_eq!(n, LISTED_ENTRY_VIOLATIONS + 2);
    assert_eq!(
        found.violations[n - 2],
        // Each FIFO at an absolute path is two violations.
        Violation::TooManyViolations {
            more: 2 * (LISTED_ENTRY_VIOLATIONS as u64 + 5) - LISTED_ENTRY_VIOLATIONS as u64
        }
    );
    assert!(matches!(
        found.violations[n - 1],
        Violation::BadHeader { .. }
    ));
}

#[test]
fn duplicate_manifests_keep_the_first_paths_and_the_count() {
    let long = format!("{}/package.json", "p".repeat(1000));
    let mut tar = package();
    tar.pax(&[("path", &long)]).file("package/x", b"{}");
    for _ in 0..30 {
        tar.file("package/package.json", b"{}");
    }
    let found = check_tar(&mut tar);
    let [Violation::DuplicateManifest { count, paths }] = found.violations.as_slice() else {
        panic!("{:?}", found.violations);
    };
    assert_eq!(*count, 32);
    assert_eq!(paths.len(), LISTED_MANIFESTS);
    assert_eq!(paths[0], "package/package.json");
    assert_eq!(paths[1], shown(&long));
    assert!(paths[1].len() < SHOWN_CHARS + 20);
    assert!(
        found.violations[0]
            .to_string()
            .ends_with(&format!("(the first {LISTED_MANIFESTS} shown)"))
    );
}

#[test]
fn a_long_dependency_name_is_shortened() {
    let name = "n".repeat(10_000);
    let manifest = format!(r#"{{"dependencies":{{"{name}":1}}}}"#);
    let mut tar = Tar::default();
    tar.file("package/package.json", manifest.as_bytes());
    let found = check_tar(&mut tar);
    assert_eq!(
        found.violations,
        [Violation::ManifestFieldType {
            field: shown(&format!("dependencies.{name}")),
            expected: "a string",
        }]
    );
}
