//! The HTTP client: ureq with the platform's certificate verifier (or the
//! configured `cafile`), through the configured proxies, with bounded
//! retries with backoff, a response size limit, and credentials attached
//! only to the registry they belong to.
//!
//! A token for an `https:` registry crosses a proxy inside the TLS tunnel,
//! out of the proxy's sight. A token for a plain-`http:` registry (sent at
//! all only to a registry configured with `http:` outside the repository)
//! is sent through the proxy too, which then sees it: the proxy is one
//! more hop on a path that is already clear text, and it is one the user
//! configured outside the repository as well.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use thiserror::Error;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;
use url::Url;

use super::agents::Agents;
use super::npmrc::NpmConfig;

/// Limits and identity of the client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time allowed for one whole request (connect to last byte).
    pub timeout: Duration,
    /// Retries after the first attempt, on connection errors, timeouts,
    /// 429 and 5xx.
    pub retries: u32,
    /// Largest body accepted, in bytes.
    pub max_body: u64,
    /// First backoff delay; doubled on each retry.
    pub backoff: Duration,
    /// Idle connections kept per host: as many as requests run at once,
    /// or every request beyond the pool's size pays a new TCP and TLS
    /// handshake.
    pub connections: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            retries: 3,
            max_body: 256 * 1024 * 1024,
            backoff: Duration::from_millis(250),
            connections: 16,
        }
    }
}

/// Longest `Retry-After` lockproof honours; a registry asking for more is
/// treated as failing.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// A response lockproof can use.
#[derive(Debug)]
pub struct Response<T> {
    /// 200 or 304.
    pub status: u16,
    /// What was read from the body (`None` for 304).
    pub body: Option<T>,
    /// `ETag`, for revalidation.
    pub etag: Option<String>,
    /// `Last-Modified`, for revalidation.
    pub last_modified: Option<String>,
    /// Seconds the answer stays fresh (`Cache-Control: max-age`), capped
    /// at [`MAX_FRESHNESS`]; `None` when the server allows no reuse
    /// without revalidation.
    pub max_age: Option<u64>,
}

/// The longest a cached answer is reused without asking the registry, so a
/// registry that asks for long caching cannot hide a fix (a deprecation, a
/// security placeholder) from lockproof for long.
pub const MAX_FRESHNESS: u64 = 3600;

/// `max-age` of a `Cache-Control` header; `no-cache`, `no-store` and
/// `must-revalidate`-with-zero mean none.
pub fn max_age(cache_control: &str) -> Option<u64> {
    let mut age = None;
    for directive in cache_control.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-cache" || lower == "no-store" {
            return None;
        }
        if let Some(n) = lower.strip_prefix("max-age=") {
            age = n.trim_matches('"').parse::<u64>().ok();
        }
    }
    age.filter(|n| *n > 0).map(|n| n.min(MAX_FRESHNESS))
}

/// Why a fetch gave nothing usable. Messages name the URL (never a
/// credential: URLs with user info are refused before any request).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum FetchError {
    /// 404 / 410.
    #[error("{url}: not found ({status})")]
    NotFound {
        /// The URL.
        url: String,
        /// 404 or 410.
        status: u16,
    },
    /// Another unusable status, after retries where they apply.
    #[error("{url}: HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body was larger than the limit.
    #[error("{url}: response larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// Connection, TLS, timeout or read failure, after retries.
    #[error("{url}: {reason}")]
    Network {
        /// The URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The body is not what was asked for (malformed, wrong content).
    #[error("{url}: {reason}")]
    Invalid {
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The client could not be set up (bad cafile).
    #[error("{0}")]
    Setup(String),
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Reading failed (connection cut, truncated body): worth a retry.
    Io(std::io::Error),
    /// The bytes arrived but are not usable: not worth a retry.
    Invalid(String),
}

/// Reads a response body as it streams in, so a large body never has to
/// sit in memory whole.
pub type BodyReader<'r, T> = &'r (dyn Fn(&mut dyn Read) -> Result<T, BodyError> + Sync);

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// The HTTP client.
pub struct Client {
    agents: Agents,
    npm: NpmConfig,
    opts: ClientOptions,
}

impl Client {
    /// A client for the registries `npm` configures.
    pub fn new(npm: NpmConfig, opts: ClientOptions) -> Result<Self, FetchError> {
        let roots = match npm.cafile() {
            Some(path) => RootCerts::new_with_certs(&load_cafile(path)?),
            None => RootCerts::PlatformVerifier,
        };
        let tls = TlsConfig::builder()
            .root_certs(roots)
            .disable_verification(!npm.strict_ssl())
            .build();
        let config = || {
            ureq::config::Config::builder()
                .tls_config(tls.clone())
                .http_status_as_error(false)
                .timeout_global(Some(opts.timeout))
                .user_agent(concat!(
                    "lockproof/",
                    env!("CARGO_PKG_VERSION"),
                    " (+npm lockfile verifier)"
                ))
                // Never carry a registry credential to wherever a redirect
                // points.
                .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
                .max_redirects(5)
                .max_idle_connections_per_host(opts.connections.max(1))
                .max_idle_connections(opts.connections.max(10))
        };
        let agents = Agents::with_resolver(npm.proxies(), config, CachingResolver::default);
        Ok(Self { agents, npm, opts })
    }

    /// The npm configuration in use.
    pub fn npm(&self) -> &NpmConfig {
        &self.npm
    }

    /// GETs `url` and returns the whole body.
    pub fn get(&self, url: &Url, accept: &str) -> Result<Vec<u8>, FetchError> {
        let read_all = |r: &mut dyn Read| {
            let mut body = Vec::new();
            r.read_to_end(&mut body)
                .map(|_| body)
                .map_err(BodyError::Io)
        };
        let resp = self.get_with(url, accept, None, None, &read_all)?;
        Ok(resp.body.unwrap_or_default())
    }

    /// GETs `url`, revalidating with `etag` / `last_modified` when given,
    /// and reads a 200 body with `read` as it arrives. Returns 200 or 304;
    /// anything else is an error.
    pub fn get_with<T>(
        &self,
        url: &Url,
        accept: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        read: BodyReader<'_, T>,
    ) -> Result<Response<T>, FetchError> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Setup(format!(
                "refusing a URL with embedded credentials ({}://{}{})",
                url.scheme(),
                url.host_str().unwrap_or(""),
                url.path()
            )));
        }
        let mut delay = self.opts.backoff;
        let mut retries_left = self.opts.retries;
        loop {
            match self.attempt(url, accept, etag, last_modified, read) {
                Attempt::Done(r) => return Ok(r),
                Attempt::Fatal(e) => return Err(e),
                Attempt::Retry { error, after } => {
                    let wait = after.unwrap_or(delay);
                    if retries_left == 0 || wait > MAX_RETRY_AFTER {
                        return Err(error);
                    }
                    std::thread::sleep(wait);
                    retries_left -= 1;
                    delay = delay.saturating_mul(2);
                }
            }
        }
    }

    fn attempt<T>(
        &self,
        url: &Url,
        accept: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        read: BodyReader<'_, T>,
    ) -> Attempt<T> {
        let shown = url.as_str().to_string();
        let mut req = self
            .agents
            .for_url(url)
            .get(url.as_str())
            .header("Accept", accept);
        if let Some(auth) = self.npm.auth_header_for(url) {
            req = req.header("Authorization", auth.expose());
        }
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
        }
        if let Some(l) = last_modified {
            req = req.header("If-Modified-Since", l);
        }
        let mut resp = match req.call() {
            Ok(r) => r,
            Err(e) => {
                // The proxy prints without its credentials.
                let reason = match self.agents.proxy_for(url) {
                    Some(proxy) => format!("{e} (through proxy {proxy})"),
                    None => e.to_string(),
                };
                return Attempt::Retry {
                    error: FetchError::Network { url: shown, reason },
                    after: None,
                };
            }
        };
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header("etag");
        let last_modified = header("last-modified");
        let max_age = header("cache-control").and_then(|c| max_age(&c));
        match status {
            200 => {}
            304 => {
                return Attempt::Done(Response {
                    status,
                    body: None,
                    etag,
                    last_modified,
                    max_age,
                });
            }
            404 | 410 => return Attempt::Fatal(FetchError::NotFound { url: shown, status }),
            429 | 500..=599 => {
                let after = header("retry-after")
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                return Attempt::Retry {
                    error: FetchError::Status { url: shown, status },
                    after,
                };
            }
            _ => return Attempt::Fatal(FetchError::Status { url: shown, status }),
        }
        let limit = self.opts.max_body;
        let mut counted = Counting {
            inner: resp.body_mut().as_reader().take(limit + 1),
            read: 0,
        };
        let outcome = read(&mut counted);
        // Past the limit the body was cut short, so whatever the reader
        // made of it is beside the point.
        if counted.read > limit {
            return Attempt::Fatal(FetchError::TooLarge { url: shown, limit });
        }
        match outcome {
            Ok(body) => Attempt::Done(Response {
                status,
                body: Some(body),
                etag,
                last_modified,
                max_age,
            }),
            Err(BodyError::Io(e)) => Attempt::Retry {
                error: FetchError::Network {
                    url: shown,
                    reason: format!("reading the body: {e}"),
                },
                after: None,
            },
            Err(BodyError::Invalid(reason)) => {
                Attempt::Fatal(FetchError::Invalid { url: shown, reason })
            }
        }
    }
}

/// Resolves each host once per run: parallel fetches would otherwise each
/// look the registry up, and one lost DNS packet costs the resolver's
/// five-second retry.
#[derive(Debug, Default)]
struct CachingResolver {
    inner: DefaultResolver,
    known: Mutex<HashMap<String, ResolvedSocketAddrs>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map_or("", |a| a.as_str())
        );
        // Held across the lookup, so concurrent first requests wait for one
        // lookup instead of each making their own.
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(addrs) = known.get(&key) {
            return Ok(addrs.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        known.insert(key, addrs.clone());
        Ok(addrs)
    }
}

enum Attempt<T> {
    Done(Response<T>),
    Fatal(FetchError),
    Retry {
        error: FetchError,
        after: Option<Duration>,
    },
}

fn load_cafile(path: &Path) -> Result<Vec<Certificate<'static>>, FetchError> {
    let pem = std::fs::read(path)
        .map_err(|e| FetchError::Setup(format!("{}: cannot read cafile: {e}", path.display())))?;
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| FetchError::Setup(format!("{}: invalid cafile: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(FetchError::Setup(format!(
            "{}: cafile holds no certificate",
            path.display()
        )));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age_is_read_capped_and_refused_when_caching_is_not_allowed() {
        assert_eq!(max_age("public, max-age=300"), Some(300));
        assert_eq!(max_age("Max-Age=60"), Some(60));
        assert_eq!(max_age("max-age=999999"), Some(MAX_FRESHNESS));
        assert_eq!(max_age("no-cache, max-age=300"), None);
        assert_eq!(max_age("max-age=300, no-store"), None);
        assert_eq!(max_age("max-age=0"), None);
        assert_eq!(max_age("max-age=abc"), None);
        assert_eq!(max_age("public"), None);
    }
}
