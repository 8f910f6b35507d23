//! `lockproof trust`: the anchors in use, and a refresh that cannot reach
//! the repository (as on machines without access to Sigstore's CDN).

use crate::util::lockproof;

#[test]
fn trust_show_names_the_embedded_anchors_and_their_keys_offline() {
    let out = lockproof()
        .args(["trust", "show", "--offline"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("trust anchors: embedded ("), "{text}");
    assert!(text.contains("; offline"), "{text}");
    assert!(
        text.contains("SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U"),
        "npm's current key: {text}"
    );
    assert!(text.contains("Sigstore trusted root:"), "{text}");
}

#[test]
fn trust_update_that_cannot_reach_the_repository_fails_and_says_why() {
    let out = lockproof()
        .env_remove("LOCKPROOF_OFFLINE")
        .args(["trust", "update"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refresh from http://127.0.0.1:9 failed"),
        "{stderr}"
    );
    let offline = lockproof().args(["trust", "update"]).output().unwrap();
    assert_eq!(offline.status.code(), Some(1));
}

#[test]
fn every_report_says_which_anchors_it_rests_on() {
    let out = lockproof()
        .args(["audit", "--format", "json", "fixtures/clean"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["notes"][0],
        "trust anchors: embedded (sigstore 4.5.1 wheel, 2026-10); offline"
    );
}
