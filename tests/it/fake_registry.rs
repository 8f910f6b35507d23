//! A fake npm registry: real HTTP/1.1 (or HTTPS, with a test CA's
//! certificate) on a loopback port, serving packuments, keys and whatever
//! faults a test asks for, and recording every request so tests can assert
//! on what reached the server.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// 200 with these bytes (a tarball).
    Bytes(Vec<u8>),
}

/// One answer: status, headers, body; `announced` overrides the
/// `Content-Length` sent (a truncated body).
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    announced: Option<usize>,
}

impl Answer {
    fn new(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
            announced: None,
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Writes the answer and closes: one request per connection, so no
    /// idle keep-alive connection ever holds a server thread.
    fn send(self, stream: &mut impl Write) {
        let mut head = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.status,
            self.announced.unwrap_or(self.body.len())
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&self.body);
        let _ = stream.flush();
    }
}

fn json_answer(seen: &Seen, body: String, max_age: Option<u32>) -> Answer {
    let etag = etag_of(&body);
    let mut answer = if seen.if_none_match.as_deref() == Some(etag.as_str()) {
        Answer::new(304, Vec::new())
    } else {
        Answer::new(200, body.into_bytes()).header("Content-Type", "application/json")
    };
    answer = answer.header("ETag", etag);
    if let Some(age) = max_age {
        answer = answer.header("Cache-Control", format!("public, max-age={age}"));
    }
    answer
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
    /// The `Proxy-Authorization` header (which no proxy should pass on).
    pub proxy_authorization: Option<String>,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Route>,
    seen: Vec<Seen>,
    hits: HashMap<String, u32>,
}

/// The server; stops when dropped.
pub struct FakeRegistry {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    thread: Option<JoinHandle<()>>,
    /// Base URL, `http://127.0.0.1:PORT/` (`https://` with TLS).
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
    /// Starts a server on a free loopback port: real HTTP/1.1, a thread
    /// per connection, one request per connection.
    pub fn start() -> Self {
        Self::serve(None)
    }

    /// The same over TLS with `tls`'s certificate.
    pub fn start_tls(tls: Arc<rustls::ServerConfig>) -> Self {
        Self::serve(Some(tls))
    }

    fn serve(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, halt) = (Arc::clone(&state), Arc::clone(&stop));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let st = Arc::clone(&st);
                let tls = tls.clone();
                std::thread::spawn(move || match tls {
                    None => answer(stream, &st),
                    Some(config) => {
                        let Ok(conn) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        let mut tls = rustls::StreamOwned::new(conn, stream);
                        answer(&mut tls, &st);
                        tls.conn.send_close_notify();
                        let _ = tls.flush();
                    }
                });
            }
        });
        Self {
            state,
            stop,
            addr,
            thread: Some(thread),
            url: format!("{scheme}://127.0.0.1:{}/", addr.port()),
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
        format!("127.0.0.1:{}", self.addr.port())
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request's head: the path and the headers tests look at.
fn read_request(stream: &mut impl Read) -> Option<(String, HashMap<String, String>)> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    Some((path, headers))
}

fn answer(mut stream: impl Read + Write, state: &Mutex<State>) {
    let Some((path, headers)) = read_request(&mut stream) else {
        return;
    };
    let seen = Seen {
        path: path.clone(),
        authorization: headers.get("authorization").cloned(),
        if_none_match: headers.get("if-none-match").cloned(),
        user_agent: headers.get("user-agent").cloned(),
        proxy_authorization: headers.get("proxy-authorization").cloned(),
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
                Answer::new(429, Vec::new())
                    .header("Retry-After", "1")
                    .send(&mut stream);
                return;
            }
            Route::FailThen(n, _) if hit <= n => {
                Answer::new(500, Vec::new()).send(&mut stream);
                return;
            }
            Route::TooManyThen(n, next) | Route::FailThen(n, next) => {
                hit -= n;
                route = *next;
            }
            _ => break,
        }
    }
    let answer = match route {
        Route::Json(body) => json_answer(&seen, body, None),
        Route::Fresh(body, max_age) => json_answer(&seen, body, Some(max_age)),
        Route::Status(code) => Answer::new(code, Vec::new()),
        Route::Slow(delay, body) => {
            std::thread::sleep(delay);
            Answer::new(200, body.into_bytes())
        }
        Route::Truncated(body) => {
            let mut bytes = body.into_bytes();
            let half = bytes.len() / 2;
            bytes.truncate(half);
            Answer {
                announced: Some(half * 2 + 10),
                ..Answer::new(200, bytes)
            }
        }
        Route::Oversized(n) => Answer::new(200, vec![b' '; n]),
        Route::Bytes(bytes) => {
            Answer::new(200, bytes).header("Content-Type", "application/octet-stream")
        }
        Route::TooManyThen(..) | Route::FailThen(..) => unreachable!("resolved above"),
    };
    answer.send(&mut stream);
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
