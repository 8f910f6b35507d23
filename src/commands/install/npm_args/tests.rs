//! The user's arguments as npm reads them: every value-taking option of
//! the table refused as the last argument, every flag accepted, every
//! shorthand refused; the table checked against the installed npm; and
//! every accepted argument handed to the installed npm's own parser, which
//! must still read lockproof's settings as lockproof wrote them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::*;

fn why(arg: &str) -> Result<(), Why> {
    check(&[arg.to_string()]).map_err(|refused| refused.why)
}

fn value_options() -> impl Iterator<Item = &'static str> {
    OPTIONS
        .iter()
        .filter(|(_, kind)| *kind == Kind::Value)
        .map(|(name, _)| *name)
}

fn flags() -> impl Iterator<Item = &'static str> {
    OPTIONS
        .iter()
        .filter(|(_, kind)| *kind == Kind::Boolean)
        .map(|(name, _)| *name)
}

#[test]
fn the_table_is_sorted_and_holds_both_kinds() {
    assert!(OPTIONS.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(SHORTHANDS.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(value_options().count() > 50 && flags().count() > 50);
    assert_eq!(
        resolve("userconfig"),
        Resolved::Option("userconfig", Kind::Value)
    );
    assert_eq!(
        resolve("ignore-scripts"),
        Resolved::Option("ignore-scripts", Kind::Boolean)
    );
}

#[test]
fn every_value_taking_option_is_refused_as_the_last_argument() {
    for name in value_options() {
        for arg in [
            format!("--{name}"),
            format!("--no-{name}"),
            format!("--{}", name.to_ascii_uppercase()),
            format!("---{name}"),
            format!("-{name}"),
        ] {
            // As the last argument, and as the only one.
            let args = ["--ignore-scripts".to_string(), arg.clone()];
            let refused = check(&args).expect_err(&arg);
            assert_eq!(refused.arg, arg);
            assert!(check(&args[1..]).is_err(), "{arg}");
        }
    }
}

#[test]
fn value_taking_options_are_accepted_as_name_equals_value() {
    for name in
        value_options().filter(|name| settled(name).is_none() && !INSTALLER_KEYS.contains(name))
    {
        assert_eq!(why(&format!("--{name}=x")), Ok(()), "{name}");
        assert_eq!(why(&format!("--{name}=")), Ok(()), "{name}");
        assert_eq!(why(&format!("--{name}=--")), Err(Why::DashValue), "{name}");
        assert_eq!(why(&format!("--{name}=-w")), Err(Why::DashValue), "{name}");
        assert_eq!(why(&format!("--no-{name}=x")), Err(Why::NegatedValue));
    }
}

#[test]
fn flags_are_accepted_bare_and_negated_and_only_true_or_false_after_equals() {
    for name in flags().filter(|name| settled(name).is_none() && !INSTALLER_KEYS.contains(name)) {
        for fine in [
            format!("--{name}"),
            format!("--no-{name}"),
            format!("--NO-no-{name}"),
            format!("--{name}=true"),
            format!("--{name}=false"),
        ] {
            assert_eq!(why(&fine), Ok(()), "{fine}");
        }
        assert_eq!(
            why(&format!("--{name}=yes")),
            Err(Why::FlagValue { option: name })
        );
        assert_eq!(why(&format!("--{name}=--")), Err(Why::DashValue));
    }
}

#[test]
fn attack_installer_settings_that_run_or_fetch_more_are_refused() {
    // The audit judged scripts and sources by the project's settings; an
    // argument that loosens them would make npm act on what it did not
    // judge.
    for bad in [
        "--dangerously-allow-all-scripts",
        "--dangerously-allow-all-scripts=true",
        "--dangerously=true",
        "--no-ignore-scripts",
        "--ignore-scripts=false",
        "--allow-git=all",
        "--allow-remote=all",
        "--allow-file=none",
        "--allow-scripts=esbuild",
        "--no-strict-allow-scripts",
    ] {
        assert!(
            matches!(why(bad), Err(Why::Installer { .. })),
            "{bad}: {:?}",
            why(bad)
        );
    }
    for fine in [
        "--ignore-scripts",
        "--ignore-scripts=true",
        "--strict-allow-scripts",
    ] {
        assert_eq!(why(fine), Ok(()), "{fine}");
    }
}

#[test]
fn todays_refusals_hold_as_npm_would_read_them() {
    for bad in [
        "--cache",
        "--cache=/tmp/x",
        "--off",
        "--no-off",
        "--NO-offline",
        "--no-no-offline",
        "--off=false",
        "--Offline=false",
        "--online",
        "--prefer-online",
        "--reg=http://x/",
        "--registry=http://x/",
        "--@corp:registry=http://x/",
        "--prefix=/other",
    ] {
        assert!(
            matches!(why(bad), Err(Why::Settled { .. } | Why::Shorthand { .. })),
            "{bad}: {:?}",
            why(bad)
        );
    }
    assert_eq!(why("--"), Err(Why::EndOfOptions));
    assert_eq!(why("----"), Err(Why::EndOfOptions));
    assert_eq!(
        why("-C"),
        Err(Why::Shorthand {
            reads_as: "--prefix".into()
        })
    );
    // `ca` is an option of its own, not an abbreviation of `cache`.
    assert_eq!(why("--ca=/etc/ca.pem"), Ok(()));
    assert_eq!(why("--cache-min=1"), Ok(()));
}

#[test]
fn the_attacks_are_refused_with_why() {
    let needs = |option| Err(Why::NeedsEquals { option });
    assert_eq!(why("--userconfig"), needs("userconfig"));
    assert_eq!(why("--USERCONFIG"), needs("userconfig"));
    assert_eq!(why("--userc"), needs("userconfig"));
    assert_eq!(why("--no-otp"), needs("otp"));
    assert_eq!(why("--omit"), needs("omit"));
    assert_eq!(why("--workspaces"), needs("workspaces"));
    assert_eq!(why("--ignore-scripts=--"), Err(Why::DashValue));
    assert_eq!(why("--ignore-scripts=--offline=false"), Err(Why::DashValue));
    assert_eq!(why("--omit=--"), Err(Why::DashValue));
    assert_eq!(
        why("--ignore-scripts=x"),
        Err(Why::FlagValue {
            option: "ignore-scripts"
        })
    );
    let reads_as = |s: &str| Err(Why::Shorthand { reads_as: s.into() });
    assert_eq!(why("-w"), reads_as("--workspace"));
    assert_eq!(why("-w=a"), reads_as("--workspace"));
    assert_eq!(why("--enjoy-by"), reads_as("--before"));
    assert_eq!(why("--enj"), reads_as("--before"));
    assert_eq!(why("--silent"), reads_as("--loglevel silent"));
    assert_eq!(why("-wC"), reads_as("--workspace --prefix"));
    // Not `--all`: nopt reads a run of single-letter shorthands first.
    assert_eq!(why("--al"), reads_as("--all --long"));
    assert_eq!(why("-offline"), reads_as("--offline"));
    assert_eq!(
        why("--ignore-scr"),
        Ok(()),
        "an unambiguous abbreviation of a flag"
    );
    assert!(matches!(why("--ign"), Err(Why::Ambiguous { .. })));
    assert!(matches!(
        why("--nonexistent-flag"),
        Err(Why::Unknown { .. })
    ));
    assert_eq!(why("--nonexistent-option=1"), Ok(()));
    for word in ["dev", "-", "", "pkg@1"] {
        assert_eq!(why(word), Err(Why::Positional), "{word:?}");
    }
    assert_eq!(why("--=x"), Err(Why::NoName));
    assert_eq!(why("--no-"), Err(Why::NoName));
}

#[test]
fn every_shorthand_is_refused_in_either_form() {
    for (name, expansion) in SHORTHANDS {
        for arg in [
            format!("-{name}"),
            format!("--{name}"),
            format!("--{name}=x"),
        ] {
            assert_eq!(
                why(&arg),
                Err(Why::Shorthand {
                    reads_as: expansion.join(" ")
                }),
                "{arg}"
            );
        }
    }
}

#[test]
fn the_message_names_the_argument_and_the_fix() {
    let refused = check(&["--omit=dev".into(), "--userconfig".into()]).expect_err("refused");
    assert_eq!(
        refused.to_string(),
        "npm argument \"--userconfig\" is not allowed: --userconfig takes a value: give it as \
         --userconfig=VALUE, so that npm cannot take the next argument as its value"
    );
}

#[test]
fn lockproofs_settings_are_self_contained_arguments_and_variables() {
    let all = settings(Path::new("/c"), Some("http://r/"));
    let args: Vec<OsString> = all.iter().map(|(name, s)| s.arg(name)).collect();
    assert_eq!(
        args,
        [
            "--no-update-notifier",
            "--no-audit",
            "--no-fund",
            "--offline",
            "--cache=/c",
            "--registry=http://r/"
        ]
    );
    let env: Vec<(&str, OsString)> = all.iter().map(|(name, s)| (*name, s.env())).collect();
    assert_eq!(
        env,
        [
            ("update-notifier", "false".into()),
            ("audit", "false".into()),
            ("fund", "false".into()),
            ("offline", "true".into()),
            ("cache", "/c".into()),
            ("registry", "http://r/".into()),
        ]
    );
    // Every one passes the check lockproof applies to the user's.
    for arg in args.iter().filter_map(|a| a.to_str()) {
        assert!(
            matches!(why(arg), Ok(()) | Err(Why::Settled { .. })),
            "{arg}"
        );
    }
}

#[test]
fn environment_variables_are_matched_as_npm_maps_them() {
    for var in [
        "npm_config_update_notifier",
        "NPM_CONFIG_UPDATE_NOTIFIER",
        "Npm_Config_Update-Notifier",
        "npm_config_update-notifier",
    ] {
        assert!(sets(OsStr::new(var), "update-notifier"), "{var}");
    }
    for var in [
        "npm_config__update_notifier",
        "npm_config_update_notifiers",
        "npm_configupdate_notifier",
        "update_notifier",
        "npm_config_",
    ] {
        assert!(!sets(OsStr::new(var), "update-notifier"), "{var}");
    }
    assert_eq!(variable("update-notifier"), "npm_config_update_notifier");
}

/// The npm folder to check against (`LOCKPROOF_TEST_NPM`, e.g. npm 12
/// installed elsewhere, or else the npm on PATH), or `None` after saying
/// why the test is skipped. Needs `node`.
fn installed_npm() -> Option<PathBuf> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|out| out.status.success()) {
        eprintln!("SKIPPED: node is not installed on this machine");
        return None;
    }
    if let Some(folder) = std::env::var_os("LOCKPROOF_TEST_NPM") {
        return Some(PathBuf::from(folder));
    }
    match Command::new("npm").args(["root", "-g"]).output() {
        Ok(root) if root.status.success() => {
            let root = String::from_utf8_lossy(&root.stdout);
            Some(PathBuf::from(root.trim()).join("npm"))
        }
        _ => {
            eprintln!("SKIPPED: npm is not installed on this machine");
            None
        }
    }
}

/// Runs one of the repository's node scripts, feeding it `input`.
fn node(script: &str, args: &[&Path], input: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(script);
    let mut child = Command::new("node")
        .arg(path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("node runs");
    assert!(out.status.success(), "{script} failed");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn the_embedded_table_matches_the_installed_npm() {
    let Some(folder) = installed_npm() else {
        return;
    };
    let installed = node("npm-option-types.cjs", &[Path::new("--json"), &folder], "");
    let version = installed["version"].as_str().unwrap_or_default();
    eprintln!("npm {version}; the table was read from npm {VERSIONS:?}");
    let options = installed["options"].as_object().expect("options");
    assert!(options.len() > 100, "{installed}");
    for (name, kind) in options {
        let Ok(i) = OPTIONS.binary_search_by(|(o, _)| (*o).cmp(name.as_str())) else {
            panic!("npm {version} has --{name}; the table does not: run the generator");
        };
        let in_table = OPTIONS[i].1;
        match kind.as_str() {
            Some("value") => assert_eq!(in_table, Kind::Value, "--{name} takes a value"),
            Some("boolean") => {}
            other => panic!("--{name}: {other:?}"),
        }
    }
    for (name, kind) in OPTIONS {
        if *kind == Kind::Boolean {
            assert_eq!(
                options.get(*name).and_then(Value::as_str),
                Some("boolean"),
                "the table says --{name} is a flag; npm {version} does not"
            );
        }
    }
    let shorthands = installed["shorthands"].as_object().expect("shorthands");
    for (name, expansion) in shorthands {
        let expansion: Vec<&str> = expansion
            .as_array()
            .expect("list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            shorthand_exact(name),
            Some(&expansion[..]),
            "shorthand {name}"
        );
    }
}

/// Arguments in every form nopt distinguishes, for every option and
/// shorthand of the table, and odd ones.
fn candidates() -> Vec<String> {
    let mut all: Vec<String> = [
        "--",
        "---",
        "-",
        "dev",
        "--=x",
        "--no-",
        "--constructor=x",
        "--__proto__=x",
        "-wC",
        "--wC",
        "--@corp:registry=http://x/",
        "--//h/:_authToken=t",
        "--ign",
        "--ign=x",
        "--pre=x",
        "--nonexistent",
        "--nonexistent=1",
        "--al",
    ]
    .map(String::from)
    .to_vec();
    for (name, _) in OPTIONS {
        let upper = name.to_ascii_uppercase();
        for form in [
            format!("--{name}"),
            format!("--no-{name}"),
            format!("--{upper}"),
            format!("---{name}"),
            format!("-{name}"),
            format!("--{name}=x"),
            format!("--{name}="),
            format!("--{name}=true"),
            format!("--{name}=false"),
            format!("--{name}=null"),
            format!("--{name}=1"),
            format!("--{name}=--"),
            format!("--{name}=-w"),
            format!("--{name}=--offline=false"),
            format!("--no-{name}=false"),
            format!("--{upper}=x"),
        ] {
            all.push(form);
        }
        for end in 1..name.len() {
            if let Some(prefix) = name.get(..end) {
                all.push(format!("--{prefix}"));
                all.push(format!("--{prefix}=x"));
            }
        }
    }
    for (name, _) in SHORTHANDS {
        all.extend([
            format!("-{name}"),
            format!("--{name}"),
            format!("-{name}=x"),
        ]);
    }
    all.sort();
    all.dedup();
    all
}

/// What npm must read from lockproof's settings, whatever came before.
fn intact(read: &Value, lockproofs: &[String]) -> Result<(), String> {
    let cli = &read["cli"];
    let want = json!({
        "update-notifier": false, "audit": false, "fund": false, "offline": true,
        "cache": "/lockproof-cache", "registry": "http://127.0.0.1:9/",
    });
    for (key, value) in want.as_object().into_iter().flatten() {
        if &cli[key] != value {
            return Err(format!("npm read {key} as {}", cli[key]));
        }
    }
    let remain: Vec<&str> = read["remain"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    match remain.split_first() {
        Some((&"ci", rest)) => match rest
            .iter()
            .find(|r| r.starts_with('-') || lockproofs.iter().any(|l| l == *r))
        {
            Some(r) => Err(format!("npm read {r:?} as a plain argument")),
            None => Ok(()),
        },
        _ => Err(format!("npm's command became {remain:?}")),
    }
}

#[test]
fn the_installed_npm_reads_lockproofs_settings_after_every_accepted_argument() {
    let Some(folder) = installed_npm() else {
        return;
    };
    let lockproofs: Vec<String> =
        settings(Path::new("/lockproof-cache"), Some("http://127.0.0.1:9/"))
            .iter()
            .filter_map(|(name, s)| s.arg(name).into_string().ok())
            .collect();
    let line = |user: &[String]| {
        let mut line = vec!["ci".to_string()];
        line.extend_from_slice(user);
        line.extend_from_slice(&lockproofs);
        line
    };
    let all = candidates();
    let (accepted, refused): (Vec<String>, Vec<String>) =
        all.into_iter().partition(|arg| why(arg).is_ok());
    // The attacks, refused here, do break npm's reading: the check below
    // would see it.
    let attacks: Vec<String> = [
        "--userconfig",
        "--no-otp",
        "-w",
        "--enjoy-by",
        "--ignore-scripts=--",
        "--omit=--",
        "--before",
        "--reg",
    ]
    .map(String::from)
    .to_vec();
    let mut lines: Vec<Vec<String>> = attacks
        .iter()
        .map(|a| line(std::slice::from_ref(a)))
        .collect();
    lines.extend(accepted.iter().map(|a| line(std::slice::from_ref(a))));
    let input = serde_json::to_string(&lines).expect("JSON");
    let reads = node("npm-read-args.cjs", &[&folder], &input);
    let reads = reads.as_array().expect("one read per line");
    assert_eq!(reads.len(), lines.len());
    for (attack, read) in attacks.iter().zip(reads) {
        assert!(intact(read, &lockproofs).is_err(), "{attack}: {read}");
        assert!(why(attack).is_err(), "{attack}");
    }
    let mut stops = BTreeMap::new();
    for (arg, read) in accepted.iter().zip(&reads[attacks.len()..]) {
        match read["error"].as_str() {
            // npm stops with an error: it installs nothing.
            Some(error) => {
                stops.insert(arg.as_str(), error.to_string());
            }
            None => {
                if let Err(broken) = intact(read, &lockproofs) {
                    panic!("{arg} is accepted, but {broken}: {read}");
                }
            }
        }
    }
    // All accepted arguments at once, except those npm stops at alone,
    // and but one of each pair npm refuses together.
    let mut together: Vec<String> = accepted
        .iter()
        .filter(|a| !stops.contains_key(a.as_str()))
        .cloned()
        .collect();
    loop {
        let input = serde_json::to_string(&[line(&together)]).expect("JSON");
        let read = &node("npm-read-args.cjs", &[&folder], &input)[0];
        let Some(error) = read["error"].as_str() else {
            if let Err(broken) = intact(read, &lockproofs) {
                panic!("all accepted arguments together: {broken}: {read}");
            }
            break;
        };
        // "--a cannot be provided when using --b": leave out every --a.
        let Some(option) = error
            .strip_prefix("--")
            .and_then(|e| e.split_once(" cannot be provided when using --"))
            .map(|(a, _)| a.to_string())
        else {
            panic!("all accepted arguments together: npm stops: {error}");
        };
        let before = together.len();
        together.retain(|arg| {
            let name = arg.trim_start_matches('-');
            let name = name.split_once('=').map_or(name, |(n, _)| n);
            !matches!(
                resolve(&strip_no(name).1.to_ascii_lowercase()),
                Resolved::Option(o, _) if o == option
            )
        });
        assert!(together.len() < before, "{error}");
    }
    eprintln!(
        "{} arguments: {} accepted (npm stops with an error at {:?}), {} refused",
        accepted.len() + refused.len(),
        accepted.len(),
        stops,
        refused.len()
    );
    assert!(accepted.len() > 300 && refused.len() > 1000);
}
