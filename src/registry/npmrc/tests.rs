//! Tests of npmrc resolution: precedence, expansion, and credentials that
//! reach only their own registry.

use super::ini::*;
use super::*;
use base64::Engine as _;
use std::fs;
use tempfile::TempDir;

const TOKEN: &str = "npm_SECRETtoken1234567890";

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct Fixture {
    dir: TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("project")).unwrap();
        fs::create_dir(dir.path().join("home")).unwrap();
        Self { dir }
    }
    fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }
    fn user(&self) -> PathBuf {
        self.dir.path().join("home/.npmrc")
    }
    fn write_project(&self, text: &str) -> &Self {
        fs::write(self.project().join(".npmrc"), text).unwrap();
        self
    }
    fn write_user(&self, text: &str) -> &Self {
        fs::write(self.user(), text).unwrap();
        self
    }
    fn load(&self, env: &[(String, String)], cli: Option<&str>) -> Result<NpmConfig, NpmrcError> {
        let project = self.project();
        let user = self.user();
        NpmConfig::load(&Sources {
            project_dir: Some(&project),
            user_npmrc: Some(&user),
            env,
            cli_registry: cli,
        })
    }
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn header(cfg: &NpmConfig, u: &str) -> Option<String> {
    cfg.auth_header_for(&url(u)).map(|s| s.expose().to_string())
}

#[test]
fn defaults_without_any_file() {
    let f = Fixture::new();
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(cfg.default_registry().as_str(), DEFAULT_REGISTRY);
    assert!(cfg.strict_ssl());
    assert_eq!(cfg.cafile(), None);
    assert!(cfg.files_read().is_empty());
    assert_eq!(header(&cfg, "https://registry.npmjs.org/lodash"), None);
}

#[test]
fn precedence_cli_env_project_user() {
    let f = Fixture::new();
    f.write_user("registry=https://user.example/\nstrict-ssl=false\n")
        .write_project("registry=https://project.example/\n");
    let e = env(&[("npm_config_registry", "https://env.example/")]);

    let cfg = f.load(&e, Some("https://cli.example/")).unwrap();
    assert_eq!(cfg.default_registry().as_str(), "https://cli.example/");
    let cfg = f.load(&e, None).unwrap();
    assert_eq!(cfg.default_registry().as_str(), "https://env.example/");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(cfg.default_registry().as_str(), "https://project.example/");
    // Per key: the user file's strict-ssl still applies.
    assert!(!cfg.strict_ssl());
    assert_eq!(cfg.files_read(), [f.project().join(".npmrc"), f.user()]);

    fs::remove_file(f.project().join(".npmrc")).unwrap();
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(cfg.default_registry().as_str(), "https://user.example/");
    assert_eq!(cfg.files_read(), [f.user()]);
}

#[test]
fn later_precedence_never_overrides_earlier() {
    let f = Fixture::new();
    f.write_user("strict-ssl=false\n");
    assert!(!f.load(&[], None).unwrap().strict_ssl());
    let e = env(&[("NPM_CONFIG_STRICT_SSL", "true")]);
    assert!(f.load(&e, None).unwrap().strict_ssl());
}

#[test]
fn the_project_npmrc_cannot_weaken_tls() {
    let f = Fixture::new();
    f.write_user("//r.example/:_authToken=secret\n")
        .write_project("strict-ssl=false\ncafile=evil.pem\nregistry=https://r.example/\n");
    let cfg = f.load(&[], None).unwrap();
    assert!(
        cfg.strict_ssl(),
        "the project file cannot turn verification off"
    );
    assert_eq!(cfg.cafile(), None, "nor bring its own CA");
    assert_eq!(cfg.default_registry().as_str(), "https://r.example/");
}

#[test]
fn scoped_registry() {
    let f = Fixture::new();
    f.write_project("@corp:registry = https://npm.corp.example/api/npm\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        cfg.registry_for("@corp/tool").as_str(),
        "https://npm.corp.example/api/npm/"
    );
    assert_eq!(cfg.registry_for("@other/x").as_str(), DEFAULT_REGISTRY);
    assert_eq!(cfg.registry_for("lodash").as_str(), DEFAULT_REGISTRY);
    assert_eq!(cfg.registry_for("@corp").as_str(), DEFAULT_REGISTRY);
}

#[test]
fn registry_gets_trailing_slash() {
    let f = Fixture::new();
    f.write_project("registry=https://mirror.example/npm\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        cfg.default_registry().as_str(),
        "https://mirror.example/npm/"
    );
}

#[test]
fn env_mapping() {
    let f = Fixture::new();
    let e = env(&[
        ("NPM_CONFIG_STRICT_SSL", "false"),
        ("npm_config_@Corp:registry", "https://corp.example/"),
        ("npm_config_//corp.example/:_authToken", TOKEN),
        ("npm_config_cafile", "/etc/ssl/corp.pem"),
        ("npm_config_registry", ""), // empty: ignored, as npm does
        ("not_npm_config_registry", "https://ignored.example/"),
    ]);
    let cfg = f.load(&e, None).unwrap();
    assert!(!cfg.strict_ssl());
    // Lowercased like every non-nerf-dart env key.
    assert_eq!(
        cfg.registry_for("@corp/x").as_str(),
        "https://corp.example/"
    );
    assert_eq!(cfg.default_registry().as_str(), DEFAULT_REGISTRY);
    assert_eq!(cfg.cafile(), Some(Path::new("/etc/ssl/corp.pem")));
    // Nerf-darted keys keep their case.
    assert_eq!(
        header(&cfg, "https://corp.example/x").as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[test]
fn env_legacy_token_forms() {
    let f = Fixture::new();
    let e = env(&[("npm_config__authToken", TOKEN)]);
    let cfg = f.load(&e, None).unwrap();
    assert_eq!(
        header(&cfg, "https://registry.npmjs.org/lodash").as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(header(&cfg, "https://other.example/lodash"), None);

    let e = env(&[("NPM_CONFIG__AUTH", "dXNlcjpwYXNz")]);
    let cfg = f.load(&e, None).unwrap();
    assert_eq!(
        header(&cfg, "https://registry.npmjs.org/x").as_deref(),
        Some("Basic dXNlcjpwYXNz")
    );
}

#[test]
fn env_userconfig_overrides_user_npmrc() {
    let f = Fixture::new();
    f.write_user("registry=https://user.example/\n");
    let other = f.dir.path().join("other.npmrc");
    fs::write(&other, "registry=https://other.example/\n").unwrap();
    let e = env(&[("npm_config_userconfig", other.to_str().unwrap())]);
    let cfg = f.load(&e, None).unwrap();
    assert_eq!(cfg.default_registry().as_str(), "https://other.example/");
    assert_eq!(cfg.files_read(), [other]);
}

#[test]
fn var_expansion() {
    let f = Fixture::new();
    f.write_user(concat!(
        "//npm.example/:_authToken=${NPM_TOKEN}\n",
        "registry=https://npm.example/${NOPE?}\n",
        "@a:registry=\"https://a.example/\\\\${HOST}/\"\n",
        "//${HOST}/:_auth=${AUTH}\n",
    ));
    let e = env(&[
        ("NPM_TOKEN", TOKEN),
        ("HOST", "npm.example"),
        ("AUTH", "dXNlcjpwYXNz"),
    ]);
    let cfg = f.load(&e, None).unwrap();
    assert_eq!(cfg.default_registry().as_str(), "https://npm.example/");
    // JSON "\\$" is a backslash before ${HOST}: escaped, kept literally.
    assert_eq!(
        cfg.registry_for("@a/x").as_str(),
        "https://a.example/$%7BHOST%7D/"
    );
    // The token wins over _auth at the same prefix (expanded key).
    assert_eq!(
        header(&cfg, "https://npm.example/x").as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[test]
fn expand_escapes_like_npm() {
    let e: EnvMap = [("X", "v")].into_iter().collect();
    let text = |s: &str| expand(s, &e).0;
    assert_eq!(text("a${X}b"), "avb");
    assert_eq!(text(r"\${X}"), "${X}");
    assert_eq!(text(r"\\${X}"), r"\v");
    assert_eq!(text(r"\\\${X}"), r"\${X}");
    assert_eq!(text("${Y?}-${X}"), "-v");
    assert_eq!(text("${}${X"), "${}${X");
    assert_eq!(text("${Y}"), "${Y}");
    assert_eq!(text(r"\${Y}"), "${Y}");
    assert_eq!(expand("${X}${Y?}${X}", &e).1, vec!["X", "X"]);
    assert!(expand(r"\${X}", &e).1.is_empty());
}

#[test]
fn an_unset_var_stays_as_written_as_in_npm() {
    let f = Fixture::new();
    f.write_project(
        "# comment\nregistry=https://registry.npmjs.org/\n//npm.example/:_authToken=${NPM_TOKEN}\n",
    );
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        header(&cfg, "https://npm.example/pkg").as_deref(),
        Some("Bearer ${NPM_TOKEN}")
    );
}

#[test]
fn token_only_for_its_own_prefix() {
    let f = Fixture::new();
    f.write_user(&format!(
        "//registry.npmjs.org/:_authToken={TOKEN}\n//npm.corp.example:8443/api/npm/:_authToken=corp-token\n"
    ));
    let cfg = f.load(&[], None).unwrap();
    let bearer = format!("Bearer {TOKEN}");
    let ok = Some(bearer.as_str());
    assert_eq!(
        header(&cfg, "https://registry.npmjs.org/lodash").as_deref(),
        ok
    );
    assert_eq!(
        header(&cfg, "https://REGISTRY.npmjs.org/lodash").as_deref(),
        ok
    );
    assert_eq!(
        header(&cfg, "https://registry.npmjs.org:443/lodash").as_deref(),
        ok
    );
    // npm ignores the scheme; lockproof never sends a token in clear text
    // to a host the configuration names only with https.
    assert_eq!(
        header(&cfg, "http://registry.npmjs.org/lodash").as_deref(),
        None
    );
    for attack in [
        "https://registry.npmjs.org.evil.com/lodash",
        "https://evilregistry.npmjs.org/lodash",
        "https://npmjs.org/lodash",
        "https://registry.npmjs.org@evil.com/lodash",
        "https://registry.npmjs.org:8443/lodash",
        "https://evil.com/registry.npmjs.org/lodash",
        "https://evil.com/?//registry.npmjs.org/",
        "https://user:pw@registry.npmjs.org/lodash",
        "ftp://registry.npmjs.org/lodash",
    ] {
        assert_eq!(header(&cfg, attack), None, "{attack}");
    }
    let corp = Some("Bearer corp-token");
    assert_eq!(
        header(&cfg, "https://npm.corp.example:8443/api/npm/x").as_deref(),
        corp
    );
    assert_eq!(
        header(&cfg, "https://npm.corp.example:8443/api/npm/").as_deref(),
        corp
    );
    assert_eq!(
        header(&cfg, "https://npm.corp.example:8443/api/npm").as_deref(),
        None
    );
    assert_eq!(
        header(&cfg, "https://npm.corp.example:8443/api/npmx/x").as_deref(),
        None
    );
    assert_eq!(
        header(&cfg, "https://npm.corp.example:8443/api/").as_deref(),
        None
    );
    assert_eq!(
        header(&cfg, "https://npm.corp.example/api/npm/x").as_deref(),
        None
    );
    assert_eq!(
        header(&cfg, "https://npm.corp.example:9443/api/npm/x").as_deref(),
        None
    );
}

#[test]
fn prefix_without_trailing_slash_matches_at_segment_boundary() {
    let f = Fixture::new();
    f.write_user("//h.example/npm:_authToken=t\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        header(&cfg, "https://h.example/npm").as_deref(),
        Some("Bearer t")
    );
    assert_eq!(
        header(&cfg, "https://h.example/npm/x").as_deref(),
        Some("Bearer t")
    );
    assert_eq!(header(&cfg, "https://h.example/npmx").as_deref(), None);
}

#[test]
fn default_port_forms_and_explicit_ports() {
    let f = Fixture::new();
    f.write_user("//a.example:443/:_authToken=a\n//b.example/:_authToken=b\n//c.example:8080/:_authToken=c\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        header(&cfg, "https://a.example/x").as_deref(),
        Some("Bearer a")
    );
    assert_eq!(header(&cfg, "http://a.example/x").as_deref(), None);
    assert_eq!(
        header(&cfg, "https://b.example/x").as_deref(),
        Some("Bearer b")
    );
    assert_eq!(header(&cfg, "https://b.example:8443/x").as_deref(), None);
    assert_eq!(header(&cfg, "https://b.example:80/x").as_deref(), None);
    assert_eq!(
        header(&cfg, "https://c.example:8080/x").as_deref(),
        Some("Bearer c")
    );
    assert_eq!(header(&cfg, "https://c.example/x").as_deref(), None);
    // In clear text only to a registry configured with http.
    assert_eq!(header(&cfg, "http://c.example:8080/x").as_deref(), None);
    let plain = f.load(&[], Some("http://c.example:8080/")).unwrap();
    assert_eq!(
        header(&plain, "http://c.example:8080/x").as_deref(),
        Some("Bearer c")
    );
}

#[test]
fn ipv6_and_idn_hosts() {
    let f = Fixture::new();
    f.write_user("//[::1]:4873/:_authToken=local\n//BÜCHER.example/:_authToken=idn\n");
    let cfg = f.load(&[], Some("http://[::1]:4873/")).unwrap();
    assert_eq!(
        header(&cfg, "http://[::1]:4873/pkg").as_deref(),
        Some("Bearer local")
    );
    assert_eq!(header(&cfg, "http://[::2]:4873/pkg"), None);
    assert_eq!(
        header(&cfg, "https://xn--bcher-kva.example/pkg").as_deref(),
        Some("Bearer idn")
    );
}

#[test]
fn error_messages_read_well() {
    let f = Fixture::new();
    f.write_project("registry=ftp://h.example/\n");
    let msg = f.load(&[], None).unwrap_err().to_string();
    assert!(
        msg.contains(".npmrc:1: `registry` must be an http(s) registry URL"),
        "{msg}"
    );
}

#[test]
fn longest_prefix_wins() {
    let f = Fixture::new();
    f.write_user("//h.example/:_authToken=root\n//h.example/team/:_authToken=team\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        header(&cfg, "https://h.example/team/pkg").as_deref(),
        Some("Bearer team")
    );
    assert_eq!(
        header(&cfg, "https://h.example/teamx/pkg").as_deref(),
        Some("Bearer root")
    );
    assert_eq!(
        header(&cfg, "https://h.example/pkg").as_deref(),
        Some("Bearer root")
    );
}

#[test]
fn client_certificate_prefix_shadows_shorter_token() {
    let f = Fixture::new();
    f.write_user("//h.example/:_authToken=root\n//h.example/mtls/:certfile=c.pem\n//h.example/mtls/:keyfile=k.pem\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(header(&cfg, "https://h.example/mtls/pkg"), None);
    assert_eq!(
        header(&cfg, "https://h.example/pkg").as_deref(),
        Some("Bearer root")
    );
}

#[test]
fn basic_from_auth_and_from_username_password() {
    let f = Fixture::new();
    // "hunter2" in base64 is aHVudGVyMg==
    f.write_user(concat!(
        "//a.example/:_auth=dXNlcjpwYXNz\n",
        "//b.example/:username=alice\n",
        "//b.example/:_password=aHVudGVyMg==\n",
        "//c.example/:username=only-user\n",
    ));
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        header(&cfg, "https://a.example/x").as_deref(),
        Some("Basic dXNlcjpwYXNz")
    );
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("alice:hunter2")
    );
    assert_eq!(
        header(&cfg, "https://b.example/x").as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(header(&cfg, "https://c.example/x"), None);
}

#[test]
fn credentials_merge_per_key_across_files() {
    let f = Fixture::new();
    f.write_user("//h.example/:_authToken=user-token\n")
        .write_project("//h.example/:_auth=cHJvamVjdA==\n//H.EXAMPLE/:_authToken=project-token\n");
    let cfg = f.load(&[], None).unwrap();
    // Both spellings normalise to one prefix; the project's wins.
    assert_eq!(
        header(&cfg, "https://h.example/x").as_deref(),
        Some("Bearer project-token")
    );
}

#[test]
fn legacy_unscoped_token_applies_to_default_registry_only() {
    let f = Fixture::new();
    f.write_user(&format!(
        "_authToken={TOKEN}\n@corp:registry=https://corp.example/\n"
    ));
    let cfg = f.load(&[], None).unwrap();
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(
        header(&cfg, "https://registry.npmjs.org/x").as_deref(),
        Some(bearer.as_str())
    );
    assert_eq!(header(&cfg, "https://corp.example/x"), None);
    assert_eq!(header(&cfg, "https://other.example/x"), None);

    // A scoped token for the same registry wins over the legacy one.
    f.write_project("//registry.npmjs.org/:_authToken=scoped\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        header(&cfg, "https://registry.npmjs.org/x").as_deref(),
        Some("Bearer scoped")
    );
}

#[test]
fn legacy_token_follows_the_registry_of_its_own_file() {
    let f = Fixture::new();
    f.write_user(&format!(
        "registry=https://mirror.example/npm/\n_auth={TOKEN}\n"
    ));
    let cfg = f.load(&[], None).unwrap();
    let basic = format!("Basic {TOKEN}");
    assert_eq!(
        header(&cfg, "https://mirror.example/npm/x").as_deref(),
        Some(basic.as_str())
    );
    assert_eq!(header(&cfg, "https://mirror.example/other/x"), None);

    // A cloned project pointing `registry` elsewhere gets nothing.
    f.write_project("registry=https://evil.example/\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(header(&cfg, "https://evil.example/x"), None);
    assert_eq!(header(&cfg, "https://mirror.example/npm/x"), None);

    // Same via --registry.
    fs::remove_file(f.project().join(".npmrc")).unwrap();
    let cfg = f.load(&[], Some("https://evil.example/")).unwrap();
    assert_eq!(header(&cfg, "https://evil.example/x"), None);
}

#[test]
fn debug_never_shows_tokens() {
    let f = Fixture::new();
    f.write_user(&format!(
        "//registry.npmjs.org/:_authToken={TOKEN}\n//b.example/:username=alice\n//b.example/:_password=aHVudGVyMg==\n_auth=bGVnYWN5OnNlY3JldA==\n"
    ));
    let cfg = f.load(&[], None).unwrap();
    let secret = cfg
        .auth_header_for(&url("https://registry.npmjs.org/x"))
        .unwrap();
    assert!(secret.expose().contains(TOKEN));
    for shown in [
        format!("{cfg:?}"),
        format!("{cfg:#?}"),
        format!("{secret:?}"),
    ] {
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains("aHVudGVyMg"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("bGVnYWN5OnNlY3JldA"), "{shown}");
    }
    assert_eq!(format!("{secret:?}"), "Secret(***)");
    assert!(format!("{cfg:?}").contains("Secret(***)"));
}

#[test]
fn quoted_values_comments_and_escapes() {
    let f = Fixture::new();
    f.write_user(concat!(
        "; semicolon comment\n",
        "   # indented comment\n",
        "\n",
        "registry = \"https://q.example/a b\" \n",
        "@s:registry='https://s.example/'\n",
        "//q.example/:_authToken=\"tok#en;x\"\n",
        "//s.example/:_authToken=abc\\#def # trailing comment\n",
        "strict-ssl = false ; comment\n",
    ));
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(cfg.default_registry().as_str(), "https://q.example/a%20b/");
    assert_eq!(cfg.registry_for("@s/x").as_str(), "https://s.example/");
    assert_eq!(
        header(&cfg, "https://q.example/x").as_deref(),
        Some("Bearer tok#en;x")
    );
    assert_eq!(
        header(&cfg, "https://s.example/x").as_deref(),
        Some("Bearer abc#def")
    );
    assert!(!cfg.strict_ssl());
}

#[test]
fn ini_unsafe_matches_npm() {
    assert_eq!(ini_unsafe(r#" "a\"b" "#), "a\"b");
    assert_eq!(ini_unsafe("'single'"), "single");
    assert_eq!(ini_unsafe(r#"'"json"'"#), "json");
    assert_eq!(ini_unsafe(r#""not json"#), r#""not json"#);
    assert_eq!(ini_unsafe(r"a\\b\x"), r"a\b\x");
    assert_eq!(ini_unsafe("'"), "");
    assert_eq!(ini_unsafe("\u{feff}registry"), "registry");
}

#[test]
fn sections_and_crlf() {
    let f = Fixture::new();
    f.write_user(
        "\u{feff}registry=https://a.example/\r\n[section]\r\nregistry=https://b.example/\r\n",
    );
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(cfg.default_registry().as_str(), "https://a.example/");
}

#[test]
fn malformed_registry_names_file_and_line() {
    let f = Fixture::new();
    f.write_project("\n# x\nregistry=registry.example.com\n");
    let err = f.load(&[], None).unwrap_err();
    let file = f.project().join(".npmrc");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:3: `registry`", file.display())),
        "{err}"
    );

    for bad in [
        "ftp://x.example/",
        "https://user:pw@x.example/",
        "",
        "file:///etc/",
    ] {
        f.write_project(&format!("@corp:registry={bad}\n"));
        let err = f.load(&[], None).unwrap_err();
        assert!(
            matches!(&err, NpmrcError::InvalidRegistry { origin: Origin::File { line: 1, .. }, key, .. } if key == "@corp:registry"),
            "{bad}: {err}"
        );
        assert!(!err.to_string().contains("pw@"), "{err}");
    }

    fs::remove_file(&file).unwrap();
    let err = f.load(&[], Some("not a url")).unwrap_err();
    assert!(err.to_string().starts_with("--registry: "), "{err}");
    let e = env(&[("npm_config_registry", "nope")]);
    let err = f.load(&e, None).unwrap_err();
    assert!(err.to_string().contains("npm_config_registry"), "{err}");
}

#[test]
fn strict_ssl_values() {
    let f = Fixture::new();
    f.write_user("strict-ssl\n");
    assert!(f.load(&[], None).unwrap().strict_ssl());
    f.write_user("strict-ssl=\"false\"\n");
    assert!(!f.load(&[], None).unwrap().strict_ssl());
    f.write_user("strict-ssl=no\n");
    let err = f.load(&[], None).unwrap_err();
    assert!(
        matches!(
            err,
            NpmrcError::InvalidBool {
                origin: Origin::File { line: 1, .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn cafile_resolves_against_its_file() {
    let f = Fixture::new();
    f.write_user("cafile=certs/ca.pem\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        cfg.cafile(),
        Some(f.dir.path().join("home/certs/ca.pem").as_path())
    );

    f.write_user("cafile=~/ca.pem\n");
    let e = env(&[("HOME", "/home/someone")]);
    let cfg = f.load(&e, None).unwrap();
    assert_eq!(cfg.cafile(), Some(Path::new("/home/someone/ca.pem")));

    f.write_user("cafile=/abs/ca.pem\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(cfg.cafile(), Some(Path::new("/abs/ca.pem")));
}

#[test]
fn control_characters_in_credentials_are_refused() {
    let f = Fixture::new();
    f.write_user("//h.example/:_authToken=\"a\\r\\nX-Evil: 1\"\n");
    let err = f.load(&[], None).unwrap_err();
    assert!(matches!(err, NpmrcError::InvalidCredential { .. }), "{err}");
    assert!(!err.to_string().contains("X-Evil"), "{err}");
}

#[test]
fn project_npmrc_that_is_the_user_npmrc_is_read_once() {
    let f = Fixture::new();
    f.write_project("registry=https://a.example/\n");
    let project = f.project();
    let user = project.join(".npmrc");
    let cfg = NpmConfig::load(&Sources {
        project_dir: Some(&project),
        user_npmrc: Some(&user),
        env: &[],
        cli_registry: None,
    })
    .unwrap();
    assert_eq!(cfg.files_read(), [user]);
}

#[test]
fn unreadable_config_is_an_error_naming_the_file() {
    let f = Fixture::new();
    fs::create_dir(f.user()).unwrap(); // a directory cannot be read as a file
    let err = f.load(&[], None).unwrap_err();
    assert!(
        err.to_string().contains(&f.user().display().to_string()),
        "{err}"
    );
}

#[test]
fn registry_urls_never_expand_variables_in_any_file() {
    // The attack: a pull request points the registry at its own host with
    // a CI secret in the path.
    let secret = "s3cr3t-value";
    let f = Fixture::new();
    f.write_project("registry=http://leak.example/leak-${CI_SECRET}/\n");
    let err = f.load(&env(&[("CI_SECRET", secret)]), None).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, NpmrcError::ExpandedRegistry { .. }), "{text}");
    assert!(
        text.contains("${CI_SECRET}") && !text.contains(secret),
        "{text}"
    );
    let f = Fixture::new();
    f.write_user("@corp:registry=https://${HOST}/npm/\n");
    assert!(matches!(
        f.load(&env(&[("HOST", "npm.corp.example")]), None),
        Err(NpmrcError::ExpandedRegistry { .. })
    ));
}

#[test]
fn project_credentials_with_secrets_go_only_to_hosts_named_outside_the_repository() {
    let secret = "s3cr3t-value";
    let f = Fixture::new();
    f.write_project(concat!(
        "registry=https://leak.example/\n",
        "//leak.example/:_authToken=${CI_SECRET}\n",
        "_authToken=${CI_SECRET}\n",
    ));
    let cfg = f.load(&env(&[("CI_SECRET", secret)]), None).unwrap();
    assert_eq!(header(&cfg, "https://leak.example/pkg"), None);
    let refused: Vec<(&str, &str, Vec<String>)> = cfg
        .refused()
        .iter()
        .map(|r| (r.key.as_str(), r.host.as_str(), r.vars.clone()))
        .collect();
    assert_eq!(
        refused,
        vec![
            (
                "//leak.example/:_authToken",
                "leak.example",
                vec!["CI_SECRET".to_string()]
            ),
            ("_authToken", "leak.example", vec!["CI_SECRET".to_string()]),
        ]
    );
    assert!(!format!("{cfg:?}").contains(secret));
    // A literal token written in the repository is no secret of the
    // environment: it goes where the file says.
    let f = Fixture::new();
    f.write_project("//leak.example/:_authToken=literal\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(
        header(&cfg, "https://leak.example/pkg").as_deref(),
        Some("Bearer literal")
    );
}

/// Found by fuzzing (`fuzz/regressions/npmrc/`): a key or a `userconfig`
/// path that expands a variable showed its value, in the refused
/// credential every report prints and in error messages.
#[test]
fn keys_and_paths_are_shown_as_written_never_expanded() {
    let secret = "s3cr3t-value";
    let e = env(&[("CI_SECRET", secret)]);
    let f = Fixture::new();
    f.write_project(concat!(
        "//${CI_SECRET}.leak.example/:_authToken=${CI_SECRET}\n",
        "//npm.example.com/:_authToken-${CI_SECRET}=x\n",
    ));
    let cfg = f.load(&e, None).unwrap();
    let mut refused: Vec<(&str, &str)> = cfg
        .refused()
        .iter()
        .map(|r| (r.key.as_str(), r.host.as_str()))
        .collect();
    refused.sort();
    assert_eq!(
        refused,
        [
            (
                "//${CI_SECRET}.leak.example/:_authToken",
                "${CI_SECRET}.leak.example"
            ),
            (
                "//npm.example.com/:_authToken-${CI_SECRET}",
                "npm.example.com"
            ),
        ]
    );
    for project in [
        "@${CI_SECRET}:registry=https://x.example/\n",
        "userconfig=.npmrc/${CI_SECRET}\n",
    ] {
        let f = Fixture::new();
        f.write_project(project);
        let text = f.load(&e, None).unwrap_err().to_string();
        assert!(
            text.contains("${CI_SECRET}") && !text.contains(secret),
            "{text}"
        );
    }
}

#[test]
fn the_standard_token_patterns_keep_working() {
    // `//<public registry>/:_authToken=${NPM_TOKEN}` in the project file.
    let f = Fixture::new();
    f.write_project("//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n");
    let cfg = f.load(&env(&[("NPM_TOKEN", TOKEN)]), None).unwrap();
    assert_eq!(
        header(&cfg, "https://registry.npmjs.org/lodash").as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(cfg.refused().is_empty());
    // actions/setup-node writes the scope's registry and its token into the
    // user-level npmrc; a project file may then name the same host.
    let f = Fixture::new();
    f.write_user(concat!(
        "@o:registry=https://npm.pkg.github.com/\n",
        "//npm.pkg.github.com/:_authToken=${NODE_AUTH_TOKEN}\n",
    ));
    f.write_project("//npm.pkg.github.com/:_authToken=${NODE_AUTH_TOKEN}\n");
    let cfg = f.load(&env(&[("NODE_AUTH_TOKEN", TOKEN)]), None).unwrap();
    assert_eq!(
        header(&cfg, "https://npm.pkg.github.com/@o%2fpkg").as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(cfg.refused().is_empty());
}

#[test]
fn the_project_cannot_send_a_user_token_over_plain_http() {
    let f = Fixture::new();
    f.write_user(&format!("//registry.npmjs.org/:_authToken={TOKEN}\n"));
    f.write_project("registry=http://registry.npmjs.org/\n");
    let cfg = f.load(&[], None).unwrap();
    assert_eq!(header(&cfg, "http://registry.npmjs.org/lodash"), None);
    // Named with http: outside the repository, it is the user's choice.
    let f = Fixture::new();
    f.write_user(&format!(
        "registry=http://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={TOKEN}\n"
    ));
    let cfg = f.load(&[], None).unwrap();
    assert!(header(&cfg, "http://registry.npmjs.org/lodash").is_some());
}

#[test]
fn the_release_age_gate_comes_from_the_files_and_the_environment() {
    let f = Fixture::new();
    f.write_project(
        "min-release-age = 2 ; days\nmin-release-age-exclude[]=@corp/*\nmin-release-age-exclude[]=tool\nregistry[]=https://evil.example/\n",
    );
    let cfg = f.load(&[], None).unwrap();
    let gate = cfg.release_age().expect("a gate");
    assert_eq!(gate.days, 2.0);
    assert!(gate.exempts("@corp/ui") && gate.exempts("tool") && !gate.exempts("left-pad"));
    assert_eq!(
        gate.origin.to_string(),
        format!("{}:1", f.project().join(".npmrc").display())
    );
    assert_eq!(
        cfg.default_registry().as_str(),
        DEFAULT_REGISTRY,
        "a list line sets nothing else"
    );

    f.write_user("min-release-age=5\n");
    let gate = f
        .load(&[], None)
        .unwrap()
        .release_age()
        .cloned()
        .expect("a gate");
    assert_eq!(gate.days, 5.0, "the project cannot lower the user's gate");
    assert!(!gate.exempts("tool"), "nor exempt packages from it");

    let e = env(&[("NPM_CONFIG_MIN_RELEASE_AGE", "0")]);
    assert!(
        f.load(&e, None).unwrap().release_age().is_none(),
        "0 is off"
    );
    let none = Fixture::new();
    assert!(none.load(&[], None).unwrap().release_age().is_none());
}
