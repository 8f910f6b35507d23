//! The HTTP the advisory sources need, as a small trait so tests can fake
//! it, and its implementation over ureq.
//!
//! Only two shapes of request exist: a GET (the export, with conditional
//! headers; an API record) and a POST of JSON (the API's batch query).
//! Bodies stream: the caller reads, counts and limits them. The ureq
//! implementation retries connection failures, 429 and 5xx a few times
//! with growing pauses, verifies TLS with ureq's default roots, and goes
//! through the proxies npm's settings name, like every request lockproof
//! makes ([`crate::registry::proxy`]).

use std::io::Read;
use std::time::Duration;

use thiserror::Error;
use url::Url;

use crate::registry::agents::Agents;
use crate::registry::proxy::Proxies;

/// GET or POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST, with a JSON body.
    Post,
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Its method.
    pub method: Method,
    /// Where.
    pub url: &'a Url,
    /// Extra headers (`If-None-Match`, `If-Modified-Since`, `Accept`).
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body of a POST.
    pub body: Option<&'a [u8]>,
}

/// A response whose body is still to be read.
pub struct Response {
    /// The status.
    pub status: u16,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// `Content-Length`, when announced.
    pub content_length: Option<u64>,
    /// The body.
    pub body: Box<dyn Read + Send>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A request that got no response.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{url}: {reason}")]
pub struct HttpError {
    /// The URL (never with credentials: such URLs are refused).
    pub url: String,
    /// What failed.
    pub reason: String,
}

/// Sends requests.
pub trait Http: Send + Sync {
    /// Sends `request` and returns the response, whatever its status.
    fn send(&self, request: &Request<'_>) -> Result<Response, HttpError>;
}

/// Limits of the ureq client.
#[derive(Debug, Clone, Copy)]
pub struct HttpOptions {
    /// Time allowed for one whole request, body included (the export is
    /// large: this is per request, not per byte).
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// First pause before a retry; doubled each time.
    pub backoff: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            retries: 2,
            backoff: Duration::from_millis(500),
        }
    }
}

/// Longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// [`Http`] over ureq.
pub struct UreqHttp {
    agents: Agents,
    opts: HttpOptions,
}

impl UreqHttp {
    /// A client with `opts`, going through `proxies`.
    pub fn new(opts: HttpOptions, proxies: &Proxies) -> Self {
        let config = || {
            ureq::config::Config::builder()
                .http_status_as_error(false)
                .timeout_global(Some(opts.timeout))
                .user_agent(concat!(
                    "lockproof/",
                    env!("CARGO_PKG_VERSION"),
                    " (+npm lockfile verifier)"
                ))
                .max_redirects(5)
        };
        Self {
            agents: Agents::new(proxies, config),
            opts,
        }
    }

    fn attempt(&self, request: &Request<'_>) -> Result<Response, HttpError> {
        let url = request.url.as_str();
        let agent = self.agents.for_url(request.url);
        let failed = |e: ureq::Error| HttpError {
            url: url.to_string(),
            // The proxy prints without its credentials.
            reason: match self.agents.proxy_for(request.url) {
                Some(proxy) => format!("{e} (through proxy {proxy})"),
                None => e.to_string(),
            },
        };
        let response = match (request.method, request.body) {
            (Method::Get, _) => {
                let mut r = agent.get(url);
                for (name, value) in &request.headers {
                    r = r.header(*name, value);
                }
                r.call().map_err(failed)?
            }
            (Method::Post, body) => {
                let mut r = agent.post(url).header("Content-Type", "application/json");
                for (name, value) in &request.headers {
                    r = r.header(*name, value);
                }
                r.send(body.unwrap_or_default()).map_err(failed)?
            }
        };
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (etag, last_modified) = (header("etag"), header("last-modified"));
        let content_length = header("content-length").and_then(|l| l.trim().parse().ok());
        let status = response.status().as_u16();
        Ok(Response {
            status,
            etag,
            last_modified,
            content_length,
            body: Box::new(response.into_body().into_reader()),
        })
    }
}

impl Http for UreqHttp {
    fn send(&self, request: &Request<'_>) -> Result<Response, HttpError> {
        let url = request.url;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(HttpError {
                url: format!(
                    "{}://{}{}",
                    url.scheme(),
                    url.host_str().unwrap_or(""),
                    url.path()
                ),
                reason: "refusing a URL with embedded credentials".into(),
            });
        }
        let mut pause = self.opts.backoff;
        let mut left = self.opts.retries;
        loop {
            let outcome = self.attempt(request);
            let retryable = match &outcome {
                Err(_) => true,
                Ok(r) => r.status == 429 || (500..=599).contains(&r.status),
            };
            if !retryable || left == 0 {
                return outcome;
            }
            std::thread::sleep(pause.min(MAX_PAUSE));
            left -= 1;
            pause = pause.saturating_mul(2);
        }
    }
}
