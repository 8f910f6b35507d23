//! The GitHub Action's audit step (`scripts/action/run.sh`) run as the
//! runner runs it: a fixture repository in a temporary folder, a
//! pull_request event, and the runner's files (`GITHUB_OUTPUT`,
//! `GITHUB_STEP_SUMMARY`); lockproof is the test binary, offline, so nothing
//! is installed and no network is used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::diff::git;
use crate::fake_registry::sri;
use crate::util::root;

/// A registry entry of a v3 lockfile.
fn registry(name: &str, version: &str, integrity: bool) -> Value {
    let mut e = json!({
        "version": version,
        "resolved": format!("https://registry.npmjs.org/{name}/-/{name}-{version}.tgz"),
    });
    if integrity {
        e["integrity"] = sri(&format!("{name}@{version}")).into();
    }
    e
}

fn lockfile(entries: &[(&str, Value)]) -> String {
    let mut packages = serde_json::Map::new();
    packages.insert("".into(), json!({"name": "app", "version": "1.0.0"}));
    for (path, e) in entries {
        packages.insert((*path).to_string(), e.clone());
    }
    let lock = json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": packages,
    });
    serde_json::to_string_pretty(&lock).expect("serializable") + "\n"
}

/// 1-based line of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} not in the lockfile"))
}

/// The repository a pull request is run on: two lockfiles. At the base
/// commit the root one already has an entry without integrity (a high
/// finding the pull request did not bring); the pull request bumps `ms` in
/// `web/` and adds `evil`, whose tarball comes from another host.
struct Scenario {
    dir: tempfile::TempDir,
    base: String,
    web_lock: String,
}

impl Scenario {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(ws.join("web")).expect("mkdir");
        let root_lock = lockfile(&[("node_modules/old", registry("old", "1.0.0", false))]);
        std::fs::write(ws.join("package-lock.json"), &root_lock).expect("write");
        let web = |entries: &[(&str, Value)]| {
            let text = lockfile(entries);
            std::fs::write(ws.join("web/package-lock.json"), &text).expect("write");
            text
        };
        web(&[("node_modules/ms", registry("ms", "2.1.2", true))]);
        git(&ws, &["init", "--quiet"]);
        git(&ws, &["add", "."]);
        git(&ws, &["commit", "--quiet", "-m", "base"]);
        let base = rev_parse(&ws);
        let web_lock = web(&[
            ("node_modules/ms", registry("ms", "2.1.3", true)),
            (
                "node_modules/evil",
                json!({
                    "version": "1.0.0",
                    "resolved": "https://evil.example.com/x.tgz",
                    "integrity": sri("evil"),
                }),
            ),
        ]);
        git(&ws, &["commit", "--quiet", "-am", "pull request"]);
        Scenario {
            dir,
            base,
            web_lock,
        }
    }

    fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// Runs the action's script with the runner's environment and `inputs`
    /// (`INPUT_*`), on a pull_request event whose base is `base`.
    fn run(&self, base: &str, inputs: &[(&str, &str)]) -> Step {
        self.run_in(&self.ws(), base, inputs)
    }

    /// [`Scenario::run`] with another checkout as the workspace.
    fn run_in(&self, workspace: &Path, base: &str, inputs: &[(&str, &str)]) -> Step {
        let tmp = self.dir.path();
        let event = tmp.join("event.json");
        let payload = json!({"action": "synchronize", "pull_request": {"base": {"sha": base}}});
        std::fs::write(&event, payload.to_string()).expect("write event");
        let (output, summary) = (tmp.join("output"), tmp.join("summary.md"));
        for f in [&output, &summary] {
            std::fs::write(f, "").expect("runner file");
        }
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("scripts/action/run.sh"))
            .current_dir(tmp)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", tmp)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CEILING_DIRECTORIES", tmp)
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("RUNNER_TEMP", tmp)
            .env("LOCKPROOF_BIN", assert_cmd::cargo::cargo_bin("lockproof"))
            .env("LOCKPROOF_OFFLINE", "1")
            .env("LOCKPROOF_CACHE_DIR", tmp.join("cache"))
            // Offline, strict mode (the action's default) fails on every
            // registry entry; these scenarios are about what is reported.
            .env("INPUT_STRICT", "false");
        for (k, v) in inputs {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("bash runs");
        Step {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: std::fs::read_to_string(&output)
                .expect("outputs")
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            summary: std::fs::read_to_string(&summary).expect("summary"),
        }
    }
}

fn rev_parse(dir: &Path) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// What one run of the step left behind.
struct Step {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
}

impl Step {
    fn output(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .unwrap_or_else(|| panic!("no output {name}: {:?}", self.outputs))
    }

    fn annotations(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with("::"))
            .collect()
    }
}

/// The scenario, or `None` (the test is skipped, saying why) where there is
/// no bash to run the action's script with.
fn scenario() -> Option<Scenario> {
    if Command::new("bash").arg("-c").arg("true").output().is_err() {
        eprintln!("skipped: bash is not installed, so the action's script cannot run");
        return None;
    }
    Some(Scenario::new())
}

#[test]
fn a_pull_request_is_judged_on_what_it_changes() {
    let Some(s) = scenario() else { return };
    let web_abs = s.ws().join("web").display().to_string();
    let step = s.run(
        &s.base,
        &[
            // A file and a folder, one absolute: annotations still name
            // paths relative to the workspace.
            ("INPUT_PATH", &format!("package-lock.json\n  {web_abs}  \n")),
            ("INPUT_SARIF", "reports/lockproof.sarif"),
            (
                "INPUT_ARGS",
                "--jobs '2' --registry \"http://127.0.0.1:9/\"",
            ),
        ],
    );
    assert_eq!(step.code, 1, "{}\n{}", step.stdout, step.stderr);

    let line = line_of(&s.web_lock, "\"node_modules/evil\"");
    assert_eq!(
        step.annotations(),
        vec![
            format!(
                "::error file=web/package-lock.json,line={line},title=lockproof host-not-allowed \
                 (high)::evil@1.0.0 (host-not-allowed): downloaded from \"evil.example.com\", \
                 which is not an allowed host (registry.npmjs.org, registry.yarnpkg.com)"
            ),
            format!(
                "::warning file=web/package-lock.json,line={line},title=lockproof \
                 remote-tarball-source (medium)::evil@1.0.0 (remote-tarball-source): installs a \
                 tarball from an arbitrary URL: https://evil.example.com/x.tgz"
            ),
        ],
        "the root lockfile did not change: its missing integrity is not reported"
    );

    assert_eq!(step.output("findings"), "2");
    assert_eq!(step.output("highest-severity"), "high");
    // `ms` changed and is a registry entry: offline, its level is unknown.
    assert_eq!(
        step.output("trust-summary"),
        "staged=0 trusted-publisher=0 provenance=0 signed=0 none=0 unknown=1"
    );
    assert_eq!(step.output("sarif"), "reports/lockproof.sarif");
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(s.ws().join("reports/lockproof.sarif")).expect("SARIF written"),
    )
    .expect("SARIF is JSON");
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "web/package-lock.json"
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(step.output("report")).expect("JSON report written"),
    )
    .expect("JSON");
    assert_eq!(report["diff"]["base"], s.base.as_str());

    for want in [
        "## ❌ lockproof",
        &format!("diff against `{}`", s.base),
        "| `package-lock.json` | 3 | 1 | high |",
        "| `web/package-lock.json` | 3 | 2 | high |",
        &format!("| high | `host-not-allowed` | `evil@1.0.0` | `web/package-lock.json:{line}` |"),
        "| `version-bump` | `ms@2.1.3` | `node_modules/ms` | 2\\.1\\.2 → 2\\.1\\.3 |",
    ] {
        assert!(step.summary.contains(want), "{want}\n{}", step.summary);
    }
    assert!(!step.summary.contains("WARNING"), "{}", step.summary);
}

#[test]
fn a_base_commit_missing_from_the_checkout_falls_back_to_a_full_audit() {
    let Some(s) = scenario() else { return };
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let step = s.run(missing, &[]);
    assert_eq!(step.code, 1, "{}\n{}", step.stdout, step.stderr);
    let annotations = step.annotations();
    assert!(
        annotations[0].starts_with(&format!(
            "::warning title=lockproof::The pull request's base commit {missing} is not in the \
             checkout (use actions/checkout with fetch-depth: 0)"
        )),
        "{annotations:?}"
    );
    // A full audit: the root lockfile's old finding is reported too.
    let line = line_of(
        &lockfile(&[("node_modules/old", registry("old", "1.0.0", false))]),
        "old",
    );
    assert!(
        annotations.contains(
            &format!(
                "::error file=package-lock.json,line={line},title=lockproof integrity-missing \
             (high)::old@1.0.0 (integrity-missing): no integrity hash: npm cannot check the \
             downloaded bytes"
            )
            .as_str()
        ),
        "{annotations:?}"
    );
    // No path input: the lockfile at the workspace root only.
    assert_eq!(step.output("findings"), "1");
    assert!(
        step.summary.starts_with(&format!(
            "> [!WARNING]\n> The pull request's base commit {missing} is not in the checkout"
        )),
        "{}",
        step.summary
    );
    assert!(!step.summary.contains("diff against"), "{}", step.summary);
}

/// actions/checkout fetches one commit by default: the base is fetched
/// from origin, and the pull request is still judged on what it changes.
#[test]
fn a_shallow_checkout_fetches_the_base_commit_from_origin() {
    let Some(s) = scenario() else { return };
    let shallow = s.dir.path().join("shallow");
    let origin = format!("file://{}", s.ws().display());
    git(
        s.dir.path(),
        &["clone", "--quiet", "--depth=1", &origin, "shallow"],
    );
    let step = s.run_in(&shallow, &s.base, &[("INPUT_PATH", "web")]);
    assert_eq!(step.code, 1, "{}\n{}", step.stdout, step.stderr);
    assert!(
        !step.stdout.contains("::warning title=lockproof::"),
        "{}",
        step.stdout
    );
    assert!(
        step.summary.contains(&format!("diff against `{}`", s.base)),
        "{}",
        step.summary
    );
    assert_eq!(step.output("findings"), "2");
}

#[test]
fn errors_exit_2_with_the_reason_in_the_summary() {
    let Some(s) = scenario() else { return };
    // `base: none` audits in full; a folder without a lockfile is an error.
    let step = s.run(
        &s.base,
        &[("INPUT_BASE", "none"), ("INPUT_PATH", "no-such-folder")],
    );
    assert_eq!(step.code, 2, "{}\n{}", step.stdout, step.stderr);
    assert!(
        step.summary
            .starts_with("## ⚠️ lockproof could not run the audit (exit 2)\n\n<pre>\n"),
        "{}",
        step.summary
    );
    assert!(step.summary.contains("no-such-folder"), "{}", step.summary);
    assert_eq!(step.output("findings"), "");
    assert_eq!(step.output("highest-severity"), "");

    // Arguments that would take the annotations off standard output are
    // refused; an unmatched quote is an error, not a guess.
    for args in ["--format json", "-o out.txt", "--offline 'x"] {
        let step = s.run(&s.base, &[("INPUT_ARGS", args)]);
        assert_eq!(step.code, 2, "{args}: {}", step.stdout);
        assert!(
            step.stdout.starts_with("::error title=lockproof::args: "),
            "{args}: {}",
            step.stdout
        );
    }
}

#[test]
fn a_report_too_large_for_the_job_summary_is_cut_at_a_line_end() {
    let Some(s) = scenario() else { return };
    let step = s.run(
        &s.base,
        &[("LOCKPROOF_SUMMARY_LIMIT", "200"), ("INPUT_BASE", "none")],
    );
    assert_eq!(step.code, 1, "{}\n{}", step.stdout, step.stderr);
    let note = "\n\n*The report was cut to fit the job summary; the JSON report (the step \
                output report) has all of it.*\n";
    let kept = step
        .summary
        .strip_suffix(note)
        .unwrap_or_else(|| panic!("no note: {}", step.summary));
    assert!(
        kept.len() <= 200 && kept.starts_with("## ❌ lockproof\n"),
        "{kept}"
    );
    assert!(kept.ends_with('\n'), "a line cut in two: {kept}");
}

#[test]
fn strict_mode_is_the_default_and_unknown_evidence_fails_the_step() {
    let Some(s) = scenario() else { return };
    let inputs = |strict: &'static str| [("INPUT_BASE", "none"), ("INPUT_STRICT", strict)];
    // Offline with an empty cache: every registry entry's evidence is
    // unknown, which strict mode does not let pass.
    let strict = s.run(&s.base, &inputs("true"));
    assert_eq!(strict.code, 1, "{}\n{}", strict.stdout, strict.stderr);
    assert!(
        strict
            .annotations()
            .iter()
            .any(|a| a.starts_with("::error") && a.contains("fetch-failed")),
        "{:?}",
        strict.annotations()
    );
    let lenient = s.run(&s.base, &inputs("false"));
    assert!(
        !lenient
            .annotations()
            .iter()
            .any(|a| a.contains("fetch-failed")),
        "{:?}",
        lenient.annotations()
    );
    let bad = s.run(&s.base, &inputs("maybe"));
    assert_eq!(bad.code, 2, "{}", bad.stdout);
    // The action's own default is strict.
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let input = action.split("  strict:").nth(1).unwrap_or_default();
    assert!(input.contains("default: \"true\""), "{input}");
}
