//! Bad input: exit 2 and one line naming the file (and the line and column
//! where there is one). Never a panic.

use crate::util::run;

/// Runs `audit` on `path` and returns stderr, asserting exit 2 and no stdout.
fn fails(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(
        r.code, 2,
        "{args:?}: stdout {} stderr {}",
        r.stdout, r.stderr
    );
    assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.stderr
}

#[test]
fn missing_path() {
    let e = fails(&["audit", "fixtures/does-not-exist"]);
    assert_eq!(
        e,
        "lockproof: error: fixtures/does-not-exist: no such file or folder\n"
    );
}

#[test]
fn folder_without_a_lockfile() {
    let e = fails(&["audit", "fixtures/bad/no-lockfile"]);
    assert_eq!(
        e,
        "lockproof: error: fixtures/bad/no-lockfile: no lockfile in this folder (looked for npm-shrinkwrap.json, package-lock.json, pnpm-lock.yaml, yarn.lock and bun.lock)\n"
    );
}

#[test]
fn malformed_json_names_line_and_column() {
    let e = fails(&["audit", "fixtures/bad/malformed"]);
    assert_eq!(
        e,
        "lockproof: error: fixtures/bad/malformed/package-lock.json: malformed JSON: expected ',' or '}' in an object at line 8, column 7\n"
    );
}

#[test]
fn unknown_lockfile_version() {
    let e = fails(&["audit", "fixtures/bad/unknown-version"]);
    assert!(
        e.contains(
            "fixtures/bad/unknown-version/package-lock.json: line 3: unknown lockfileVersion 99"
        ),
        "{e}"
    );
}

#[test]
fn wrong_json_types() {
    let e = fails(&["audit", "fixtures/bad/wrong-types"]);
    assert!(
        e.contains("package-lock.json: line 6: packages: expected object, found array"),
        "{e}"
    );
    let e = fails(&["audit", "fixtures/bad/wrong-entry-type"]);
    assert!(
        e.contains("line 14: packages[\"node_modules/ms\"]: expected object, found string"),
        "{e}"
    );
}

#[test]
fn empty_file() {
    let e = fails(&["audit", "fixtures/bad/empty"]);
    assert_eq!(
        e,
        "lockproof: error: fixtures/bad/empty/package-lock.json: the file is empty\n"
    );
}

/// Writes `content` as a package-lock.json in a temporary folder and
/// returns stderr of auditing it.
fn fails_on(content: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("package-lock.json");
    std::fs::write(&file, content).unwrap();
    fails(&["audit", file.to_str().unwrap()])
}

#[test]
fn field_types_inside_entries() {
    let e = fails_on(
        b"{\"lockfileVersion\": 3, \"packages\": {\n\"node_modules/a\": {\"version\": 1}}}",
    );
    assert!(
        e.contains("line 2: packages[\"node_modules/a\"].version: expected string, found number"),
        "{e}"
    );
    let e = fails_on(
        b"{\"lockfileVersion\": 3, \"packages\": {\n\"node_modules/a\": {\"dev\": \"yes\"}}}",
    );
    assert!(
        e.contains("packages[\"node_modules/a\"].dev: expected boolean, found string"),
        "{e}"
    );
    let e =
        fails_on(b"{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"os\": [1]}}}");
    assert!(
        e.contains(".os: expected array of strings, found number"),
        "{e}"
    );
    let e =
        fails_on(b"{\"lockfileVersion\": 1, \"dependencies\": {\"a\": {\"dependencies\": []}}}");
    assert!(
        e.contains("dependencies[\"node_modules/a\"].dependencies: expected object, found array"),
        "{e}"
    );
    let e = fails_on(b"{\"lockfileVersion\": \"3\"}");
    assert!(
        e.contains("lockfileVersion: expected number, found string"),
        "{e}"
    );
    let e = fails_on(b"[]");
    assert!(
        e.contains("the lockfile: expected object, found array"),
        "{e}"
    );
}

#[test]
fn hostile_bytes_never_panic() {
    let e = fails_on(b"{\"name\": \"\xff\xfe\"}");
    assert!(e.contains("not valid UTF-8 at line 1, column 11"), "{e}");
    let e = fails_on("[".repeat(200_000).as_bytes());
    assert!(e.contains("nesting too deep"), "{e}");
    let e = fails_on(b"{\"a\": \"\\ud800\\u12\"}");
    assert!(e.contains("invalid \\u escape"), "{e}");
    let e = fails_on(b"   \n  ");
    assert!(e.contains("the file is empty"), "{e}");
    let e = fails_on(b"{\"lockfileVersion\": 3, \"packages\": {}} trailing");
    assert!(
        e.contains("unexpected data after the JSON value at line 1, column 40"),
        "{e}"
    );
}

#[test]
fn bad_config_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("lockproof.toml");
    std::fs::write(
        &cfg,
        "[levels]\ngit-source = \"deny\"\nno-such-code = \"allow\"\n",
    )
    .unwrap();
    let e = fails(&["audit", "fixtures/clean", "--config", cfg.to_str().unwrap()]);
    assert!(
        e.contains("lockproof.toml: line 3: unknown finding code \"no-such-code\""),
        "{e}"
    );
    std::fs::write(&cfg, "fail-on = \"high\"\ncolour = true\n").unwrap();
    let e = fails(&["audit", "fixtures/clean", "--config", cfg.to_str().unwrap()]);
    assert!(
        e.contains("lockproof.toml: line 2: unknown field `colour`"),
        "{e}"
    );
    let e = fails(&["audit", "fixtures/clean", "--config", "fixtures/nope.toml"]);
    assert!(e.contains("fixtures/nope.toml: cannot read"), "{e}");
}

#[test]
fn usage_errors_exit_2() {
    let r = run(&["audit", "--fail-on", "severe", "fixtures/clean"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("expected critical, high, medium, low or info"),
        "{}",
        r.stderr
    );
    let r = run(&["audit", "--format", "xml"]);
    assert_eq!(r.code, 2);
    let r = run(&["--output"]);
    assert_eq!(r.code, 2);
}

#[test]
fn unwritable_output_is_an_error() {
    let e = fails(&[
        "audit",
        "fixtures/clean",
        "--output",
        "fixtures/no-such-dir/report.json",
    ]);
    assert!(
        e.contains("fixtures/no-such-dir/report.json: cannot write the report"),
        "{e}"
    );
}

/// A path or value in an error line is the input's to choose (issue 13): a
/// folder named with a newline and `::add-mask::` must not start a second
/// line that GitHub Actions runs as a workflow command, an escape code must
/// not reach the terminal, and a 100,000-digit `lockfileVersion` must not
/// flood the log. The error is one escaped line of bounded length.
#[test]
fn error_lines_are_one_escaped_line_of_bounded_length() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("x\n::add-mask::secret\u{1b}[31m");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("package-lock.json"), b"{").unwrap();
    let e = fails(&["audit", folder.to_str().unwrap()]);
    assert_eq!(e.lines().count(), 1, "{e:?}");
    assert!(!e.contains('\u{1b}'), "{e:?}");
    assert!(
        e.contains("x\\u{a}::add-mask::secret\\u{1b}[31m/package-lock.json: "),
        "{e:?}"
    );

    let e = fails_on(format!("{{\"lockfileVersion\": {}}}", "9".repeat(100_000)).as_bytes());
    let start: String = e.chars().take(300).collect();
    assert_eq!(e.lines().count(), 1, "{start}");
    assert!(e.len() < 1000, "{} bytes: {start}", e.len());
    assert!(
        e.contains(&format!(
            "line 1: unknown lockfileVersion {}… (lockproof reads",
            "9".repeat(20)
        )),
        "{start}"
    );
}

/// A thread pool that cannot start (its threads' stacks larger than the
/// memory limit, so the first of them cannot be had and nothing else runs
/// short) is an error naming why, exit 2, not rayon's panic where the pool
/// is first used.
#[test]
#[cfg(target_os = "linux")]
fn a_thread_pool_that_cannot_start_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 1000000 && exec "$0" audit --offline --quiet fixtures/clean/package-lock.json"#)
        .arg(assert_cmd::cargo::cargo_bin("lockproof"))
        .current_dir(crate::util::root())
        .env("HOME", home.path())
        .env("LOCKPROOF_CACHE_DIR", home.path().join("cache"))
        .env("LOCKPROOF_OFFLINE", "1")
        .env("RUST_MIN_STACK", (4u64 << 30).to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("lockproof: error: cannot start the thread pool: ")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}
