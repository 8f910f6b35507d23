//! A forward proxy on a loopback port, as corporate networks run them:
//! `CONNECT host:port` tunnels (the proxy sees that line, its headers and
//! then only encrypted bytes) and absolute-form `http:` requests (the
//! proxy sees them whole). It records every byte clients send it, can
//! require credentials (407 without them), and can send the tunnel for one
//! host to another server: a TLS-intercepting proxy answering under that
//! host's name with a certificate the client was told to trust.
//!
//! It connects only to loopback addresses: any other target gets a 502, so
//! a test never leaves 127.0.0.1.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct ProxySeen {
    /// The request line, e.g. `CONNECT 127.0.0.1:4321 HTTP/1.1`.
    pub line: String,
    /// The `Proxy-Authorization` header, if any.
    pub proxy_authorization: Option<String>,
}

#[derive(Default)]
struct State {
    seen: Vec<ProxySeen>,
    /// Every byte clients sent, tunnels included.
    received: Vec<u8>,
    /// The `Proxy-Authorization` value required, if any.
    required: Option<String>,
    /// `host:port` of a CONNECT → where the tunnel really goes.
    intercept: HashMap<String, SocketAddr>,
}

/// The proxy; stops when dropped.
pub struct FakeProxy {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl FakeProxy {
    /// Starts a proxy on a free loopback port, a thread per connection.
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
                std::thread::spawn(move || serve(stream, &st));
            }
        });
        Self {
            state,
            stop,
            addr,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// `http://user:password@127.0.0.1:PORT`.
    pub fn url_with(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@127.0.0.1:{}", self.addr.port())
    }

    /// Answers 407 unless `Proxy-Authorization` is `value`.
    pub fn require(&self, value: &str) {
        self.state.lock().unwrap().required = Some(value.to_string());
    }

    /// Tunnels a `CONNECT authority` to `to` instead.
    pub fn intercept(&self, authority: &str, to: SocketAddr) {
        self.state
            .lock()
            .unwrap()
            .intercept
            .insert(authority.to_string(), to);
    }

    /// Every request line so far.
    pub fn seen(&self) -> Vec<ProxySeen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Every byte clients sent, as text (lossy).
    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.state.lock().unwrap().received).into_owned()
    }
}

impl Drop for FakeProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads a request head byte by byte, so nothing after it (the tunnel's
/// first bytes) is consumed.
fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(head)
}

/// Connects to `authority` if it is a loopback address.
fn connect_loopback(authority: &str) -> Option<TcpStream> {
    let addrs: Vec<SocketAddr> = authority.to_socket_addrs().ok()?.collect();
    if addrs.is_empty() || !addrs.iter().all(|a| a.ip().is_loopback()) {
        return None;
    }
    TcpStream::connect(&addrs[..]).ok()
}

fn serve(mut client: TcpStream, state: &Arc<Mutex<State>>) {
    let Some(head) = read_head(&mut client) else {
        return;
    };
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let line = lines.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|h| h.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let proxy_authorization = headers
        .iter()
        .find(|(k, _)| k == "proxy-authorization")
        .map(|(_, v)| v.clone());
    let (required, intercept) = {
        let mut s = state.lock().unwrap();
        s.received.extend_from_slice(&head);
        s.seen.push(ProxySeen {
            line: line.clone(),
            proxy_authorization: proxy_authorization.clone(),
        });
        (s.required.clone(), s.intercept.clone())
    };
    if required.is_some() && proxy_authorization != required {
        let _ = client.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\
              Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\
              Connection: close\r\n\r\n",
        );
        return;
    }
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method == "CONNECT" {
        let upstream = match intercept.get(target) {
            Some(to) => TcpStream::connect(to).ok(),
            None => connect_loopback(target),
        };
        let Some(upstream) = upstream else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        pump(client, upstream, state);
        return;
    }
    // Absolute form: `GET http://host:port/path HTTP/1.1`.
    let Some(rest) = target.strip_prefix("http://") else {
        let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Some(mut upstream) = connect_loopback(authority) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let version = parts.next().unwrap_or("HTTP/1.1");
    let path = if path.is_empty() { "/" } else { path };
    let mut forwarded = format!("{method} {path} {version}\r\n");
    for (name, value) in &headers {
        if !name.is_empty() && !name.starts_with("proxy-") {
            forwarded.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    forwarded.push_str("\r\n");
    if upstream.write_all(forwarded.as_bytes()).is_err() {
        return;
    }
    pump(client, upstream, state);
}

/// Copies bytes both ways until the server closes, recording what the
/// client sends.
fn pump(client: TcpStream, upstream: TcpStream, state: &Arc<Mutex<State>>) {
    let (Ok(mut from_client), Ok(mut to_upstream)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let st = Arc::clone(state);
    let up = std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = from_client.read(&mut buf) {
            if n == 0 {
                break;
            }
            st.lock().unwrap().received.extend_from_slice(&buf[..n]);
            if to_upstream.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to_upstream.shutdown(Shutdown::Write);
    });
    let (mut from_upstream, mut to_client) = (upstream, client);
    let _ = std::io::copy(&mut from_upstream, &mut to_client);
    let _ = to_client.shutdown(Shutdown::Both);
    let _ = from_upstream.shutdown(Shutdown::Both);
    let _ = up.join();
}
