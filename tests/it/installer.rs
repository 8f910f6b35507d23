//! Judging a lockfile by the rules of the npm that installs it, run as a
//! user runs `lockproof audit`: which npm (`--npm-version`,
//! `packageManager`, `devEngines`, the `npm` on `PATH`, npm's latest), the
//! shrinkwrap npm 12 ignores, install scripts under `allowScripts`, the
//! sources `allow-git` / `allow-remote` refuse, diff mode, and hostile or
//! broken `package.json` files. Every project is written in a temporary
//! folder by the test; the audits are offline.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::fake_registry::sri;
use crate::util::lockproof;

/// A project folder written by a test.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, file: &str, text: impl AsRef<[u8]>) -> &Self {
        let path = self.path().join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
        self
    }

    fn package_json(&self, doc: &Value) -> &Self {
        self.write("package.json", doc.to_string())
    }

    /// Writes a v3 lockfile named `file` of `entries`.
    fn lock(&self, file: &str, entries: &[Value]) -> &Self {
        self.write(file, lock(entries))
    }
}

/// A registry entry of `name@1.0.0` at the public registry's tarball URL.
fn reg(name: &str) -> Value {
    json!({
        "path": format!("node_modules/{name}"),
        "version": "1.0.0",
        "resolved": format!("https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz"),
        "integrity": sri(&format!("{name}@1.0.0")),
    })
}

/// The same, marked as running install scripts (`hasInstallScript`: a
/// `preinstall`, `install` or `postinstall` script, or a `binding.gyp` npm
/// builds).
fn scripted(name: &str) -> Value {
    let mut e = reg(name);
    e["hasInstallScript"] = true.into();
    e
}

/// An entry installed from `resolved`, with no integrity (git).
fn from(name: &str, resolved: &str) -> Value {
    json!({"path": format!("node_modules/{name}"), "version": "1.0.0", "resolved": resolved})
}

/// A v3 lockfile: each entry's `path` is its key.
fn lock(entries: &[Value]) -> String {
    let mut packages = serde_json::Map::new();
    packages.insert("".into(), json!({"name": "app", "version": "1.0.0"}));
    for e in entries {
        let mut e = e.clone();
        let path = e["path"].as_str().expect("a path").to_string();
        e.as_object_mut().expect("an object").remove("path");
        packages.insert(path, e);
    }
    serde_json::to_string_pretty(&json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": packages,
    }))
    .expect("serializable")
}

/// How a run learns which npm installs.
#[derive(Clone, Copy)]
enum Npm<'a> {
    /// `LOCKPROOF_NPM_VERSION` (what `--npm-version` reads).
    Env(&'a str),
    /// Neither the flag nor its variable; `PATH` is this folder only.
    Path(&'a Path),
}

/// What one audit produced.
struct Audit {
    code: i32,
    report: Value,
    stderr: String,
}

impl Audit {
    /// `(code, package name or "-", message)` of every finding.
    fn findings(&self) -> Vec<(String, String, String)> {
        self.report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap_or_default().to_string(),
                    f["package"]["name"].as_str().unwrap_or("-").to_string(),
                    f["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// The codes reported for package `name`.
    fn codes_of(&self, name: &str) -> Vec<String> {
        self.findings()
            .into_iter()
            .filter(|(_, n, _)| n == name)
            .map(|(c, _, _)| c)
            .collect()
    }

    /// The message of `name`'s finding `code`.
    fn message(&self, code: &str, name: &str) -> String {
        self.findings()
            .into_iter()
            .find(|(c, n, _)| c == code && n == name)
            .map(|(_, _, m)| m)
            .unwrap_or_else(|| panic!("no {code} on {name}: {:#?}", self.findings()))
    }

    /// The audited lockfiles' paths.
    fn lockfiles(&self) -> Vec<String> {
        self.report["lockfiles"]
            .as_array()
            .expect("lockfiles")
            .iter()
            .map(|l| l["path"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The first lockfile's `installer` block.
    fn installer(&self) -> &Value {
        &self.report["lockfiles"][0]["installer"]
    }
}

/// `lockproof` in `dir`, told which npm installs by `npm`.
fn command(dir: &Path, npm: Npm<'_>) -> assert_cmd::Command {
    let mut cmd = lockproof();
    cmd.current_dir(dir);
    match npm {
        Npm::Env(v) => {
            cmd.env("LOCKPROOF_NPM_VERSION", v);
        }
        Npm::Path(p) => {
            cmd.env_remove("LOCKPROOF_NPM_VERSION").env("PATH", p);
        }
    }
    cmd
}

/// `lockproof audit --format json ARGS` in `dir`.
fn audit(dir: &Path, npm: Npm<'_>, args: &[&str]) -> Audit {
    let out = command(dir, npm)
        .args(["audit", "--format", "json"])
        .args(args)
        .output()
        .expect("lockproof runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    Audit {
        code: out.status.code().unwrap_or(-1),
        report,
        stderr,
    }
}

/// An npm installed under `root` as npm installs itself: `bin/npm` links
/// to `lib/node_modules/npm/bin/npm-cli.js`, whose package says `version`
/// (no package.json at all when `None`). Returns the `bin` folder; nothing
/// there can run (lockproof reads the version, never runs it).
fn fake_npm(root: &Path, version: Option<&str>) -> PathBuf {
    let package = root.join("lib/node_modules/npm");
    std::fs::create_dir_all(package.join("bin")).expect("mkdir");
    if let Some(v) = version {
        std::fs::write(
            package.join("package.json"),
            json!({"name": "npm", "version": v}).to_string(),
        )
        .expect("write");
    }
    let cli = package.join("bin/npm-cli.js");
    std::fs::write(&cli, "#!/bin/sh\nexit 97\n").expect("write");
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::os::unix::fs::symlink(&cli, bin.join("npm")).expect("symlink");
    bin
}

/// A folder with no npm in it, for `PATH`.
fn no_npm() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// `locked` in package-lock.json, `wrapped` in npm-shrinkwrap.json, both
/// running install scripts that `package.json` allows.
fn two_lockfiles() -> Project {
    let p = Project::new();
    p.package_json(&json!({
        "name": "app", "version": "1.0.0",
        "allowScripts": {"locked": true, "wrapped": true},
    }))
    .lock("package-lock.json", &[scripted("locked")])
    .lock("npm-shrinkwrap.json", &[scripted("wrapped")]);
    p
}

#[test]
fn npm_12_audits_the_package_lock_only_and_reports_the_shrinkwrap_it_ignores() {
    let p = two_lockfiles();
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.lockfiles(), ["package-lock.json"]);
    assert_eq!(a.codes_of("wrapped"), Vec::<String>::new(), "not audited");
    assert_eq!(a.codes_of("locked"), ["install-script"]);
    let ignored: Vec<_> = a.report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "shrinkwrap-ignored")
        .collect();
    assert_eq!(ignored.len(), 1, "{:#?}", a.findings());
    assert_eq!(ignored[0]["location"]["file"], "npm-shrinkwrap.json");
    assert_eq!(ignored[0]["severity"], "low");
    assert_eq!(
        ignored[0]["message"],
        "npm 12 installs from package-lock.json, not from this file: what it pins is not what \
         is installed"
    );
    assert_eq!(a.installer()["major"], 12);
    assert_eq!(a.installer()["from"]["kind"], "flag");
}

#[test]
fn npm_11_installs_from_the_shrinkwrap_so_it_wins() {
    let p = two_lockfiles();
    let a = audit(p.path(), Npm::Env("11"), &[]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.lockfiles(), ["npm-shrinkwrap.json"]);
    assert_eq!(a.codes_of("locked"), Vec::<String>::new(), "not installed");
    assert_eq!(a.codes_of("wrapped"), ["install-script"]);
    assert!(
        !a.findings()
            .iter()
            .any(|(c, _, _)| c == "shrinkwrap-ignored"),
        "{:#?}",
        a.findings()
    );
    // npm 11 runs every script: allowScripts is not read.
    assert!(
        a.message("install-script", "wrapped")
            .ends_with("(npm 11 runs them for every dependency)"),
        "{}",
        a.message("install-script", "wrapped")
    );
    // The package lock named: the shrinkwrap beside it is audited too.
    let a = audit(p.path(), Npm::Env("11"), &["package-lock.json"]);
    assert_eq!(a.lockfiles(), ["package-lock.json", "npm-shrinkwrap.json"]);
    let notes = a.report["notes"].to_string();
    assert!(
        notes.contains("npm installs from npm-shrinkwrap.json, not from package-lock.json"),
        "{notes}"
    );
}

#[test]
fn npm_12_with_a_shrinkwrap_alone_audits_it_and_says_nothing_pins_the_install() {
    let p = Project::new();
    p.lock("npm-shrinkwrap.json", &[reg("wrapped")]);
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.lockfiles(), ["npm-shrinkwrap.json"]);
    assert_eq!(
        a.message("shrinkwrap-ignored", "-"),
        "npm 12 does not read npm-shrinkwrap.json, and no package-lock.json is beside it: npm \
         resolves the dependencies afresh, which no lockfile pins"
    );
}

#[test]
fn a_shrinkwrap_named_under_npm_12_is_audited_and_names_the_package_lock_npm_installs() {
    let p = two_lockfiles();
    for args in [
        &["npm-shrinkwrap.json"][..],
        &["npm-shrinkwrap.json", "package-lock.json"],
    ] {
        let a = audit(p.path(), Npm::Env("12"), args);
        assert_eq!(a.code, 0, "{args:?}: {}", a.stderr);
        let ignored: Vec<_> = a
            .findings()
            .into_iter()
            .filter(|(c, _, _)| c == "shrinkwrap-ignored")
            .map(|(_, _, m)| m)
            .collect();
        assert_eq!(
            ignored,
            [
                "npm 12 installs from package-lock.json, not from this file: what it pins is not \
                 what is installed"
            ],
            "{args:?}"
        );
    }
}

#[test]
fn install_refuses_a_shrinkwrap_alone_that_npm_12_would_not_read() {
    let p = two_lockfiles();
    std::fs::remove_file(p.path().join("package-lock.json")).expect("rm");
    let out = lockproof()
        .current_dir(p.path())
        .env_remove("LOCKPROOF_OFFLINE")
        .args([
            "install",
            "--cache-dir",
            "cache",
            "--registry",
            "http://127.0.0.1:9/",
        ])
        .args(["--npm", "/nonexistent/npm", "--npm-version", "12"])
        .arg("npm-shrinkwrap.json")
        .output()
        .expect("lockproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "npm-shrinkwrap.json: npm 12 does not read npm-shrinkwrap.json and finds no \
             package-lock.json beside it"
        ),
        "{stderr}"
    );
    assert!(
        !p.path().join("cache").exists(),
        "nothing was fetched or cached"
    );
}

#[test]
fn package_manager_npm_12_against_an_npm_11_on_path_judges_by_npm_11() {
    let p = two_lockfiles();
    p.package_json(&json!({"name": "app", "packageManager": "npm@12.2.3+sha512.abcd"}));
    let tools = tempfile::tempdir().expect("temp dir");
    let bin = fake_npm(tools.path(), Some("11.6.2"));
    let a = audit(p.path(), Npm::Path(&bin), &[]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let npm = bin.join("npm");
    assert_eq!(a.installer()["major"], 11);
    assert_eq!(a.installer()["version"], "11.6.2");
    assert_eq!(
        a.installer()["from"],
        json!({"kind": "installed", "program": npm.display().to_string()})
    );
    assert_eq!(
        a.installer()["set_aside"],
        "package.json's packageManager npm@12.2.3 was set aside: its rules run and read less"
    );
    assert_eq!(
        a.installer()["description"],
        format!(
            "npm 11 rules (npm 11.6.2 at {}); package.json's packageManager npm@12.2.3 was set \
             aside: its rules run and read less",
            npm.display()
        )
    );
    // npm 11 rules: the shrinkwrap is what installs.
    assert_eq!(a.lockfiles(), ["npm-shrinkwrap.json"]);
    // The table says which rules, and what was set aside.
    let out = command(p.path(), Npm::Path(&bin))
        .arg("audit")
        .output()
        .expect("runs");
    let table = String::from_utf8_lossy(&out.stdout).replace("\n  ", " ");
    assert!(
        table.contains(&format!(
            "Note: npm-shrinkwrap.json: judged by npm 11 rules (npm 11.6.2 at {}); package.json's \
             packageManager npm@12.2.3 was set aside",
            npm.display()
        )),
        "{table}"
    );
}

#[test]
fn package_manager_npm_11_against_an_npm_12_on_path_judges_by_npm_11() {
    let p = two_lockfiles();
    p.package_json(&json!({"name": "app", "packageManager": "npm@11.6.2"}));
    let tools = tempfile::tempdir().expect("temp dir");
    let bin = fake_npm(tools.path(), Some("12.2.3"));
    let a = audit(p.path(), Npm::Path(&bin), &[]);
    assert_eq!(a.installer()["major"], 11);
    assert_eq!(a.installer()["from"]["kind"], "package-manager");
    assert_eq!(
        a.installer()["set_aside"],
        format!(
            "npm 12.2.3 at {} was set aside: its rules run and read less",
            bin.join("npm").display()
        )
    );
    assert_eq!(a.lockfiles(), ["npm-shrinkwrap.json"]);
}

#[test]
fn agreeing_sources_keep_the_declaration_and_set_nothing_aside() {
    let p = two_lockfiles();
    p.package_json(&json!({"name": "app", "packageManager": "npm@12.1.0"}));
    let tools = tempfile::tempdir().expect("temp dir");
    let bin = fake_npm(tools.path(), Some("12.2.3"));
    let a = audit(p.path(), Npm::Path(&bin), &[]);
    assert_eq!(a.installer()["major"], 12);
    assert_eq!(a.installer()["from"]["kind"], "package-manager");
    assert_eq!(a.installer()["set_aside"], Value::Null);
    assert_eq!(a.lockfiles(), ["package-lock.json"]);
}

#[test]
fn an_npm_inside_the_project_is_not_taken_at_its_word() {
    // Under `npm run`, node_modules/.bin comes first on PATH: an npm there
    // is the pull request's to write, version and all.
    let p = two_lockfiles();
    let bin = fake_npm(&p.path().join("node_modules"), Some("12.2.3"));
    let a = audit(p.path(), Npm::Path(&bin), &[]);
    assert_eq!(a.installer()["major"], 11, "{}", a.installer());
    assert_eq!(a.installer()["version"], Value::Null);
    assert_eq!(a.lockfiles(), ["npm-shrinkwrap.json"]);
    // The same npm outside the project is read.
    let tools = tempfile::tempdir().expect("temp dir");
    let bin = fake_npm(tools.path(), Some("12.2.3"));
    let a = audit(p.path(), Npm::Path(&bin), &[]);
    assert_eq!(a.installer()["major"], 12);
}

#[test]
fn the_npm_on_path_else_npms_latest_when_nothing_is_declared() {
    let p = two_lockfiles();
    let tools = tempfile::tempdir().expect("temp dir");
    let bin = fake_npm(tools.path(), Some("12.0.0"));
    let a = audit(p.path(), Npm::Path(&bin), &[]);
    assert_eq!(
        (&a.installer()["major"], &a.installer()["from"]["kind"]),
        (&json!(12), &json!("installed"))
    );
    // An npm whose version cannot be read: the older rules.
    let unreadable = tempfile::tempdir().expect("temp dir");
    let bin = fake_npm(unreadable.path(), None);
    let a = audit(p.path(), Npm::Path(&bin), &[]);
    assert_eq!(a.installer()["major"], 11);
    assert_eq!(
        a.installer()["description"],
        format!(
            "npm 11 rules ({}: version unreadable, judged by the older rules, under which more \
             runs)",
            bin.join("npm").display()
        )
    );
    // No npm at all: npm's latest.
    let empty = no_npm();
    let a = audit(p.path(), Npm::Path(empty.path()), &[]);
    assert_eq!(a.installer()["major"], 12);
    assert_eq!(a.installer()["from"]["kind"], "default");
    assert_eq!(
        a.installer()["description"],
        "npm 12 rules (no npm found and none asked for: npm's latest)"
    );
}

#[test]
fn dev_engines_package_manager_decides_when_package_manager_is_absent() {
    let p = two_lockfiles();
    let empty = no_npm();
    let cases = [
        // One object.
        (
            json!({"name": "npm", "version": ">=12.1.0"}),
            12,
            ">=12.1.0",
        ),
        // An array, another package manager first.
        (
            json!([{"name": "pnpm", "version": "^10"}, {"name": "npm", "version": "^11.4.0"}]),
            11,
            "^11.4.0",
        ),
        // A range counts by its lowest version.
        (
            json!({"name": "npm", "version": "^11 || ^12"}),
            11,
            "^11 || ^12",
        ),
    ];
    for (pm, major, version) in cases {
        p.package_json(&json!({"name": "app", "devEngines": {"packageManager": pm}}));
        let a = audit(p.path(), Npm::Path(empty.path()), &[]);
        assert_eq!(a.installer()["major"], major, "{pm}");
        assert_eq!(a.installer()["from"]["kind"], "dev-engines", "{pm}");
        assert_eq!(a.installer()["version"], version, "{pm}");
    }
    // packageManager comes first.
    p.package_json(&json!({
        "name": "app", "packageManager": "npm@11.0.0",
        "devEngines": {"packageManager": {"name": "npm", "version": "^12"}},
    }));
    let a = audit(p.path(), Npm::Path(empty.path()), &[]);
    assert_eq!(
        (&a.installer()["major"], &a.installer()["from"]["kind"]),
        (&json!(11), &json!("package-manager"))
    );
}

#[test]
fn npm_version_overrides_every_other_source() {
    let p = two_lockfiles();
    p.package_json(&json!({"name": "app", "packageManager": "npm@12.2.3"}));
    let tools = tempfile::tempdir().expect("temp dir");
    let bin = fake_npm(tools.path(), Some("12.2.3"));
    for (flag, major, files) in [
        ("11.6.2", 11, &["npm-shrinkwrap.json"][..]),
        ("12", 12, &["package-lock.json"]),
    ] {
        let a = audit(p.path(), Npm::Path(&bin), &["--npm-version", flag]);
        assert_eq!(a.installer()["major"], major, "{flag}");
        assert_eq!(a.installer()["from"]["kind"], "flag", "{flag}");
        assert_eq!(
            a.installer()["description"],
            format!("npm {major} rules (--npm-version {flag})")
        );
        assert_eq!(a.lockfiles(), files, "{flag}");
    }
    let out = command(p.path(), Npm::Path(&bin))
        .args(["audit", "--npm-version", "twelve"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "lockproof: error: --npm-version \"twelve\": not an npm version (12, or 12.2.3)\n"
    );
}

/// The install-script scenario: one entry per way `allowScripts` can
/// decide, each with `hasInstallScript` (as npm writes it for scripts and
/// for a `binding.gyp` alike).
fn scripts_project() -> Project {
    let p = Project::new();
    p.package_json(&json!({
        "name": "app", "version": "1.0.0",
        "allowScripts": {
            "allowed": true,
            "pinned@1.0.0": true,
            "otherpin@2.0.0": true,
            "denied": false,
            "both": true,
            "both@1.0.0": false,
            "odd": "yes",
            "ranged@^1.0.0": true,
        },
    }))
    .lock(
        "package-lock.json",
        &[
            scripted("allowed"),
            scripted("pinned"),
            scripted("otherpin"),
            scripted("denied"),
            scripted("both"),
            scripted("odd"),
            scripted("ranged"),
            scripted("unlisted"),
            reg("quiet"),
        ],
    );
    p
}

#[test]
fn allow_scripts_decides_which_install_scripts_npm_12_runs() {
    let p = scripts_project();
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let runs = "runs install scripts (preinstall, install or postinstall) when installed";
    let skipped = "not in allowScripts (package.json); npm 12 skips them with a warning";
    for (name, code, message) in [
        (
            "allowed",
            "install-script",
            format!("{runs} (allowed by allowScripts \"allowed\" (package.json))"),
        ),
        (
            "pinned",
            "install-script",
            format!("{runs} (allowed by allowScripts \"pinned@1.0.0\" (package.json))"),
        ),
        (
            "otherpin",
            "install-script-blocked",
            format!("has install scripts that will not run: {skipped}"),
        ),
        (
            "denied",
            "install-script-blocked",
            "has install scripts that will not run: denied by allowScripts \"denied\" \
             (package.json)"
                .to_string(),
        ),
        (
            "both",
            "install-script-blocked",
            "has install scripts that will not run: denied by allowScripts \"both@1.0.0\" \
             (package.json)"
                .to_string(),
        ),
        // npm acts on true and false only.
        (
            "odd",
            "install-script-blocked",
            format!("has install scripts that will not run: {skipped}"),
        ),
        // npm drops a range with a warning.
        (
            "ranged",
            "install-script-blocked",
            format!("has install scripts that will not run: {skipped}"),
        ),
        (
            "unlisted",
            "install-script-blocked",
            format!("has install scripts that will not run: {skipped}"),
        ),
    ] {
        assert_eq!(a.codes_of(name), [code], "{name}");
        assert_eq!(a.message(code, name), message, "{name}");
    }
    assert_eq!(a.codes_of("quiet"), Vec::<String>::new());
    let blocked = a
        .report
        .pointer("/findings")
        .and_then(Value::as_array)
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "install-script-blocked")
        .expect("one");
    assert_eq!(blocked["severity"], "info");
    assert_eq!(
        a.installer()["ignored"],
        json!([
            "allowScripts key \"ranged@^1.0.0\" is a range or a dist-tag: npm ignores it (exact \
             versions joined by || only)"
        ])
    );
    // npm 11 runs them all, whatever allowScripts says.
    let a = audit(p.path(), Npm::Env("11"), &[]);
    for name in [
        "allowed", "pinned", "otherpin", "denied", "both", "odd", "ranged", "unlisted",
    ] {
        assert_eq!(a.codes_of(name), ["install-script"], "{name}");
    }
    assert_eq!(a.installer().get("ignored"), None);
}

#[test]
fn without_allow_scripts_npm_12_reads_npmrc_else_blocks_every_script() {
    let p = Project::new();
    p.package_json(&json!({"name": "app"})).lock(
        "package-lock.json",
        &[scripted("native"), scripted("other")],
    );
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(
        a.message("install-script-blocked", "native"),
        "has install scripts that will not run: no allowScripts policy; npm 12 skips them with a \
         warning"
    );
    p.write(".npmrc", "allow-scripts=native\n");
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.codes_of("native"), ["install-script"]);
    assert!(
        a.message("install-script", "native")
            .contains("allowed by allowScripts \"native\" (allow-scripts, "),
        "{}",
        a.message("install-script", "native")
    );
    assert_eq!(a.codes_of("other"), ["install-script-blocked"]);
    p.write(
        ".npmrc",
        "allow-scripts=native\nstrict-allow-scripts=true\n",
    );
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert!(
        a.message("install-script-blocked", "other")
            .ends_with("npm 12 fails the install (strict-allow-scripts)"),
        "{}",
        a.message("install-script-blocked", "other")
    );
    // ignore-scripts in the project's own .npmrc, which the pull request
    // writes and an install elsewhere may not read, is set aside.
    p.write(".npmrc", "ignore-scripts=true\n");
    for major in ["11", "12"] {
        let a = audit(p.path(), Npm::Env(major), &[]);
        let expected = if major == "11" {
            "install-script"
        } else {
            "install-script-blocked"
        };
        assert_eq!(a.codes_of("native"), [expected], "{major}");
        assert!(
            a.installer()["ignored"]
                .to_string()
                .contains("ignore-scripts"),
            "{major}: {}",
            a.installer()
        );
    }
    // Set outside the repository, it holds.
    std::fs::remove_file(p.path().join(".npmrc")).expect("rm");
    for major in ["11", "12"] {
        let out = command(p.path(), Npm::Env(major))
            .env("npm_config_ignore_scripts", "true")
            .args(["audit", "--format", "json"])
            .output()
            .expect("lockproof runs");
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let native: Vec<_> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["package"]["name"] == "native")
            .map(|f| (f["code"].clone(), f["message"].clone()))
            .collect();
        assert_eq!(native.len(), 1, "{major}: {native:?}");
        assert_eq!(native[0].0, "install-script-blocked", "{major}");
        assert!(
            native[0]
                .1
                .as_str()
                .unwrap_or_default()
                .contains("ignore-scripts is set"),
            "{major}: {native:?}"
        );
    }
}

#[test]
fn a_binding_gyp_runs_under_allow_scripts_like_any_install_script() {
    // npm writes hasInstallScript for a package whose only script is the
    // node-gyp build of its binding.gyp; the tarball has no scripts.
    let p = Project::new();
    p.package_json(&json!({"name": "app", "allowScripts": {"addon": true}}))
        .lock("package-lock.json", &[scripted("addon"), scripted("gyp")]);
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.codes_of("addon"), ["install-script"]);
    assert_eq!(a.codes_of("gyp"), ["install-script-blocked"]);
    // Nested copies and scoped names are matched by name too.
    p.package_json(&json!({"name": "app", "allowScripts": {"@s/addon": true}}))
        .lock(
            "package-lock.json",
            &[json!({
                "path": "node_modules/host/node_modules/@s/addon",
                "version": "1.0.0",
                "resolved": "https://registry.npmjs.org/@s/addon/-/addon-1.0.0.tgz",
                "integrity": sri("@s/addon@1.0.0"),
                "hasInstallScript": true,
            })],
        );
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.codes_of("@s/addon"), ["install-script"]);
}

/// A git dependency of the project, one of a dependency, a remote tarball
/// (from a host `lockproof.toml` allows) and a registry entry.
fn sources_project() -> Project {
    let p = Project::new();
    p.write(
        "lockproof.toml",
        "allowed-hosts = [\"registry.npmjs.org\", \"example.com\"]\n",
    )
    .package_json(&json!({
        "name": "app", "dependencies": {"direct": "github:u/direct", "remote": "*"},
    }))
    .lock(
        "package-lock.json",
        &[
            from(
                "direct",
                "git+ssh://git@github.com/u/direct.git#0123456789abcdef0123456789abcdef01234567",
            ),
            from(
                "deep",
                "git+ssh://git@github.com/u/deep.git#0123456789abcdef0123456789abcdef01234567",
            ),
            json!({
                "path": "node_modules/remote", "version": "1.0.0",
                "resolved": "https://example.com/remote-1.0.0.tgz",
                "integrity": sri("remote"),
            }),
            reg("plain"),
        ],
    );
    p
}

#[test]
fn npm_12_refuses_git_and_remote_sources_by_default() {
    let p = sources_project();
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(
        a.message("source-refused", "direct"),
        "npm 12 refuses git+ssh://git@github.com/u/direct.git#0123456789abcdef0123456789abcdef01234567 \
         (allow-git=none (the default)): the install fails here"
    );
    assert_eq!(a.codes_of("deep"), ["source-refused"]);
    assert_eq!(
        a.message("source-refused", "remote"),
        "npm 12 refuses https://example.com/remote-1.0.0.tgz (allow-remote=none (the default)): \
         the install fails here"
    );
    assert_eq!(a.codes_of("plain"), Vec::<String>::new());
    // npm 11 fetches them: the sources are findings of their own.
    let a = audit(p.path(), Npm::Env("11"), &[]);
    assert_eq!(a.codes_of("direct"), ["git-source"]);
    assert_eq!(a.codes_of("deep"), ["git-source"]);
    assert_eq!(a.codes_of("remote"), ["remote-tarball-source"]);
}

#[test]
fn allow_git_and_allow_remote_in_npmrc_let_sources_through() {
    let p = sources_project();
    p.write(".npmrc", "allow-git=all\nallow-remote=all\n");
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.codes_of("direct"), ["git-source"]);
    assert_eq!(a.codes_of("deep"), ["git-source"]);
    assert_eq!(a.codes_of("remote"), ["remote-tarball-source"]);
    // root: the project's own dependencies only.
    p.write(".npmrc", "allow-git=root\nallow-remote=root\n");
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.codes_of("direct"), ["git-source"]);
    assert_eq!(a.codes_of("remote"), ["remote-tarball-source"]);
    assert_eq!(a.codes_of("deep"), ["source-refused"]);
    assert!(
        a.message("source-refused", "deep")
            .contains("(allow-git=root (./.npmrc:1))"),
        "{}",
        a.message("source-refused", "deep")
    );
    // A project .npmrc cannot close a gate npm 11 leaves open: the
    // refusal would hide the source's own finding.
    p.write(".npmrc", "allow-remote=none\n");
    let a = audit(p.path(), Npm::Env("11"), &[]);
    assert_eq!(a.codes_of("remote"), ["remote-tarball-source"]);
    assert_eq!(a.codes_of("direct"), ["git-source"]);
    // npm reads any value but `all` and `none` as `root`.
    p.write(".npmrc", "allow-git=yes\n");
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.codes_of("direct"), ["git-source"]);
    assert_eq!(a.codes_of("deep"), ["source-refused"]);
}

#[test]
fn a_tarball_off_the_configured_registry_is_a_remote_source_to_npm_12() {
    let p = Project::new();
    p.write(".npmrc", "registry=https://mirror.example/npm/\n")
        .lock(
            "package-lock.json",
            &[
                reg("public"),
                json!({
                    "path": "node_modules/elsewhere", "version": "1.0.0",
                    "resolved": "https://registry.yarnpkg.com/elsewhere/-/elsewhere-1.0.0.tgz",
                    "integrity": sri("elsewhere@1.0.0"),
                    "optional": true,
                }),
            ],
        );
    let a = audit(p.path(), Npm::Env("12"), &[]);
    assert_eq!(a.codes_of("public"), Vec::<String>::new());
    assert_eq!(
        a.message("source-refused", "elsewhere"),
        "npm 12 refuses https://registry.yarnpkg.com/elsewhere/-/elsewhere-1.0.0.tgz \
         (allow-remote=none (the default)): its tarball is not on the registry configured for it \
         (https://mirror.example/npm/), so npm fetches it as a remote URL: the install fails here \
         (an optional dependency: npm leaves it out instead)"
    );
}

#[test]
fn diff_mode_raises_a_new_script_that_will_run_and_leaves_blocked_ones_info() {
    let p = Project::new();
    p.package_json(&json!({"name": "app", "allowScripts": {"fresh": true, "kept": true}}))
        .lock(
            "base.json",
            &[scripted("kept"), reg("fresh"), reg("sneaky")],
        )
        .lock(
            "package-lock.json",
            &[scripted("kept"), scripted("fresh"), scripted("sneaky")],
        );
    let a = audit(p.path(), Npm::Env("12"), &["--base", "base.json"]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.codes_of("fresh"), ["install-script-changed"]);
    assert_eq!(
        a.message("install-script-changed", "fresh"),
        "added or changed in this change: runs install scripts (preinstall, install or \
         postinstall) when installed (allowed by allowScripts \"fresh\" (package.json))"
    );
    assert_eq!(a.codes_of("sneaky"), ["install-script-blocked"]);
    assert_eq!(a.codes_of("kept"), Vec::<String>::new(), "unchanged");
    // npm 11 runs both new scripts: both are raised.
    let a = audit(p.path(), Npm::Env("11"), &["--base", "base.json"]);
    assert_eq!(a.codes_of("fresh"), ["install-script-changed"]);
    assert_eq!(a.codes_of("sneaky"), ["install-script-changed"]);
    // A raised script fails a policy at medium.
    let a = audit(
        p.path(),
        Npm::Env("12"),
        &["--base", "base.json", "--fail-on", "medium"],
    );
    assert_eq!(a.code, 1);
}

#[test]
fn a_malformed_package_json_is_one_error_line_naming_its_file_line_and_column() {
    let p = Project::new();
    p.lock("package-lock.json", &[reg("a")]).write(
        "package.json",
        "{\n  \"name\": \"app\",\n  \"allowScripts\": {,\n}\n",
    );
    for npm in [Npm::Env("11"), Npm::Env("12")] {
        let out = command(p.path(), npm).arg("audit").output().expect("runs");
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr,
            "lockproof: error: ./package.json: line 3, column 20: not valid JSON: key must be a \
             string\n"
        );
    }
    // Named by an absolute path, the error names it so.
    let out = command(p.path(), Npm::Env("12"))
        .args(["audit", &p.path().display().to_string()])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(&format!(
            "lockproof: error: {}/package.json: line 3, column 20",
            p.path().display()
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_hostile_package_json_never_panics_and_its_names_are_escaped() {
    let p = Project::new();
    p.lock(
        "package-lock.json",
        &[scripted("plain"), scripted("evil\nname\u{1b}[31m")],
    );
    let hostile_key = "evil\nname\u{1b}[31m";
    let mut allow = serde_json::Map::new();
    allow.insert(hostile_key.into(), json!(true));
    allow.insert("x\u{1b}]0;title\u{7}@^1".into(), json!(true));
    for (i, v) in [
        json!(1),
        json!(null),
        json!([true]),
        json!({"a": true}),
        json!("true"),
    ]
    .into_iter()
    .enumerate()
    {
        allow.insert(format!("plain{i}"), v);
    }
    let mut deep = json!(1);
    for _ in 0..100 {
        deep = json!([deep]);
    }
    p.package_json(&json!({
        "name": "app",
        "allowScripts": allow,
        "devEngines": {"packageManager": {"name": "npm", "version": ">=12 \n\u{1b}[2J"}},
        "deep": deep,
        "padding": "x".repeat(1 << 20),
    }));
    let empty = no_npm();
    let a = audit(p.path(), Npm::Path(empty.path()), &[]);
    assert_eq!(a.code, 1, "{}\n{:#?}", a.stderr, a.findings());
    assert_eq!(a.installer()["major"], 12);
    // npm names a registry entry by its tarball URL, which cannot spell
    // this name: what npm decides cannot be told, so it is judged to run.
    assert_eq!(
        a.codes_of(hostile_key),
        [
            "tarball-name-mismatch",
            "invalid-package-name",
            "install-script"
        ]
    );
    assert_eq!(a.codes_of("plain"), ["install-script-blocked"]);
    assert_eq!(
        a.installer()["ignored"],
        json!([
            "allowScripts key \"x\\u{1b}]0;title\\u{7}@^1\" is a range or a dist-tag: npm \
             ignores it (exact versions joined by || only)"
        ])
    );
    // Every format a person reads shows control characters escaped.
    for format in ["table", "markdown", "github"] {
        let out = command(p.path(), Npm::Path(empty.path()))
            .args(["audit", "--verbose", "--format", format])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains('\u{1b}'), "{format}: {stdout}");
        assert!(!stdout.contains('\u{7}'), "{format}: {stdout}");
        assert!(!stdout.contains("evil\nname"), "{format}: {stdout}");
        if format != "github" {
            assert!(stdout.contains("]0;title"), "{format}: the note is shown");
        }
    }
    // Nested past the JSON reader's depth: an error, not a crash.
    let mut deeper = String::new();
    for _ in 0..100_000 {
        deeper.push('[');
    }
    p.write("package.json", format!("{{\"a\": {deeper}"));
    let out = command(p.path(), Npm::Env("12"))
        .arg("audit")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("lockproof: error: ./package.json: line 1, column "),
        "{stderr}"
    );
    // Larger than lockproof reads: an error naming the file and the limit.
    p.write("package.json", vec![b' '; (16 << 20) + 1]);
    let out = command(p.path(), Npm::Env("12"))
        .arg("audit")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "lockproof: error: ./package.json: larger than 16777216 bytes: not a package.json \
         lockproof reads\n"
    );
}

#[test]
fn snapshot_the_installer_block_and_the_table() {
    let tools = tempfile::tempdir().expect("temp dir");
    let bin = fake_npm(tools.path(), Some("11.6.2"));
    let root = tools.path().display().to_string();
    let p = two_lockfiles();
    let mut blocks = serde_json::Map::new();
    for (case, package, npm, args) in [
        (
            "flag",
            json!({}),
            Npm::Path(&bin),
            &["--npm-version", "12.2.3"][..],
        ),
        (
            "set-aside",
            json!({"packageManager": "npm@12.2.3"}),
            Npm::Path(&bin),
            &[],
        ),
        (
            "dev-engines",
            json!({"devEngines": {"packageManager": {"name": "npm", "version": "^12.1"}},
                   "allowScripts": {"locked": true, "x@latest": true}}),
            Npm::Path(tools.path()),
            &[],
        ),
    ] {
        p.package_json(&package);
        let a = audit(p.path(), npm, args);
        blocks.insert(case.into(), a.installer().clone());
    }
    let shown = serde_json::to_string_pretty(&blocks)
        .expect("json")
        .replace(&root, "[TOOLS]");
    insta::assert_snapshot!("installer_blocks", shown);
    let p = scripts_project();
    let out = command(p.path(), Npm::Env("12"))
        .arg("audit")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(
        "installer_scripts_table",
        String::from_utf8_lossy(&out.stdout)
    );
}
