use std::path::Path;

use super::*;
use crate::installer::which::{NpmRules, RulesFrom};
use crate::lockfile::Lockfile;
use crate::registry::npmrc::Sources;

const LOCK: &str = r#"{
  "name": "p", "lockfileVersion": 3,
  "packages": {
    "": {"name": "p"},
    "node_modules/esbuild": {"version": "0.25.0", "resolved": "https://registry.npmjs.org/esbuild/-/esbuild-0.25.0.tgz", "integrity": "sha512-AAAA", "hasInstallScript": true},
    "node_modules/@s/native": {"version": "1.2.3", "resolved": "https://registry.npmjs.org/@s/native/-/native-1.2.3.tgz", "integrity": "sha512-AAAA", "hasInstallScript": true},
    "node_modules/gitdep": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/User/gitdep.git#0123456789abcdef0123456789abcdef01234567", "hasInstallScript": true},
    "node_modules/local": {"version": "1.0.0", "resolved": "file:vendor/local-1.0.0.tgz", "integrity": "sha512-AAAA", "hasInstallScript": true},
    "node_modules/esbuild/node_modules/inner": {"version": "1.0.0", "inBundle": true, "hasInstallScript": true},
    "node_modules/alias": {"name": "esbuild", "version": "0.25.0", "resolved": "https://registry.npmjs.org/esbuild/-/esbuild-0.25.0.tgz", "integrity": "sha512-AAAA", "hasInstallScript": true}
  }
}"#;

fn lockfile() -> Lockfile {
    crate::lockfile::parse_bytes(Path::new("package-lock.json"), LOCK.as_bytes()).unwrap()
}

fn entry<'a>(l: &'a Lockfile, path: &str) -> &'a Entry {
    l.entries.iter().find(|e| e.path == path).unwrap()
}

fn npm(npmrc: &str) -> NpmConfig {
    npm_with_user(npmrc, "")
}

/// The project's `.npmrc` and the user's.
fn npm_with_user(project: &str, user: &str) -> NpmConfig {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".npmrc"), project).unwrap();
    let user_file = dir.path().join("user-npmrc");
    std::fs::write(&user_file, user).unwrap();
    NpmConfig::load(&Sources {
        project_dir: Some(dir.path()),
        user_npmrc: Some(&user_file),
        env: &[],
        cli_registry: None,
    })
    .unwrap()
}

fn rules(major: u64) -> NpmRules {
    NpmRules {
        major,
        version: None,
        from: RulesFrom::Flag,
        set_aside: None,
    }
}

fn policy(major: u64, keys: &[(&str, Option<bool>)], npmrc: &str) -> ScriptPolicy {
    let keys: Vec<_> = keys.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    ScriptPolicy::resolve(&rules(major), Some(&keys), &npm(npmrc))
}

fn runs(p: &ScriptPolicy, l: &Lockfile, path: &str) -> bool {
    matches!(p.verdict(entry(l, path)), Verdict::Runs(_))
}

#[test]
fn npm_11_runs_everything_unless_scripts_are_ignored() {
    let l = lockfile();
    let p = policy(11, &[("esbuild", Some(false))], "");
    assert!(runs(&p, &l, "node_modules/esbuild"));
    let p = ScriptPolicy::resolve(
        &rules(11),
        None,
        &npm_with_user("", "ignore-scripts=true\n"),
    );
    let Verdict::Blocked(why) = p.verdict(entry(&l, "node_modules/esbuild")) else {
        panic!()
    };
    assert!(why.starts_with("ignore-scripts is set ("), "{why}");
}

#[test]
fn npm_12_runs_only_what_the_policy_allows() {
    let l = lockfile();
    let p = policy(12, &[], "");
    let Verdict::Blocked(why) = p.verdict(entry(&l, "node_modules/esbuild")) else {
        panic!()
    };
    assert_eq!(
        why,
        "no allowScripts policy; npm 12 skips them with a warning"
    );
    let p = policy(
        12,
        &[
            ("esbuild", Some(true)),
            ("@s/native@1.2.3 || 1.2.4", Some(true)),
        ],
        "",
    );
    assert!(runs(&p, &l, "node_modules/esbuild"));
    assert!(runs(&p, &l, "node_modules/@s/native"));
    // An alias is judged by the package its tarball URL names.
    assert!(runs(&p, &l, "node_modules/alias"));
    assert!(!runs(&p, &l, "node_modules/gitdep"));
    let p = policy(
        12,
        &[("@s/native@1.2.4", Some(true))],
        "strict-allow-scripts=true\n",
    );
    let Verdict::Blocked(why) = p.verdict(entry(&l, "node_modules/@s/native")) else {
        panic!()
    };
    assert!(
        why.ends_with("npm 12 fails the install (strict-allow-scripts)"),
        "{why}"
    );
}

#[test]
fn a_deny_wins_and_bundled_never_run() {
    let l = lockfile();
    let p = policy(
        12,
        &[("esbuild", Some(true)), ("esbuild@0.25.0", Some(false))],
        "",
    );
    let Verdict::Blocked(why) = p.verdict(entry(&l, "node_modules/esbuild")) else {
        panic!()
    };
    assert_eq!(
        why,
        "denied by allowScripts \"esbuild@0.25.0\" (package.json)"
    );
    let p = policy(12, &[("inner", Some(true))], "");
    assert!(!runs(&p, &l, "node_modules/esbuild/node_modules/inner"));
}

#[test]
fn ranges_and_tags_are_dropped_as_npm_drops_them() {
    let l = lockfile();
    let p = policy(
        12,
        &[
            ("esbuild@^0.25.0", Some(true)),
            ("esbuild@latest", Some(true)),
        ],
        "",
    );
    assert_eq!(p.dropped(), ["esbuild@^0.25.0", "esbuild@latest"]);
    assert!(!runs(&p, &l, "node_modules/esbuild"));
}

#[test]
fn git_keys_match_the_repository_and_a_commit_prefix() {
    let l = lockfile();
    for key in [
        "github:User/gitdep",
        "User/gitdep#0123456",
        "git+https://github.com/User/gitdep.git#0123456789",
    ] {
        let p = policy(12, &[(key, Some(true))], "");
        assert!(runs(&p, &l, "node_modules/gitdep"), "{key}");
    }
    let p = policy(12, &[("github:User/gitdep#fff", Some(true))], "");
    assert!(!runs(&p, &l, "node_modules/gitdep"));
    let p = policy(12, &[("github:User/other", Some(true))], "");
    assert!(!runs(&p, &l, "node_modules/gitdep"));
}

#[test]
fn file_keys_match_resolved() {
    let l = lockfile();
    let p = policy(12, &[("file:vendor/local-1.0.0.tgz", Some(true))], "");
    assert!(runs(&p, &l, "node_modules/local"));
    // A deny matches only the same spelling.
    let p = policy(
        12,
        &[("file:./vendor/local-1.0.0.tgz", Some(false))],
        "dangerously-allow-all-scripts\n",
    );
    assert!(
        runs(&p, &l, "node_modules/local"),
        "dangerously-allow-all-scripts bypasses the policy"
    );
}

#[test]
fn npmrc_lists_apply_when_package_json_has_none() {
    let l = lockfile();
    let keys: Vec<(String, Option<bool>)> = Vec::new();
    let p = ScriptPolicy::resolve(
        &rules(12),
        Some(&keys),
        &npm("allow-scripts=esbuild, other\n"),
    );
    let Verdict::Runs(why) = p.verdict(entry(&l, "node_modules/esbuild")) else {
        panic!()
    };
    assert!(
        why.starts_with("allowed by allowScripts \"esbuild\" (allow-scripts, "),
        "{why}"
    );
    // package.json's entries win over .npmrc's.
    let p = policy(12, &[("other", Some(true))], "allow-scripts=esbuild\n");
    assert!(!runs(&p, &l, "node_modules/esbuild"));
}

#[test]
fn unreadable_allows_err_towards_running() {
    let l = lockfile();
    let p = policy(12, &[("x@npm:esbuild@0.25.0", Some(true))], "");
    let Verdict::Runs(why) = p.verdict(entry(&l, "node_modules/esbuild")) else {
        panic!()
    };
    assert!(why.contains("cannot match as npm does"), "{why}");
    // Values other than true and false do nothing, as in npm.
    let p = policy(12, &[("esbuild", None)], "");
    assert!(!runs(&p, &l, "node_modules/esbuild"));
}

// Attacks: a pull request writes package.json, the lockfile and the
// project's .npmrc so that lockproof calls a script blocked that npm 12
// runs. Each expectation was checked against npm 12.2.3.

const ATTACK_LOCK: &str = r#"{
  "name": "p", "lockfileVersion": 3,
  "packages": {
    "": {"name": "p"},
    "node_modules/enc": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/%40s/enc/-/enc-1.0.0.tgz", "integrity": "sha512-AAAA", "hasInstallScript": true},
    "node_modules/noscope": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/x%2fnoscope/-/noscope-1.0.0.tgz", "integrity": "sha512-AAAA", "hasInstallScript": true},
    "node_modules/built": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/built/-/built-1.0.0+meta.tgz", "integrity": "sha512-AAAA", "hasInstallScript": true}
  }
}"#;

fn attack_lockfile() -> Lockfile {
    crate::lockfile::parse_bytes(Path::new("package-lock.json"), ATTACK_LOCK.as_bytes()).unwrap()
}

#[test]
fn attack_dangerously_allow_all_scripts_in_any_word_npm_reads_as_true() {
    let l = lockfile();
    // npm keeps the string and JavaScript reads any but these as true; a
    // variable is expanded after npm decides.
    for value in ["yes", "1", "0", "FALSE", "on", "${LOCKPROOF_UNSET_VAR}"] {
        let p = policy(12, &[], &format!("dangerously-allow-all-scripts={value}\n"));
        assert!(runs(&p, &l, "node_modules/esbuild"), "{value}");
    }
    let p = policy(12, &[], "dangerously-allow-all-scripts[]=false\n");
    assert!(runs(&p, &l, "node_modules/esbuild"), "a list");
    for value in ["false", "null", "undefined", " false "] {
        let p = policy(12, &[], &format!("dangerously-allow-all-scripts={value}\n"));
        assert!(!runs(&p, &l, "node_modules/esbuild"), "{value}");
    }
}

#[test]
fn attack_allow_scripts_as_npmrc_list_lines() {
    let l = lockfile();
    let p = policy(12, &[], "allow-scripts[]=other\nallow-scripts[]=esbuild\n");
    assert!(runs(&p, &l, "node_modules/esbuild"));
    // A plain line after list lines joins the list.
    let p = policy(12, &[], "allow-scripts[]=other\nallow-scripts=esbuild\n");
    assert!(runs(&p, &l, "node_modules/esbuild"));
}

#[test]
fn attack_a_package_json_policy_npm_drops_whole_leaves_npmrc_in_force() {
    let l = lockfile();
    for key in ["esbuild@^0.25.0", "esbuild@latest", " other"] {
        let p = policy(12, &[(key, Some(true))], "allow-scripts=esbuild\n");
        assert!(runs(&p, &l, "node_modules/esbuild"), "{key}");
    }
}

#[test]
fn attack_denies_npm_drops_or_never_matches_do_not_block() {
    let l = lockfile();
    for deny in [
        " esbuild",
        "esbuild ",
        "esbuild@ ",
        "esbuild@v0.25.0",
        "esbuild@=0.25.0",
        "esbuild@0.25.0+meta",
    ] {
        let p = policy(12, &[("esbuild", Some(true)), (deny, Some(false))], "");
        assert!(runs(&p, &l, "node_modules/esbuild"), "{deny:?}");
    }
    // A plain deny still wins.
    let p = policy(
        12,
        &[
            ("esbuild", Some(true)),
            ("esbuild@0.25.0 || 9.9.9", Some(false)),
        ],
        "",
    );
    assert!(!runs(&p, &l, "node_modules/esbuild"));
}

#[test]
fn attack_allows_npm_reads_by_value_match() {
    let l = lockfile();
    for allow in ["esbuild@v0.25.0 || 9.9.9", "esbuild@0.25.0+meta || 9.9.9"] {
        let p = policy(12, &[(allow, Some(true))], "");
        assert!(runs(&p, &l, "node_modules/esbuild"), "{allow:?}");
    }
}

#[test]
fn attack_the_identity_is_the_url_as_npm_splits_it() {
    let l = attack_lockfile();
    // npm does not decode `%40`: the scope is not one, the name is `enc`.
    let p = policy(12, &[("enc", Some(true)), ("@s/enc", Some(false))], "");
    assert!(runs(&p, &l, "node_modules/enc"));
    // `%2f` splits without an `@`: the name is `noscope`.
    let p = policy(12, &[("noscope", Some(true))], "");
    assert!(runs(&p, &l, "node_modules/noscope"));
    // Build metadata is no part of npm's version.
    let p = policy(12, &[("built@1.0.0", Some(true))], "");
    assert!(runs(&p, &l, "node_modules/built"));
}

#[test]
fn attack_a_name_deny_does_not_outweigh_an_allow_of_the_url() {
    let l = lockfile();
    let url = "https://registry.npmjs.org/esbuild/-/esbuild-0.25.0.tgz";
    let p = policy(12, &[("esbuild", Some(false)), (url, Some(true))], "");
    let Verdict::Runs(why) = p.verdict(entry(&l, "node_modules/esbuild")) else {
        panic!()
    };
    assert!(why.contains("registry dependency"), "{why}");
}

#[test]
fn attack_ignore_scripts_in_the_projects_npmrc_is_not_taken_on_trust() {
    let l = lockfile();
    for line in ["ignore-scripts=true\n", "ignore-scripts\n"] {
        let p = policy(12, &[("esbuild", Some(true))], line);
        assert!(runs(&p, &l, "node_modules/esbuild"), "{line}");
        assert!(
            p.notes()[0].contains("not taken on trust"),
            "{:?}",
            p.notes()
        );
    }
    let p = ScriptPolicy::resolve(
        &rules(11),
        None,
        &npm_with_user("ignore-scripts=false\n", "ignore-scripts=true\n"),
    );
    assert!(
        runs(&p, &l, "node_modules/esbuild"),
        "the project's file outranks"
    );
    let p = ScriptPolicy::resolve(&rules(11), None, &npm_with_user("", "ignore-scripts=yes\n"));
    assert!(
        !runs(&p, &l, "node_modules/esbuild"),
        "the user's file counts"
    );
}
