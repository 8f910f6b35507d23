//! Which dependency install scripts npm will run.
//!
//! npm ≤ 11 runs every dependency's `preinstall`, `install` and
//! `postinstall` (and `node-gyp rebuild` for a `binding.gyp`) unless
//! `ignore-scripts` is set. npm ≥ 12 runs them only for dependencies its
//! `allowScripts` policy allows: `package.json`'s `allowScripts` object
//! when it has entries, else `.npmrc`'s `allow-scripts` list. Keys are
//! matched against where the entry comes from, never the name its tarball
//! claims: a registry key (`name`, `name@*`, `name@1.2.3 || 1.2.4`) against
//! the name and version in the registry tarball URL; a git key against the
//! repository and a prefix of the commit; a file or URL key against
//! `resolved`. A deny (`false`) wins over any allow. Ranges and dist-tags
//! are dropped (npm warns and ignores them); bundled dependencies never run
//! theirs; workspaces are the project's own.
//!
//! Where lockproof cannot read a key the way npm would, it errs towards
//! "runs": an allow it cannot read makes every unmatched script count as
//! running, and a deny counts only where it matches exactly.

use super::which::NpmRules;
use crate::lockfile::source::{is_git_spec, registry_tarball};
use crate::lockfile::{Entry, SourceKind, name::split_spec};
use crate::registry::npmrc::{NpmConfig, Origin, Setting};

/// Whether an entry's install scripts run, and why, in words a report can
/// quote (keys are untrusted text; renderers escape them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// npm will run them.
    Runs(String),
    /// npm will skip them.
    Blocked(String),
}

/// The install-script policy of one project, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptPolicy {
    mode: Mode,
    /// `strict-allow-scripts`: an unreviewed script fails the install.
    strict: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    /// npm ≤ 11, or `dangerously-allow-all-scripts`.
    All(String),
    /// `ignore-scripts`.
    None(String),
    /// npm ≥ 12's policy.
    Gated(Policy),
}

/// npm 12's `allowScripts`, as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    /// `"package.json"` or the `.npmrc` line the list came from; `None`
    /// when no layer has a policy.
    source: Option<String>,
    keys: Vec<(Key, bool)>,
    /// Allow keys lockproof cannot read the way npm would.
    unreadable: Vec<String>,
    /// Keys npm drops with a warning (ranges, dist-tags).
    pub dropped: Vec<String>,
}

/// One `allowScripts` key, parsed as far as matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Registry {
        written: String,
        name: String,
        /// `None`: every version.
        versions: Option<Vec<String>>,
    },
    Git {
        written: String,
        /// `host/user/repo`, the host lowercased, without `.git`.
        repo: String,
        /// The URL without `git+` and the commit, for hosts npm does not
        /// know (it compares those whole).
        url: String,
        commit: Option<String>,
    },
    /// A `file:` path or URL, matched against `resolved` exactly.
    Exact { written: String },
}

impl Key {
    fn written(&self) -> &str {
        match self {
            Key::Registry { written, .. } | Key::Git { written, .. } | Key::Exact { written } => {
                written
            }
        }
    }
}

/// What a key is, when lockproof can read it.
enum Parsed {
    Key(Key),
    /// npm drops it with a warning.
    Dropped,
    /// An alias (never matches) or something lockproof cannot read.
    Unreadable,
}

impl ScriptPolicy {
    /// The policy `rules`' npm applies, from the project's
    /// `package.json` `allowScripts` entries (`None` when it has none) and
    /// its npm configuration.
    pub fn resolve(
        rules: &NpmRules,
        package_entries: Option<&[(String, Option<bool>)]>,
        npm: &NpmConfig,
    ) -> Self {
        let strict = flag(npm.installer_setting("strict-allow-scripts")).is_some_and(|(on, _)| on);
        if let Some((true, origin)) = flag(npm.installer_setting("ignore-scripts")) {
            return Self {
                mode: Mode::None(format!("ignore-scripts is set ({origin})")),
                strict,
            };
        }
        if !rules.gated() {
            return Self {
                mode: Mode::All(format!(
                    "npm {} runs them for every dependency",
                    rules.major
                )),
                strict,
            };
        }
        if let Some((true, origin)) = flag(npm.installer_setting("dangerously-allow-all-scripts")) {
            return Self {
                mode: Mode::All(format!("dangerously-allow-all-scripts is set ({origin})")),
                strict,
            };
        }
        Self {
            mode: Mode::Gated(Policy::read(
                package_entries,
                npm.installer_setting("allow-scripts"),
            )),
            strict,
        }
    }

    /// The policy's keys npm drops with a warning.
    pub fn dropped(&self) -> &[String] {
        match &self.mode {
            Mode::Gated(p) => &p.dropped,
            _ => &[],
        }
    }

    /// Whether `entry`'s install scripts run.
    pub fn verdict(&self, entry: &Entry) -> Verdict {
        let policy = match &self.mode {
            Mode::All(why) => return Verdict::Runs(why.clone()),
            Mode::None(why) => return Verdict::Blocked(why.clone()),
            Mode::Gated(p) => p,
        };
        match entry.source {
            SourceKind::Workspace => {
                return Verdict::Runs("a workspace: npm runs the project's own".to_string());
            }
            SourceKind::Bundled => {
                return Verdict::Blocked(
                    "bundled: npm 12 never runs a bundled dependency's".to_string(),
                );
            }
            _ => {}
        }
        let source = policy.source.as_deref().unwrap_or("");
        let matching = |allow: bool| {
            policy
                .keys
                .iter()
                .filter(move |(_, a)| *a == allow)
                .find(|(k, _)| matches(k, entry, !allow))
        };
        if let Some((key, _)) = matching(false) {
            return Verdict::Blocked(format!(
                "denied by allowScripts {:?} ({source})",
                key.written()
            ));
        }
        if let Some((key, _)) = matching(true) {
            return Verdict::Runs(format!(
                "allowed by allowScripts {:?} ({source})",
                key.written()
            ));
        }
        if let Some(key) = policy.unreadable.first() {
            return Verdict::Runs(format!(
                "allowScripts key {key:?} ({source}) is one lockproof cannot match as npm does, so \
                 it is judged as allowing this"
            ));
        }
        let consequence = if self.strict {
            "npm 12 fails the install (strict-allow-scripts)"
        } else {
            "npm 12 skips them with a warning"
        };
        Verdict::Blocked(match &policy.source {
            Some(s) => format!("not in allowScripts ({s}); {consequence}"),
            None => format!("no allowScripts policy; {consequence}"),
        })
    }
}

impl Policy {
    /// `package.json`'s entries win when there are any; else `.npmrc`'s
    /// `allow-scripts` list (names, all allowed).
    fn read(package_entries: Option<&[(String, Option<bool>)]>, npmrc: Option<&Setting>) -> Self {
        let mut policy = Policy::default();
        let entries: Vec<(String, Option<bool>)> = match (package_entries, npmrc) {
            (Some(entries), _) if !entries.is_empty() => {
                policy.source = Some("package.json".to_string());
                entries.to_vec()
            }
            (_, Some(setting)) => {
                let list: Vec<_> = setting
                    .value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| (s.to_string(), Some(true)))
                    .collect();
                if !list.is_empty() {
                    policy.source = Some(origin_text(&setting.origin));
                }
                list
            }
            _ => Vec::new(),
        };
        for (written, value) in entries {
            // npm acts on `true` and `false` only.
            let Some(allow) = value else { continue };
            match parse_key(&written) {
                Parsed::Key(key) => policy.keys.push((key, allow)),
                Parsed::Dropped => policy.dropped.push(written),
                Parsed::Unreadable if allow => policy.unreadable.push(written),
                Parsed::Unreadable => {}
            }
        }
        policy
    }
}

fn origin_text(origin: &Origin) -> String {
    format!("allow-scripts, {origin}")
}

/// A boolean setting as npm's option parser reads it: a bare key or
/// `true` is on, `false` off, anything else leaves the default.
fn flag(setting: Option<&Setting>) -> Option<(bool, String)> {
    let s = setting?;
    let on = match s.value.as_str() {
        "" | "true" => true,
        "false" => false,
        _ => return None,
    };
    Some((on, s.origin.to_string()))
}

const HOSTED: [(&str, &str); 3] = [
    ("github:", "github.com"),
    ("gitlab:", "gitlab.com"),
    ("bitbucket:", "bitbucket.org"),
];

fn parse_key(written: &str) -> Parsed {
    let key = written.trim();
    let lower = key.to_ascii_lowercase();
    if let Some(git) = git_key(key) {
        return Parsed::Key(git);
    }
    if lower.starts_with("file:")
        || lower.starts_with("http:")
        || lower.starts_with("https:")
        || key.starts_with('.')
        || key.starts_with('/')
        || key.starts_with('~')
    {
        return Parsed::Key(Key::Exact {
            written: key.to_string(),
        });
    }
    let (name, spec) = match split_spec(key) {
        Some((name, spec)) => (name, spec.trim()),
        None => (key, ""),
    };
    if name.is_empty() || spec.starts_with("npm:") || has_scheme(spec) {
        return Parsed::Unreadable;
    }
    if spec.is_empty() || spec == "*" {
        return Parsed::Key(Key::Registry {
            written: key.to_string(),
            name: name.to_string(),
            versions: None,
        });
    }
    let versions: Option<Vec<String>> = spec
        .split("||")
        .map(|v| {
            let v = v.trim();
            node_semver::Version::parse(v).ok().map(|p| p.to_string())
        })
        .collect();
    match versions {
        Some(versions) => Parsed::Key(Key::Registry {
            written: key.to_string(),
            name: name.to_string(),
            versions: Some(versions),
        }),
        // A range or a dist-tag.
        None => Parsed::Dropped,
    }
}

fn has_scheme(spec: &str) -> bool {
    spec.split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A git key: a hosted shorthand (`github:u/r`, `u/r`) or a git URL.
fn git_key(key: &str) -> Option<Key> {
    let (body, commit) = match key.split_once('#') {
        Some((b, c)) => (b, Some(c.to_string()).filter(|c| !c.is_empty())),
        None => (key, None),
    };
    let repo = if let Some((prefix, host)) = HOSTED
        .iter()
        .find(|(p, _)| body.to_ascii_lowercase().starts_with(p))
    {
        format!("{host}/{}", trim_git(&body[prefix.len()..]))
    } else if is_git_spec(body) {
        repo_of_url(body)?
    } else if is_shorthand(body) {
        format!("github.com/{}", trim_git(body))
    } else {
        return None;
    };
    Some(Key::Git {
        written: key.to_string(),
        repo,
        url: body.strip_prefix("git+").unwrap_or(body).to_string(),
        commit,
    })
}

/// `user/repo`, which npm reads as a GitHub repository.
fn is_shorthand(body: &str) -> bool {
    let mut parts = body.split('/');
    let (Some(user), Some(repo), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let ok = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    !user.starts_with('@') && ok(user) && ok(repo)
}

/// `host/path` of a git URL (`git+ssh://git@host/u/r.git`,
/// `git@host:u/r.git`), without `.git`.
fn repo_of_url(spec: &str) -> Option<String> {
    if let Some(url) = crate::lockfile::source::parse_url(spec) {
        let host = url.host_str()?.to_ascii_lowercase();
        let path = url.path().trim_start_matches('/');
        // `git+ssh://git@host:u/r.git` puts the path after a colon.
        let path = path.strip_prefix(':').unwrap_or(path);
        return Some(format!("{host}/{}", trim_git(path)));
    }
    let rest = spec.strip_prefix("git@")?;
    let (host, path) = rest.split_once(':')?;
    Some(format!("{}/{}", host.to_ascii_lowercase(), trim_git(path)))
}

fn is_hosted(repo: &str) -> bool {
    HOSTED.iter().any(|(_, host)| {
        repo.strip_prefix(host)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

fn trim_git(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    path.strip_suffix(".git").unwrap_or(path)
}

/// Whether `key` names `entry`. A deny (`exact`) matches only where
/// lockproof reads both the same way npm does.
fn matches(key: &Key, entry: &Entry, exact: bool) -> bool {
    let resolved = entry.resolved.as_str();
    match key {
        Key::Registry { name, versions, .. } => {
            // An entry lockproof cannot place may be one npm reads as a
            // registry dependency: an allow counts, a deny does not.
            let registry = entry.source == SourceKind::Registry
                || (!exact && entry.source == SourceKind::Unrecognized);
            if !registry {
                return false;
            }
            let (entry_name, version) = registry_identity(entry);
            if entry_name != *name {
                return false;
            }
            match (versions, version) {
                (None, _) => true,
                // npm: an unverifiable version blocks a deny and refuses
                // an allow.
                (Some(_), None) => exact,
                (Some(vs), Some(v)) => vs.contains(&v),
            }
        }
        Key::Git {
            repo, url, commit, ..
        } => {
            if entry.source != SourceKind::Git {
                return false;
            }
            let Some(Key::Git {
                repo: entry_repo,
                url: entry_url,
                commit: entry_commit,
                ..
            }) = resolved.and_then(git_key)
            else {
                return !exact;
            };
            // npm compares hosted repositories by their canonical form and
            // others by the whole URL; a deny holds only where lockproof
            // reads them the same way, an allow wherever the two may agree.
            let same = if exact {
                entry_repo == *repo && (is_hosted(repo) || entry_url == *url)
            } else {
                entry_repo.eq_ignore_ascii_case(repo)
            };
            same && match (commit, entry_commit) {
                (None, _) => true,
                (Some(c), Some(e)) => e.starts_with(c.as_str()),
                (Some(_), None) => false,
            }
        }
        Key::Exact { written } => {
            let Some(resolved) = resolved else {
                return false;
            };
            if resolved == written {
                return true;
            }
            // npm also compares the absolute forms, which lockproof does
            // not rebuild: an allow is taken to match a same-named file.
            !exact && file_name(resolved) == file_name(written)
        }
    }
}

fn file_name(spec: &str) -> &str {
    let spec = spec.strip_prefix("file:").unwrap_or(spec);
    spec.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(spec)
}

/// The name and version npm trusts for a registry entry: those in its
/// tarball URL, else the name the lockfile gives and no version.
fn registry_identity(entry: &Entry) -> (String, Option<String>) {
    if let Some(t) = entry.url.as_ref().and_then(registry_tarball) {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        let version = t
            .file
            .strip_prefix(base)
            .and_then(|r| r.strip_prefix('-'))
            .and_then(|r| r.strip_suffix(".tgz"))
            .map(str::to_string);
        return (t.name, version);
    }
    (entry.name.clone(), None)
}

#[cfg(test)]
mod tests;
