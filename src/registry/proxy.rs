//! Proxies: what a proxy setting is, and which proxy, if any, one request
//! goes through. Every HTTP client of lockproof (the registry client, the
//! TUF refresh, the advisory sources) asks [`Proxies::for_url`], through
//! [`super::agents::Agents`].
//!
//! # Which proxy a request takes (npm's rules)
//!
//! As `npm-registry-fetch` and `@npmcli/agent` (npm 10 to 12) decide, per
//! request URL:
//!
//! 1. the configured `https-proxy`, else the configured `proxy`, for every
//!    URL, `https:` and `http:` alike (npm hands `httpsProxy || proxy` to
//!    its agent whatever the URL's scheme);
//! 2. when neither is configured, the environment: for an `https:` URL
//!    `https_proxy` only; for an `http:` URL `https_proxy`, else
//!    `http_proxy`, else `proxy` (names read case-insensitively);
//! 3. no proxy at all when the URL's host matches `noproxy` (the configured
//!    list, else the environment's `no_proxy`).
//!
//! Reading those settings is [`super::npmrc`]'s part; here they are plain
//! data.
//!
//! # `noproxy` matching
//!
//! A comma-separated list; blanks around entries are ignored. An entry
//! matches a host when its dot-separated labels equal the host's last
//! labels: `example.com` and `.example.com` both match `example.com` and
//! every name under it (`registry.example.com`), never `badexample.com`.
//! Comparison ignores case. As in npm, an entry with a port
//! (`localhost:8080`) and the wildcard `*` match nothing: npm compares
//! labels only, and lockproof must reach each host the way npm will.
//! IPv4 addresses are compared label by label too (`10.0.0.1` matches
//! itself); an IPv6 host is written in brackets (`[::1]`).
//!
//! # How requests pass a proxy
//!
//! `https:` requests go through a `CONNECT host:port` tunnel: the proxy
//! sees the host and port, never the path, the headers or a token. `http:`
//! requests are sent to the proxy in absolute form (`GET http://host/path`),
//! as npm's `http-proxy-agent` sends them: the proxy sees the whole request,
//! as would anyone on a plain-`http:` path.
//!
//! # Credentials
//!
//! `http://user:password@proxy:8080` (percent-encoded, decoded once) is
//! sent to the proxy only, as `Proxy-Authorization: Basic`. A [`ProxyUrl`]
//! prints `***` in their place in `Display` and `Debug`; error messages name
//! the setting that holds a proxy, never its value.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use url::Url;

use super::secret::Secret;

/// How lockproof talks to the proxy itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyScheme {
    /// Plain TCP to the proxy.
    Http,
    /// TLS to the proxy (verified like any server).
    Https,
}

/// Why a proxy setting is not usable. Never repeats the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProxyUrlError {
    /// Not a URL at all (a bare `host:port` is not one either).
    #[error("it is not a URL (write it as http://host:port)")]
    NotUrl,
    /// `socks://`, `socks4://`, `socks5://`…
    #[error("SOCKS proxies are not supported; use an http:// or https:// proxy")]
    Socks,
    /// Any other scheme.
    #[error("the scheme is not http or https")]
    Scheme,
    /// `http://` without a host.
    #[error("it names no host")]
    NoHost,
    /// The user name or password does not decode to UTF-8.
    #[error("its user name or password is not valid percent-encoded UTF-8")]
    Credentials,
}

/// A proxy server. `Display` and `Debug` show `scheme://host:port`, with
/// `***@` in place of any credentials.
#[derive(Clone)]
pub struct ProxyUrl {
    scheme: ProxyScheme,
    /// As the `url` crate normalises it: lowercase, IDNA, IPv6 in brackets.
    host: String,
    port: u16,
    /// `Basic base64(user:password)`, when the URL carries credentials.
    authorization: Option<Secret>,
    /// The same proxy as ureq takes it, credentials included.
    ureq: ureq::Proxy,
}

impl ProxyUrl {
    /// Parses a proxy URL as npm does (`new URL(value)`): `http://` or
    /// `https://`, a host, an optional port (default 80 or 443) and
    /// optional credentials; a path is ignored.
    pub fn parse(value: &str) -> Result<Self, ProxyUrlError> {
        let url = Url::parse(value.trim()).map_err(|_| ProxyUrlError::NotUrl)?;
        let (scheme, protocol) = match url.scheme() {
            "http" => (ProxyScheme::Http, ureq::ProxyProtocol::Http),
            "https" => (ProxyScheme::Https, ureq::ProxyProtocol::Https),
            s if s.starts_with("socks") => return Err(ProxyUrlError::Socks),
            _ => return Err(ProxyUrlError::Scheme),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(ProxyUrlError::NoHost)?
            .to_string();
        let port = url.port_or_known_default().unwrap_or(match scheme {
            ProxyScheme::Http => 80,
            ProxyScheme::Https => 443,
        });
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| ProxyUrlError::Credentials)
        };
        let user = decode(url.username())?;
        let password = url.password().map(decode).transpose()?;
        let mut builder = ureq::Proxy::builder(protocol).host(&host).port(port);
        let authorization = if user.is_empty() && password.is_none() {
            None
        } else {
            let password = password.unwrap_or_default();
            builder = builder.username(&user).password(&password);
            Some(Secret(format!(
                "Basic {}",
                STANDARD.encode(format!("{user}:{password}"))
            )))
        };
        // The host came out of the URL parser and the credentials are
        // re-encoded by the builder: ureq accepts what is left.
        let ureq = builder.build().map_err(|_| ProxyUrlError::NoHost)?;
        Ok(Self {
            scheme,
            host,
            port,
            authorization,
            ureq,
        })
    }

    /// Plain TCP or TLS to the proxy.
    pub fn scheme(&self) -> ProxyScheme {
        self.scheme
    }

    /// The proxy's host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `Proxy-Authorization` value (`Basic …`), when the URL carries
    /// credentials.
    pub fn authorization(&self) -> Option<&Secret> {
        self.authorization.as_ref()
    }

    /// The proxy as ureq's agent configuration takes it.
    pub(super) fn ureq(&self) -> &ureq::Proxy {
        &self.ureq
    }
}

impl PartialEq for ProxyUrl {
    fn eq(&self, other: &Self) -> bool {
        self.scheme == other.scheme
            && self.host == other.host
            && self.port == other.port
            && self.authorization.as_ref().map(Secret::expose)
                == other.authorization.as_ref().map(Secret::expose)
    }
}

impl Eq for ProxyUrl {}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            ProxyScheme::Http => "http",
            ProxyScheme::Https => "https",
        };
        let credentials = if self.authorization.is_some() {
            "***@"
        } else {
            ""
        };
        write!(f, "{scheme}://{credentials}{}:{}", self.host, self.port)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// The hosts no proxy is used for: each `noproxy` entry as its labels,
/// lowercased, last label first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy(Vec<Vec<String>>);

impl NoProxy {
    /// Reads a comma-separated `noproxy` / `no_proxy` list.
    pub fn parse(list: &str) -> Self {
        Self(
            list.split(',')
                .map(|entry| {
                    entry
                        .trim()
                        .split('.')
                        .filter(|label| !label.is_empty())
                        .rev()
                        .map(str::to_ascii_lowercase)
                        .collect::<Vec<_>>()
                })
                .filter(|labels| !labels.is_empty())
                .collect(),
        )
    }

    /// Whether requests to `host` bypass the proxy.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.0.iter().any(|entry| {
            let mut labels = host.rsplit('.');
            entry
                .iter()
                .all(|want| labels.next() == Some(want.as_str()))
        })
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The proxy settings in force: one proxy for `https:` URLs, one for
/// `http:` URLs (often the same), and the hosts that bypass both. The
/// default is no proxy at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    https: Option<ProxyUrl>,
    http: Option<ProxyUrl>,
    no_proxy: NoProxy,
}

impl Proxies {
    /// The proxy for `https:` URLs, the one for `http:` URLs, and the hosts
    /// that bypass them.
    pub fn new(https: Option<ProxyUrl>, http: Option<ProxyUrl>, no_proxy: NoProxy) -> Self {
        Self {
            https,
            http,
            no_proxy,
        }
    }

    /// The proxy a request to `url` goes through; `None`: straight to the
    /// host.
    pub fn for_url(&self, url: &Url) -> Option<&ProxyUrl> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        }?;
        let host = url.host_str()?;
        (!self.no_proxy.matches(host)).then_some(proxy)
    }

    /// Every distinct proxy a request may go through.
    pub fn all(&self) -> Vec<&ProxyUrl> {
        let mut all: Vec<&ProxyUrl> = Vec::new();
        for proxy in [&self.https, &self.http].into_iter().flatten() {
            if !all.contains(&proxy) {
                all.push(proxy);
            }
        }
        all
    }

    /// Whether no request goes through a proxy.
    pub fn is_none(&self) -> bool {
        self.https.is_none() && self.http.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn proxy_urls_parse_as_npm_writes_them_and_never_print_credentials() {
        let p = ProxyUrl::parse("http://alice:s%3Acret@Proxy.Corp:3128/ignored").unwrap();
        assert_eq!(p.scheme(), ProxyScheme::Http);
        assert_eq!((p.host(), p.port()), ("proxy.corp", 3128));
        assert_eq!(
            p.authorization().map(Secret::expose),
            Some(format!("Basic {}", STANDARD.encode("alice:s:cret")).as_str())
        );
        assert_eq!(p.to_string(), "http://***@proxy.corp:3128");
        assert_eq!(format!("{p:?}"), "ProxyUrl(http://***@proxy.corp:3128)");
        for shown in [p.to_string(), format!("{p:?}")] {
            assert!(!shown.contains("alice") && !shown.contains("cret"));
        }

        let p = ProxyUrl::parse("https://[::1]").unwrap();
        assert_eq!(
            (p.scheme(), p.host(), p.port()),
            (ProxyScheme::Https, "[::1]", 443)
        );
        assert!(p.authorization().is_none());
        assert_eq!(ProxyUrl::parse("http://p").unwrap().port(), 80);
        // A user without a password, and a password without a user.
        let only_user = ProxyUrl::parse("http://bob@p:1").unwrap();
        assert_eq!(
            only_user.authorization().map(Secret::expose),
            Some(format!("Basic {}", STANDARD.encode("bob:")).as_str())
        );
        let only_pass = ProxyUrl::parse("http://:pw@p:1").unwrap();
        assert_eq!(
            only_pass.authorization().map(Secret::expose),
            Some(format!("Basic {}", STANDARD.encode(":pw")).as_str())
        );
    }

    #[test]
    fn unusable_proxy_urls_are_refused_without_repeating_them() {
        for (value, error) in [
            ("proxy.corp:8080", ProxyUrlError::Scheme),
            ("not a url", ProxyUrlError::NotUrl),
            ("socks5://u:secret@p:1080", ProxyUrlError::Socks),
            ("ftp://p", ProxyUrlError::Scheme),
            ("http://u:%FF@p", ProxyUrlError::Credentials),
        ] {
            let got = ProxyUrl::parse(value).unwrap_err();
            assert_eq!(got, error, "{value}");
            assert!(!got.to_string().contains("secret"));
        }
    }

    #[test]
    fn noproxy_matches_hosts_and_the_names_under_them_by_whole_labels() {
        let list = NoProxy::parse(" internal.corp, .Example.com,,localhost:8080,*,10.0.0.1,[::1] ");
        for host in [
            "internal.corp",
            "registry.internal.corp",
            "example.com",
            "a.b.example.com",
            "EXAMPLE.COM",
            "10.0.0.1",
            "[::1]",
        ] {
            assert!(list.matches(host), "{host}");
        }
        // Whole labels only; ports and `*` match nothing, as in npm.
        for host in [
            "badexample.com",
            "corp",
            "localhost",
            "registry.npmjs.org",
            "110.0.0.1",
            "[::2]",
        ] {
            assert!(!list.matches(host), "{host}");
        }
        assert!(NoProxy::parse(" , ").is_empty());
        assert!(!NoProxy::default().matches("anything"));
    }

    #[test]
    fn each_url_gets_the_proxy_of_its_scheme_unless_its_host_is_excluded() {
        let a = ProxyUrl::parse("http://a:1").unwrap();
        let b = ProxyUrl::parse("http://b:2").unwrap();
        let proxies = Proxies::new(
            Some(a.clone()),
            Some(b.clone()),
            NoProxy::parse("internal.corp"),
        );
        assert_eq!(
            proxies.for_url(&url("https://registry.npmjs.org/x")),
            Some(&a)
        );
        assert_eq!(proxies.for_url(&url("http://mirror.example/x")), Some(&b));
        assert_eq!(proxies.for_url(&url("https://npm.internal.corp/x")), None);
        assert_eq!(
            proxies.for_url(&url("http://npm.internal.corp:8080/")),
            None
        );
        assert_eq!(proxies.for_url(&url("file:///tmp/x")), None);
        assert_eq!(proxies.all(), vec![&a, &b]);

        let same = Proxies::new(Some(a.clone()), Some(a.clone()), NoProxy::default());
        assert_eq!(same.all(), vec![&a]);
        assert!(Proxies::default().is_none());
        assert_eq!(Proxies::default().for_url(&url("https://x/")), None);
    }
}
