//! A fake OSV service: real HTTP/1.1 on a loopback port, serving an export
//! zip (with ETag and Last-Modified, answering conditional requests with
//! 304), `POST /v1/querybatch` (from a table the test fills, a page per
//! id) and `GET /v1/vulns/{id}`, and recording every request.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{Value, json};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub body: Option<Value>,
}

/// The export the server offers.
#[derive(Clone)]
pub struct Export {
    pub path: String,
    pub bytes: Vec<u8>,
    pub etag: String,
    pub last_modified: String,
}

#[derive(Default)]
struct State {
    export: Option<Export>,
    records: HashMap<String, Value>,
    answers: HashMap<String, Vec<String>>,
    seen: Vec<Seen>,
}

/// The server; stops when dropped.
pub struct FakeOsv {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    thread: Option<JoinHandle<()>>,
    /// Base URL, `http://127.0.0.1:PORT/`.
    pub url: String,
}

impl FakeOsv {
    /// Starts a server on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, halt) = (Arc::clone(&state), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let st = Arc::clone(&st);
                std::thread::spawn(move || answer(stream, &st));
            }
        });
        Self {
            state,
            stop,
            addr,
            thread: Some(thread),
            url: format!("http://127.0.0.1:{}/", addr.port()),
        }
    }

    /// Serves `export` (replacing any earlier one).
    pub fn export(&self, export: Export) {
        self.state.lock().unwrap().export = Some(export);
    }

    /// Serves `record` at `/v1/vulns/{id}`.
    pub fn record(&self, record: Value) {
        let id = record["id"].as_str().expect("an id").to_string();
        self.state.lock().unwrap().records.insert(id, record);
    }

    /// Answers a query for `name@version` with `ids`, one per page.
    pub fn answer(&self, name_at_version: &str, ids: &[&str]) {
        self.state.lock().unwrap().answers.insert(
            name_at_version.to_string(),
            ids.iter().map(|s| s.to_string()).collect(),
        );
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

impl Drop for FakeOsv {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn send(mut stream: TcpStream, status: u16, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

fn answer(stream: TcpStream, state: &Mutex<State>) {
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return;
    };
    let (method, path) = (method.to_string(), path.to_string());
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let seen = Seen {
        method: method.clone(),
        path: path.clone(),
        if_none_match: headers.get("if-none-match").cloned(),
        if_modified_since: headers.get("if-modified-since").cloned(),
        body: serde_json::from_slice(&body).ok(),
    };
    let mut s = state.lock().unwrap();
    s.seen.push(seen.clone());
    if method == "POST" && path == "/v1/querybatch" {
        let queries = seen
            .body
            .as_ref()
            .and_then(|b| b["queries"].as_array().cloned())
            .unwrap_or_default();
        let results: Vec<Value> = queries
            .iter()
            .map(|q| {
                let key = format!(
                    "{}@{}",
                    q["package"]["name"].as_str().unwrap_or(""),
                    q["version"].as_str().unwrap_or("")
                );
                let ids = s.answers.get(&key).cloned().unwrap_or_default();
                let page: usize = q["page_token"]
                    .as_str()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
                match ids.get(page) {
                    None => json!({}),
                    Some(id) if page + 1 < ids.len() => json!({
                        "vulns": [{"id": id, "modified": "2026-06-01T00:00:00Z"}],
                        "next_page_token": (page + 1).to_string(),
                    }),
                    Some(id) => json!({"vulns": [{"id": id, "modified": "2026-06-01T00:00:00Z"}]}),
                }
            })
            .collect();
        let body = json!({ "results": results }).to_string();
        drop(s);
        return send(stream, 200, &[], body.as_bytes());
    }
    if let Some(id) = path.strip_prefix("/v1/vulns/") {
        let found = s.records.get(id).map(Value::to_string);
        drop(s);
        return match found {
            Some(body) => send(stream, 200, &[], body.as_bytes()),
            None => send(stream, 404, &[], b""),
        };
    }
    if let Some(export) = s.export.clone().filter(|e| e.path == path) {
        drop(s);
        let fresh = seen.if_none_match.as_deref() == Some(export.etag.as_str())
            || (seen.if_none_match.is_none()
                && seen.if_modified_since.as_deref() == Some(export.last_modified.as_str()));
        let headers = [
            ("ETag", export.etag.clone()),
            ("Last-Modified", export.last_modified.clone()),
        ];
        return if fresh {
            send(stream, 304, &headers, b"")
        } else {
            send(stream, 200, &headers, &export.bytes)
        };
    }
    drop(s);
    send(stream, 404, &[], b"");
}
