//! ureq agents that send each request the way [`Proxies`] says: one agent
//! straight to the hosts, one per proxy. Every HTTP client of lockproof
//! builds its agents here, so the proxy decision has one home.
//!
//! ureq opens a `CONNECT` tunnel for `https:` URLs (the proxy sees only
//! `host:port`) and verifies the registry's certificate inside it. For
//! `http:` URLs ureq would also open a tunnel, which proxies commonly refuse
//! for port 80, and which is not what npm does: the connector here sends
//! them to the proxy in absolute form (`GET http://host/path HTTP/1.1`, with
//! `Proxy-Authorization` when the proxy URL carries credentials), as npm's
//! `http-proxy-agent` does.
//!
//! The route is chosen from the URL a request starts with: a redirect is
//! followed on the same route.

use std::io;

use ureq::config::{Config, ConfigBuilder};
use ureq::http::uri::Scheme;
use ureq::typestate::AgentScope;
use ureq::unversioned::resolver::{DefaultResolver, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};
use url::Url;

use super::proxy::{Proxies, ProxyUrl};
use super::secret::Secret;

/// The agents of one HTTP client, one per route.
pub struct Agents {
    proxies: Proxies,
    direct: ureq::Agent,
    via: Vec<(ProxyUrl, ureq::Agent)>,
}

impl Agents {
    /// Agents for `proxies`, each configured by `config` (called once per
    /// route; its proxy setting is replaced), resolving names with ureq's
    /// default resolver.
    pub fn new(proxies: &Proxies, config: impl Fn() -> ConfigBuilder<AgentScope>) -> Self {
        Self::with_resolver(proxies, config, DefaultResolver::default)
    }

    /// As [`Agents::new`], with a resolver made by `resolver` per agent.
    pub fn with_resolver<R: Resolver>(
        proxies: &Proxies,
        config: impl Fn() -> ConfigBuilder<AgentScope>,
        resolver: impl Fn() -> R,
    ) -> Self {
        // Set explicitly: ureq's default configuration reads proxies from
        // the environment by its own rules, which are not npm's.
        let direct = ureq::Agent::with_parts(
            config().proxy(None).build(),
            DefaultConnector::default(),
            resolver(),
        );
        let via = proxies
            .all()
            .into_iter()
            .map(|proxy| {
                let connector = Forwarding {
                    inner: DefaultConnector::default(),
                    to_proxy: config().proxy(None).build(),
                    authorization: proxy.authorization().cloned(),
                };
                let agent = ureq::Agent::with_parts(
                    config().proxy(Some(proxy.ureq().clone())).build(),
                    connector,
                    resolver(),
                );
                (proxy.clone(), agent)
            })
            .collect();
        Self {
            proxies: proxies.clone(),
            direct,
            via,
        }
    }

    /// The agent a request to `url` goes out with.
    pub fn for_url(&self, url: &Url) -> &ureq::Agent {
        self.proxy_for(url)
            .and_then(|proxy| self.via.iter().find(|(p, _)| p == proxy))
            .map_or(&self.direct, |(_, agent)| agent)
    }

    /// The proxy a request to `url` goes through, for messages (it prints
    /// without credentials).
    pub fn proxy_for(&self, url: &Url) -> Option<&ProxyUrl> {
        self.proxies.for_url(url)
    }
}

/// The connector of an agent that goes through a proxy: `http:` requests
/// to the proxy in absolute form; everything else (the `CONNECT` tunnel
/// for `https:`, TLS) as ureq does it.
#[derive(Debug)]
struct Forwarding {
    inner: DefaultConnector,
    /// The agent's configuration without the proxy, for the connection to
    /// the proxy itself (TLS settings apply to an `https://` proxy).
    to_proxy: Config,
    authorization: Option<Secret>,
}

impl Connector for Forwarding {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let proxy = match details.config.proxy() {
            Some(proxy) if details.uri.scheme() == Some(&Scheme::HTTP) => proxy,
            _ => return self.inner.connect(details, chained),
        };
        let proxy_uri = proxy.uri();
        let addrs = details
            .resolver
            .resolve(proxy_uri, &self.to_proxy, details.timeout)?;
        let to_proxy = ConnectionDetails {
            uri: proxy_uri,
            addrs,
            config: &self.to_proxy,
            request_level: false,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        let transport = self
            .inner
            .connect(&to_proxy, None)?
            .ok_or(ureq::Error::ConnectionFailed)?;
        let authority = details
            .uri
            .authority()
            .ok_or(ureq::Error::ConnectionFailed)?;
        Ok(Some(Box::new(AbsoluteForm {
            inner: transport,
            origin: format!("http://{authority}"),
            authorization: self.authorization.clone(),
            at_request_start: true,
        })))
    }
}

/// A connection to a proxy that rewrites each request's first line to
/// absolute form and adds `Proxy-Authorization`.
///
/// ureq writes a request's line and headers whole at the start of the
/// output buffer and sends them first; it reads the answer before it sends
/// the next request on the connection. So the first bytes sent after
/// connecting, or after any bytes arrived, start a request.
#[derive(Debug)]
struct AbsoluteForm {
    inner: Box<dyn Transport>,
    /// `http://host[:port]` of the target.
    origin: String,
    authorization: Option<Secret>,
    at_request_start: bool,
}

impl Transport for AbsoluteForm {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if !self.at_request_start {
            return self.inner.transmit_output(amount, timeout);
        }
        self.at_request_start = false;
        let output = self.inner.buffers().output();
        let head = output.get(..amount).ok_or(ureq::Error::ConnectionFailed)?;
        let rewritten = absolute_form(
            head,
            &self.origin,
            self.authorization.as_ref().map(Secret::expose),
        )
        .map_err(|why| ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, why)))?;
        let room = output.get_mut(..rewritten.len()).ok_or_else(|| {
            ureq::Error::Io(io::Error::other(
                "the request head does not fit the output buffer",
            ))
        })?;
        room.copy_from_slice(&rewritten);
        self.inner.transmit_output(rewritten.len(), timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let progress = self.inner.await_input(timeout)?;
        if progress {
            self.at_request_start = true;
        }
        Ok(progress)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }
}

/// `head` (starting with `METHOD /path HTTP/1.1\r\n`) with the target in
/// absolute form under `origin` and a `Proxy-Authorization` header after
/// the request line when `authorization` is given.
fn absolute_form(
    head: &[u8],
    origin: &str,
    authorization: Option<&str>,
) -> Result<Vec<u8>, &'static str> {
    let line_end = head
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or("no request line to send to the proxy")?;
    let (line, rest) = head.split_at(line_end);
    let space = line
        .iter()
        .position(|b| *b == b' ')
        .ok_or("malformed request line")?;
    let (method, target) = line.split_at(space + 1);
    if !target.starts_with(b"/") {
        return Err("the request target is not a path");
    }
    let mut out = Vec::with_capacity(head.len() + origin.len() + 64);
    out.extend_from_slice(method);
    out.extend_from_slice(origin.as_bytes());
    out.extend_from_slice(target);
    out.extend_from_slice(b"\r\n");
    if let Some(auth) = authorization {
        out.extend_from_slice(b"Proxy-Authorization: ");
        out.extend_from_slice(auth.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(rest.get(2..).unwrap_or_default());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::proxy::NoProxy;

    #[test]
    fn request_lines_are_rewritten_to_absolute_form_with_the_proxy_credentials() {
        let head = b"GET /alpha?x=1 HTTP/1.1\r\nhost: reg:8080\r\n\r\n";
        let got = absolute_form(head, "http://reg:8080", Some("Basic dTpw")).unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "GET http://reg:8080/alpha?x=1 HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\
             host: reg:8080\r\n\r\n"
        );
        let got = absolute_form(b"POST / HTTP/1.1\r\n\r\n{}", "http://h", None).unwrap();
        assert_eq!(got, b"POST http://h/ HTTP/1.1\r\n\r\n{}");
        assert!(absolute_form(b"GET /x HTTP/1.1", "http://h", None).is_err());
        assert!(absolute_form(b"GET http://x/ HTTP/1.1\r\n\r\n", "http://h", None).is_err());
        assert!(absolute_form(b"GARBAGE\r\n\r\n", "http://h", None).is_err());
    }

    #[test]
    fn each_url_goes_out_with_the_agent_of_its_route() {
        let proxy = ProxyUrl::parse("http://127.0.0.1:9").unwrap();
        let proxies = Proxies::new(
            Some(proxy.clone()),
            None,
            NoProxy::parse("internal.example"),
        );
        let agents = Agents::new(&proxies, ureq::config::Config::builder);
        let via = Url::parse("https://registry.npmjs.org/x").unwrap();
        let direct = Url::parse("https://npm.internal.example/x").unwrap();
        let plain = Url::parse("http://registry.npmjs.org/x").unwrap();
        assert_eq!(agents.proxy_for(&via), Some(&proxy));
        assert!(agents.for_url(&via).config().proxy().is_some());
        for url in [direct, plain] {
            assert_eq!(agents.proxy_for(&url), None);
            assert!(agents.for_url(&url).config().proxy().is_none());
        }
        let none = Agents::new(&Proxies::default(), ureq::config::Config::builder);
        assert!(none.for_url(&via).config().proxy().is_none());
    }
}
