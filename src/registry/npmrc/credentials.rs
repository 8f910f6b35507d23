//! Which credential a request carries, read from the merged `.npmrc`
//! layers the way `npm-registry-fetch` chooses it, and which project
//! credentials are refused.
//!
//! `//host[:port]/path/:_authToken` (sent as `Bearer`), `:_auth` (base64
//! `user:pass`, sent as `Basic`), and `:username` with `:_password` (base64
//! password, sent as `Basic`). For one prefix the token wins over `_auth`,
//! which wins over username/password, as in `npm-registry-fetch`.
//!
//! A credential applies to a request URL when the host (case-insensitive,
//! IDNA-normalised) is the same, the port is the same (a prefix without a
//! port means the default port of the request's scheme; `:443` and `:80` also
//! match those default ports), and the URL's path is under the prefix's path
//! at a segment boundary (`//h/npm` covers `/npm` and `/npm/x`, not
//! `/npmx`). The scheme is ignored, as npm ignores it, except that a token
//! goes over plain `http:` only to a host the configuration names with
//! `http:` itself. When several prefixes
//! match, the longest path wins, and only that prefix's credential is used
//! (also when it holds only a client certificate, which lockproof does not
//! send). URLs that carry their own user info never get a credential.
//!
//! The legacy unscoped `_authToken` / `_auth` (npm 9+ rejects them in files;
//! npm 8 and older sent them to the default registry) apply to the default
//! registry only, and only when the default registry is the one in force
//! where the credential was set: a project `.npmrc` that points `registry`
//! elsewhere does not receive the user's unscoped token.

use std::collections::BTreeMap;

use base64::Engine as _;
use url::Url;

use super::{Entry, Layer, NpmrcError, Origin, default_registry, parse_registry};
use crate::registry::secret::Secret;

/// A credential in the project's `.npmrc` that expands an environment
/// variable for a host no configuration outside the repository names: not
/// sent. Holds no value, only where it was written and what it named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedCredential {
    /// The file and line.
    pub origin: Origin,
    /// The key as written, e.g. `//host/:_authToken` (`${VAR}` unexpanded).
    pub key: String,
    /// The host it would have been sent to (as written when it expands a
    /// variable).
    pub host: String,
    /// The environment variables it expands.
    pub vars: Vec<String>,
}

/// A nerf dart: the host, port and path prefix a credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Prefix {
    /// Lowercased, IDNA-normalised host; IPv6 in brackets.
    host: String,
    /// `None`: the default port of the request's scheme.
    port: Option<u16>,
    /// Path as written (`""`, `/`, `/npm/`, `/npm`).
    path: String,
}

/// One prefix's credential.
#[derive(Debug, Clone)]
pub(super) struct Credential {
    prefix: Prefix,
    /// `None` when the prefix only configures a client certificate.
    header: Option<Secret>,
    /// From the unscoped `_authToken` / `_auth`.
    legacy: bool,
}

/// Every credential in force, and the project's refused ones: the
/// `//host/…:field` credentials, then the unscoped legacy one unless a scoped
/// credential has its prefix.
pub(super) fn resolve(
    merged: &BTreeMap<&str, &Entry>,
    layers: &[Vec<Entry>],
    registry: &Url,
    outside: &Outside,
) -> Result<(Vec<Credential>, Vec<RefusedCredential>), NpmrcError> {
    let (mut credentials, mut refused) = scoped_credentials(merged, outside)?;
    if let Some(legacy) = legacy_credential(merged, layers, registry, outside, &mut refused)?
        && !credentials.iter().any(|c| c.prefix == legacy.prefix)
    {
        credentials.push(legacy);
    }
    Ok((credentials, refused))
}

/// The `Authorization` header value for a request to `url`: the
/// credential of the longest prefix that covers it, or `None`.
pub(super) fn header_for(
    credentials: &[Credential],
    http_hosts: &[String],
    url: &Url,
) -> Option<Secret> {
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    // Credential keys name no scheme: a token is sent in clear text only
    // to a host that configuration outside the repository names with
    // `http:` itself.
    if url.scheme() == "http"
        && !url
            .host_str()
            .is_some_and(|h| http_hosts.iter().any(|k| k == h))
    {
        return None;
    }
    let host = url.host_str()?;
    credentials
        .iter()
        .filter(|c| {
            c.prefix
                .covers(host, url.port(), url.port_or_known_default(), url.path())
        })
        .max_by_key(|c| (c.prefix.path.len(), !c.legacy, c.prefix.port.is_none()))
        .and_then(|c| c.header.clone())
}

impl Prefix {
    /// Parses the nerf dart of a `//host[:port]/path:field` key. `None` for
    /// anything npm could never match (user info, a bad port, no host).
    fn parse(nerf: &str) -> Option<Self> {
        let rest = nerf.strip_prefix("//")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return None;
        }
        let (host, port) = if authority.starts_with('[') {
            let end = authority.find(']')?;
            let (host, after) = authority.split_at(end + 1);
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':')?)),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        let port = match port {
            None => None,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                Some(p.parse::<u16>().ok()?)
            }
            Some(_) => return None,
        };
        if host.is_empty() {
            return None;
        }
        let host = url::Host::parse(host).ok()?.to_string();
        Some(Self {
            host,
            port,
            path: path.to_string(),
        })
    }

    /// The nerf dart of a registry URL.
    fn of_registry(url: &Url) -> Option<Self> {
        Some(Self {
            host: url.host_str()?.to_string(),
            port: url.port(),
            path: url.path().to_string(),
        })
    }

    /// Whether a request to `host`, explicit `port` (`None` = the scheme's
    /// default `default_port`) and `path` falls under this prefix.
    fn covers(&self, host: &str, port: Option<u16>, default_port: Option<u16>, path: &str) -> bool {
        let port_ok = match (self.port, port) {
            (None, None) => true,
            (Some(p), Some(q)) => p == q,
            (Some(p), None) => Some(p) == default_port,
            (None, Some(_)) => false,
        };
        self.host == host
            && port_ok
            && path.starts_with(&self.path)
            && (self.path.is_empty()
                || self.path.len() == path.len()
                || self.path.ends_with('/')
                || path.as_bytes()[self.path.len()] == b'/')
    }
}

/// What configuration outside the repository names: the hosts an expanded
/// project credential may be sent to, and the hosts a token may reach over
/// plain `http:`.
pub(super) struct Outside {
    hosts: Vec<String>,
    /// Hosts a token may reach over plain `http:`.
    pub(super) http_hosts: Vec<String>,
}

impl Outside {
    /// From every layer but the project's, plus npm's default registry.
    pub(super) fn of(layers: &[Vec<Entry>]) -> Self {
        let mut out = Self {
            hosts: default_registry()
                .host_str()
                .map(str::to_string)
                .into_iter()
                .collect(),
            http_hosts: Vec::new(),
        };
        for entry in layers
            .iter()
            .flatten()
            .filter(|e| e.rank.0 != Layer::Project)
        {
            let is_registry = entry.key == "registry" || entry.key.ends_with(":registry");
            if is_registry && let Ok(url) = parse_registry(entry) {
                if let Some(host) = url.host_str() {
                    out.hosts.push(host.to_string());
                    if url.scheme() == "http" {
                        out.http_hosts.push(host.to_string());
                    }
                }
            } else if let Some(prefix) = entry
                .key
                .strip_prefix("//")
                .and_then(|_| entry.key.rsplit_once(':'))
                .and_then(|(nerf, _)| Prefix::parse(nerf))
            {
                out.hosts.push(prefix.host);
            }
        }
        out
    }

    fn names(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h == host)
    }
}

/// The `//host/…:field` credentials, one per prefix (merged per field by
/// precedence when several spellings normalise to the same prefix), and the
/// project's credentials refused because they would carry an expanded
/// variable to a host named nowhere outside the repository.
fn scoped_credentials(
    merged: &BTreeMap<&str, &Entry>,
    outside: &Outside,
) -> Result<(Vec<Credential>, Vec<RefusedCredential>), NpmrcError> {
    let mut refused = Vec::new();
    #[derive(Default)]
    struct Fields<'e> {
        token: Option<&'e Entry>,
        auth: Option<&'e Entry>,
        username: Option<&'e Entry>,
        password: Option<&'e Entry>,
        certfile: Option<&'e Entry>,
        keyfile: Option<&'e Entry>,
    }
    let mut by_prefix: BTreeMap<Prefix, Fields> = BTreeMap::new();
    for (key, entry) in merged {
        if !key.starts_with("//") || entry.value.is_empty() {
            continue;
        }
        let Some((nerf, field)) = key.rsplit_once(':') else {
            continue;
        };
        let Some(prefix) = Prefix::parse(nerf) else {
            continue;
        };
        if entry.rank.0 == Layer::Project
            && !entry.expanded.is_empty()
            && !outside.names(&prefix.host)
        {
            refused.push(RefusedCredential {
                origin: entry.origin.clone(),
                key: entry.written.key.clone(),
                host: shown_host(entry, &prefix),
                vars: entry.expanded.clone(),
            });
            continue;
        }
        let fields = by_prefix.entry(prefix).or_default();
        let slot = match field {
            "_authToken" => &mut fields.token,
            "_auth" => &mut fields.auth,
            "username" => &mut fields.username,
            "_password" => &mut fields.password,
            "certfile" => &mut fields.certfile,
            "keyfile" => &mut fields.keyfile,
            _ => continue,
        };
        if field != "certfile" && field != "keyfile" {
            check_header_safe(entry)?;
        }
        if slot.is_none_or(|old| old.rank < entry.rank) {
            *slot = Some(entry);
        }
    }
    let mut out = Vec::new();
    for (prefix, f) in by_prefix {
        let header = if let Some(token) = f.token {
            Some(bearer(&token.value))
        } else if let Some(auth) = f.auth {
            Some(Secret(format!("Basic {}", auth.value)))
        } else if let (Some(user), Some(pass)) = (f.username, f.password) {
            Some(basic_from_password(&user.value, &pass.value))
        } else if f.certfile.is_some() && f.keyfile.is_some() {
            None
        } else {
            continue;
        };
        out.push(Credential {
            prefix,
            header,
            legacy: false,
        });
    }
    Ok((out, refused))
}

/// The unscoped `_authToken` (or env-lowercased `_authtoken`) or `_auth`,
/// bound to the default registry — but only when the default registry is the
/// one in force at the credential's own layer.
fn legacy_credential(
    merged: &BTreeMap<&str, &Entry>,
    layers: &[Vec<Entry>],
    registry: &Url,
    outside: &Outside,
    refused: &mut Vec<RefusedCredential>,
) -> Result<Option<Credential>, NpmrcError> {
    let token = ["_authToken", "_authtoken"]
        .iter()
        .filter_map(|k| merged.get(k).copied())
        .filter(|e| !e.value.is_empty())
        .max_by_key(|e| e.rank);
    let auth = merged.get("_auth").copied().filter(|e| !e.value.is_empty());
    let Some(prefix) = Prefix::of_registry(registry) else {
        return Ok(None);
    };
    for (entry, is_token) in [(token, true), (auth, false)] {
        let Some(entry) = entry else { continue };
        check_header_safe(entry)?;
        // The registry value at or below the credential's layer.
        let own_registry = layers
            .iter()
            .flatten()
            .filter(|e| e.key == "registry" && e.rank.0 <= entry.rank.0)
            .max_by_key(|e| e.rank);
        let own_registry = match own_registry {
            None => Some(default_registry()),
            Some(e) => parse_registry(e).ok(),
        };
        if own_registry.as_ref() != Some(registry) {
            continue;
        }
        if entry.rank.0 == Layer::Project
            && !entry.expanded.is_empty()
            && !outside.names(&prefix.host)
        {
            refused.push(RefusedCredential {
                origin: entry.origin.clone(),
                key: entry.written.key.clone(),
                host: prefix.host.clone(),
                vars: entry.expanded.clone(),
            });
            continue;
        }
        let header = if is_token {
            bearer(&entry.value)
        } else {
            Secret(format!("Basic {}", entry.value))
        };
        return Ok(Some(Credential {
            prefix,
            header: Some(header),
            legacy: true,
        }));
    }
    Ok(None)
}

/// The host of a `//host/…:field` key as a report shows it: as written
/// when the host itself expanded a variable.
fn shown_host(entry: &Entry, prefix: &Prefix) -> String {
    let authority = |key: &str| key.split('/').nth(2).map(str::to_owned);
    match authority(&entry.written.key) {
        Some(written) if authority(&entry.key).as_ref() != Some(&written) => written,
        _ => prefix.host.clone(),
    }
}

fn check_header_safe(entry: &Entry) -> Result<(), NpmrcError> {
    if entry.value.chars().any(char::is_control) {
        return Err(NpmrcError::InvalidCredential {
            origin: entry.origin.clone(),
            key: entry.written.key.clone(),
        });
    }
    Ok(())
}

fn bearer(token: &str) -> Secret {
    Secret(format!("Bearer {token}"))
}

/// `Basic base64(username:password)` where `password` is base64 in the
/// config (decoded leniently, as Node's `Buffer.from(…, 'base64')`).
fn basic_from_password(username: &str, password_b64: &str) -> Secret {
    use base64::engine::DecodePaddingMode;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );
    let mut clean: String = password_b64
        .chars()
        .take_while(|&c| c != '=')
        .filter_map(|c| match c {
            '-' => Some('+'),
            '_' => Some('/'),
            c if c.is_ascii_alphanumeric() || c == '+' || c == '/' => Some(c),
            _ => None,
        })
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    let password = LENIENT.decode(clean.as_bytes()).unwrap_or_default();
    let password = String::from_utf8_lossy(&password);
    Secret(format!(
        "Basic {}",
        STANDARD.encode(format!("{username}:{password}"))
    ))
}
