//! The trust ladder against the fake registry: downgrades (the axios
//! pattern), prereleases, publisher and approver changes, release age and
//! required levels, identity drift between releases' provenance, each
//! firing on its case only.

use serde_json::{Value, json};

use crate::fake_registry::{FakeRegistry, FakeVersion, Route, TestKey, lockfile, packument, sri};
use crate::registry::{Project, found, keys_body};
use crate::sigstore::{attestations, keys_with_npm, sha512_hex};
use crate::sigstore_pki::{Identity, Pki};

/// How one version of the fake package looks.
pub(crate) struct V {
    pub(crate) version: &'static str,
    pub(crate) published: String,
    pub(crate) publisher: &'static str,
    pub(crate) approver: Option<&'static str>,
    pub(crate) trusted_publisher: bool,
    /// `dist.attestations`, with `provenance` unless `provenance` is off.
    pub(crate) attestations: bool,
    pub(crate) provenance: bool,
}

pub(crate) fn v(version: &'static str, day: u32) -> V {
    V {
        version,
        published: format!("2026-06-{day:02}T00:00:00.000Z"),
        publisher: "GitHub Actions",
        approver: None,
        trusted_publisher: false,
        attestations: false,
        provenance: true,
    }
}

pub(crate) fn staged(version: &'static str, day: u32, by: &'static str) -> V {
    V {
        approver: Some(by),
        ..trusted(version, day)
    }
}

/// A trusted (OIDC) publish with provenance.
pub(crate) fn trusted(version: &'static str, day: u32) -> V {
    V {
        trusted_publisher: true,
        attestations: true,
        ..v(version, day)
    }
}

/// A packument of `name` with every version signed by `key` and the
/// trust fields each `V` asks for.
pub(crate) fn packument_of(name: &str, versions: &[V], key: &TestKey) -> String {
    packument_signed_by(name, versions, Some(key))
}

/// The same, signed by `key` when given, else unsigned (a registry that
/// serves no signatures).
pub(crate) fn packument_signed_by(name: &str, versions: &[V], key: Option<&TestKey>) -> String {
    let fakes: Vec<FakeVersion> = versions
        .iter()
        .map(|x| match key {
            Some(key) => FakeVersion::signed(name, x.version, key),
            None => FakeVersion::unsigned(name, x.version),
        })
        .collect();
    let mut doc: Value = serde_json::from_str(&packument(name, &fakes)).expect("packument");
    for x in versions {
        let d = &mut doc["versions"][x.version];
        let mut user = json!({"name": x.publisher, "email": "x@example.com"});
        if x.trusted_publisher {
            user["trustedPublisher"] = json!({"id": "github", "oidcConfigId": "oidc:1"});
        }
        if let Some(by) = x.approver {
            user["approver"] = json!({"name": by, "email": format!("{by}@example.com")});
        }
        d["_npmUser"] = user;
        if x.attestations {
            d["dist"]["attestations"] = json!({
                "url": format!("https://registry.npmjs.org/-/npm/v1/attestations/{name}@{}", x.version),
            });
            if x.provenance {
                d["dist"]["attestations"]["provenance"] =
                    json!({"predicateType": "https://slsa.dev/provenance/v1"});
            }
        }
        doc["time"][x.version] = json!(x.published);
    }
    doc.to_string()
}

/// Audits `name@locked` against a registry serving `versions`; `config`
/// is written beside the lockfile when given.
pub(crate) fn audit(
    name: &str,
    locked: &str,
    versions: &[V],
    config: Option<&str>,
) -> (i32, Value) {
    let key = TestKey::new(1);
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_body(&[(&key, None)])));
    let path = format!("/{}", name.replacen('/', "%2f", 1));
    reg.route(&path, Route::Json(packument_of(name, versions, &key)));
    let integrity = sri(&format!("{name}@{locked}"));
    let project = Project::new(&lockfile(&[(name, locked, &integrity)]));
    if let Some(text) = config {
        std::fs::write(project.path().join("lockproof.toml"), text).expect("config");
    }
    let (code, report, _) = project.audit(&reg, &[]);
    (code, report)
}

pub(crate) fn codes(report: &Value) -> Vec<String> {
    found(report).into_iter().map(|(c, _)| c).collect()
}

pub(crate) fn messages(report: &Value, code: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .filter_map(|f| f["message"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn a_token_publish_after_staged_releases_is_a_downgrade_naming_the_last_staged_one() {
    let versions = [
        staged("1.0.0", 1, "alice"),
        staged("1.4.0", 2, "alice"),
        V {
            publisher: "stolen-token-user",
            ..v("1.4.1", 3)
        },
    ];
    let (code, report) = audit("axios-like", "1.4.1", &versions, None);
    assert_eq!(codes(&report), ["publisher-changed", "trust-downgrade"]);
    let msg = &messages(&report, "trust-downgrade")[0];
    assert!(msg.contains("1.4.0") && msg.contains("staged"), "{msg}");
    assert_eq!(code, 1, "a downgrade is high");
    let trust = &report["lockfiles"][0]["trust"][0];
    assert_eq!(trust["level"], "signed");
    assert_eq!(trust["baseline"], "1.4.0 (staged)");
    assert_eq!(report["summary"]["evidence"]["trust"]["signed"], 1);
}

#[test]
fn a_package_that_never_had_provenance_has_no_downgrade() {
    let versions = [v("1.0.0", 1), v("1.1.0", 2)];
    let (code, report) = audit("plain", "1.1.0", &versions, None);
    assert_eq!(codes(&report), Vec::<String>::new());
    assert_eq!(code, 0);
}

#[test]
fn a_prerelease_does_not_set_the_baseline_of_a_release() {
    let versions = [
        v("1.0.0", 1),
        staged("2.0.0-beta.1", 2, "alice"),
        v("2.0.0", 3),
    ];
    let (_, report) = audit("pre", "2.0.0", &versions, None);
    assert_eq!(codes(&report), Vec::<String>::new());
}

#[test]
fn another_approver_is_reported() {
    let versions = [
        V {
            attestations: false,
            trusted_publisher: false,
            ..staged("1.0.0", 1, "alice")
        },
        V {
            attestations: false,
            trusted_publisher: false,
            ..staged("1.1.0", 2, "mallory")
        },
    ];
    let (_, report) = audit("approved", "1.1.0", &versions, None);
    assert_eq!(codes(&report), ["approver-changed"]);
    assert!(messages(&report, "approver-changed")[0].contains("mallory"));
}

#[test]
fn release_age_and_required_levels_follow_the_policy() {
    let yesterday = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24))
        .expect("time")
        .to_string();
    let versions = [V {
        published: yesterday,
        ..v("1.0.0", 1)
    }];
    let config = "[trust]\nmin-release-age = 3\nrequire = { \"@myorg/*\" = \"provenance\", \"*\" = \"signed\" }\n";
    let (code, report) = audit("@myorg/lib", "1.0.0", &versions, Some(config));
    assert_eq!(
        codes(&report),
        ["package-too-new", "release-too-new", "trust-below-required"],
        "its only version is its first publish"
    );
    assert_eq!(code, 1);
    let (_, report) = audit("other", "1.0.0", &versions, Some(config));
    assert_eq!(
        codes(&report),
        ["package-too-new", "release-too-new"],
        "signed meets `*`"
    );
}

#[test]
fn excluded_and_old_enough_versions_are_not_judged_for_downgrades() {
    let versions = [
        staged("1.0.0", 1, "alice"),
        V {
            publisher: "GitHub Actions",
            ..v("1.0.1", 2)
        },
    ];
    let (_, report) = audit(
        "excluded",
        "1.0.1",
        &versions,
        Some("[trust]\nexclude = [\"excluded\"]\n"),
    );
    assert_eq!(codes(&report), Vec::<String>::new());
    let (_, report) = audit(
        "aged",
        "1.0.1",
        &versions,
        Some("[trust]\nignore-after-days = 30\n"),
    );
    assert_eq!(codes(&report), Vec::<String>::new(), "published months ago");
    let (_, report) = audit(
        "aged",
        "1.0.1",
        &versions,
        Some("[trust]\nignore-after-days = 100000\n"),
    );
    assert_eq!(codes(&report), ["trust-downgrade"]);
}

#[test]
fn a_bad_trust_table_is_a_configuration_error_naming_the_line() {
    let versions = [v("1.0.0", 1)];
    let key = TestKey::new(1);
    let reg = FakeRegistry::start();
    reg.route("/x", Route::Json(packument_of("x", &versions, &key)));
    let project = Project::new(&lockfile(&[("x", "1.0.0", &sri("x@1.0.0"))]));
    std::fs::write(
        project.path().join("lockproof.toml"),
        "fail-on = \"high\"\n[trust]\nrequire = { \"x\" = \"gold\" }\n",
    )
    .expect("config");
    let out = crate::util::lockproof()
        .args(["audit", "--offline"])
        .arg(project.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2") && err.contains("trust.require"),
        "{err}"
    );
}

/// Provenance signed as `identity` for `name@version`, about the bytes the
/// fake registry's integrity of that version stands for.
pub(crate) fn provenance_of(pki: &Pki, name: &str, version: &str, identity: Identity) -> String {
    let sha512 = sha512_hex(&format!("{name}@{version}"));
    attestations(pki, name, version, &sha512, identity).to_string()
}

/// `identity` as it signs a release tagged `tag`.
fn at_tag(identity: Identity, tag: &str) -> Identity {
    let workflow = identity.san_uri.split("@refs/").next().unwrap_or_default();
    Identity {
        san_uri: format!("{workflow}@refs/tags/{tag}"),
        source_ref: format!("refs/tags/{tag}"),
        ..identity
    }
}

#[test]
fn identity_drift_fires_when_the_release_was_built_elsewhere_than_the_previous_one() {
    let pki = Pki::new();
    let key = TestKey::new(1);
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_with_npm(&pki, &key)));
    let fork = "https://github.com/fork/octo-pkg";
    let forked = Identity {
        san_uri: format!("{fork}/.github/workflows/release.yml@refs/tags/v1.1.0"),
        source_repo: fork.into(),
        build_signer: format!("{fork}/.github/workflows/release.yml@refs/tags/v1.1.0"),
        ..Identity::default()
    };
    // steady: same repository and workflow, another tag; drifted: built in
    // a fork; unverifiable: the previous release's bundle is broken.
    let cases = [
        ("steady", at_tag(Identity::default(), "v1.1.0"), true),
        ("drifted", forked.clone(), true),
        ("unverifiable", forked, false),
    ];
    let mut entries = Vec::new();
    for (name, identity, previous_ok) in &cases {
        let versions = [staged("1.0.0", 1, "alice"), staged("1.1.0", 2, "alice")];
        reg.route(
            &format!("/{name}"),
            Route::Json(packument_of(name, &versions, &key)),
        );
        let mut previous = provenance_of(&pki, name, "1.0.0", Identity::default());
        if !previous_ok {
            previous = previous.replacen("\"sig\":\"", "\"sig\":\"AAAA", 1);
        }
        reg.route(
            &format!("/-/npm/v1/attestations/{name}@1.0.0"),
            Route::Json(previous),
        );
        reg.route(
            &format!("/-/npm/v1/attestations/{name}@1.1.0"),
            Route::Json(provenance_of(&pki, name, "1.1.0", identity.clone())),
        );
        entries.push((*name, sri(&format!("{name}@1.1.0"))));
    }
    let locked: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|(n, i)| (*n, "1.1.0", i.as_str()))
        .collect();
    let project = Project::new(&lockfile(&locked));
    let root = tempfile::NamedTempFile::new().expect("root");
    std::fs::write(root.path(), pki.trusted_root_json()).expect("root");
    let root = root.path().display().to_string();
    let (code, report, _) = project.audit(&reg, &["--trusted-root", &root]);
    assert_eq!(
        found(&report),
        [("identity-drift".to_string(), "drifted".to_string())]
    );
    let msg = &messages(&report, "identity-drift")[0];
    assert!(
        msg.contains("source repository https://github.com/fork/octo-pkg")
            && msg.contains("was https://github.com/octo-org/octo-pkg")
            && msg.contains("1.0.0"),
        "{msg}"
    );
    assert_eq!(code, 0, "medium does not fail the default policy");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("identity drift: 1 entries not compared"),
        "{notes}"
    );
    let trust = &report["summary"]["evidence"]["trust"];
    assert_eq!(trust["staged"], 3, "{trust}");
}

#[test]
fn snapshot_the_trust_summary_in_table_markdown_and_json() {
    let key = TestKey::new(1);
    let reg = FakeRegistry::start();
    reg.route("/-/npm/v1/keys", Route::Json(keys_body(&[(&key, None)])));
    let axios = [
        staged("1.4.0", 2, "alice"),
        V {
            publisher: "stolen-token-user",
            ..v("1.4.1", 3)
        },
    ];
    let approved = [V {
        attestations: false,
        trusted_publisher: false,
        ..staged("2.0.0", 1, "alice")
    }];
    reg.route(
        "/axios-like",
        Route::Json(packument_of("axios-like", &axios, &key)),
    );
    reg.route(
        "/approved",
        Route::Json(packument_of("approved", &approved, &key)),
    );
    let unsigned = FakeVersion::unsigned("unsigned", "1.0.0");
    reg.route("/unsigned", Route::Json(packument("unsigned", &[unsigned])));
    let entries = [
        ("axios-like", "1.4.1"),
        ("approved", "2.0.0"),
        ("unsigned", "1.0.0"),
    ]
    .map(|(n, v)| (n, v, sri(&format!("{n}@{v}"))));
    let locked: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|(n, v, i)| (*n, *v, i.as_str()))
        .collect();
    let project = Project::new(&lockfile(&locked));
    for format in ["table", "markdown", "json"] {
        let out = crate::util::lockproof()
            .current_dir(project.path())
            .env_remove("LOCKPROOF_OFFLINE")
            .args(["audit", "--format", format, "--registry", &reg.url])
            .args(["--cache-dir", "cache", "package-lock.json"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{format}: a downgrade is high");
        // The port, as written and as Markdown escapes it.
        let port = reg
            .authority()
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_string();
        let text = String::from_utf8_lossy(&out.stdout)
            .replace(&reg.authority(), "127.0.0.1:PORT")
            .replace(&format!("\\:{port}"), "\\:PORT");
        insta::assert_snapshot!(format!("trust_summary_{format}"), text);
    }
}
