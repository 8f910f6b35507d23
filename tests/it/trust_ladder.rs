//! The trust ladder people keep on, against the fake registry: history by
//! release line (the crowdin-like and maintenance-line patterns), levels
//! declared equivalent, downgrades a keyless registry claims, provenance
//! only where the document says so, release ages from npm's settings and
//! from verified signing times, young packages, and npm's staging
//! placeholder. Each fires on its case only.

use serde_json::Value;

use crate::fake_registry::{FakeRegistry, Route, TestKey, lockfile, sri};
use crate::registry::{Project, keys_body};
use crate::sigstore::keys_with_npm;
use crate::sigstore_pki::{Identity, Pki};
use crate::trust::{
    V, audit, codes, messages, packument_of, packument_signed_by, provenance_of, staged, trusted, v,
};

/// When the test PKI signs every bundle (`BundleSpec`'s integrated time).
const SIGNED_AT: i64 = 1_760_000_000;

/// Audits `name@locked` on a signing registry that serves `versions` and,
/// for each version with attestations, provenance the test PKI signed: the
/// locked version's level is what verified.
fn audit_attested(name: &str, locked: &str, versions: &[V], config: Option<&str>) -> (i32, Value) {
    let pki = Pki::new();
    let key = TestKey::new(1);
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_with_npm(&pki, &key)));
    reg.route(
        &format!("/{name}"),
        Route::Json(packument_of(name, versions, &key)),
    );
    for x in versions.iter().filter(|x| x.attestations) {
        reg.route(
            &format!("/-/npm/v1/attestations/{name}@{}", x.version),
            Route::Json(provenance_of(&pki, name, x.version, Identity::default())),
        );
    }
    let project = Project::new(&lockfile(&[(
        name,
        locked,
        &sri(&format!("{name}@{locked}")),
    )]));
    if let Some(text) = config {
        std::fs::write(project.path().join("lockproof.toml"), text).expect("config");
    }
    let root = project.path().join("trusted_root.json");
    std::fs::write(&root, pki.trusted_root_json()).expect("root");
    let (code, report, _) = project.audit(&reg, &["--trusted-root", &root.display().to_string()]);
    (code, report)
}

fn trust_of(report: &Value) -> (String, String) {
    let t = &report["lockfiles"][0]["trust"][0];
    (t["level"].to_string(), t["baseline"].to_string())
}

/// RFC 3339 for `days` days before now.
fn days_ago(days: i64) -> String {
    jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * days))
        .expect("time")
        .to_string()
}

#[test]
fn a_registry_serving_approvers_but_no_keys_still_reports_the_downgrade_it_claims() {
    // A caching proxy: `_npmUser.approver` kept, no keys, no signatures,
    // no attestations. Five approved releases, then one without.
    let approved = |version, day| V {
        trusted_publisher: false,
        attestations: false,
        ..staged(version, day, "alice")
    };
    let versions = [
        approved("1.0.0", 1),
        approved("1.1.0", 2),
        approved("1.2.0", 3),
        approved("1.3.0", 4),
        approved("1.4.0", 5),
        V {
            publisher: "stolen-token-user",
            ..v("1.4.1", 6)
        },
    ];
    let reg = FakeRegistry::start();
    reg.route(
        "/proxied",
        Route::Json(packument_signed_by("proxied", &versions, None)),
    );
    let audit_locked = |locked: &str| {
        let project = Project::new(&lockfile(&[(
            "proxied",
            locked,
            &sri(&format!("proxied@{locked}")),
        )]));
        let (code, report, _) = project.audit(&reg, &[]);
        (code, report)
    };
    let (code, report) = audit_locked("1.4.1");
    assert_eq!(codes(&report), ["publisher-changed", "trust-downgrade"]);
    let msg = &messages(&report, "trust-downgrade")[0];
    assert!(
        msg.starts_with("claimed, unverified: this version's document claims none, but 1.4.0")
            && msg.contains("claims staged")
            && msg.contains("does not serve signatures"),
        "{msg}"
    );
    assert_eq!(code, 1, "as high as a verified downgrade");
    let trust = &report["lockfiles"][0]["trust"][0];
    assert_eq!(trust["level"], Value::Null, "unknown, never verified");
    assert_eq!(trust["claimed"], "none");
    assert!(
        report["notes"]
            .to_string()
            .contains("does not serve signatures"),
        "{}",
        report["notes"]
    );
    let (code, report) = audit_locked("1.4.0");
    assert_eq!(
        codes(&report),
        Vec::<String>::new(),
        "approved like the rest"
    );
    assert_eq!(code, 0);
}

#[test]
fn the_crowdin_pattern_is_no_downgrade_by_default_and_one_across_lines_when_asked() {
    // Staged 4.x, then trusted-publisher 5.x.
    let versions = [
        staged("4.0.0", 1, "alice"),
        staged("4.1.0", 2, "alice"),
        staged("4.2.0", 3, "alice"),
        trusted("5.0.0", 4),
        trusted("5.1.0", 5),
    ];
    let (code, report) = audit_attested("crowdin-like", "5.1.0", &versions, None);
    assert_eq!(codes(&report), Vec::<String>::new());
    assert_eq!(code, 0);
    assert_eq!(
        trust_of(&report),
        (
            "\"trusted-publisher\"".to_string(),
            "\"5.0.0 (trusted-publisher)\"".to_string()
        ),
        "verified, and compared within 5.x"
    );
    let (_, report) = audit_attested("crowdin-like", "5.0.0", &versions, None);
    assert_eq!(
        codes(&report),
        Vec::<String>::new(),
        "the first of its line"
    );

    let all = Some("[trust]\nhistory = \"all\"\n");
    let (code, report) = audit_attested("crowdin-like", "5.1.0", &versions, all);
    assert_eq!(codes(&report), ["trust-downgrade"]);
    assert_eq!(
        messages(&report, "trust-downgrade"),
        ["verified trust level trusted-publisher, but 4.2.0 (published earlier) claims staged"]
    );
    assert_eq!(code, 1);
}

#[test]
fn a_maintenance_release_is_held_to_its_own_line() {
    // semver's pattern: 7.x with a trusted publisher, then a 6.x fix.
    let versions = [
        v("6.3.0", 1),
        trusted("7.0.0", 2),
        trusted("7.1.0", 3),
        v("6.3.1", 4),
    ];
    let (code, report) = audit("maintained", "6.3.1", &versions, None);
    assert_eq!(codes(&report), Vec::<String>::new());
    assert_eq!(code, 0);
    let (code, report) = audit(
        "maintained",
        "6.3.1",
        &versions,
        Some("[trust]\nhistory = \"all\"\n"),
    );
    assert_eq!(codes(&report), ["trust-downgrade"]);
    assert!(
        messages(&report, "trust-downgrade")[0]
            .contains("7.1.0 (published earlier) claims trusted-publisher"),
        "{:?}",
        messages(&report, "trust-downgrade")
    );
    assert_eq!(code, 1);
    // A per-package table asks for it for one package only.
    let per_package = "[trust.package.\"maintained\"]\nhistory = \"all\"\n";
    let (_, report) = audit("maintained", "6.3.1", &versions, Some(per_package));
    assert_eq!(codes(&report), ["trust-downgrade"]);
    let (_, report) = audit(
        "maintained",
        "6.3.1",
        &versions,
        Some("[trust.package.\"other\"]\nhistory = \"all\"\n"),
    );
    assert_eq!(codes(&report), Vec::<String>::new());
}

#[test]
fn zero_major_lines_are_minor_lines() {
    let apart = [trusted("0.3.0", 1), v("0.4.0", 2)];
    let (_, report) = audit("zero", "0.4.0", &apart, None);
    assert_eq!(
        codes(&report),
        Vec::<String>::new(),
        "0.3 and 0.4 are two lines"
    );
    let within = [trusted("0.4.0", 1), v("0.4.1", 2)];
    let (_, report) = audit("zero", "0.4.1", &within, None);
    assert_eq!(codes(&report), ["trust-downgrade"]);
}

#[test]
fn alternating_release_modes_stop_alarming_once_declared_equivalent() {
    let versions = [
        staged("4.0.0", 1, "alice"),
        trusted("4.1.0", 2),
        staged("4.2.0", 3, "alice"),
        trusted("4.3.0", 4),
    ];
    let (_, report) = audit_attested("alternating", "4.3.0", &versions, None);
    assert_eq!(codes(&report), ["trust-downgrade"], "by default, a drop");
    let equivalent = "[trust]\nequivalent = [[\"staged\", \"trusted-publisher\"]]\n";
    let (code, report) = audit_attested("alternating", "4.3.0", &versions, Some(equivalent));
    assert_eq!(codes(&report), Vec::<String>::new());
    assert_eq!(code, 0);
    let overridden = format!("{equivalent}[trust.package.\"alternating\"]\nequivalent = []\n");
    let (_, report) = audit_attested("alternating", "4.3.0", &versions, Some(&overridden));
    assert_eq!(
        codes(&report),
        ["trust-downgrade"],
        "the package's own table"
    );
    // A token publish is still a drop from both.
    let token = [
        staged("4.0.0", 1, "alice"),
        trusted("4.1.0", 2),
        v("4.2.0", 3),
    ];
    let (_, report) = audit("alternating", "4.2.0", &token, Some(equivalent));
    assert_eq!(codes(&report), ["trust-downgrade"]);
    assert!(
        messages(&report, "trust-downgrade")[0]
            .contains("4.1.0 (published earlier) claims trusted-publisher"),
        "the last release of the highest rank: {:?}",
        messages(&report, "trust-downgrade")
    );
}

#[test]
fn provenance_and_trusted_publishers_count_only_with_dist_attestations_provenance() {
    let without = [
        V {
            provenance: false,
            ..trusted("1.0.0", 1)
        },
        v("1.1.0", 2),
    ];
    let (_, report) = audit("attested-only", "1.1.0", &without, None);
    assert_eq!(
        codes(&report),
        Vec::<String>::new(),
        "a publish attestation alone claims no provenance"
    );
    let with = [trusted("1.0.0", 1), v("1.1.0", 2)];
    let (_, report) = audit("attested-only", "1.1.0", &with, None);
    assert_eq!(codes(&report), ["trust-downgrade"]);
}

#[test]
fn release_age_takes_the_verified_signing_time_when_the_registry_states_an_earlier_one() {
    let now = jiff::Timestamp::now().as_second();
    // The minimum makes the signature 30 days too young, whenever the
    // test runs.
    let min = (now - SIGNED_AT) / 86_400 + 30;
    let config = format!("[trust]\nmin-release-age = {min}\n");
    let at = |offset_days: i64| {
        jiff::Timestamp::from_second(SIGNED_AT + offset_days * 86_400)
            .expect("time")
            .to_string()
    };
    let rewritten = [V {
        published: at(-90),
        ..trusted("1.0.0", 1)
    }];
    let (_, report) = audit_attested("rewound", "1.0.0", &rewritten, Some(&config));
    assert_eq!(codes(&report), ["release-too-new"]);
    let msg = &messages(&report, "release-too-new")[0];
    assert!(
        msg.starts_with("signed 2025-10-09T08:53:20Z (")
            && msg.contains(&format!("under the minimum release age of {min} days"))
            && msg.contains("verified transparency-log or timestamp-authority time"),
        "{msg}"
    );
    let later = [V {
        published: at(1),
        ..trusted("1.0.0", 1)
    }];
    let (_, report) = audit_attested("later", "1.0.0", &later, Some(&config));
    let msg = &messages(&report, "release-too-new")[0];
    assert!(
        msg.starts_with(&format!("published {} (", at(1)))
            && msg.contains(
                "later than the verified signing time of its provenance, 2025-10-09T08:53:20Z"
            ),
        "{msg}"
    );
    // Without provenance only the registry's word is there.
    let unattested = [V {
        published: at(-90),
        ..v("1.0.0", 1)
    }];
    let (_, report) = audit("rewound", "1.0.0", &unattested, Some(&config));
    assert_eq!(codes(&report), Vec::<String>::new());
}

#[test]
fn npms_min_release_age_applies_unless_lockproof_toml_sets_its_own() {
    let key = TestKey::new(1);
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_body(&[(&key, None)])));
    let names = ["young", "@corp/young"];
    for name in names {
        let versions = [
            v("1.0.0", 1),
            V {
                published: days_ago(1),
                ..v("1.0.1", 2)
            },
        ];
        reg.route(
            &format!("/{}", name.replacen('/', "%2f", 1)),
            Route::Json(packument_of(name, &versions, &key)),
        );
    }
    let entries: Vec<(&str, &str, String)> = names
        .iter()
        .map(|n| (*n, "1.0.1", sri(&format!("{n}@1.0.1"))))
        .collect();
    let locked: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|(n, v, i)| (*n, *v, i.as_str()))
        .collect();
    let project = Project::new(&lockfile(&locked));
    std::fs::write(
        project.path().join(".npmrc"),
        "min-release-age=2\nmin-release-age-exclude[]=@corp/*\n",
    )
    .expect("npmrc");
    let (code, report, _) = project.audit(&reg, &[]);
    assert_eq!(
        crate::registry::found(&report),
        [("release-too-new".to_string(), "young".to_string())]
    );
    let msg = &messages(&report, "release-too-new")[0];
    assert!(
        msg.contains("under the minimum release age of 2 days (npm's min-release-age, set in ")
            && msg.contains(".npmrc:1; time as"),
        "{msg}"
    );
    assert_eq!(code, 0, "medium");
    std::fs::write(
        project.path().join("lockproof.toml"),
        "[trust]\nmin-release-age = 0\n",
    )
    .expect("config");
    let (_, report, _) = project.audit(&reg, &[]);
    assert_eq!(
        codes(&report),
        Vec::<String>::new(),
        "lockproof.toml's own: off"
    );
}

#[test]
fn a_package_first_published_days_ago_is_too_new() {
    let versions = [
        V {
            published: days_ago(3),
            ..v("1.0.0", 1)
        },
        V {
            published: days_ago(2),
            ..v("1.0.1", 2)
        },
    ];
    let (code, report) = audit("fresh", "1.0.1", &versions, None);
    assert_eq!(codes(&report), ["package-too-new"]);
    let msg = &messages(&report, "package-too-new")[0];
    assert!(
        msg.contains("(3 days ago), under the minimum package age of 7 days"),
        "{msg}"
    );
    assert_eq!(code, 0, "medium");
    for config in [
        "[trust]\nmin-package-age = 0\n",
        "[trust]\nmin-package-age = 2\n",
    ] {
        let (_, report) = audit("fresh", "1.0.1", &versions, Some(config));
        assert_eq!(codes(&report), Vec::<String>::new(), "{config}");
    }
}

#[test]
fn the_staged_publishing_placeholder_is_critical() {
    let versions = [v("0.0.0-stage", 1)];
    let (code, report) = audit("just-staged", "0.0.0-stage", &versions, None);
    assert_eq!(codes(&report), ["stage-placeholder"]);
    assert_eq!(report["findings"][0]["severity"], "critical");
    assert_eq!(code, 1);
}
