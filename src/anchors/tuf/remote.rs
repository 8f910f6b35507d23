//! Where TUF metadata and targets come from: a small [`Remote`] trait
//! (fetch one path, at most so many bytes), so tests can serve a repository
//! from memory, and [`HttpRemote`], the one over HTTP(S).
//!
//! Requests go through the proxies npm's settings name
//! ([`crate::registry::proxy`]), like every request lockproof makes.
//!
//! Every fetch states its byte limit: an endless or oversized answer (a
//! denial of service the TUF specification calls an endless data attack) is
//! cut off and refused, never buffered whole.

use std::time::Duration;

use ureq::tls::{RootCerts, TlsConfig};
use url::Url;

use crate::registry::agents::Agents;
use crate::registry::proxy::Proxies;

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The repository has no such file (HTTP 404 or 403, as object stores
    /// answer for a missing key).
    #[error("not found")]
    NotFound,
    /// The answer is larger than the limit.
    #[error("larger than the {0}-byte limit")]
    TooLarge(u64),
    /// Another HTTP status.
    #[error("HTTP status {0}")]
    Status(u16),
    /// No answer: connection, TLS or timeout.
    #[error("{0}")]
    Network(String),
}

/// A TUF repository's files.
pub trait Remote {
    /// The file at `path` (relative to the repository, e.g.
    /// `timestamp.json`, `targets/<hash>.keys.json`), at most `limit`
    /// bytes.
    fn fetch(&self, path: &str, limit: u64) -> Result<Vec<u8>, FetchError>;
}

/// A repository served over HTTP(S) at a base URL, with the platform's
/// certificate verifier and a timeout per request.
pub struct HttpRemote {
    base: String,
    agents: Agents,
}

impl HttpRemote {
    /// A remote for the repository at `base_url` (e.g.
    /// `https://tuf-repo-cdn.sigstore.dev`), reached through `proxies`;
    /// each request gives up after `timeout`.
    pub fn new(base_url: &str, timeout: Duration, proxies: &Proxies) -> HttpRemote {
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::PlatformVerifier)
            .build();
        let config = || {
            ureq::config::Config::builder()
                .tls_config(tls.clone())
                .http_status_as_error(false)
                .timeout_global(Some(timeout))
                .user_agent(concat!("lockproof/", env!("CARGO_PKG_VERSION")))
                .max_redirects(3)
        };
        HttpRemote {
            base: base_url.trim_end_matches('/').to_owned(),
            agents: Agents::new(proxies, config),
        }
    }
}

impl Remote for HttpRemote {
    fn fetch(&self, path: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        let url = format!("{}/{}", self.base, path.trim_start_matches('/'));
        let parsed = Url::parse(&url).map_err(|e| FetchError::Network(format!("{url}: {e}")))?;
        let mut response =
            self.agents.for_url(&parsed).get(&url).call().map_err(|e| {
                match self.agents.proxy_for(&parsed) {
                    Some(proxy) => FetchError::Network(format!("{e} (through proxy {proxy})")),
                    None => FetchError::Network(e.to_string()),
                }
            })?;
        match response.status().as_u16() {
            200 => {}
            403 | 404 => return Err(FetchError::NotFound),
            other => return Err(FetchError::Status(other)),
        }
        response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge(limit),
                other => FetchError::Network(other.to_string()),
            })
    }
}
