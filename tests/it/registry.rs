//! Registry checks against the fake registry: a clean lockfile passes, each
//! check fires on its crafted case and nothing else fires, faults end as
//! clear findings (never "verified", never a panic), credentials reach only
//! their own registry, and the cache revalidates and serves `--offline`.

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use crate::fake_registry::{FakeRegistry, FakeVersion, Route, TestKey, lockfile, packument, sri};
use crate::util::lockproof;

/// A temporary project folder with a lockfile and a cache folder.
pub(crate) struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub(crate) fn new(lock: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package-lock.json"), lock).unwrap();
        Self { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    fn cache(&self) -> String {
        self.path().join("cache").display().to_string()
    }

    /// Audits online against `reg` with `extra` arguments.
    pub(crate) fn audit(&self, reg: &FakeRegistry, extra: &[&str]) -> (i32, Value, Output) {
        let cache = self.cache();
        // Quick failure unless the test sets its own limits.
        let mut limits = Vec::new();
        for (flag, value) in [("--retries", "1"), ("--timeout", "3")] {
            if !extra.contains(&flag) {
                limits.extend([flag, value]);
            }
        }
        let out = lockproof()
            .env_remove("LOCKPROOF_OFFLINE")
            .args([
                "audit",
                "--format",
                "json",
                "--registry",
                &reg.url,
                "--cache-dir",
                &cache,
            ])
            .args(&limits)
            .args(extra)
            .arg(self.path())
            .output()
            .unwrap();
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), report, out)
    }
}

/// `(code, package)` pairs written as literals, sorted like [`found`].
pub(crate) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

/// `(code, package)` pairs of the findings, sorted.
pub(crate) fn found(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<_> = crate::util::codes(report);
    v.sort();
    v
}

pub(crate) fn keys_body(keys: &[(&TestKey, Option<&str>)]) -> String {
    json!({"keys": keys.iter().map(|(k, e)| k.keys_entry(*e)).collect::<Vec<_>>()}).to_string()
}

/// A registry serving signed `alpha@1.0.0` and `beta@2.0.0` and its keys.
fn signed_registry(key: &TestKey) -> FakeRegistry {
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_body(&[(key, None)])));
    reg.route(
        "/alpha",
        Route::Json(packument(
            "alpha",
            &[FakeVersion::signed("alpha", "1.0.0", key)],
        )),
    );
    reg.route(
        "/beta",
        Route::Json(packument(
            "beta",
            &[FakeVersion::signed("beta", "2.0.0", key)],
        )),
    );
    reg
}

fn clean_lock() -> String {
    lockfile(&[
        ("alpha", "1.0.0", &sri("alpha@1.0.0")),
        ("beta", "2.0.0", &sri("beta@2.0.0")),
    ])
}

#[test]
fn a_clean_lockfile_passes_with_every_signature_verified() {
    let key = TestKey::new(1);
    let reg = signed_registry(&key);
    let project = Project::new(&clean_lock());
    let (code, report, _) = project.audit(&reg, &[]);
    assert_eq!(found(&report), vec![]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["evidence"]["registry"]["present"], 2);
    assert_eq!(report["summary"]["evidence"]["signatures"]["present"], 2);
    let ua = reg.seen()[0].user_agent.clone().unwrap_or_default();
    assert!(ua.starts_with("lockproof/"), "{ua}");
}

#[test]
fn an_unreachable_advisory_api_is_unknown_and_says_why() {
    let key = TestKey::new(1);
    let reg = signed_registry(&key);
    let project = Project::new(&clean_lock());
    // The harness points the OSV API at a closed port.
    let (code, report, out) = project.audit(&reg, &[]);
    assert_eq!(code, 0, "unknown advisories do not fail without --strict");
    assert_eq!(report["summary"]["advisories"]["unknown"], 2);
    assert_eq!(report["summary"]["advisories"]["absent"], 0);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("advisories unknown for 2 entries: http://127.0.0.1:9/v1/querybatch"),
        "{notes}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, _, _) = project.audit(&reg, &["--strict"]);
    assert_eq!(code, 1, "--strict fails on unknown advisories");
}

#[test]
fn each_registry_check_fires_on_its_case_only() {
    let key = TestKey::new(1);
    let stranger = TestKey::new(2);
    let reg = FakeRegistry::start();
    reg.route(
        "/-/npm/v1/keys",
        Route::Json(keys_body(&[
            (&key, None),
            (&TestKey::new(3), Some("2020-01-01T00:00:00.000Z")),
        ])),
    );
    let old = TestKey::new(3);
    let ok = |n: &str| FakeVersion::signed(n, "1.0.0", &key);
    let mut tampered = ok("tampered");
    tampered.integrity = sri("something else");
    let mut deprecated = ok("deprecated-pkg");
    deprecated.extra = json!({"deprecated": "use v2: critical bug"});
    let mut bad_sig = ok("bad-sig");
    bad_sig.signatures[0].1 = key.sign("bad-sig", "1.0.0", &sri("other bytes"));
    let mut unknown = FakeVersion::unsigned("unknown-key", "1.0.0");
    unknown.signatures = vec![(
        stranger.keyid.clone(),
        stranger.sign("unknown-key", "1.0.0", &unknown.integrity),
    )];
    let mut expired = FakeVersion::unsigned("expired-key", "1.0.0");
    expired.signatures = vec![(
        old.keyid.clone(),
        old.sign("expired-key", "1.0.0", &expired.integrity),
    )];
    expired.published = "2021-01-01T00:00:00.000Z";
    let placeholder = FakeVersion::signed("placeholder", "0.0.1-security", &key);
    for (name, v) in [
        ("good", ok("good")),
        ("tampered", tampered),
        ("deprecated-pkg", deprecated),
        ("bad-sig", bad_sig),
        ("unknown-key", unknown),
        ("expired-key", expired),
        ("no-sig", FakeVersion::unsigned("no-sig", "1.0.0")),
        ("placeholder", placeholder),
        ("old-only", ok("old-only")),
    ] {
        reg.route(&format!("/{name}"), Route::Json(packument(name, &[v])));
    }
    reg.route("/broken", Route::Status(500));
    let lock = lockfile(&[
        ("good", "1.0.0", &sri("good@1.0.0")),
        ("tampered", "1.0.0", &sri("tampered@1.0.0")),
        ("deprecated-pkg", "1.0.0", &sri("deprecated-pkg@1.0.0")),
        ("bad-sig", "1.0.0", &sri("bad-sig@1.0.0")),
        ("unknown-key", "1.0.0", &sri("unknown-key@1.0.0")),
        ("expired-key", "1.0.0", &sri("expired-key@1.0.0")),
        ("no-sig", "1.0.0", &sri("no-sig@1.0.0")),
        (
            "placeholder",
            "0.0.1-security",
            &sri("placeholder@0.0.1-security"),
        ),
        ("old-only", "9.9.9", &sri("old-only@9.9.9")),
        ("no-such-package", "1.0.0", &sri("x")),
        ("broken", "1.0.0", &sri("broken@1.0.0")),
    ]);
    let project = Project::new(&lock);
    let (code, report, _) = project.audit(&reg, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        pairs(&[
            ("registry-integrity-mismatch", "tampered"),
            ("signature-invalid", "tampered"),
            ("deprecated", "deprecated-pkg"),
            ("signature-invalid", "bad-sig"),
            ("signature-unknown-key", "unknown-key"),
            ("signature-key-expired", "expired-key"),
            ("signature-missing", "no-sig"),
            ("security-placeholder", "placeholder"),
            ("version-not-found", "old-only"),
            ("version-not-found", "no-such-package"),
            ("fetch-failed", "broken"),
        ])
    );
    let failed = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "fetch-failed")
        .unwrap();
    assert_eq!(
        (failed["level"].as_str(), failed["fails"].as_bool()),
        (Some("warn"), Some(false))
    );
}

#[test]
fn a_registry_without_signatures_gives_one_line_not_a_finding_per_package() {
    let reg = FakeRegistry::start();
    reg.route(
        "/alpha",
        Route::Json(packument(
            "alpha",
            &[FakeVersion::unsigned("alpha", "1.0.0")],
        )),
    );
    reg.route(
        "/beta",
        Route::Json(packument("beta", &[FakeVersion::unsigned("beta", "2.0.0")])),
    );
    let project = Project::new(&clean_lock());
    let (code, report, _) = project.audit(&reg, &[]);
    assert_eq!((code, found(&report)), (0, vec![]));
    assert_eq!(report["summary"]["evidence"]["signatures"]["unknown"], 2);
    assert_eq!(report["summary"]["evidence"]["signatures"]["absent"], 0);
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes.iter().any(
            |n| n.contains("does not serve signatures") && n.contains("2 entries unverifiable")
        ),
        "{notes:?}"
    );
}

#[test]
fn faults_end_as_unknown_evidence_never_as_verified() {
    let key = TestKey::new(1);
    let faults = [
        ("status-500", Route::Status(500)),
        (
            "slow",
            Route::Slow(std::time::Duration::from_secs(6), "{}".into()),
        ),
        (
            "truncated",
            Route::Truncated(packument(
                "truncated",
                &[FakeVersion::signed("truncated", "1.0.0", &key)],
            )),
        ),
        ("malformed", Route::Json("{\"versions\": {".into())),
        ("wrong-content", Route::Json("[1, 2, 3]".into())),
        ("oversized", Route::Oversized(300_000)),
    ];
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_body(&[(&key, None)])));
    let mut entries = Vec::new();
    for (name, route) in faults.iter().cloned() {
        reg.route(&format!("/{name}"), route);
        entries.push((name, "1.0.0", sri(&format!("{name}@1.0.0"))));
    }
    let refs: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|(n, v, i)| (*n, *v, i.as_str()))
        .collect();
    let project = Project::new(&lockfile(&refs));
    let (code, report, out) =
        project.audit(&reg, &["--max-response-bytes", "200000", "--timeout", "2"]);
    assert_eq!(code, 0, "fetch-failed warns by default");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let codes = found(&report);
    assert_eq!(codes.len(), faults.len(), "{codes:?}");
    assert!(codes.iter().all(|(c, _)| c == "fetch-failed"), "{codes:?}");
    assert_eq!(
        report["summary"]["evidence"]["registry"]["unknown"],
        faults.len()
    );
    assert_eq!(report["summary"]["evidence"]["signatures"]["present"], 0);
    let (code, _, _) = project.audit(
        &reg,
        &[
            "--max-response-bytes",
            "200000",
            "--timeout",
            "2",
            "--config",
            &{
                let cfg = project.path().join("strict.toml");
                std::fs::write(&cfg, "[levels]\nfetch-failed = \"deny\"\n").unwrap();
                cfg.display().to_string()
            },
        ],
    );
    assert_eq!(code, 1, "a strict gate fails on unknown evidence");
}

#[test]
fn retries_after_429_and_5xx_then_succeeds() {
    let key = TestKey::new(1);
    let reg = signed_registry(&key);
    let body = packument("alpha", &[FakeVersion::signed("alpha", "1.0.0", &key)]);
    reg.route(
        "/alpha",
        Route::TooManyThen(1, Box::new(Route::FailThen(1, Box::new(Route::Json(body))))),
    );
    let project = Project::new(&clean_lock());
    let (code, report, _) = project.audit(&reg, &["--retries", "3"]);
    assert_eq!((code, found(&report)), (0, vec![]));
    let alpha_hits = reg.seen().iter().filter(|s| s.path == "/alpha").count();
    assert_eq!(alpha_hits, 3);
}

#[test]
fn the_auth_token_reaches_only_its_own_registry_and_is_never_shown() {
    let key = TestKey::new(1);
    let private = signed_registry(&key);
    let public = FakeRegistry::start();
    public.route("/-/npm/v1/keys", Route::Json(keys_body(&[(&key, None)])));
    public.route(
        "/@other%2fpkg",
        Route::Json(packument(
            "@other/pkg",
            &[FakeVersion::signed("@other/pkg", "1.0.0", &key)],
        )),
    );
    let lock = lockfile(&[
        ("alpha", "1.0.0", &sri("alpha@1.0.0")),
        ("@other/pkg", "1.0.0", &sri("@other/pkg@1.0.0")),
    ]);
    let project = Project::new(&lock);
    std::fs::write(
        project.path().join(".npmrc"),
        format!(
            "@other:registry={}\n//{}/:_authToken=s3cr3t-token-value\n",
            public.url,
            private.authority()
        ),
    )
    .unwrap();
    let cache = project.cache();
    // A token goes over plain http only to a host named outside the
    // repository: here the environment names the private registry.
    let out = lockproof()
        .env_remove("LOCKPROOF_OFFLINE")
        .env("npm_config_registry", &private.url)
        .args([
            "audit",
            "--format",
            "json",
            "--cache-dir",
            &cache,
            "--retries",
            "0",
        ])
        .arg(project.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for s in private.seen() {
        assert_eq!(
            s.authorization.as_deref(),
            Some("Bearer s3cr3t-token-value"),
            "{}",
            s.path
        );
    }
    assert!(!public.seen().is_empty());
    for s in public.seen() {
        assert_eq!(
            s.authorization, None,
            "token leaked to another registry on {}",
            s.path
        );
    }
    assert!(!stdout.contains("s3cr3t") && !String::from_utf8_lossy(&out.stderr).contains("s3cr3t"));
    for entry in walk(Path::new(&cache)) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        assert!(
            !text.contains("s3cr3t"),
            "token cached in {}",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn the_cache_revalidates_and_serves_offline_runs() {
    let key = TestKey::new(1);
    let reg = signed_registry(&key);
    let project = Project::new(&clean_lock());
    let (code, first, _) = project.audit(&reg, &[]);
    assert_eq!(code, 0);
    let (code, second, _) = project.audit(&reg, &[]);
    assert_eq!(code, 0);
    let revalidated = reg
        .seen()
        .iter()
        .filter(|s| s.path == "/alpha" && s.if_none_match.is_some())
        .count();
    assert_eq!(revalidated, 1, "the second run sends If-None-Match");
    assert_eq!(first["summary"], second["summary"]);
    let before = reg.seen().len();
    let (code, offline, _) = project.audit(&reg, &["--offline"]);
    assert_eq!(code, 0);
    assert_eq!(reg.seen().len(), before, "--offline sends nothing");
    assert_eq!(offline["summary"]["evidence"]["signatures"]["present"], 2);
    // A corrupt cache file is discarded and refetched.
    for f in walk(Path::new(&project.cache())) {
        std::fs::write(&f, "{garbage").unwrap();
    }
    let (code, again, _) = project.audit(&reg, &[]);
    assert_eq!(
        (code, &again["summary"]["evidence"]),
        (0, &first["summary"]["evidence"])
    );
}

#[test]
fn a_fresh_cached_packument_is_used_without_asking_the_registry() {
    let key = TestKey::new(1);
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_body(&[(&key, None)])));
    for name in ["alpha", "beta"] {
        let doc = packument(
            name,
            &[FakeVersion::signed(
                name,
                if name == "alpha" { "1.0.0" } else { "2.0.0" },
                &key,
            )],
        );
        reg.route(&format!("/{name}"), Route::Fresh(doc, 300));
    }
    let project = Project::new(&clean_lock());
    let (code, first, _) = project.audit(&reg, &[]);
    assert_eq!(code, 0);
    let asked = |reg: &FakeRegistry| reg.seen().iter().filter(|s| s.path == "/alpha").count();
    assert_eq!(asked(&reg), 1);
    let (code, second, _) = project.audit(&reg, &[]);
    assert_eq!(code, 0);
    assert_eq!(
        asked(&reg),
        1,
        "within max-age the cached packument is used as is"
    );
    assert_eq!(first["summary"], second["summary"]);
}

#[test]
fn offline_without_a_cache_says_which_entries_it_could_not_judge() {
    let project = Project::new(&clean_lock());
    let reg = FakeRegistry::start();
    let (code, report, _) = project.audit(&reg, &["--offline"]);
    assert_eq!(code, 0);
    assert!(reg.seen().is_empty());
    let nj = &report["lockfiles"][0]["evidence"]["not_judged"][0];
    assert_eq!(nj["count"], 2);
    assert_eq!(nj["reason"], "offline, and not in the cache");
    assert_eq!(
        nj["paths"],
        json!(["node_modules/alpha", "node_modules/beta"])
    );
}

#[test]
fn cache_info_and_clean() {
    let key = TestKey::new(1);
    let reg = signed_registry(&key);
    let project = Project::new(&clean_lock());
    project.audit(&reg, &[]);
    let cache = project.cache();
    let info = lockproof()
        .args(["cache", "info", "--cache-dir", &cache])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert_eq!(info.status.code(), Some(0));
    assert!(
        text.contains("files: 3"),
        "two packuments and one key set: {text}"
    );
    assert!(text.contains("registry metadata: "), "{text}");
    assert!(text.contains("advisories: "), "{text}");
    // One line per store, as a person reads it (not one escaped line).
    assert!(!text.contains("\\u{a}"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("files: 3"))
            && text.lines().any(|l| l.starts_with("registry metadata: ")),
        "{text}"
    );
    // Every store goes, an older layout too, and nothing that is not
    // lockproof's: --cache-dir may name a folder holding other things.
    let cache_dir = std::path::Path::new(&cache);
    std::fs::create_dir_all(cache_dir.join("v2/keys")).unwrap();
    std::fs::create_dir_all(cache_dir.join("advisories/v1")).unwrap();
    std::fs::write(cache_dir.join("advisories/v1/x.idx"), "x").unwrap();
    std::fs::write(cache_dir.join("mine.txt"), "keep").unwrap();
    std::fs::create_dir_all(cache_dir.join("vendor")).unwrap();
    let clean = lockproof()
        .args(["cache", "clean", "--cache-dir", &cache])
        .output()
        .unwrap();
    assert_eq!(clean.status.code(), Some(0));
    let said = String::from_utf8_lossy(&clean.stdout);
    assert!(said.contains("(an older lockproof's layout)"), "{said}");
    assert!(
        said.lines().count() > 1 && !said.contains("\\u{a}"),
        "one line per removed store: {said}"
    );
    assert!(!cache_dir.join("v2").exists() && !cache_dir.join("advisories").exists());
    assert!(cache_dir.join("mine.txt").exists() && cache_dir.join("vendor").exists());
    let info = lockproof()
        .args(["cache", "info", "--cache-dir", &cache])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains("files: 0"));
}

#[test]
fn cache_info_escapes_a_hostile_cache_folder_name() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("c\n::add-mask::x\u{1b}[31m");
    let info = lockproof()
        .args(["cache", "info", "--cache-dir"])
        .arg(&cache)
        .output()
        .unwrap();
    assert_eq!(info.status.code(), Some(0));
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        !text.lines().any(|l| l.starts_with("::")) && !text.contains('\u{1b}'),
        "{text}"
    );
    assert!(
        text.starts_with("cache: ") && text.contains(r"\u{a}::add-mask::"),
        "{text}"
    );
}

/// The secret a hostile `.npmrc` tries to exfiltrate, as CI would hold it.
const CI_SECRET: &str = "ci-secret-value-4f2a";

/// Every byte lockproof left behind: its output in every format and its
/// cache files.
fn leaked_anywhere(project: &Project, registry: &FakeRegistry, args: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for format in ["table", "json", "sarif", "markdown", "github"] {
        let out = lockproof()
            .env_remove("LOCKPROOF_OFFLINE")
            .env("CI_SECRET", CI_SECRET)
            .args(["audit", "--format", format, "--retries", "0", "--cache-dir"])
            .arg(project.cache())
            .args(args)
            .arg(project.path())
            .output()
            .unwrap();
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            if String::from_utf8_lossy(bytes).contains(CI_SECRET) {
                found.push(format!("{format} {stream}"));
            }
        }
    }
    for s in registry.seen() {
        if s.path.contains(CI_SECRET)
            || s.authorization
                .as_deref()
                .is_some_and(|a| a.contains(CI_SECRET))
        {
            found.push(format!("request {}", s.path));
        }
    }
    let mut stack = vec![project.path().join("cache")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|b| String::from_utf8_lossy(&b).contains(CI_SECRET))
            {
                found.push(format!("cache file {}", path.display()));
            }
        }
    }
    found
}

#[test]
fn a_project_npmrc_cannot_put_a_ci_secret_in_the_registry_url() {
    let reg = signed_registry(&TestKey::new(1));
    let lock = lockfile(&[("alpha", "1.0.0", &sri("alpha@1.0.0"))]);
    let project = Project::new(&lock);
    std::fs::write(
        project.path().join(".npmrc"),
        format!("registry={}leak-${{CI_SECRET}}/\n", reg.url),
    )
    .unwrap();
    assert_eq!(leaked_anywhere(&project, &reg, &[]), Vec::<String>::new());
    assert!(reg.seen().is_empty(), "nothing is asked: {:?}", reg.seen());
    let out = lockproof()
        .env("CI_SECRET", CI_SECRET)
        .args(["audit"])
        .arg(project.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(".npmrc:1") && stderr.contains("${CI_SECRET}"),
        "{stderr}"
    );
}

#[test]
fn a_project_npmrc_cannot_send_a_ci_secret_as_a_token_to_its_own_host() {
    let reg = signed_registry(&TestKey::new(1));
    let lock = lockfile(&[("alpha", "1.0.0", &sri("alpha@1.0.0"))]);
    let project = Project::new(&lock);
    std::fs::write(
        project.path().join(".npmrc"),
        format!(
            "registry={}\n//{}/:_authToken=${{CI_SECRET}}\n",
            reg.url,
            reg.authority()
        ),
    )
    .unwrap();
    assert_eq!(leaked_anywhere(&project, &reg, &[]), Vec::<String>::new());
    assert!(!reg.seen().is_empty(), "the registry is still asked");
    let out = lockproof()
        .env_remove("LOCKPROOF_OFFLINE")
        .env("CI_SECRET", CI_SECRET)
        .args(["audit", "--format", "json", "--retries", "0", "--cache-dir"])
        .arg(project.cache())
        .arg(project.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let refused: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "credential-refused")
        .collect();
    assert_eq!(refused.len(), 1, "{report:#}");
    assert!(
        refused[0]["location"]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with(".npmrc"))
    );
    assert_eq!(refused[0]["location"]["line"], 2);
    assert!(
        refused[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("${CI_SECRET}"))
    );
    assert_eq!(out.status.code(), Some(1), "high: fails the default policy");
}

#[test]
fn an_edited_cache_record_cannot_extend_its_life_nor_vouch_for_a_tampered_lockfile() {
    // A mirror that signs nothing: the registry's integrity is all there is.
    let reg = FakeRegistry::start();
    reg.route(
        "/alpha",
        Route::Fresh(
            packument("alpha", &[FakeVersion::unsigned("alpha", "1.0.0")]),
            300,
        ),
    );
    let tampered = sri("tampered alpha@1.0.0");
    let project = Project::new(&lockfile(&[("alpha", "1.0.0", &tampered)]));
    let (code, report, _) = project.audit(&reg, &[]);
    assert_eq!(code, 1);
    assert!(crate::util::codes(&report).contains(&(
        "registry-integrity-mismatch".to_string(),
        "alpha".to_string()
    )));
    // Whoever can write the cache folder edits the record: the tampered
    // integrity, and a freshness far in the future.
    let records = walk(Path::new(&project.cache()));
    assert!(!records.is_empty());
    for file in &records {
        let text = std::fs::read_to_string(file).unwrap();
        let (tag, json) = match text.split_once('\n') {
            Some((tag, json)) if tag.bytes().all(|b| b.is_ascii_hexdigit()) => {
                (format!("{tag}\n"), json.to_string())
            }
            _ => (String::new(), text.clone()),
        };
        let mut record: Value = serde_json::from_str(&json).unwrap();
        for field in ["fresh_until", "fetched_at"] {
            record[field] = json!(4_000_000_000_i64);
        }
        record["max_age"] = json!(u32::MAX);
        if let Some(versions) = record["value"]["versions"].as_object_mut() {
            for v in versions.values_mut() {
                v["integrity"] = json!(tampered);
            }
        }
        std::fs::write(file, format!("{tag}{record}")).unwrap();
    }
    let asked_before = reg.seen().iter().filter(|s| s.path == "/alpha").count();
    let (code, report, _) = project.audit(&reg, &[]);
    let asked_after = reg.seen().iter().filter(|s| s.path == "/alpha").count();
    assert_eq!(asked_after, asked_before + 1, "the registry is asked again");
    assert_eq!(code, 1, "{report:#}");
    assert!(crate::util::codes(&report).contains(&(
        "registry-integrity-mismatch".to_string(),
        "alpha".to_string()
    )));
}

#[test]
fn strict_mode_fails_when_a_fault_hides_the_registry_answer() {
    // A tampered lockfile, and a registry (or whoever answers for it) that
    // fails instead of answering: oversized, a redirect loop, too slow.
    let tampered = sri("tampered alpha@1.0.0");
    let project = Project::new(&lockfile(&[("alpha", "1.0.0", &tampered)]));
    for route in [
        Route::Oversized(2048),
        Route::Status(302),
        Route::Slow(std::time::Duration::from_secs(4), "{}".into()),
    ] {
        let reg = FakeRegistry::start();
        reg.route("/alpha", route);
        let limits = ["--max-response-bytes", "1024", "--timeout", "2"];
        let (code, report, _) = project.audit(&reg, &limits);
        assert_eq!(
            code, 0,
            "without --strict, unknown is a warning: {report:#}"
        );
        let mut strict = limits.to_vec();
        strict.push("--strict");
        let (code, report, _) = project.audit(&reg, &strict);
        assert_eq!(code, 1, "{report:#}");
        let failed: Vec<&Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "fetch-failed" && f["fails"] == true)
            .filter(|f| !f["package"].is_null())
            .collect();
        assert_eq!(failed.len(), 1, "{report:#}");
        assert_eq!(failed[0]["package"]["name"], "alpha");
        assert_eq!(failed[0]["level"], "deny");
    }
}

#[test]
fn strict_mode_from_the_config_and_offline_misses_fail_but_unserved_evidence_does_not() {
    let project = Project::new(&clean_lock());
    std::fs::write(
        project.path().join("lockproof.toml"),
        "strict = true\n[levels]\nfetch-failed = \"allow\"\n",
    )
    .unwrap();
    let reg = FakeRegistry::start();
    let (code, report, _) = project.audit(&reg, &["--offline"]);
    assert_eq!(code, 1, "offline and not cached: unknown, strict");
    assert_eq!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "fetch-failed" && !f["package"].is_null())
            .count(),
        2
    );
    // A mirror that serves no signatures or attestations at all: a note.
    let mirror = FakeRegistry::start();
    for (name, version) in [("alpha", "1.0.0"), ("beta", "2.0.0")] {
        mirror.route(
            &format!("/{name}"),
            Route::Json(packument(name, &[FakeVersion::unsigned(name, version)])),
        );
    }
    // An advisory database is at hand (it lists neither package).
    let db = crate::advisory_findings::export(project.path());
    let (code, report, _) = project.audit(&mirror, &["--advisory-db", db.to_str().unwrap()]);
    assert_eq!(code, 0, "{report:#}");
    assert!(report["notes"].as_array().unwrap().iter().any(|n| {
        n.as_str()
            .is_some_and(|n| n.contains("does not serve signatures"))
    }));
}
