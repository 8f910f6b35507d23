//! A fake npm registry: real HTTP on a loopback port (tiny_http), serving
//! packuments, keys and whatever faults a test asks for, and recording
//! every request so tests can assert on what reached the server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

/// How the server answers one path.
#[derive(Clone)]
pub enum Route {
    /// 200 with this JSON body and ETag; 304 when `If-None-Match` matches.
    Json(String),
    /// As `Json`, with `Cache-Control: public, max-age=N` (what
    /// registry.npmjs.org sends, N = 300).
    Fresh(String, u32),
    /// This status with an empty body.
    Status(u16),
    /// 429 with `Retry-After: 1` for the first `n` requests, then the route.
    TooManyThen(u32, Box<Route>),
    /// 500 for the first `n` requests, then the route.
    FailThen(u32, Box<Route>),
    /// Waits this long before answering 200 with the body.
    Slow(Duration, String),
    /// Announces a longer body than it sends, then closes.
    Truncated(String),
    /// 200 with a body of this many bytes.
    Oversized(usize),
}

fn json_response(
    request: tiny_http::Request,
    seen: &Seen,
    body: String,
    max_age: Option<u32>,
) -> std::io::Result<()> {
    let etag = etag_of(&body);
    let mut headers = vec![tiny_http::Header::from_bytes("ETag", etag.clone()).unwrap()];
    if let Some(age) = max_age {
        headers.push(
            tiny_http::Header::from_bytes("Cache-Control", format!("public, max-age={age}"))
                .unwrap(),
        );
    }
    if seen.if_none_match.as_deref() == Some(etag.as_str()) {
        let mut resp = tiny_http::Response::empty(304);
        for h in headers {
            resp.add_header(h);
        }
        return request.respond(resp);
    }
    let mut resp = tiny_http::Response::from_string(body)
        .with_header(tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap());
    for h in headers {
        resp.add_header(h);
    }
    request.respond(resp)
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The path (with query).
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The `If-None-Match` header, if any.
    pub if_none_match: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Route>,
    seen: Vec<Seen>,
    hits: HashMap<String, u32>,
}

/// The server; stops when dropped.
pub struct FakeRegistry {
    server: Arc<tiny_http::Server>,
    state: Arc<Mutex<State>>,
    thread: Option<JoinHandle<()>>,
    /// Base URL, `http://127.0.0.1:PORT/`.
    pub url: String,
}

fn etag_of(body: &str) -> String {
    let digest = Sha512::digest(body.as_bytes());
    format!(
        "\"{}\"",
        digest
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

impl FakeRegistry {
    /// Starts a server on a free loopback port.
    pub fn start() -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (srv, st) = (Arc::clone(&server), Arc::clone(&state));
        let thread = std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                let st = Arc::clone(&st);
                std::thread::spawn(move || answer(request, &st));
            }
        });
        Self {
            server,
            state,
            thread: Some(thread),
            url: format!("http://127.0.0.1:{port}/"),
        }
    }

    /// Serves `route` at `path` (e.g. `/lodash`, `/@s%2fp`).
    pub fn route(&self, path: &str, route: Route) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_string(), route);
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// The host:port, as `.npmrc` credential keys write it.
    pub fn authority(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    }
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(request: tiny_http::Request, state: &Mutex<State>) {
    fn header(r: &tiny_http::Request, name: &'static str) -> Option<String> {
        r.headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.to_string())
    }
    let path = request.url().to_string();
    let seen = Seen {
        path: path.clone(),
        authorization: header(&request, "Authorization"),
        if_none_match: header(&request, "If-None-Match"),
        user_agent: header(&request, "User-Agent"),
    };
    let (route, hit) = {
        let mut s = state.lock().unwrap();
        s.seen.push(seen.clone());
        let hit = s.hits.entry(path.clone()).or_insert(0);
        *hit += 1;
        let hit = *hit;
        (s.routes.get(&path).cloned(), hit)
    };
    let mut route = route.unwrap_or(Route::Status(404));
    let mut hit = hit;
    loop {
        match route {
            Route::TooManyThen(n, _) if hit <= n => {
                let resp = tiny_http::Response::empty(429)
                    .with_header(tiny_http::Header::from_bytes("Retry-After", "1").unwrap());
                let _ = request.respond(resp);
                return;
            }
            Route::FailThen(n, _) if hit <= n => {
                let _ = request.respond(tiny_http::Response::empty(500));
                return;
            }
            Route::TooManyThen(n, next) | Route::FailThen(n, next) => {
                hit -= n;
                route = *next;
            }
            _ => break,
        }
    }
    let _ = match route {
        Route::Json(body) => json_response(request, &seen, body, None),
        Route::Fresh(body, max_age) => json_response(request, &seen, body, Some(max_age)),
        Route::Status(code) => request.respond(tiny_http::Response::empty(code)),
        Route::Slow(delay, body) => {
            std::thread::sleep(delay);
            request.respond(tiny_http::Response::from_string(body))
        }
        Route::Truncated(body) => {
            let half = body.len() / 2;
            let resp = tiny_http::Response::new(
                200.into(),
                vec![],
                std::io::Cursor::new(body.into_bytes()[..half].to_vec()),
                Some(half * 2 + 10),
                None,
            );
            request.respond(resp)
        }
        Route::Oversized(n) => request.respond(tiny_http::Response::from_data(vec![b' '; n])),
        Route::TooManyThen(..) | Route::FailThen(..) => unreachable!("resolved above"),
    };
}

/// A registry signing key of the test PKI, from fixed bytes.
pub struct TestKey {
    key: SigningKey,
    /// Its keyid as npm computes it.
    pub keyid: String,
}

impl TestKey {
    /// A key made from `seed` (any byte; distinct seeds give distinct keys).
    pub fn new(seed: u8) -> Self {
        let mut bytes = [7u8; 32];
        bytes[0] = seed;
        let key = SigningKey::from_bytes(&bytes.into()).expect("valid scalar");
        let keyid = lockproof::signatures::keyid(key.verifying_key());
        Self { key, keyid }
    }

    /// base64 DER signature over `name@version:integrity`.
    pub fn sign(&self, name: &str, version: &str, integrity: &str) -> String {
        let sig: DerSignature = self
            .key
            .sign(format!("{name}@{version}:{integrity}").as_bytes());
        STANDARD.encode(sig.as_bytes())
    }

    /// The `keys` entry for `/-/npm/v1/keys`.
    pub fn keys_entry(&self, expires: Option<&str>) -> Value {
        use p256::pkcs8::EncodePublicKey;
        let spki = self
            .key
            .verifying_key()
            .to_public_key_der()
            .expect("encodable key");
        json!({
            "expires": expires,
            "keyid": self.keyid,
            "keytype": "ecdsa-sha2-nistp256",
            "scheme": "ecdsa-sha2-nistp256",
            "key": STANDARD.encode(spki.as_bytes()),
        })
    }
}

/// The SRI sha512 of some bytes (a stand-in tarball).
pub fn sri(content: &str) -> String {
    format!(
        "sha512-{}",
        STANDARD.encode(Sha512::digest(content.as_bytes()))
    )
}

/// One version of a fake package.
pub struct FakeVersion {
    pub version: &'static str,
    pub integrity: String,
    pub signatures: Vec<(String, String)>,
    pub published: &'static str,
    pub extra: Value,
}

impl FakeVersion {
    /// A version with the integrity of `name@version`, signed by `key`.
    pub fn signed(name: &str, version: &'static str, key: &TestKey) -> Self {
        let integrity = sri(&format!("{name}@{version}"));
        let sig = key.sign(name, version, &integrity);
        Self {
            version,
            signatures: vec![(key.keyid.clone(), sig)],
            integrity,
            published: "2026-06-01T00:00:00.000Z",
            extra: json!({}),
        }
    }

    /// The same, without signatures.
    pub fn unsigned(name: &str, version: &'static str) -> Self {
        Self {
            version,
            integrity: sri(&format!("{name}@{version}")),
            signatures: vec![],
            published: "2026-06-01T00:00:00.000Z",
            extra: json!({}),
        }
    }
}

/// A full packument for `name`.
pub fn packument(name: &str, versions: &[FakeVersion]) -> String {
    let mut vs = serde_json::Map::new();
    let mut time = serde_json::Map::new();
    for v in versions {
        let mut dist = json!({
            "integrity": v.integrity,
            "tarball": format!("https://example.invalid/{name}/-/{name}-{}.tgz", v.version),
        });
        if !v.signatures.is_empty() {
            dist["signatures"] = v
                .signatures
                .iter()
                .map(|(k, s)| json!({"keyid": k, "sig": s}))
                .collect();
        }
        let mut doc = json!({"name": name, "version": v.version, "dist": dist});
        if let (Value::Object(d), Value::Object(e)) = (&mut doc, &v.extra) {
            d.extend(e.clone());
        }
        vs.insert(v.version.to_string(), doc);
        time.insert(v.version.to_string(), json!(v.published));
    }
    json!({"name": name, "versions": vs, "time": time, "readme": "x".repeat(2000)}).to_string()
}

/// A v3 lockfile of registry entries without `resolved` (npm's
/// `omit-lockfile-registry-resolved`), so only registry evidence speaks.
pub fn lockfile(entries: &[(&str, &str, &str)]) -> String {
    let mut packages = serde_json::Map::new();
    packages.insert("".into(), json!({"name": "app", "version": "1.0.0"}));
    for (name, version, integrity) in entries {
        packages.insert(
            format!("node_modules/{name}"),
            json!({"version": version, "integrity": integrity}),
        );
    }
    serde_json::to_string_pretty(&json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": packages,
    }))
    .expect("serializable")
}
