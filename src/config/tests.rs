use super::*;

fn parse_str(text: &str) -> Result<Config, ConfigError> {
    parse(Path::new("lockproof.toml"), text)
}

fn error_line(text: &str) -> (u32, String) {
    match parse_str(text) {
        Err(ConfigError::Invalid { line, message, .. }) => (line, message),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn reads_a_full_config() {
    let c = parse_str(
        r#"fail-on = "medium"
allowed-hosts = ["Registry.npmjs.org", "npm.example.com"]
[levels]
install-script = "allow"
git-source = "deny"
[[ignore]]
package = "@s/p@^1.2.0"
code = "git-source"
reason = "pinned and reviewed"
expires = 2027-06-30
[[ignore]]
package = "left-pad"
code = "install-script"
reason = "x"
expires = "2000-01-01"
"#,
    )
    .unwrap();
    assert_eq!(c.fail_on, Some(Severity::Medium));
    assert_eq!(
        c.allowed_hosts.as_deref(),
        Some(
            &[
                "registry.npmjs.org".to_string(),
                "npm.example.com".to_string()
            ][..]
        )
    );
    assert_eq!(c.levels[&Code::InstallScript], LintLevel::Allow);
    assert_eq!(c.ignores[0].line, 6);
    assert_eq!(c.ignores[0].expires.unwrap().to_string(), "2027-06-30");
    assert_eq!(c.ignores[1].expires.unwrap().to_string(), "2000-01-01");
    assert!(matches!(
        &c.ignores[0].target,
        IgnoreTarget::Code { package, .. } if package.name == "@s/p"
    ));
}

#[test]
fn ignores_name_a_code_with_a_package_or_an_advisory() {
    let c = parse(
        Path::new("lockproof.toml"),
        "[[ignore]]\nadvisory = \"GHSA-aaaa-bbbb-cccc\"\nreason = \"r\"\n",
    )
    .unwrap();
    assert!(matches!(
        &c.ignores[0].target,
        IgnoreTarget::Advisory { id, package: None } if id == "GHSA-aaaa-bbbb-cccc"
    ));
    for bad in [
        "[[ignore]]\ncode = \"git-source\"\nreason = \"r\"\n",
        "[[ignore]]\npackage = \"a\"\nreason = \"r\"\n",
        "[[ignore]]\ncode = \"git-source\"\nadvisory = \"GHSA-x\"\npackage = \"a\"\nreason = \"r\"\n",
        "[[ignore]]\nadvisory = \"\"\nreason = \"r\"\n",
    ] {
        assert!(parse(Path::new("lockproof.toml"), bad).is_err(), "{bad}");
    }
}

#[test]
fn errors_name_the_line() {
    assert_eq!(error_line("\n\nbogus = 1\n").0, 3);
    assert!(error_line("\n\nbogus = 1\n").1.contains("unknown field"));
    let (line, msg) = error_line("[levels]\n\nnot-a-code = \"deny\"\n");
    assert_eq!(line, 3);
    assert!(msg.contains("unknown finding code"), "{msg}");
    let (line, msg) = error_line("[levels]\ngit-source = \"block\"\n");
    assert_eq!((line, msg.contains("expected deny")), (2, true));
    let (line, msg) = error_line("[[ignore]]\npackage = \"a\"\ncode = \"git-source\"\n");
    assert_eq!(line, 1);
    assert!(msg.contains("reason"), "{msg}");
    let (line, _) = error_line(
        "[[ignore]]\npackage = \"a@not a range!\"\ncode = \"git-source\"\nreason = \"r\"\n",
    );
    assert_eq!(line, 2);
    let (line, _) =
        error_line("[[ignore]]\npackage = \"a\"\ncode = \"git-source\"\nreason = \" \"\n");
    assert_eq!(line, 4);
    assert_eq!(error_line("fail-on = \"severe\"").0, 1);
    assert_eq!(
        error_line(
            "[[ignore]]\npackage = \"a\"\ncode = \"git-source\"\nreason = \"r\"\nexpires = 5\n"
        )
        .0,
        5
    );
}

#[test]
fn package_matchers_follow_npm_ranges() {
    let m = PackageMatcher::parse("lodash@^4.17.0").unwrap();
    assert!(m.matches("lodash", Some("4.17.21")));
    assert!(!m.matches("lodash", Some("5.0.0")));
    assert!(!m.matches("lodash", None));
    assert!(!m.matches("lodash-es", Some("4.17.21")));
    let exact = PackageMatcher::parse("@s/p@1.0.0").unwrap();
    assert!(exact.matches("@s/p", Some("1.0.0")));
    assert!(!exact.matches("@s/p", Some("1.0.1")));
    let any = PackageMatcher::parse("@s/p").unwrap();
    assert!(any.matches("@s/p", None));
    assert!(PackageMatcher::parse("x@>=1 <2 || 3.x").is_ok());
    assert!(PackageMatcher::parse("@").is_err());
}

#[test]
fn reads_the_trust_ladder_and_its_per_package_tables() {
    let c = parse_str(
        r#"[trust]
history = "all"
equivalent = [["staged", "trusted-publisher"]]
min-package-age = 0

[trust.package."@crowdin/*"]
history = "major"

[trust.package."@crowdin/cli"]
equivalent = []
"#,
    )
    .unwrap();
    let t = &c.trust;
    assert_eq!(t.min_package_age_days, 0);
    let plain = t.ladder_for("left-pad");
    assert_eq!(plain.scope, HistoryScope::All);
    assert!(!plain.below(TrustLevel::TrustedPublisher, TrustLevel::Staged));
    let scoped = t.ladder_for("@crowdin/other");
    assert_eq!(scoped.scope, HistoryScope::Major);
    assert_eq!(scoped.equivalence, plain.equivalence, "not overridden");
    let cli = t.ladder_for("@crowdin/cli");
    assert_eq!(cli.scope, HistoryScope::Major, "from @crowdin/*");
    assert!(cli.below(TrustLevel::TrustedPublisher, TrustLevel::Staged));
    let defaults = TrustPolicy::default();
    assert_eq!(defaults.min_package_age_days, DEFAULT_MIN_PACKAGE_AGE_DAYS);
    assert_eq!(defaults.ladder_for("x"), Ladder::default());
    assert_eq!(
        parse_str("[trust]\n").unwrap().trust.min_package_age_days,
        7
    );
}

#[test]
fn bad_trust_ladder_values_name_their_line() {
    let (line, msg) = error_line("[trust]\n\nhistory = \"semver\"\n");
    assert_eq!(line, 3);
    assert!(msg.contains("\"major\" or \"all\""), "{msg}");
    let (line, msg) = error_line("[trust]\nequivalent = [[\"staged\", \"gold\"]]\n");
    assert_eq!(line, 2);
    assert!(msg.contains("\"gold\" is not a level"), "{msg}");
    let (line, msg) = error_line("[trust]\nequivalent = [[\"staged\"]]\n");
    assert_eq!(line, 2);
    assert!(msg.contains("at least two"), "{msg}");
    let (line, msg) = error_line("[trust]\n[trust.package.\"a*b\"]\nhistory = \"all\"\n");
    assert_eq!(line, 2);
    assert!(msg.contains("expected a name"), "{msg}");
    let (line, msg) = error_line("[trust.package.\"x\"]\nhistory = \"all\"\nbogus = 1\n");
    assert_eq!(line, 3);
    assert!(msg.contains("unknown field"), "{msg}");
    let (line, _) = error_line("[trust.package.\"x\"]\n\nhistory = \"some\"\n");
    assert_eq!(line, 3);
}

#[test]
fn computes_civil_dates() {
    assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
    assert_eq!(Date::from_days(20_819).to_string(), "2027-01-01");
    assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
    assert!(Date::parse("2027-13-01").is_none());
    assert!(Date::parse("2027-1-01").is_none());
}
