//! `lockproof install`: the audit gates, every tarball is verified, and
//! the real npm installs offline from lockproof's cache folder only (the
//! end-to-end test skips, saying why, where npm is absent).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;

use crate::fake_registry::FakeRegistry;
use crate::tarballs::{Pkg, serve, sri_of};
use crate::util::lockproof;

/// A project folder: `package.json` depending on `pkgs`, and a v3
/// lockfile whose entries name the public registry's tarball URLs (npm
/// and lockproof both map them to the configured registry), except the
/// `unresolved` ones, which have no `resolved` (npm's
/// `omit-lockfile-registry-resolved`).
pub fn project(pkgs: &[Pkg], unresolved: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    let deps: serde_json::Map<String, serde_json::Value> = pkgs
        .iter()
        .map(|p| (p.name.to_string(), json!("1.0.0")))
        .collect();
    let manifest = json!({"name": "app", "version": "1.0.0", "dependencies": deps});
    std::fs::write(dir.path().join("package.json"), manifest.to_string()).expect("write");
    let mut packages = serde_json::Map::new();
    packages.insert(
        "".into(),
        json!({"name": "app", "version": "1.0.0", "dependencies": deps}),
    );
    for p in pkgs {
        let mut entry = json!({"version": "1.0.0", "integrity": sri_of(&p.pinned)});
        if !unresolved.contains(&p.name) {
            entry["resolved"] =
                format!("https://registry.npmjs.org/{0}/-/{0}-1.0.0.tgz", p.name).into();
        }
        packages.insert(format!("node_modules/{}", p.name), entry);
    }
    let lock = json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": packages,
    });
    std::fs::write(
        dir.path().join("package-lock.json"),
        serde_json::to_string_pretty(&lock).expect("json"),
    )
    .expect("write");
    dir
}

/// `lockproof install` in `dir` with `npm` as the npm to run.
fn install_command(
    dir: &Path,
    reg: &FakeRegistry,
    npm: &str,
    npm_args: &[&str],
) -> assert_cmd::Command {
    let mut cmd = lockproof();
    cmd.current_dir(dir)
        .env_remove("LOCKPROOF_OFFLINE")
        .args(["install", "--registry", &reg.url, "--cache-dir", "cache"])
        .args(["--retries", "0", "--npm", npm])
        .arg("--")
        .args(npm_args);
    cmd
}

/// Runs `lockproof install` in `dir` with `npm` as the npm to run.
fn install(dir: &Path, reg: &FakeRegistry, npm: &str, npm_args: &[&str]) -> Output {
    install_command(dir, reg, npm, npm_args)
        .output()
        .expect("lockproof runs")
}

/// A stand-in npm that records its arguments (`npm-ran`) and its
/// `npm_config_*` environment (`npm-env`), and succeeds.
fn recording_npm(dir: &Path) -> String {
    let path = dir.join("fake-npm.sh");
    std::fs::write(
        &path,
        "#!/bin/sh\nhere=$(dirname \"$0\")\nprintf '%s\\n' \"$@\" > \"$here/npm-ran\"\n\
         env | grep -i '^npm_config_' | sort > \"$here/npm-env\"\n",
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    path.display().to_string()
}

/// An os that is not this machine's.
fn other_os() -> &'static str {
    if cfg!(target_os = "macos") {
        "linux"
    } else {
        "darwin"
    }
}

/// Moves `name` from `dependencies` to `field` in `package.json` and in
/// the lockfile of a [`project`], and adds `marks` to its lockfile entry.
fn recast(dir: &Path, name: &str, field: &str, marks: &serde_json::Value) {
    let edit = |file: &str, change: &dyn Fn(&mut serde_json::Value)| {
        let path = dir.join(file);
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        change(&mut doc);
        std::fs::write(&path, doc.to_string()).expect("write");
    };
    let each = |deps: &mut serde_json::Value| {
        let spec = deps["dependencies"]
            .as_object_mut()
            .and_then(|d| d.remove(name))
            .expect("a dependency");
        deps[field] = json!({ name: spec });
    };
    edit("package.json", &|doc| each(doc));
    edit("package-lock.json", &|doc| {
        each(&mut doc["packages"][""]);
        let entry = &mut doc["packages"][format!("node_modules/{name}")];
        for (key, value) in marks.as_object().into_iter().flatten() {
            entry[key] = value.clone();
        }
    });
}

/// Makes `name` an optional dependency for `os` only: lockproof skips it
/// on another machine, so its tarball is never verified, nor placed in
/// npm's cache.
fn only_on(dir: &Path, name: &str, os: &str) {
    recast(
        dir,
        name,
        "optionalDependencies",
        &json!({"optional": true, "os": [os]}),
    );
}

/// The real npm's version, or `None` after saying why the test is skipped.
fn real_npm() -> Option<String> {
    match Command::new("npm").arg("--version").output() {
        Ok(out) if out.status.success() => {
            let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
            eprintln!("npm {version}");
            Some(version)
        }
        _ => {
            eprintln!("SKIPPED: npm is not installed on this machine");
            None
        }
    }
}

/// The environment the real npm runs in, as `(name, value)` to set or
/// `(name, None)` to remove: `home` as its home, with no `.npmrc`, so npm
/// reads no configuration or cache of this machine; no `npm_config_*`
/// variable; and none of the CI markers npm (ci-info) keeps its update
/// notifier quiet for, so that only what lockproof hands npm can.
pub fn real_npm_env(home: &Path) -> Vec<(String, Option<PathBuf>)> {
    let mut env: Vec<(String, Option<PathBuf>)> = std::env::vars_os()
        .map(|(key, _)| key.to_string_lossy().into_owned())
        .filter(|key| key.to_ascii_lowercase().starts_with("npm_config_"))
        .chain(
            [
                "CI",
                "CONTINUOUS_INTEGRATION",
                "BUILD_NUMBER",
                "RUN_ID",
                "GITHUB_ACTIONS",
                "GITLAB_CI",
            ]
            .map(String::from),
        )
        .map(|key| (key, None))
        .collect();
    env.push(("HOME".into(), Some(home.to_path_buf())));
    env.push(("npm_config_userconfig".into(), Some(home.join("npmrc"))));
    env.push((
        "npm_config_globalconfig".into(),
        Some(home.join("global-npmrc")),
    ));
    env
}

/// Runs `lockproof install` in `dir` with the real npm (see
/// [`real_npm_env`]).
fn install_with_real_npm(dir: &Path, home: &Path, reg: &FakeRegistry, npm_args: &[&str]) -> Output {
    let mut cmd = lockproof();
    cmd.current_dir(dir).env_remove("LOCKPROOF_OFFLINE");
    for (key, value) in real_npm_env(home) {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd.args(["install", "--registry", &reg.url, "--cache-dir", "cache"])
        .arg("--")
        .args(npm_args)
        .output()
        .expect("lockproof runs")
}

/// The requests npm (not lockproof) sent to the registry.
pub fn npm_requests(reg: &FakeRegistry) -> Vec<String> {
    reg.seen()
        .into_iter()
        .filter(|s| {
            !s.user_agent
                .as_deref()
                .is_some_and(|ua| ua.starts_with("lockproof/"))
        })
        .map(|s| format!("{} ({})", s.path, s.user_agent.unwrap_or_default()))
        .collect()
}

#[test]
fn a_tarball_that_differs_from_the_lockfile_installs_nothing() {
    let reg = FakeRegistry::start();
    let mut swapped = Pkg::clean("swapped");
    swapped.served = crate::tgz::package(
        &json!({"name": "swapped", "version": "1.0.0"}),
        &[crate::tgz::Member::File("package/extra.js", b"evil()")],
    );
    let pkgs = [Pkg::clean("good"), swapped];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    let npm = recording_npm(dir.path());
    let out = install(dir.path(), &reg, &npm, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("tarball-integrity-mismatch"),
        "the report shows why"
    );
    assert!(stderr.contains("nothing was installed"), "{stderr}");
    assert!(!dir.path().join("npm-ran").exists(), "npm never ran");
    assert!(!dir.path().join("node_modules").exists());
    assert!(
        !dir.path().join("cache/install").exists(),
        "the npm cache folder made for the install is gone"
    );
}

#[test]
fn npm_runs_offline_from_lockproofs_cache_with_the_users_arguments() {
    let reg = FakeRegistry::start();
    let pkgs = [Pkg::clean("good")];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    let npm = recording_npm(dir.path());
    // A hostile environment: npm must not read these.
    let out = install_command(dir.path(), &reg, &npm, &["--ignore-scripts"])
        .env("NPM_CONFIG_OFFLINE", "false")
        .env("npm_config_update-notifier", "true")
        .env("npm_config_Audit", "true")
        .output()
        .expect("lockproof runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = std::fs::read_to_string(dir.path().join("npm-ran")).expect("npm ran");
    let args: Vec<&str> = args.lines().collect();
    // The user's arguments first: npm keeps the last value of an option,
    // so lockproof's own come last, each one self-contained argument.
    let cache = args[6].strip_prefix("--cache=").expect("the cache folder");
    assert_eq!(
        args,
        [
            "ci",
            "--ignore-scripts",
            "--no-update-notifier",
            "--no-audit",
            "--no-fund",
            "--offline",
            &format!("--cache={cache}"),
            &format!("--registry={}", reg.url),
        ]
    );
    assert!(Path::new(cache).is_absolute(), "npm runs in the project");
    assert!(cache.contains("install"), "{args:?}");
    assert!(
        !Path::new(cache).exists(),
        "lockproof's npm cache folder is removed after npm ran"
    );
    // The same settings in npm's environment, and nothing else of them.
    let env = std::fs::read_to_string(dir.path().join("npm-env")).expect("npm ran");
    assert_eq!(
        env.lines().collect::<Vec<_>>(),
        [
            "npm_config_audit=false",
            &format!("npm_config_cache={cache}"),
            "npm_config_fund=false",
            "npm_config_offline=true",
            &format!("npm_config_registry={}", reg.url),
            "npm_config_update_notifier=false",
        ]
    );
}

#[test]
fn npm_options_that_would_fetch_unverified_bytes_are_refused() {
    let reg = FakeRegistry::start();
    let pkgs = [Pkg::clean("good")];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    let npm = recording_npm(dir.path());
    for bad in [
        "--cache=/tmp/x",
        "--prefer-online",
        "--registry",
        "--prefix",
    ] {
        let out = install(dir.path(), &reg, &npm, &[bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not allowed"));
    }
    assert!(!dir.path().join("npm-ran").exists());
}

#[test]
fn real_npm_installs_the_verified_tarballs_fully_offline_with_and_without_resolved() {
    let Ok(version) = std::process::Command::new("npm").arg("--version").output() else {
        eprintln!("SKIPPED: npm is not installed on this machine");
        return;
    };
    eprintln!("npm {}", String::from_utf8_lossy(&version.stdout).trim());
    let reg = FakeRegistry::start();
    let mut helper = Pkg::with(
        "helper",
        &json!({"name": "helper", "version": "1.0.0", "main": "index.js"}),
        &[],
    );
    helper.served = crate::tgz::package(
        &json!({"name": "helper", "version": "1.0.0", "main": "index.js"}),
        &[],
    );
    helper.pinned = helper.served.clone();
    let pkgs = [Pkg::clean("good"), helper];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &["helper"]);
    // And a vendored tarball, which npm reads from the project folder.
    let vendored = crate::tgz::package(&json!({"name": "vendored", "version": "1.0.0"}), &[]);
    std::fs::create_dir(dir.path().join("vendor")).expect("mkdir");
    std::fs::write(dir.path().join("vendor/vendored-1.0.0.tgz"), &vendored).expect("write");
    let spec = "file:vendor/vendored-1.0.0.tgz";
    for (file, root) in [("package.json", None), ("package-lock.json", Some(""))] {
        let path = dir.path().join(file);
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        match root {
            None => doc["dependencies"]["vendored"] = spec.into(),
            Some(root) => {
                doc["packages"][root]["dependencies"]["vendored"] = spec.into();
                doc["packages"]["node_modules/vendored"] = json!({
                    "version": "1.0.0", "resolved": spec, "integrity": sri_of(&vendored),
                });
            }
        }
        std::fs::write(&path, doc.to_string()).expect("write");
    }
    let home = tempfile::tempdir().expect("home");
    let out = lockproof()
        .current_dir(dir.path())
        .env_remove("LOCKPROOF_OFFLINE")
        // npm must not read the machine's own configuration or cache.
        .env("HOME", home.path())
        .env("npm_config_userconfig", home.path().join("npmrc"))
        .env("npm_config_update_notifier", "false")
        .args(["install", "--registry", &reg.url, "--cache-dir", "cache"])
        .args(["--", "--ignore-scripts", "--no-audit", "--no-fund"])
        .output()
        .expect("lockproof runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The two downloads are linked into npm's cache, not copied (the
    // vendored tarball npm reads from the project).
    let placed = if cfg!(unix) {
        "(2 linked, 0 copied)"
    } else {
        "(0 linked, 2 copied)"
    };
    assert!(stderr.contains(placed), "{stderr}");
    for name in pkgs.iter().map(|p| p.name).chain(["vendored"]) {
        let manifest = dir
            .path()
            .join("node_modules")
            .join(name)
            .join("package.json");
        let text = std::fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{}: {e}\n{stderr}", manifest.display()));
        assert!(text.contains(name));
    }
    let tarballs = reg
        .seen()
        .iter()
        .filter(|s| s.path.ends_with(".tgz"))
        .count();
    assert_eq!(tarballs, 2, "lockproof fetched each tarball once; npm none");
}

#[test]
fn a_trailing_option_that_would_take_lockproofs_own_as_its_value_is_refused() {
    let reg = FakeRegistry::start();
    let pkgs = [Pkg::clean("good")];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    let npm = recording_npm(dir.path());
    for attack in [
        // npm reads lockproof's `--offline` as the user config's path.
        &["--os=darwin", "--userconfig"][..],
        // npm's shorthand for `--workspace`, which takes a value.
        &["-w"],
        // A flag's `=value` is read again as an argument of its own: here
        // the end of options, after which lockproof's are arguments.
        &["--ignore-scripts=--"],
        &["--omit=--"],
        // `--no-X` of an option whose type includes String takes the next
        // argument as its value.
        &["--no-otp"],
    ] {
        let out = install(dir.path(), &reg, &npm, attack);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{attack:?}: {stderr}");
        assert!(stderr.contains("is not allowed"), "{attack:?}: {stderr}");
    }
    assert!(!dir.path().join("npm-ran").exists(), "npm never ran");
}

#[test]
fn real_npm_cannot_be_talked_into_installing_a_tarball_lockproof_skipped() {
    if real_npm().is_none() {
        return;
    }
    let reg = FakeRegistry::start();
    let pkgs = [Pkg::clean("good"), Pkg::clean("elsewhere")];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    only_on(dir.path(), "elsewhere", other_os());
    let home = tempfile::tempdir().expect("home");
    let os = format!("--os={}", other_os());
    let out = install_with_real_npm(dir.path(), home.path(), &reg, &[&os, "--userconfig"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(npm_requests(&reg), Vec::<String>::new(), "{stderr}");
    assert!(
        !dir.path().join("node_modules/elsewhere").exists(),
        "the tarball lockproof never verified is not installed: {stderr}"
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
}

#[test]
fn every_value_taking_option_of_npms_table_is_refused_as_the_last_argument() {
    let table =
        std::fs::read_to_string(crate::util::root().join("src/commands/install/npm_options.rs"))
            .expect("the table lockproof embeds");
    let options: Vec<&str> = table
        .lines()
        .filter_map(|line| line.trim().strip_prefix("(\""))
        .filter_map(|line| line.strip_suffix("\", Kind::Value),"))
        .collect();
    assert!(options.len() > 100, "{}", options.len());
    let reg = FakeRegistry::start();
    let dir = project(&[], &[]);
    let npm = recording_npm(dir.path());
    for option in options {
        let last = format!("--{option}");
        let out = install(dir.path(), &reg, &npm, &["--ignore-scripts", &last]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{last}: {stderr}");
        assert!(
            stderr.contains(&format!("npm argument {last:?} is not allowed")),
            "{last}: {stderr}"
        );
    }
    assert!(!dir.path().join("npm-ran").exists(), "npm never ran");
    assert!(reg.seen().is_empty(), "refused before the audit");
}

#[test]
fn real_npm_sends_no_request_at_all_during_lockproof_install() {
    if real_npm().is_none() {
        return;
    }
    let reg = FakeRegistry::start();
    let pkgs = [
        Pkg::clean("good"),
        Pkg::clean("elsewhere"),
        Pkg::clean("devtool"),
    ];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    only_on(dir.path(), "elsewhere", other_os());
    recast(
        dir.path(),
        "devtool",
        "devDependencies",
        &json!({"dev": true}),
    );
    let home = tempfile::tempdir().expect("home");
    let os = format!("--os={}", other_os());
    // Refused before npm runs.
    for attack in [&[os.as_str(), "--userconfig"][..], &["--omit=dev", "-w"]] {
        let out = install_with_real_npm(dir.path(), home.path(), &reg, attack);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{attack:?}: {stderr}");
        assert!(stderr.contains("is not allowed"), "{stderr}");
    }
    // Accepted: npm installs what lockproof verified, offline, and asks the
    // registry nothing (no update check, audit or funding request).
    let allowed = ["--omit=dev", &os, "--ignore-scripts", "--loglevel=warn"];
    let out = install_with_real_npm(dir.path(), home.path(), &reg, &allowed);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(npm_requests(&reg), Vec::<String>::new(), "{stderr}");
    let modules = dir.path().join("node_modules");
    assert!(modules.join("good/package.json").exists(), "{stderr}");
    assert!(!modules.join("devtool").exists(), "--omit=dev held");
    assert!(
        !modules.join("elsewhere").exists(),
        "npm found no bytes for another platform"
    );
    // The control: the same npm, environment and registry, run as lockproof
    // ran it before (offline, but nothing turned off), does ask the
    // registry, which records it.
    let empty = project(&[], &[]);
    let mut npm = Command::new("npm");
    npm.current_dir(empty.path());
    for (key, value) in real_npm_env(home.path()) {
        match value {
            Some(value) => npm.env(key, value),
            None => npm.env_remove(key),
        };
    }
    let control = npm
        .args(["ci", "--offline", "--registry", &reg.url, "--cache"])
        .arg(empty.path().join("npm-cache"))
        .output()
        .expect("npm runs");
    let asked = npm_requests(&reg);
    assert!(
        asked.iter().any(|r| r.starts_with("/npm ")),
        "npm's update check reaches the fake registry: {asked:?}\n{}",
        String::from_utf8_lossy(&control.stderr)
    );
}

/// A stand-in npm that runs `body` with `$cache` set to the cache folder
/// lockproof passes it and `$here` to the project folder, and succeeds.
#[cfg(unix)]
fn scripted_npm(dir: &Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\nhere=$(dirname \"$0\")\n\
         for a in \"$@\"; do case \"$a\" in --cache=*) cache=${{a#--cache=}};; esac; done\n\
         {body}\nexit 0\n"
    );
    std::fs::write(&path, script).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.display().to_string()
}

#[cfg(unix)]
#[test]
fn a_store_file_poisoned_through_npms_cache_is_detected_and_never_installed() {
    let reg = FakeRegistry::start();
    let pkgs = [Pkg::clean("good")];
    serve(&reg, &pkgs);
    let dir = project(&pkgs, &[]);
    // A package script (here npm itself) writes through every tarball of
    // npm's cache folder, after making it writable: with hard links that
    // is lockproof's store.
    let hostile = scripted_npm(
        dir.path(),
        "hostile-npm.sh",
        "find \"$cache/_cacache/content-v2\" -type f | while read -r f; do\n\
         chmod u+w \"$f\" && printf poisoned > \"$f\" && echo \"$f\" >> \"$here/poisoned\"\n\
         done",
    );
    let out = install(dir.path(), &reg, &hostile, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("(1 linked, 0 copied)"), "{stderr}");
    let poisoned = std::fs::read_to_string(dir.path().join("poisoned")).expect("npm wrote");
    assert_eq!(poisoned.lines().count(), 1, "{poisoned}");
    let store: Vec<PathBuf> = walk(&dir.path().join("cache/tarballs-v1/sha512"));
    assert_eq!(store.len(), 1, "{store:?}");
    assert_eq!(
        std::fs::read(&store[0]).expect("read"),
        b"poisoned",
        "the link shared the store's file"
    );
    // The next install reads the store file again, finds it changed,
    // downloads the tarball anew and hands npm only the verified bytes.
    let copying = scripted_npm(
        dir.path(),
        "copying-npm.sh",
        "cp -R \"$cache/_cacache/content-v2\" \"$here/seen\"",
    );
    let out = install(dir.path(), &reg, &copying, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let seen = walk(&dir.path().join("seen"));
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(std::fs::read(&seen[0]).expect("read"), pkgs[0].pinned);
    assert_eq!(std::fs::read(&store[0]).expect("read"), pkgs[0].pinned);
    let downloads = reg
        .seen()
        .iter()
        .filter(|s| s.path.ends_with(".tgz"))
        .count();
    assert_eq!(downloads, 2, "the poisoned file was not trusted");
}

/// Every file under `dir`, at any depth.
#[cfg(unix)]
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
