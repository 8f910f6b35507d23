//! `lockproof.toml` beside the lockfile: levels, allowed hosts, ignores with
//! reasons and expiry, and notes about ignores that rot.

use crate::util::{codes, json_report, run};

#[test]
fn config_beside_the_lockfile_is_applied() {
    let (code, report) = json_report(&["fixtures/with-config"]);
    assert_eq!(code, 1);
    assert_eq!(
        report["lockfiles"][0]["config"],
        "fixtures/with-config/lockproof.toml"
    );
    let found = codes(&report);
    // allowed-hosts adds example.com: remote-tar is no longer a host finding.
    assert!(!found.contains(&("host-not-allowed".into(), "remote-tar".into())));
    // ignored with a reason until 2999:
    assert!(!found.contains(&("host-not-allowed".into(), "other-host".into())));
    assert_eq!(
        report["ignored"][0]["reason"],
        "internal mirror, tracked in SEC-123"
    );
    // install-script is allowed: gone, but counted.
    assert!(!found.iter().any(|(c, _)| c == "install-script"));
    assert_eq!(report["suppressed"]["install-script"], 1);
    // the expired ignore no longer applies:
    assert!(found.contains(&("integrity-missing".into(), "no-integrity".into())));
    let findings = report["findings"].as_array().unwrap();
    let verdict = |code: &str| {
        findings
            .iter()
            .find(|f| f["code"] == code)
            .map(|f| (f["level"].clone(), f["fails"].clone()))
            .unwrap()
    };
    assert_eq!(verdict("git-source"), ("deny".into(), true.into()));
    assert_eq!(verdict("integrity-weak"), ("warn".into(), false.into()));
    let notes: Vec<_> = report["policy_notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["kind"].as_str().unwrap(), n["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(notes, vec![("expired-ignore", 15), ("unused-ignore", 21)]);
}

#[test]
fn explicit_config_replaces_the_one_beside() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("strict.toml");
    std::fs::write(&cfg, "fail-on = \"low\"\n").unwrap();
    let r = run(&["fixtures/example", "--config", cfg.to_str().unwrap()]);
    assert_eq!(r.code, 1, "install-script is low: fails at fail-on low");
    let r = run(&[
        "fixtures/example",
        "--config",
        cfg.to_str().unwrap(),
        "--fail-on",
        "high",
    ]);
    assert_eq!(r.code, 0, "--fail-on beats the config");
}

#[test]
fn warn_level_never_fails_and_deny_always_does() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[levels]\ninstall-script = \"deny\"\n").unwrap();
    assert_eq!(
        run(&["fixtures/example", "--config", cfg.to_str().unwrap()]).code,
        1
    );
    std::fs::write(
        &cfg,
        "[levels]\ntarball-name-mismatch = \"warn\"\nintegrity-malformed = \"warn\"\nintegrity-missing = \"warn\"\ninsecure-url = \"warn\"\nhost-not-allowed = \"warn\"\nurl-credentials = \"warn\"\n",
    )
    .unwrap();
    assert_eq!(
        run(&["fixtures/risky", "--config", cfg.to_str().unwrap()]).code,
        0
    );
}
