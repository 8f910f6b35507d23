//! Proxies end to end: every request through a CONNECT proxy to an HTTPS
//! fake registry signed by a test CA (the registry gets the token, the
//! proxy sees only `CONNECT host:port`), `noproxy` hosts straight to the
//! registry, the project's `.npmrc` unable to set a proxy, proxy
//! credentials sent to the proxy only and printed nowhere, plain-`http:`
//! registries in absolute form, and a TLS-intercepting proxy answering
//! under registry.npmjs.org's name caught by what the answers lack.

use std::time::Duration;

use lockproof::advisories::http::{Http as _, HttpOptions, Method, Request, UreqHttp};
use lockproof::anchors::tuf::remote::{HttpRemote, Remote as _};
use lockproof::registry::proxy::{NoProxy, Proxies, ProxyUrl};
use serde_json::Value;
use url::Url;

use crate::fake_proxy::FakeProxy;
use crate::fake_registry::{FakeRegistry, FakeVersion, Route, TestKey, lockfile, packument, sri};
use crate::registry::{found, keys_body, pairs};
use crate::test_tls::{TestCa, basic};
use crate::util::lockproof;

const TOKEN: &str = "npm_T0KEN-for-the-registry-only";
const PASSWORD: &str = "pr0xy-pa55word";
const USER: &str = "pxuser-q7z";

/// A HOME with a `.npmrc`, and a project folder with a lockfile and an
/// optional `.npmrc` of its own.
struct Setup {
    home: tempfile::TempDir,
    project: tempfile::TempDir,
}

impl Setup {
    fn new(user_npmrc: &str, lock: &str, project_npmrc: Option<&str>) -> Self {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".npmrc"), user_npmrc).unwrap();
        let project = tempfile::tempdir().unwrap();
        std::fs::write(project.path().join("package-lock.json"), lock).unwrap();
        if let Some(text) = project_npmrc {
            std::fs::write(project.path().join(".npmrc"), text).unwrap();
        }
        Self { home, project }
    }

    /// `lockproof audit` online, with `env` and `args`: the exit code, the
    /// report (`None` when stdout is not JSON) and everything printed.
    fn audit(&self, env: &[(&str, &str)], args: &[&str]) -> (i32, Option<Value>, String) {
        let cache = self.home.path().join("cache");
        let out = lockproof()
            .env_remove("LOCKPROOF_OFFLINE")
            .env("HOME", self.home.path())
            .envs(env.iter().copied())
            .args(["audit", "--retries", "0", "--timeout", "5", "--cache-dir"])
            .arg(&cache)
            .args(args)
            .arg(self.project.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let printed = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        (
            out.status.code().unwrap_or(-1),
            serde_json::from_str(&stdout).ok(),
            printed,
        )
    }

    /// The same with `--format json`, the report required.
    fn json(&self, env: &[(&str, &str)]) -> (i32, Value, String) {
        let (code, report, printed) = self.audit(env, &["--format", "json"]);
        let report = report.unwrap_or_else(|| panic!("not JSON: {printed}"));
        (code, report, printed)
    }
}

/// `alpha@1.0.0` and `beta@2.0.0`, signed by `key`, and the keys.
fn serve_signed(reg: &FakeRegistry, key: &TestKey) {
    reg.route("/-/npm/v1/keys", Route::Json(keys_body(&[(key, None)])));
    for (name, version) in [("alpha", "1.0.0"), ("beta", "2.0.0")] {
        reg.route(
            &format!("/{name}"),
            Route::Json(packument(name, &[FakeVersion::signed(name, version, key)])),
        );
    }
}

fn clean_lock() -> String {
    lockfile(&[
        ("alpha", "1.0.0", &sri("alpha@1.0.0")),
        ("beta", "2.0.0", &sri("beta@2.0.0")),
    ])
}

/// A user `.npmrc` trusting `ca`, with `registry` as the default registry
/// and `TOKEN` for it, plus `extra` lines.
fn user_npmrc(ca: &TestCa, registry: &str, extra: &str) -> String {
    let nerf = registry
        .trim_start_matches("https:")
        .trim_start_matches("http:");
    format!(
        "cafile={}\nregistry={registry}\n{nerf}:_authToken={TOKEN}\n{extra}",
        ca.cafile().display()
    )
}

/// The request lines the proxy saw for the registries under test: those
/// for the closed port standing in for Sigstore's TUF repository and for
/// OSV (they cross the proxy too) are left out.
fn lines(proxy: &FakeProxy) -> Vec<String> {
    proxy
        .seen()
        .into_iter()
        .map(|s| s.line)
        .filter(|l| !l.contains("127.0.0.1:9/"))
        .collect()
}

#[test]
fn every_request_crosses_the_proxy_in_a_tunnel_that_hides_path_and_token() {
    let ca = TestCa::new();
    let key = TestKey::new(31);
    let reg = FakeRegistry::start_tls(ca.server(&["127.0.0.1"]));
    serve_signed(&reg, &key);
    let proxy = FakeProxy::start();
    let setup = Setup::new(&user_npmrc(&ca, &reg.url, ""), &clean_lock(), None);

    let (code, report, printed) = setup.json(&[("HTTPS_PROXY", &proxy.url())]);
    assert_eq!(code, 0, "{printed}");
    assert_eq!(found(&report), pairs(&[]));

    // The registry got every request, each with the token and nothing the
    // proxy was meant to read.
    let seen = reg.seen();
    let mut paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/-/npm/v1/keys", "/alpha", "/beta"]);
    for s in &seen {
        assert_eq!(
            s.authorization.as_deref(),
            Some(&*format!("Bearer {TOKEN}"))
        );
        assert_eq!(s.proxy_authorization, None);
    }
    // The proxy carried them all and saw only where to: no path, no token.
    let connect = format!("CONNECT 127.0.0.1:{} HTTP/1.1", reg.port());
    let seen_by_proxy = lines(&proxy);
    assert!(!seen_by_proxy.is_empty());
    assert!(
        seen_by_proxy.iter().all(|l| *l == connect),
        "{seen_by_proxy:?}"
    );
    let received = proxy.received();
    for secret in [TOKEN, "/alpha", "/beta", "/-/npm/v1/keys", "Authorization"] {
        assert!(!received.contains(secret), "the proxy saw {secret}");
    }
}

#[test]
fn noproxy_hosts_are_asked_directly_and_the_rest_through_the_proxy() {
    let ca = TestCa::new();
    let key = TestKey::new(32);
    let public = FakeRegistry::start_tls(ca.server(&["127.0.0.1"]));
    serve_signed(&public, &key);
    let corp = FakeRegistry::start_tls(ca.server(&["localhost"]));
    corp.route("/-/npm/v1/keys", Route::Json(keys_body(&[(&key, None)])));
    corp.route(
        "/@corp%2fgamma",
        Route::Json(packument(
            "@corp/gamma",
            &[FakeVersion::signed("@corp/gamma", "3.0.0", &key)],
        )),
    );
    let proxy = FakeProxy::start();
    let corp_url = format!("https://localhost:{}/", corp.port());
    let lock = lockfile(&[
        ("alpha", "1.0.0", &sri("alpha@1.0.0")),
        ("@corp/gamma", "3.0.0", &sri("@corp/gamma@3.0.0")),
    ]);
    for (npmrc, env) in [
        // Configured `noproxy`, environment proxy.
        (
            format!("@corp:registry={corp_url}\nnoproxy=localhost\n"),
            vec![("HTTPS_PROXY", proxy.url())],
        ),
        // Everything from the environment.
        (
            format!("@corp:registry={corp_url}\n"),
            vec![
                ("https_proxy", proxy.url()),
                ("NO_PROXY", "example.invalid, localhost".to_string()),
            ],
        ),
        // Configured proxy, environment `no_proxy`.
        (
            format!("@corp:registry={corp_url}\nhttps-proxy={}\n", proxy.url()),
            vec![("no_proxy", "localhost".to_string())],
        ),
    ] {
        let before = (corp.seen().len(), public.seen().len());
        let setup = Setup::new(&user_npmrc(&ca, &public.url, &npmrc), &lock, None);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (code, report, printed) = setup.json(&env);
        assert_eq!(code, 0, "{printed}");
        assert_eq!(found(&report), pairs(&[]));
        assert!(corp.seen().len() > before.0 && public.seen().len() > before.1);
        let via_proxy = lines(&proxy);
        assert!(
            via_proxy
                .iter()
                .all(|l| *l == format!("CONNECT 127.0.0.1:{} HTTP/1.1", public.port())),
            "{via_proxy:?}"
        );
    }
    assert!(!proxy.seen().is_empty());
}

#[test]
fn a_proxy_in_the_project_npmrc_is_ignored() {
    let ca = TestCa::new();
    let key = TestKey::new(33);
    let reg = FakeRegistry::start_tls(ca.server(&["127.0.0.1"]));
    serve_signed(&reg, &key);
    let attacker = FakeProxy::start();
    let corporate = FakeProxy::start();
    let project = format!(
        "https-proxy={0}\nproxy={0}\nnoproxy=127.0.0.1\n",
        attacker.url()
    );
    let setup = Setup::new(
        &user_npmrc(&ca, &reg.url, ""),
        &clean_lock(),
        Some(&project),
    );

    // No proxy outside the repository: straight to the registry.
    let (code, report, printed) = setup.json(&[]);
    assert_eq!(code, 0, "{printed}");
    assert_eq!(found(&report), pairs(&[]));
    // The user's proxy: used, whatever the project's `noproxy` says.
    let (code, _, printed) = setup.json(&[("HTTPS_PROXY", &corporate.url())]);
    assert_eq!(code, 0, "{printed}");
    assert!(!corporate.seen().is_empty());
    assert!(attacker.seen().is_empty(), "{:?}", attacker.seen());
    assert!(!attacker.received().contains(TOKEN));
}

#[test]
fn proxy_credentials_reach_the_proxy_only_and_are_printed_nowhere() {
    let ca = TestCa::new();
    let key = TestKey::new(34);
    let reg = FakeRegistry::start_tls(ca.server(&["127.0.0.1"]));
    serve_signed(&reg, &key);
    let proxy = FakeProxy::start();
    let credentials = basic(USER, PASSWORD);
    proxy.require(&format!("Basic {credentials}"));
    let setup = Setup::new(&user_npmrc(&ca, &reg.url, ""), &clean_lock(), None);
    let with_password = proxy.url_with(USER, PASSWORD);

    let (code, report, printed) = setup.json(&[("HTTPS_PROXY", &with_password)]);
    assert_eq!(code, 0, "{printed}");
    assert_eq!(found(&report), pairs(&[]));
    assert!(
        proxy
            .seen()
            .iter()
            .all(|s| s.proxy_authorization.as_deref() == Some(&*format!("Basic {credentials}")))
    );
    assert!(reg.seen().iter().all(|s| s.proxy_authorization.is_none()));
    assert!(!printed.contains(PASSWORD) && !printed.contains(&credentials));

    // Refused by the proxy (wrong password): every fetch fails, and no
    // message, in any format, shows the credentials.
    let wrong = proxy.url_with(USER, "Wr0ng-pa55word");
    let wrong_basic = basic(USER, "Wr0ng-pa55word");
    let (_, report, printed) = setup.json(&[("HTTPS_PROXY", &wrong)]);
    assert_eq!(
        found(&report),
        pairs(&[("fetch-failed", "alpha"), ("fetch-failed", "beta")])
    );
    let through = format!("through proxy http://***@127.0.0.1:{}", proxy_port(&proxy));
    assert!(printed.contains(&through), "{printed}");
    for format in ["table", "markdown", "sarif", "github"] {
        let (_, _, printed) = setup.audit(&[("HTTPS_PROXY", &wrong)], &["--format", format]);
        assert!(!printed.is_empty());
        for secret in ["Wr0ng-pa55word", wrong_basic.as_str(), USER] {
            assert!(
                !printed.contains(secret),
                "{format} shows {secret}: {printed}"
            );
        }
    }

    // An unusable proxy URL stops the run, naming the variable, not the
    // value.
    let socks = format!("socks5://{USER}:{PASSWORD}@127.0.0.1:1080");
    let (code, _, printed) = setup.audit(&[("HTTPS_PROXY", &socks)], &[]);
    assert_eq!(code, 2, "{printed}");
    assert!(
        printed.contains("environment variable HTTPS_PROXY"),
        "{printed}"
    );
    assert!(
        !printed.contains(PASSWORD) && !printed.contains(USER),
        "{printed}"
    );
}

fn proxy_port(proxy: &FakeProxy) -> String {
    proxy
        .url()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn plain_http_registries_are_asked_through_the_proxy_in_absolute_form() {
    let ca = TestCa::new();
    let key = TestKey::new(35);
    let reg = FakeRegistry::start();
    serve_signed(&reg, &key);
    let proxy = FakeProxy::start();
    let credentials = basic("bob", PASSWORD);
    proxy.require(&format!("Basic {credentials}"));
    let npmrc = user_npmrc(
        &ca,
        &reg.url,
        &format!("proxy={}\n", proxy.url_with("bob", PASSWORD)),
    );
    let setup = Setup::new(&npmrc, &clean_lock(), None);

    let (code, report, printed) = setup.json(&[]);
    assert_eq!(code, 0, "{printed}");
    assert_eq!(found(&report), pairs(&[]));
    let mut via_proxy = lines(&proxy);
    via_proxy.sort();
    let origin = format!("http://127.0.0.1:{}", reg.port());
    assert_eq!(
        via_proxy,
        [
            format!("GET {origin}/-/npm/v1/keys HTTP/1.1"),
            format!("GET {origin}/alpha HTTP/1.1"),
            format!("GET {origin}/beta HTTP/1.1"),
        ]
    );
    // The registry got the token, and not the proxy's credentials. The
    // token for a plain-http registry crosses the proxy in clear text, as
    // it crosses every other hop of that path (README, "Proxies").
    for s in reg.seen() {
        assert_eq!(
            s.authorization.as_deref(),
            Some(&*format!("Bearer {TOKEN}"))
        );
        assert_eq!(s.proxy_authorization, None);
    }
    assert!(proxy.received().contains(TOKEN));
}

#[test]
fn the_other_http_clients_go_through_the_same_proxy() {
    let reg = FakeRegistry::start();
    reg.route("/timestamp.json", Route::Json("{}".into()));
    let proxy = FakeProxy::start();
    let via = ProxyUrl::parse(&proxy.url()).unwrap();
    let proxies = Proxies::new(Some(via.clone()), Some(via), NoProxy::default());

    // Advisories: a plain-http source, in absolute form.
    let http = UreqHttp::new(
        HttpOptions {
            timeout: Duration::from_secs(5),
            retries: 0,
            backoff: Duration::from_millis(10),
        },
        &proxies,
    );
    let url = Url::parse(&format!("{}timestamp.json", reg.url)).unwrap();
    let response = http
        .send(&Request {
            method: Method::Get,
            url: &url,
            headers: vec![],
            body: None,
        })
        .unwrap();
    assert_eq!(response.status, 200);

    // TUF: the same.
    let remote = HttpRemote::new(&reg.url, Duration::from_secs(5), &proxies);
    assert_eq!(remote.fetch("timestamp.json", 1024).unwrap(), b"{}");
    let absolute = format!(
        "GET http://127.0.0.1:{}/timestamp.json HTTP/1.1",
        reg.port()
    );
    assert_eq!(lines(&proxy), [absolute.clone(), absolute]);

    // An https repository: a tunnel (the TLS inside fails: the test CA is
    // not the platform's, and that is beside the point here).
    let ca = TestCa::new();
    let tls = FakeRegistry::start_tls(ca.server(&["127.0.0.1"]));
    let remote = HttpRemote::new(&tls.url, Duration::from_secs(5), &proxies);
    assert!(remote.fetch("timestamp.json", 1024).is_err());
    assert_eq!(
        lines(&proxy).last().map(String::as_str),
        Some(&*format!("CONNECT 127.0.0.1:{} HTTP/1.1", tls.port()))
    );
    assert!(tls.seen().is_empty());
}

/// A TLS-intercepting proxy: tunnels for registry.npmjs.org end at
/// `impostor`, which holds a certificate for that name from `ca`, the CA the
/// user's `cafile` trusts.
fn intercepting(impostor: &FakeRegistry) -> FakeProxy {
    let proxy = FakeProxy::start();
    proxy.intercept(
        "registry.npmjs.org:443",
        format!("127.0.0.1:{}", impostor.port()).parse().unwrap(),
    );
    proxy
}

fn trusting(ca: &TestCa) -> String {
    format!("cafile={}\n", ca.cafile().display())
}

fn alpha_lock() -> String {
    lockfile(&[("alpha", "1.0.0", &sri("alpha@1.0.0"))])
}

#[test]
fn an_interceptor_answering_for_npmjs_without_signatures_is_reported() {
    let ca = TestCa::new();
    let impostor = FakeRegistry::start_tls(ca.server(&["registry.npmjs.org"]));
    impostor.route(
        "/alpha",
        Route::Json(packument(
            "alpha",
            &[FakeVersion::unsigned("alpha", "1.0.0")],
        )),
    );
    let proxy = intercepting(&impostor);
    let setup = Setup::new(&trusting(&ca), &alpha_lock(), None);

    let (code, report, printed) = setup.json(&[("HTTPS_PROXY", &proxy.url())]);
    assert_eq!(code, 1, "{printed}");
    assert_eq!(
        found(&report),
        pairs(&[("registry-signatures-stripped", "-")])
    );
    assert!(impostor.seen().iter().any(|s| s.path == "/alpha"));
    assert!(
        lines(&proxy)
            .iter()
            .all(|l| l == "CONNECT registry.npmjs.org:443 HTTP/1.1")
    );
}

#[test]
fn an_interceptor_cannot_sign_for_npmjs_with_keys_of_its_own() {
    let ca = TestCa::new();
    let impostor_key = TestKey::new(36);
    let impostor = FakeRegistry::start_tls(ca.server(&["registry.npmjs.org"]));
    impostor.route(
        "/-/npm/v1/keys",
        Route::Json(keys_body(&[(&impostor_key, None)])),
    );
    impostor.route(
        "/alpha",
        Route::Json(packument(
            "alpha",
            &[FakeVersion::signed("alpha", "1.0.0", &impostor_key)],
        )),
    );
    let proxy = intercepting(&impostor);
    let setup = Setup::new(&trusting(&ca), &alpha_lock(), None);

    let (code, report, printed) = setup.json(&[("HTTPS_PROXY", &proxy.url())]);
    assert_eq!(code, 1, "{printed}");
    assert_eq!(found(&report), pairs(&[("signature-unknown-key", "alpha")]));
    let notes = report["notes"].to_string();
    assert!(
        notes.contains(&impostor_key.keyid) && notes.contains("ignored"),
        "{notes}"
    );
}
