//! npm registry configuration, resolved the way npm 9–11 resolves it, so
//! that lockproof asks the same registries npm would and authenticates to
//! them the same way.
//!
//! lockproof is a security tool, so one rule overrides fidelity to npm: an
//! auth token or password is only ever handed out for a request URL that
//! falls under the "nerf dart" (`//host[:port]/path/`) the credential was
//! configured for. Tokens are wrapped in [`Secret`], whose `Debug` is
//! redacted and which has no `Display`; nothing here prints or logs one, and
//! no error message repeats a configured value.
//!
//! # Sources and precedence
//!
//! From highest to lowest: `--registry` (`cli_registry`), `npm_config_*`
//! environment variables, the project's `.npmrc` (beside the lockfile), the
//! user's `.npmrc`, then the defaults (`https://registry.npmjs.org/`,
//! `strict-ssl=true`). As in npm, precedence is per key: a higher source
//! replaces only the keys it sets. npm's global (`$PREFIX/etc/npmrc`) and
//! builtin config files are not read.
//!
//! The user config is `Sources::user_npmrc` unless `userconfig` is set in the
//! environment (`npm_config_userconfig`) or in the project `.npmrc`, which
//! npm honours too. As npm does, a project `.npmrc` that *is* the user config
//! (lockfile in the home folder) is read once, as the user config.
//!
//! # File syntax (npm's `ini` parser)
//!
//! `key=value` lines; the key is everything before the first `=`, both sides
//! are trimmed. Lines whose first non-blank character is `#` or `;` are
//! comments; in an unquoted value an unescaped `#` or `;` starts a comment
//! (`\#`, `\;`, `\\` escape). A value in double quotes is a JSON string; in
//! single quotes it is taken as is. A line without `=` sets the key to
//! `true`. Keys after a `[section]` header belong to that section and are
//! ignored, as npm ignores them. Keys are case-sensitive.
//!
//! `${VAR}` in keys and values is replaced from the environment; `${VAR?}`
//! becomes empty when `VAR` is unset; a backslash escapes the `$`. Unlike
//! npm 7+ (which leaves an unset `${VAR}` as literal text), an unset `${VAR}`
//! is an error naming the file and line: a credential that silently becomes
//! the text `${NPM_TOKEN}` helps nobody.
//!
//! # Environment variables
//!
//! Mapped exactly as `@npmcli/config` maps them: the `npm_config_` prefix is
//! matched case-insensitively and removed; empty values are ignored; a name
//! that then starts with `//` is kept verbatim (so
//! `npm_config_//npm.example.com/:_authToken` sets that nerf-darted key);
//! any other name has every `_` except a leading one replaced by `-` and is
//! lowercased (`NPM_CONFIG_STRICT_SSL` → `strict-ssl`,
//! `npm_config_@corp:registry` → `@corp:registry`, `npm_config__auth` →
//! `_auth`, `npm_config__authToken` → `_authtoken`). lockproof accepts
//! `_authtoken` as a spelling of the legacy unscoped `_authToken`, so the
//! environment form keeps working. When the same key is set twice, the later
//! pair in `Sources::env` wins.
//!
//! # Credentials
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
//! `/npmx`). The scheme is ignored, as npm ignores it. When several prefixes
//! match, the longest path wins, and only that prefix's credential is used
//! (also when it holds only a client certificate, which lockproof does not
//! send). URLs that carry their own user info never get a credential.
//!
//! The legacy unscoped `_authToken` / `_auth` (npm 9+ rejects them in files;
//! npm 8 and older sent them to the default registry) apply to the default
//! registry only, and only when the default registry is the one in force
//! where the credential was set: a project `.npmrc` that points `registry`
//! elsewhere does not receive the user's unscoped token.
//!
//! # Paths
//!
//! `cafile` and `userconfig` may start with `~/` (the `HOME` of
//! `Sources::env`). A relative path set in a file resolves against that
//! file's folder; one set in the environment stays relative to the current
//! folder (npm resolves all of them against the current folder).

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use url::Url;

/// npm's default registry.
pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// A credential, or an `Authorization` header value built from one.
///
/// `Debug` prints `Secret(***)`; there is no `Display`. Call [`expose`] only
/// to hand the value to the one request it is for.
///
/// [`expose`]: Secret::expose
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// The secret value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line of an `.npmrc` file (1-based).
    File { path: PathBuf, line: usize },
    /// An `npm_config_*` environment variable, by its name.
    Env { name: String },
    /// The `--registry` option.
    Cli,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Env { name } => write!(f, "environment variable {name}"),
            Origin::Cli => f.write_str("--registry"),
        }
    }
}

/// Why the npm configuration could not be loaded. Messages name the file
/// and line (or the environment variable, or `--registry`), never a
/// configured value.
#[derive(Debug, thiserror::Error)]
pub enum NpmrcError {
    /// A config file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// `${VAR}` names an environment variable that is not set.
    #[error(
        "{origin}: environment variable {var} is not set (write ${{{var}?}} to default to empty)"
    )]
    UnsetVar { origin: Origin, var: String },
    /// `registry` or `@scope:registry` is not a usable http(s) URL.
    #[error("{origin}: `{key}` must be an http(s) registry URL: {reason}")]
    InvalidRegistry {
        origin: Origin,
        key: String,
        reason: &'static str,
    },
    /// A boolean setting (`strict-ssl`) is neither `true` nor `false`.
    #[error("{origin}: `{key}` must be true or false")]
    InvalidBool { origin: Origin, key: String },
    /// A credential cannot be sent in an HTTP header.
    #[error("{origin}: `{key}` contains control characters")]
    InvalidCredential { origin: Origin, key: String },
}

/// The inputs of [`NpmConfig::load`], so tests need no real HOME or
/// environment.
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    /// Folder of the lockfile: its `.npmrc` is the project config.
    pub project_dir: Option<&'a Path>,
    /// The user config, usually `$HOME/.npmrc`. `userconfig` set in `env` or
    /// in the project `.npmrc` overrides it, as in npm.
    pub user_npmrc: Option<&'a Path>,
    /// The process environment. Only `npm_config_*`, `HOME` and the
    /// variables named in `${...}` matter.
    pub env: &'a [(String, String)],
    /// `--registry`.
    pub cli_registry: Option<&'a str>,
}

/// The resolved configuration: registries, credentials, TLS settings.
///
/// `Debug` never shows a credential.
#[derive(Debug, Clone)]
pub struct NpmConfig {
    registry: Url,
    scopes: BTreeMap<String, Url>,
    credentials: Vec<Credential>,
    cafile: Option<PathBuf>,
    strict_ssl: bool,
    files_read: Vec<PathBuf>,
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

#[derive(Debug, Clone)]
struct Credential {
    prefix: Prefix,
    /// `None` when the prefix only configures a client certificate.
    header: Option<Secret>,
    /// From the unscoped `_authToken` / `_auth`.
    legacy: bool,
}

/// Config layers, lowest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    User,
    Project,
    Env,
    Cli,
}

/// One `key=value`, after unquoting and `${VAR}` expansion.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    value: String,
    origin: Origin,
    /// Precedence: layer, then position within the layer.
    rank: (Layer, usize),
}

type EnvMap<'a> = BTreeMap<&'a str, &'a str>;

impl NpmConfig {
    /// Resolves the configuration from `sources`.
    pub fn load(sources: &Sources) -> Result<Self, NpmrcError> {
        let env: EnvMap = sources
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let home = env.get("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);

        let env_entries = env_layer(sources.env, &env)?;
        let cli_entries = match sources.cli_registry {
            Some(value) => vec![Entry {
                key: "registry".to_string(),
                value: expand(js_trim(value), &env).map_err(|var| NpmrcError::UnsetVar {
                    origin: Origin::Cli,
                    var,
                })?,
                origin: Origin::Cli,
                rank: (Layer::Cli, 0),
            }],
            None => Vec::new(),
        };

        let env_userconfig = last(&env_entries, "userconfig")
            .filter(|e| !e.value.is_empty())
            .map(|e| resolve_path(&e.value, &e.origin, home.as_deref()));
        let user_before_project = env_userconfig
            .clone()
            .or_else(|| sources.user_npmrc.map(Path::to_path_buf));

        let mut files_read = Vec::new();
        let mut project_entries = Vec::new();
        if let Some(dir) = sources.project_dir {
            let path = dir.join(".npmrc");
            let is_user = user_before_project
                .as_deref()
                .is_some_and(|user| same_file(&path, user));
            if !is_user && let Some(text) = read_optional(&path)? {
                project_entries = parse_npmrc(&text, &path, Layer::Project, &env)?;
                files_read.push(path);
            }
        }

        let project_userconfig = last(&project_entries, "userconfig")
            .filter(|e| !e.value.is_empty())
            .map(|e| resolve_path(&e.value, &e.origin, home.as_deref()));
        let user_path = env_userconfig
            .or(project_userconfig)
            .or_else(|| sources.user_npmrc.map(Path::to_path_buf));
        let mut user_entries = Vec::new();
        if let Some(path) = user_path
            && let Some(text) = read_optional(&path)?
        {
            user_entries = parse_npmrc(&text, &path, Layer::User, &env)?;
            files_read.push(path);
        }

        let layers = [user_entries, project_entries, env_entries, cli_entries];
        let mut merged: BTreeMap<&str, &Entry> = BTreeMap::new();
        for entry in layers.iter().flatten() {
            merged.insert(&entry.key, entry);
        }

        let registry = match merged.get("registry") {
            Some(e) => parse_registry(e)?,
            None => default_registry(),
        };

        let mut scopes = BTreeMap::new();
        for (key, entry) in &merged {
            if let Some(scope) = key.strip_suffix(":registry")
                && scope.len() > 1
                && scope.starts_with('@')
            {
                scopes.insert(scope.to_string(), parse_registry(entry)?);
            }
        }

        let strict_ssl = match merged.get("strict-ssl") {
            None => true,
            Some(e) => match e.value.as_str() {
                "true" | "" => true,
                "false" => false,
                _ => {
                    return Err(NpmrcError::InvalidBool {
                        origin: e.origin.clone(),
                        key: e.key.clone(),
                    });
                }
            },
        };

        let cafile = merged
            .get("cafile")
            .filter(|e| !e.value.is_empty() && e.value != "null")
            .map(|e| resolve_path(&e.value, &e.origin, home.as_deref()));

        let mut credentials = scoped_credentials(&merged)?;
        if let Some(legacy) = legacy_credential(&merged, &layers, &registry)?
            && !credentials.iter().any(|c| c.prefix == legacy.prefix)
        {
            credentials.push(legacy);
        }

        Ok(Self {
            registry,
            scopes,
            credentials,
            cafile,
            strict_ssl,
            files_read,
        })
    }

    /// Resolves the configuration from the real process environment and
    /// `$HOME/.npmrc` (or the file `npm_config_userconfig` names).
    pub fn from_process_env(
        project_dir: Option<&Path>,
        cli_registry: Option<&str>,
    ) -> Result<Self, NpmrcError> {
        let env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = env
            .iter()
            .rev()
            .find(|(k, v)| k == "HOME" && !v.is_empty())
            .map(|(_, v)| PathBuf::from(v))
            .or_else(std::env::home_dir);
        let user = home.map(|h| h.join(".npmrc"));
        Self::load(&Sources {
            project_dir,
            user_npmrc: user.as_deref(),
            env: &env,
            cli_registry,
        })
    }

    /// The registry for unscoped packages; always ends with `/`.
    pub fn default_registry(&self) -> &Url {
        &self.registry
    }

    /// The registry `package_name` is fetched from: its scope's
    /// `@scope:registry` when set, else the default registry.
    pub fn registry_for(&self, package_name: &str) -> &Url {
        package_name
            .starts_with('@')
            .then(|| package_name.split_once('/'))
            .flatten()
            .and_then(|(scope, _)| self.scopes.get(scope))
            .unwrap_or(&self.registry)
    }

    /// The `Authorization` header value (`Bearer …` or `Basic …`) for a
    /// request to `url`, or `None` when no credential's prefix covers it.
    pub fn auth_header_for(&self, url: &Url) -> Option<Secret> {
        if !matches!(url.scheme(), "http" | "https")
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return None;
        }
        let host = url.host_str()?;
        self.credentials
            .iter()
            .filter(|c| {
                c.prefix
                    .covers(host, url.port(), url.port_or_known_default(), url.path())
            })
            .max_by_key(|c| (c.prefix.path.len(), !c.legacy, c.prefix.port.is_none()))
            .and_then(|c| c.header.clone())
    }

    /// The CA bundle to trust instead of the platform's, if configured.
    pub fn cafile(&self) -> Option<&Path> {
        self.cafile.as_deref()
    }

    /// Whether TLS certificates are verified (`strict-ssl`, default true).
    pub fn strict_ssl(&self) -> bool {
        self.strict_ssl
    }

    /// The config files that were read, in the order read (project first).
    pub fn files_read(&self) -> &[PathBuf] {
        &self.files_read
    }
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

fn default_registry() -> Url {
    Url::parse(DEFAULT_REGISTRY).expect("the default registry is a valid URL")
}

/// The entry with the highest rank for `key` in one layer.
fn last<'e>(entries: &'e [Entry], key: &str) -> Option<&'e Entry> {
    entries.iter().rev().find(|e| e.key == key)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The file's text, or `None` when it does not exist. Invalid UTF-8 is
/// replaced, as Node's `readFile(…, 'utf8')` does.
fn read_optional(path: &Path) -> Result<Option<String>, NpmrcError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(NpmrcError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Expands `~/` and resolves a relative path against the folder of the file
/// that set it.
fn resolve_path(value: &str, origin: &Origin, home: Option<&Path>) -> PathBuf {
    if let (Some(rest), Some(home)) = (value.strip_prefix("~/"), home) {
        return home.join(rest);
    }
    let path = PathBuf::from(value);
    match origin {
        Origin::File { path: file, .. } if path.is_relative() => file
            .parent()
            .map_or_else(|| path.clone(), |dir| dir.join(&path)),
        _ => path,
    }
}

fn parse_registry(entry: &Entry) -> Result<Url, NpmrcError> {
    let invalid = |reason| NpmrcError::InvalidRegistry {
        origin: entry.origin.clone(),
        key: entry.key.clone(),
        reason,
    };
    if entry.value.is_empty() {
        return Err(invalid("the value is empty"));
    }
    let mut url = Url::parse(&entry.value).map_err(|_| invalid("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme is not http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it embeds credentials; set //host/:_authToken or //host/:_auth instead",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The `//host/…:field` credentials, one per prefix (merged per field by
/// precedence when several spellings normalise to the same prefix).
fn scoped_credentials(merged: &BTreeMap<&str, &Entry>) -> Result<Vec<Credential>, NpmrcError> {
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
    Ok(out)
}

/// The unscoped `_authToken` (or env-lowercased `_authtoken`) or `_auth`,
/// bound to the default registry — but only when the default registry is the
/// one in force at the credential's own layer.
fn legacy_credential(
    merged: &BTreeMap<&str, &Entry>,
    layers: &[Vec<Entry>],
    registry: &Url,
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

fn check_header_safe(entry: &Entry) -> Result<(), NpmrcError> {
    if entry.value.chars().any(char::is_control) {
        return Err(NpmrcError::InvalidCredential {
            origin: entry.origin.clone(),
            key: entry.key.clone(),
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

/// The `npm_config_*` variables, mapped to config keys as
/// `@npmcli/config`'s `loadEnv` does.
fn env_layer(vars: &[(String, String)], env: &EnvMap) -> Result<Vec<Entry>, NpmrcError> {
    const PREFIX: &str = "npm_config_";
    let mut out = Vec::new();
    for (seq, (name, value)) in vars.iter().enumerate() {
        let Some(rest) = name
            .get(..PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(PREFIX))
            .map(|_| &name[PREFIX.len()..])
        else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        let key = if rest.starts_with("//") {
            rest.to_string()
        } else {
            rest.char_indices()
                .map(|(i, c)| if i > 0 && c == '_' { '-' } else { c })
                .collect::<String>()
                .to_lowercase()
        };
        let origin = Origin::Env { name: name.clone() };
        let unset = |var| NpmrcError::UnsetVar {
            origin: origin.clone(),
            var,
        };
        out.push(Entry {
            key: expand(&key, env).map_err(unset)?,
            value: expand(js_trim(value), env).map_err(unset)?,
            origin: origin.clone(),
            rank: (Layer::Env, seq),
        });
    }
    Ok(out)
}

/// Parses an `.npmrc` as npm's `ini` package and `@npmcli/config` do.
fn parse_npmrc(
    text: &str,
    path: &Path,
    layer: Layer,
    env: &EnvMap,
) -> Result<Vec<Entry>, NpmrcError> {
    let mut out = Vec::new();
    let mut in_section = false;
    for (index, physical) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        // ini splits on any run of \r and \n.
        for line in physical.split('\r') {
            if js_trim(line).is_empty() || js_trim_start(line).starts_with([';', '#']) {
                continue;
            }
            if is_section_header(line) {
                in_section = true;
                continue;
            }
            let (key_raw, value_raw) = match line.find('=') {
                Some(0) => continue,
                Some(i) => (&line[..i], Some(&line[i + 1..])),
                None => (line, None),
            };
            // ini's `(.*)` does not match across JS line terminators.
            if value_raw.is_some_and(|v| v.contains(['\u{2028}', '\u{2029}'])) {
                continue;
            }
            if in_section {
                continue;
            }
            let key = ini_unsafe(key_raw);
            if (key.len() > 2 && key.ends_with("[]")) || key == "__proto__" {
                continue;
            }
            let value = value_raw.map_or_else(|| "true".to_string(), ini_unsafe);
            let origin = Origin::File {
                path: path.to_path_buf(),
                line: line_no,
            };
            let unset = |var| NpmrcError::UnsetVar {
                origin: origin.clone(),
                var,
            };
            let key = expand(&key, env).map_err(unset)?;
            let value = expand(js_trim(&value), env).map_err(unset)?;
            let rank = (layer, out.len());
            out.push(Entry {
                key,
                value,
                origin,
                rank,
            });
        }
    }
    Ok(out)
}

/// `^\[([^\]]*)\]\s*$`
fn is_section_header(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('[') else {
        return false;
    };
    match rest.find(']') {
        Some(i) => js_trim(&rest[i + 1..]).is_empty(),
        None => false,
    }
}

/// The `ini` package's `unsafe()`: unquote, or strip an inline comment and
/// unescape `\;`, `\#` and `\\`.
fn ini_unsafe(raw: &str) -> String {
    let v = js_trim(raw);
    let quoted =
        (v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''));
    if quoted {
        let inner = if v.starts_with('\'') {
            v.get(1..v.len().saturating_sub(1)).unwrap_or("")
        } else {
            v
        };
        return match serde_json::from_str::<serde_json::Value>(inner) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(_) => inner.to_string(),
        };
    }
    let mut out = String::with_capacity(v.len());
    let mut escaped = false;
    for c in v.chars() {
        if escaped {
            if !matches!(c, '\\' | ';' | '#') {
                out.push('\\');
            }
            out.push(c);
            escaped = false;
        } else if c == ';' || c == '#' {
            break;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    if escaped {
        out.push('\\');
    }
    js_trim(&out).to_string()
}

/// `@npmcli/config`'s `envReplace`, except that an unset `${VAR}` (without
/// `?`) is an error carrying the variable's name.
fn expand(s: &str, env: &EnvMap) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if !(bytes[i] == b'$' && bytes[i + 1] == b'{') {
            i += 1;
            continue;
        }
        let name_start = i + 2;
        let name_len = s[name_start..]
            .find(['$', '{', '}', '?'])
            .unwrap_or(s.len() - name_start);
        let name_end = name_start + name_len;
        let optional = bytes.get(name_end) == Some(&b'?');
        let close = name_end + usize::from(optional);
        if name_len == 0 || bytes.get(close) != Some(&b'}') {
            i += 1;
            continue;
        }
        let end = close + 1;
        let name = &s[name_start..name_end];
        let mut run_start = i;
        while run_start > copied && bytes[run_start - 1] == b'\\' {
            run_start -= 1;
        }
        let escapes = i - run_start;
        out.push_str(&s[copied..run_start]);
        if escapes % 2 == 1 {
            // An escaped `${`: drop half the backslashes (and the escaping
            // one), keep the text.
            out.push_str(&s[run_start + escapes.div_ceil(2)..end]);
        } else {
            out.push_str(&"\\".repeat(escapes / 2));
            match env.get(name) {
                Some(value) => out.push_str(value),
                None if optional => {}
                None => return Err(name.to_string()),
            }
        }
        copied = end;
        i = end;
    }
    out.push_str(&s[copied..]);
    Ok(out)
}

/// JavaScript's whitespace (for `trim()` and `\s`): Unicode `White_Space`
/// except U+0085, plus U+FEFF (so a byte-order mark is blank, as in npm).
fn is_js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

fn js_trim_start(s: &str) -> &str {
    s.trim_start_matches(is_js_space)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use tempfile::TempDir;

    const TOKEN: &str = "npm_SECRETtoken1234567890";

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    struct Fixture {
        dir: TempDir,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            fs::create_dir(dir.path().join("project")).unwrap();
            fs::create_dir(dir.path().join("home")).unwrap();
            Self { dir }
        }
        fn project(&self) -> PathBuf {
            self.dir.path().join("project")
        }
        fn user(&self) -> PathBuf {
            self.dir.path().join("home/.npmrc")
        }
        fn write_project(&self, text: &str) -> &Self {
            fs::write(self.project().join(".npmrc"), text).unwrap();
            self
        }
        fn write_user(&self, text: &str) -> &Self {
            fs::write(self.user(), text).unwrap();
            self
        }
        fn load(
            &self,
            env: &[(String, String)],
            cli: Option<&str>,
        ) -> Result<NpmConfig, NpmrcError> {
            let project = self.project();
            let user = self.user();
            NpmConfig::load(&Sources {
                project_dir: Some(&project),
                user_npmrc: Some(&user),
                env,
                cli_registry: cli,
            })
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn header(cfg: &NpmConfig, u: &str) -> Option<String> {
        cfg.auth_header_for(&url(u)).map(|s| s.expose().to_string())
    }

    #[test]
    fn defaults_without_any_file() {
        let f = Fixture::new();
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(cfg.default_registry().as_str(), DEFAULT_REGISTRY);
        assert!(cfg.strict_ssl());
        assert_eq!(cfg.cafile(), None);
        assert!(cfg.files_read().is_empty());
        assert_eq!(header(&cfg, "https://registry.npmjs.org/lodash"), None);
    }

    #[test]
    fn precedence_cli_env_project_user() {
        let f = Fixture::new();
        f.write_user("registry=https://user.example/\nstrict-ssl=false\n")
            .write_project("registry=https://project.example/\n");
        let e = env(&[("npm_config_registry", "https://env.example/")]);

        let cfg = f.load(&e, Some("https://cli.example/")).unwrap();
        assert_eq!(cfg.default_registry().as_str(), "https://cli.example/");
        let cfg = f.load(&e, None).unwrap();
        assert_eq!(cfg.default_registry().as_str(), "https://env.example/");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(cfg.default_registry().as_str(), "https://project.example/");
        // Per key: the user file's strict-ssl still applies.
        assert!(!cfg.strict_ssl());
        assert_eq!(cfg.files_read(), [f.project().join(".npmrc"), f.user()]);

        fs::remove_file(f.project().join(".npmrc")).unwrap();
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(cfg.default_registry().as_str(), "https://user.example/");
        assert_eq!(cfg.files_read(), [f.user()]);
    }

    #[test]
    fn later_precedence_never_overrides_earlier() {
        let f = Fixture::new();
        f.write_user("strict-ssl=true\n")
            .write_project("strict-ssl=false\n");
        assert!(!f.load(&[], None).unwrap().strict_ssl());
        let e = env(&[("NPM_CONFIG_STRICT_SSL", "true")]);
        assert!(f.load(&e, None).unwrap().strict_ssl());
    }

    #[test]
    fn scoped_registry() {
        let f = Fixture::new();
        f.write_project("@corp:registry = https://npm.corp.example/api/npm\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(
            cfg.registry_for("@corp/tool").as_str(),
            "https://npm.corp.example/api/npm/"
        );
        assert_eq!(cfg.registry_for("@other/x").as_str(), DEFAULT_REGISTRY);
        assert_eq!(cfg.registry_for("lodash").as_str(), DEFAULT_REGISTRY);
        assert_eq!(cfg.registry_for("@corp").as_str(), DEFAULT_REGISTRY);
    }

    #[test]
    fn registry_gets_trailing_slash() {
        let f = Fixture::new();
        f.write_project("registry=https://mirror.example/npm\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(
            cfg.default_registry().as_str(),
            "https://mirror.example/npm/"
        );
    }

    #[test]
    fn env_mapping() {
        let f = Fixture::new();
        let e = env(&[
            ("NPM_CONFIG_STRICT_SSL", "false"),
            ("npm_config_@Corp:registry", "https://corp.example/"),
            ("npm_config_//corp.example/:_authToken", TOKEN),
            ("npm_config_cafile", "/etc/ssl/corp.pem"),
            ("npm_config_registry", ""), // empty: ignored, as npm does
            ("not_npm_config_registry", "https://ignored.example/"),
        ]);
        let cfg = f.load(&e, None).unwrap();
        assert!(!cfg.strict_ssl());
        // Lowercased like every non-nerf-dart env key.
        assert_eq!(
            cfg.registry_for("@corp/x").as_str(),
            "https://corp.example/"
        );
        assert_eq!(cfg.default_registry().as_str(), DEFAULT_REGISTRY);
        assert_eq!(cfg.cafile(), Some(Path::new("/etc/ssl/corp.pem")));
        // Nerf-darted keys keep their case.
        assert_eq!(
            header(&cfg, "https://corp.example/x").as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }

    #[test]
    fn env_legacy_token_forms() {
        let f = Fixture::new();
        let e = env(&[("npm_config__authToken", TOKEN)]);
        let cfg = f.load(&e, None).unwrap();
        assert_eq!(
            header(&cfg, "https://registry.npmjs.org/lodash").as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(header(&cfg, "https://other.example/lodash"), None);

        let e = env(&[("NPM_CONFIG__AUTH", "dXNlcjpwYXNz")]);
        let cfg = f.load(&e, None).unwrap();
        assert_eq!(
            header(&cfg, "https://registry.npmjs.org/x").as_deref(),
            Some("Basic dXNlcjpwYXNz")
        );
    }

    #[test]
    fn env_userconfig_overrides_user_npmrc() {
        let f = Fixture::new();
        f.write_user("registry=https://user.example/\n");
        let other = f.dir.path().join("other.npmrc");
        fs::write(&other, "registry=https://other.example/\n").unwrap();
        let e = env(&[("npm_config_userconfig", other.to_str().unwrap())]);
        let cfg = f.load(&e, None).unwrap();
        assert_eq!(cfg.default_registry().as_str(), "https://other.example/");
        assert_eq!(cfg.files_read(), [other]);
    }

    #[test]
    fn var_expansion() {
        let f = Fixture::new();
        f.write_project(concat!(
            "//npm.example/:_authToken=${NPM_TOKEN}\n",
            "registry=https://${HOST}/${NOPE?}\n",
            "@a:registry=\"https://a.example/\\\\${HOST}/\"\n",
            "//${HOST}/:_auth=${AUTH}\n",
        ));
        let e = env(&[
            ("NPM_TOKEN", TOKEN),
            ("HOST", "npm.example"),
            ("AUTH", "dXNlcjpwYXNz"),
        ]);
        let cfg = f.load(&e, None).unwrap();
        assert_eq!(cfg.default_registry().as_str(), "https://npm.example/");
        // JSON "\\$" is a backslash before ${HOST}: escaped, kept literally.
        assert_eq!(
            cfg.registry_for("@a/x").as_str(),
            "https://a.example/$%7BHOST%7D/"
        );
        // The token wins over _auth at the same prefix (expanded key).
        assert_eq!(
            header(&cfg, "https://npm.example/x").as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }

    #[test]
    fn expand_escapes_like_npm() {
        let e: EnvMap = [("X", "v")].into_iter().collect();
        assert_eq!(expand("a${X}b", &e).unwrap(), "avb");
        assert_eq!(expand(r"\${X}", &e).unwrap(), "${X}");
        assert_eq!(expand(r"\\${X}", &e).unwrap(), r"\v");
        assert_eq!(expand(r"\\\${X}", &e).unwrap(), r"\${X}");
        assert_eq!(expand("${Y?}-${X}", &e).unwrap(), "-v");
        assert_eq!(expand("${}${X", &e).unwrap(), "${}${X");
        assert_eq!(expand("${Y}", &e).unwrap_err(), "Y");
        assert_eq!(expand(r"\${Y}", &e).unwrap(), "${Y}");
    }

    #[test]
    fn unset_var_is_an_error_with_file_and_line() {
        let f = Fixture::new();
        f.write_project("# comment\nregistry=https://registry.npmjs.org/\n//npm.example/:_authToken=${NPM_TOKEN}\n");
        let err = f.load(&[], None).unwrap_err();
        let msg = err.to_string();
        let file = f.project().join(".npmrc");
        assert!(msg.starts_with(&format!("{}:3: ", file.display())), "{msg}");
        assert!(msg.contains("NPM_TOKEN"), "{msg}");
        assert!(matches!(
            err,
            NpmrcError::UnsetVar {
                origin: Origin::File { line: 3, .. },
                ..
            }
        ));
    }

    #[test]
    fn token_only_for_its_own_prefix() {
        let f = Fixture::new();
        f.write_user(&format!(
            "//registry.npmjs.org/:_authToken={TOKEN}\n//npm.corp.example:8443/api/npm/:_authToken=corp-token\n"
        ));
        let cfg = f.load(&[], None).unwrap();
        let bearer = format!("Bearer {TOKEN}");
        let ok = Some(bearer.as_str());
        assert_eq!(
            header(&cfg, "https://registry.npmjs.org/lodash").as_deref(),
            ok
        );
        assert_eq!(
            header(&cfg, "https://REGISTRY.npmjs.org/lodash").as_deref(),
            ok
        );
        assert_eq!(
            header(&cfg, "https://registry.npmjs.org:443/lodash").as_deref(),
            ok
        );
        // Scheme is ignored, as npm ignores it.
        assert_eq!(
            header(&cfg, "http://registry.npmjs.org/lodash").as_deref(),
            ok
        );
        for attack in [
            "https://registry.npmjs.org.evil.com/lodash",
            "https://evilregistry.npmjs.org/lodash",
            "https://npmjs.org/lodash",
            "https://registry.npmjs.org@evil.com/lodash",
            "https://registry.npmjs.org:8443/lodash",
            "https://evil.com/registry.npmjs.org/lodash",
            "https://evil.com/?//registry.npmjs.org/",
            "https://user:pw@registry.npmjs.org/lodash",
            "ftp://registry.npmjs.org/lodash",
        ] {
            assert_eq!(header(&cfg, attack), None, "{attack}");
        }
        let corp = Some("Bearer corp-token");
        assert_eq!(
            header(&cfg, "https://npm.corp.example:8443/api/npm/x").as_deref(),
            corp
        );
        assert_eq!(
            header(&cfg, "https://npm.corp.example:8443/api/npm/").as_deref(),
            corp
        );
        assert_eq!(
            header(&cfg, "https://npm.corp.example:8443/api/npm").as_deref(),
            None
        );
        assert_eq!(
            header(&cfg, "https://npm.corp.example:8443/api/npmx/x").as_deref(),
            None
        );
        assert_eq!(
            header(&cfg, "https://npm.corp.example:8443/api/").as_deref(),
            None
        );
        assert_eq!(
            header(&cfg, "https://npm.corp.example/api/npm/x").as_deref(),
            None
        );
        assert_eq!(
            header(&cfg, "https://npm.corp.example:9443/api/npm/x").as_deref(),
            None
        );
    }

    #[test]
    fn prefix_without_trailing_slash_matches_at_segment_boundary() {
        let f = Fixture::new();
        f.write_user("//h.example/npm:_authToken=t\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(
            header(&cfg, "https://h.example/npm").as_deref(),
            Some("Bearer t")
        );
        assert_eq!(
            header(&cfg, "https://h.example/npm/x").as_deref(),
            Some("Bearer t")
        );
        assert_eq!(header(&cfg, "https://h.example/npmx").as_deref(), None);
    }

    #[test]
    fn default_port_forms_and_explicit_ports() {
        let f = Fixture::new();
        f.write_user("//a.example:443/:_authToken=a\n//b.example/:_authToken=b\n//c.example:8080/:_authToken=c\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(
            header(&cfg, "https://a.example/x").as_deref(),
            Some("Bearer a")
        );
        assert_eq!(header(&cfg, "http://a.example/x").as_deref(), None);
        assert_eq!(
            header(&cfg, "http://b.example/x").as_deref(),
            Some("Bearer b")
        );
        assert_eq!(header(&cfg, "https://b.example:8443/x").as_deref(), None);
        assert_eq!(header(&cfg, "https://b.example:80/x").as_deref(), None);
        assert_eq!(
            header(&cfg, "http://c.example:8080/x").as_deref(),
            Some("Bearer c")
        );
        assert_eq!(header(&cfg, "https://c.example/x").as_deref(), None);
    }

    #[test]
    fn ipv6_and_idn_hosts() {
        let f = Fixture::new();
        f.write_user("//[::1]:4873/:_authToken=local\n//BÜCHER.example/:_authToken=idn\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(
            header(&cfg, "http://[::1]:4873/pkg").as_deref(),
            Some("Bearer local")
        );
        assert_eq!(header(&cfg, "http://[::2]:4873/pkg"), None);
        assert_eq!(
            header(&cfg, "https://xn--bcher-kva.example/pkg").as_deref(),
            Some("Bearer idn")
        );
    }

    #[test]
    fn error_messages_read_well() {
        let f = Fixture::new();
        f.write_project("//h.example/:_authToken=${NPM_TOKEN}\n");
        let msg = f.load(&[], None).unwrap_err().to_string();
        assert!(
            msg.ends_with(
                ".npmrc:1: environment variable NPM_TOKEN is not set (write ${NPM_TOKEN?} to default to empty)"
            ),
            "{msg}"
        );
    }

    #[test]
    fn longest_prefix_wins() {
        let f = Fixture::new();
        f.write_user("//h.example/:_authToken=root\n//h.example/team/:_authToken=team\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(
            header(&cfg, "https://h.example/team/pkg").as_deref(),
            Some("Bearer team")
        );
        assert_eq!(
            header(&cfg, "https://h.example/teamx/pkg").as_deref(),
            Some("Bearer root")
        );
        assert_eq!(
            header(&cfg, "https://h.example/pkg").as_deref(),
            Some("Bearer root")
        );
    }

    #[test]
    fn client_certificate_prefix_shadows_shorter_token() {
        let f = Fixture::new();
        f.write_user("//h.example/:_authToken=root\n//h.example/mtls/:certfile=c.pem\n//h.example/mtls/:keyfile=k.pem\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(header(&cfg, "https://h.example/mtls/pkg"), None);
        assert_eq!(
            header(&cfg, "https://h.example/pkg").as_deref(),
            Some("Bearer root")
        );
    }

    #[test]
    fn basic_from_auth_and_from_username_password() {
        let f = Fixture::new();
        // "hunter2" in base64 is aHVudGVyMg==
        f.write_user(concat!(
            "//a.example/:_auth=dXNlcjpwYXNz\n",
            "//b.example/:username=alice\n",
            "//b.example/:_password=aHVudGVyMg==\n",
            "//c.example/:username=only-user\n",
        ));
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(
            header(&cfg, "https://a.example/x").as_deref(),
            Some("Basic dXNlcjpwYXNz")
        );
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("alice:hunter2")
        );
        assert_eq!(
            header(&cfg, "https://b.example/x").as_deref(),
            Some(expected.as_str())
        );
        assert_eq!(header(&cfg, "https://c.example/x"), None);
    }

    #[test]
    fn credentials_merge_per_key_across_files() {
        let f = Fixture::new();
        f.write_user("//h.example/:_authToken=user-token\n")
            .write_project(
                "//h.example/:_auth=cHJvamVjdA==\n//H.EXAMPLE/:_authToken=project-token\n",
            );
        let cfg = f.load(&[], None).unwrap();
        // Both spellings normalise to one prefix; the project's wins.
        assert_eq!(
            header(&cfg, "https://h.example/x").as_deref(),
            Some("Bearer project-token")
        );
    }

    #[test]
    fn legacy_unscoped_token_applies_to_default_registry_only() {
        let f = Fixture::new();
        f.write_user(&format!(
            "_authToken={TOKEN}\n@corp:registry=https://corp.example/\n"
        ));
        let cfg = f.load(&[], None).unwrap();
        let bearer = format!("Bearer {TOKEN}");
        assert_eq!(
            header(&cfg, "https://registry.npmjs.org/x").as_deref(),
            Some(bearer.as_str())
        );
        assert_eq!(header(&cfg, "https://corp.example/x"), None);
        assert_eq!(header(&cfg, "https://other.example/x"), None);

        // A scoped token for the same registry wins over the legacy one.
        f.write_project("//registry.npmjs.org/:_authToken=scoped\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(
            header(&cfg, "https://registry.npmjs.org/x").as_deref(),
            Some("Bearer scoped")
        );
    }

    #[test]
    fn legacy_token_follows_the_registry_of_its_own_file() {
        let f = Fixture::new();
        f.write_user(&format!(
            "registry=https://mirror.example/npm/\n_auth={TOKEN}\n"
        ));
        let cfg = f.load(&[], None).unwrap();
        let basic = format!("Basic {TOKEN}");
        assert_eq!(
            header(&cfg, "https://mirror.example/npm/x").as_deref(),
            Some(basic.as_str())
        );
        assert_eq!(header(&cfg, "https://mirror.example/other/x"), None);

        // A cloned project pointing `registry` elsewhere gets nothing.
        f.write_project("registry=https://evil.example/\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(header(&cfg, "https://evil.example/x"), None);
        assert_eq!(header(&cfg, "https://mirror.example/npm/x"), None);

        // Same via --registry.
        fs::remove_file(f.project().join(".npmrc")).unwrap();
        let cfg = f.load(&[], Some("https://evil.example/")).unwrap();
        assert_eq!(header(&cfg, "https://evil.example/x"), None);
    }

    #[test]
    fn debug_never_shows_tokens() {
        let f = Fixture::new();
        f.write_user(&format!(
            "//registry.npmjs.org/:_authToken={TOKEN}\n//b.example/:username=alice\n//b.example/:_password=aHVudGVyMg==\n_auth=bGVnYWN5OnNlY3JldA==\n"
        ));
        let cfg = f.load(&[], None).unwrap();
        let secret = cfg
            .auth_header_for(&url("https://registry.npmjs.org/x"))
            .unwrap();
        assert!(secret.expose().contains(TOKEN));
        for shown in [
            format!("{cfg:?}"),
            format!("{cfg:#?}"),
            format!("{secret:?}"),
        ] {
            assert!(!shown.contains(TOKEN), "{shown}");
            assert!(!shown.contains("aHVudGVyMg"), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("bGVnYWN5OnNlY3JldA"), "{shown}");
        }
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert!(format!("{cfg:?}").contains("Secret(***)"));
    }

    #[test]
    fn quoted_values_comments_and_escapes() {
        let f = Fixture::new();
        f.write_user(concat!(
            "; semicolon comment\n",
            "   # indented comment\n",
            "\n",
            "registry = \"https://q.example/a b\" \n",
            "@s:registry='https://s.example/'\n",
            "//q.example/:_authToken=\"tok#en;x\"\n",
            "//s.example/:_authToken=abc\\#def # trailing comment\n",
            "strict-ssl = false ; comment\n",
        ));
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(cfg.default_registry().as_str(), "https://q.example/a%20b/");
        assert_eq!(cfg.registry_for("@s/x").as_str(), "https://s.example/");
        assert_eq!(
            header(&cfg, "https://q.example/x").as_deref(),
            Some("Bearer tok#en;x")
        );
        assert_eq!(
            header(&cfg, "https://s.example/x").as_deref(),
            Some("Bearer abc#def")
        );
        assert!(!cfg.strict_ssl());
    }

    #[test]
    fn ini_unsafe_matches_npm() {
        assert_eq!(ini_unsafe(r#" "a\"b" "#), "a\"b");
        assert_eq!(ini_unsafe("'single'"), "single");
        assert_eq!(ini_unsafe(r#"'"json"'"#), "json");
        assert_eq!(ini_unsafe(r#""not json"#), r#""not json"#);
        assert_eq!(ini_unsafe(r"a\\b\x"), r"a\b\x");
        assert_eq!(ini_unsafe("'"), "");
        assert_eq!(ini_unsafe("\u{feff}registry"), "registry");
    }

    #[test]
    fn sections_and_crlf() {
        let f = Fixture::new();
        f.write_user(
            "\u{feff}registry=https://a.example/\r\n[section]\r\nregistry=https://b.example/\r\n",
        );
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(cfg.default_registry().as_str(), "https://a.example/");
    }

    #[test]
    fn malformed_registry_names_file_and_line() {
        let f = Fixture::new();
        f.write_project("\n# x\nregistry=registry.example.com\n");
        let err = f.load(&[], None).unwrap_err();
        let file = f.project().join(".npmrc");
        assert!(
            err.to_string()
                .starts_with(&format!("{}:3: `registry`", file.display())),
            "{err}"
        );

        for bad in [
            "ftp://x.example/",
            "https://user:pw@x.example/",
            "",
            "file:///etc/",
        ] {
            f.write_project(&format!("@corp:registry={bad}\n"));
            let err = f.load(&[], None).unwrap_err();
            assert!(
                matches!(&err, NpmrcError::InvalidRegistry { origin: Origin::File { line: 1, .. }, key, .. } if key == "@corp:registry"),
                "{bad}: {err}"
            );
            assert!(!err.to_string().contains("pw@"), "{err}");
        }

        fs::remove_file(&file).unwrap();
        let err = f.load(&[], Some("not a url")).unwrap_err();
        assert!(err.to_string().starts_with("--registry: "), "{err}");
        let e = env(&[("npm_config_registry", "nope")]);
        let err = f.load(&e, None).unwrap_err();
        assert!(err.to_string().contains("npm_config_registry"), "{err}");
    }

    #[test]
    fn strict_ssl_values() {
        let f = Fixture::new();
        f.write_user("strict-ssl\n");
        assert!(f.load(&[], None).unwrap().strict_ssl());
        f.write_user("strict-ssl=\"false\"\n");
        assert!(!f.load(&[], None).unwrap().strict_ssl());
        f.write_user("strict-ssl=no\n");
        let err = f.load(&[], None).unwrap_err();
        assert!(
            matches!(
                err,
                NpmrcError::InvalidBool {
                    origin: Origin::File { line: 1, .. },
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn cafile_resolves_against_its_file() {
        let f = Fixture::new();
        f.write_project("cafile=certs/ca.pem\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(
            cfg.cafile(),
            Some(f.project().join("certs/ca.pem").as_path())
        );

        f.write_project("cafile=~/ca.pem\n");
        let e = env(&[("HOME", "/home/someone")]);
        let cfg = f.load(&e, None).unwrap();
        assert_eq!(cfg.cafile(), Some(Path::new("/home/someone/ca.pem")));

        f.write_project("cafile=/abs/ca.pem\n");
        let cfg = f.load(&[], None).unwrap();
        assert_eq!(cfg.cafile(), Some(Path::new("/abs/ca.pem")));
    }

    #[test]
    fn control_characters_in_credentials_are_refused() {
        let f = Fixture::new();
        f.write_user("//h.example/:_authToken=\"a\\r\\nX-Evil: 1\"\n");
        let err = f.load(&[], None).unwrap_err();
        assert!(matches!(err, NpmrcError::InvalidCredential { .. }), "{err}");
        assert!(!err.to_string().contains("X-Evil"), "{err}");
    }

    #[test]
    fn project_npmrc_that_is_the_user_npmrc_is_read_once() {
        let f = Fixture::new();
        f.write_project("registry=https://a.example/\n");
        let project = f.project();
        let user = project.join(".npmrc");
        let cfg = NpmConfig::load(&Sources {
            project_dir: Some(&project),
            user_npmrc: Some(&user),
            env: &[],
            cli_registry: None,
        })
        .unwrap();
        assert_eq!(cfg.files_read(), [user]);
    }

    #[test]
    fn unreadable_config_is_an_error_naming_the_file() {
        let f = Fixture::new();
        fs::create_dir(f.user()).unwrap(); // a directory cannot be read as a file
        let err = f.load(&[], None).unwrap_err();
        assert!(
            err.to_string().contains(&f.user().display().to_string()),
            "{err}"
        );
    }
}
