//! `lockproof explain` prints the same documentation as `docs/codes/`.

use crate::util::run;

#[test]
fn explain_prints_the_docs_page() {
    let r = run(&["explain", "tarball-name-mismatch"]);
    assert_eq!(r.code, 0);
    let page =
        std::fs::read_to_string(crate::util::root().join("docs/codes/tarball-name-mismatch.md"))
            .unwrap();
    assert_eq!(r.stdout, page);
}

#[test]
fn every_code_has_a_complete_page() {
    let r = run(&["explain", "--list"]);
    assert_eq!(r.code, 0);
    let codes: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(codes.len(), lockproof::finding::Code::ALL.len());
    for code in codes {
        let page = run(&["explain", code]).stdout;
        for section in [
            "## What it means",
            "## Why it matters",
            "## How to fix it",
            "## How to ignore it",
        ] {
            assert!(page.contains(section), "{code} lacks {section}");
        }
        assert!(page.contains("Severity: "), "{code} lacks its severity");
    }
    insta::assert_snapshot!("explain_list", r.stdout);
}

#[test]
fn the_list_keeps_its_columns_whatever_the_code_length() {
    let r = run(&["explain", "--list"]);
    // Where each line's second and third columns start.
    let starts: std::collections::BTreeSet<(usize, usize)> = r
        .stdout
        .lines()
        .map(|line| {
            let severity = line.find(' ').unwrap()
                + line[line.find(' ').unwrap()..]
                    .find(|c: char| c != ' ')
                    .unwrap();
            let gap = severity + line[severity..].find(' ').unwrap();
            let description = gap + line[gap..].find(|c: char| c != ' ').unwrap();
            (severity, description)
        })
        .collect();
    assert_eq!(starts.len(), 1, "{starts:?}");
}

#[test]
fn unknown_code_is_an_error() {
    let r = run(&["explain", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown finding code \"nope\""));
}
