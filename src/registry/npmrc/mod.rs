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
//! ignored, as npm ignores them. Keys are case-sensitive. `key[]=value`
//! lines make a list in npm; of the settings lockproof reads, only
//! `noproxy` is one.
//!
//! `${VAR}` in keys and values is replaced from the environment; `${VAR?}`
//! becomes empty when `VAR` is unset; a backslash escapes the `$`; an unset
//! `${VAR}` stays as written, as in npm 7+.
//!
//! # What a pull request can write
//!
//! lockproof runs before `npm ci` to judge a change, so the project's
//! `.npmrc` is hostile input. A value expanded from the environment (a CI
//! secret) is sent only to a host that configuration outside the
//! repository names: the user's `.npmrc`, `npm_config_*` variables,
//! `--registry`, or npm's default registry. A project credential that
//! expands a variable for any other host is refused and listed
//! ([`NpmConfig::refused`]), never sent. Registry URLs may not expand
//! variables at all, in any file: a URL is printed in reports and kept in
//! the cache, and an expanded secret must appear in neither (set such a URL
//! through `npm_config_registry` instead). TLS settings (`strict-ssl`,
//! `cafile`), proxy settings (`https-proxy`, `proxy`, `noproxy`) and the
//! hosts a token may reach over plain `http:` are taken from outside the
//! repository only: a proxy named in the project's `.npmrc` would route
//! every request, and a plain-`http:` token, through the pull request
//! author's host, and a `noproxy` there could send requests around the
//! proxy the user's network requires. npm itself does honour those project
//! settings.
//!
//! # Proxies
//!
//! Read in `proxies.rs` as npm reads them (the rules are in
//! [`crate::registry::proxy`]). A proxy value lockproof reads that is not
//! an `http://` or `https://` URL is an error naming where it was set,
//! never what it says (it may hold credentials).
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
//! See [`credentials`]: scoped `//host/…:_authToken`, `_auth` and
//! username/password; a project credential that expands a variable for a
//! host named nowhere outside the repository is refused.
//!
//! # Paths
//!
//! `cafile` and `userconfig` may start with `~/` (the `HOME` of
//! `Sources::env`). A relative path set in a file resolves against that
//! file's folder; one set in the environment stays relative to the current
//! folder (npm resolves all of them against the current folder).
//!
//! # Release age
//!
//! `min-release-age` and `min-release-age-exclude` (with their `key[]`
//! list lines) are read as npm reads them, except that the project's file
//! cannot weaken a gate set outside the repository ([`release_age`]).
//!
//! # What the installer will do
//!
//! The settings that decide what npm installs and runs ([`INSTALLER_KEYS`]:
//! `allow-git`, `ignore-scripts`, …) are kept as npm's layers and types
//! read them, `key[]` lists included (`installer.rs`). The project's file
//! is kept and marked: what loosens npm only makes lockproof judge more,
//! and the caller sets aside what would make it judge less.

mod credentials;
mod glob;
mod ini;
mod installer;
mod proxies;
mod release_age;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use url::Url;

use credentials::{Credential, Outside};
use ini::{env_layer, expand, js_trim, parse_npmrc};

use crate::registry::proxy::{Proxies, ProxyUrlError};
pub use crate::registry::secret::Secret;
pub use credentials::RefusedCredential;
pub use glob::NameGlob;
pub use installer::{INSTALLER_KEYS, Setting, flag as installer_flag};
pub use release_age::ReleaseAge;

/// npm's default registry.
pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

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
/// configured value; keys and paths are shown as written, `${VAR}`
/// unexpanded.
#[derive(Debug, thiserror::Error)]
pub enum NpmrcError {
    /// A config file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file as configured, before `${VAR}` expansion.
        path: PathBuf,
        #[source]
        source: io::Error,
    },
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
    /// A proxy setting (`https-proxy`, `proxy`, `HTTPS_PROXY`, …) is not a
    /// usable proxy URL.
    #[error("{origin}: `{key}` is not a usable proxy URL: {reason}")]
    InvalidProxy {
        origin: Origin,
        key: String,
        reason: ProxyUrlError,
    },
    /// A registry URL expands an environment variable.
    #[error(
        "{origin}: `{key}` expands ${{{var}}} from the environment: lockproof does not expand \
         variables in registry URLs, which reports print and the cache keeps; set the URL in \
         npm_config_registry (or `npm_config_@scope:registry`) instead"
    )]
    ExpandedRegistry {
        origin: Origin,
        key: String,
        var: String,
    },
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
    /// The process environment. Only `npm_config_*`, `HOME`, the proxy
    /// variables (`HTTPS_PROXY`, `HTTP_PROXY`, `PROXY`, `NO_PROXY`, any
    /// case) and the variables named in `${...}` matter.
    pub env: &'a [(String, String)],
    /// `--registry`.
    pub cli_registry: Option<&'a str>,
}

/// The resolved configuration: registries, credentials, TLS and proxy
/// settings.
///
/// `Debug` never shows a credential.
#[derive(Debug, Clone)]
pub struct NpmConfig {
    registry: Url,
    scopes: BTreeMap<String, Url>,
    credentials: Vec<Credential>,
    cafile: Option<PathBuf>,
    strict_ssl: bool,
    proxies: Proxies,
    files_read: Vec<PathBuf>,
    /// Hosts a token may reach over plain `http:`: those configuration
    /// outside the repository names with `http:`.
    http_hosts: Vec<String>,
    refused: Vec<RefusedCredential>,
    release_age: Option<ReleaseAge>,
    installer: BTreeMap<&'static str, Vec<Setting>>,
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
    /// The key and value before expansion: what messages and reports show,
    /// as an expanded value (a secret) must appear in none.
    written: Written,
    origin: Origin,
    /// Precedence: layer, then position within the layer.
    rank: (Layer, usize),
    /// The environment variables expanded into the key or value.
    expanded: Vec<String>,
}

/// A key and value as written, `${VAR}` and all.
#[derive(Debug, Clone)]
struct Written {
    key: String,
    value: String,
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
            Some(value) => {
                let written = Written {
                    key: "registry".to_string(),
                    value: js_trim(value).to_string(),
                };
                let (value, expanded) = expand(js_trim(value), &env);
                vec![Entry {
                    key: "registry".to_string(),
                    value,
                    written,
                    origin: Origin::Cli,
                    rank: (Layer::Cli, 0),
                    expanded,
                }]
            }
            None => Vec::new(),
        };

        let userconfig = |e: &Entry| UserConfig {
            path: resolve_path(&e.value, &e.origin, home.as_deref()),
            shown: resolve_path(&e.written.value, &e.origin, home.as_deref()),
        };
        let env_userconfig = last(&env_entries, "userconfig")
            .filter(|e| !e.value.is_empty())
            .map(userconfig);
        let user_before_project = env_userconfig
            .as_ref()
            .map(|u| u.path.clone())
            .or_else(|| sources.user_npmrc.map(Path::to_path_buf));

        let mut files_read = Vec::new();
        let mut project_entries = Vec::new();
        if let Some(dir) = sources.project_dir {
            let path = dir.join(".npmrc");
            let is_user = user_before_project
                .as_deref()
                .is_some_and(|user| same_file(&path, user));
            if !is_user && let Some(text) = read_optional(&path, &path)? {
                project_entries = parse_npmrc(&text, &path, Layer::Project, &env)?;
                files_read.push(path);
            }
        }

        let project_userconfig = last(&project_entries, "userconfig")
            .filter(|e| !e.value.is_empty())
            .map(userconfig);
        let user_config = env_userconfig.or(project_userconfig).or_else(|| {
            sources.user_npmrc.map(|p| UserConfig {
                path: p.to_path_buf(),
                shown: p.to_path_buf(),
            })
        });
        let mut user_entries = Vec::new();
        if let Some(UserConfig { path, shown }) = user_config
            && let Some(text) = read_optional(&path, &shown)?
        {
            user_entries = parse_npmrc(&text, &path, Layer::User, &env)?;
            files_read.push(path);
        }

        let release_age = release_age::resolve([&user_entries, &project_entries, &env_entries]);
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

        // TLS and proxy settings are taken from the user's config, the
        // environment and the command line, not from the project's `.npmrc`:
        // a pull request can write that file, and `strict-ssl=false` or a
        // `cafile` of its own would let whoever sits on the path read the
        // user's tokens, and a proxy of its own would carry every request
        // (and a plain-`http:` token) through its author's host.
        let mut tls: BTreeMap<&str, &Entry> = BTreeMap::new();
        for entry in layers
            .iter()
            .flatten()
            .filter(|e| e.rank.0 != Layer::Project)
        {
            tls.insert(&entry.key, entry);
        }
        let strict_ssl = match tls.get("strict-ssl") {
            None => true,
            Some(e) => match e.value.as_str() {
                "true" | "" => true,
                "false" => false,
                _ => {
                    return Err(NpmrcError::InvalidBool {
                        origin: e.origin.clone(),
                        key: e.written.key.clone(),
                    });
                }
            },
        };

        let cafile = tls
            .get("cafile")
            .filter(|e| !e.value.is_empty() && e.value != "null")
            .map(|e| resolve_path(&e.value, &e.origin, home.as_deref()));

        let proxies = proxies::read(&tls, &layers, sources.env)?;

        let outside = Outside::of(&layers);
        let (credentials, refused) = credentials::resolve(&merged, &layers, &registry, &outside)?;

        let installer = INSTALLER_KEYS
            .iter()
            .map(|&key| (key, installer::lines(&layers, key)))
            .filter(|(_, lines)| !lines.is_empty())
            .collect();

        Ok(Self {
            registry,
            scopes,
            credentials,
            cafile,
            strict_ssl,
            proxies,
            files_read,
            http_hosts: outside.http_hosts,
            refused,
            release_age,
            installer,
        })
    }

    /// npm's release-age gate (`min-release-age`,
    /// `min-release-age-exclude`), as far as the project's `.npmrc` may
    /// set it (see [`release_age`]); `None` when none is in force.
    pub fn release_age(&self) -> Option<&ReleaseAge> {
        self.release_age.as_ref()
    }

    /// The project's credentials that were not honoured, because they
    /// expand an environment variable for a host that no configuration
    /// outside the repository names.
    pub fn refused(&self) -> &[RefusedCredential] {
        &self.refused
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
        credentials::header_for(&self.credentials, &self.http_hosts, url)
    }

    /// The CA bundle to trust instead of the platform's, if configured.
    pub fn cafile(&self) -> Option<&Path> {
        self.cafile.as_deref()
    }

    /// Whether TLS certificates are verified (`strict-ssl`, default true).
    pub fn strict_ssl(&self) -> bool {
        self.strict_ssl
    }

    /// The proxies requests go through (`https-proxy`, `proxy`, `noproxy`,
    /// else `HTTPS_PROXY`, `HTTP_PROXY`, `PROXY`, `NO_PROXY`), from
    /// configuration outside the repository only. The same for every
    /// project, so also the ones to hand to lockproof's other HTTP clients
    /// (TUF, advisories).
    pub fn proxies(&self) -> &Proxies {
        &self.proxies
    }

    /// Every line of the highest layer that sets one of
    /// [`INSTALLER_KEYS`] (`key` or `key[]`), the project's file included;
    /// empty when no layer sets it or `key` is not one of them.
    pub fn installer_lines(&self, key: &str) -> &[Setting] {
        self.installer.get(key).map_or(&[], Vec::as_slice)
    }

    /// The config files that were read, in the order read (project first).
    pub fn files_read(&self) -> &[PathBuf] {
        &self.files_read
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

/// The user config file: where it is, and where messages say it is (the
/// path before `${VAR}` expansion).
struct UserConfig {
    path: PathBuf,
    shown: PathBuf,
}

/// The file's text, or `None` when it does not exist. Invalid UTF-8 is
/// replaced, as Node's `readFile(…, 'utf8')` does. An error names the file
/// as `shown`.
fn read_optional(path: &Path, shown: &Path) -> Result<Option<String>, NpmrcError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(NpmrcError::Read {
            path: shown.to_path_buf(),
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
    if let Some(var) = entry.expanded.first() {
        return Err(NpmrcError::ExpandedRegistry {
            origin: entry.origin.clone(),
            key: entry.written.key.clone(),
            var: var.clone(),
        });
    }
    let invalid = |reason| NpmrcError::InvalidRegistry {
        origin: entry.origin.clone(),
        key: entry.written.key.clone(),
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

#[cfg(test)]
mod tests;
