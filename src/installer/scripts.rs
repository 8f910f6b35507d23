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
use crate::lockfile::source::is_git_spec;
use crate::lockfile::{Entry, SourceKind, name::split_spec};
use crate::registry::npmrc::{NpmConfig, Origin, Setting, installer_flag};

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
    /// Settings set aside, in words.
    notes: Vec<String>,
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
    /// A key, and whether npm surely reads it as lockproof does (a deny
    /// counts only then).
    Key(Key, bool),
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
        let strict =
            installer_flag(npm.installer_lines("strict-allow-scripts")).is_some_and(|(on, _)| on);
        let mut notes = Vec::new();
        match installer_flag(npm.installer_lines("ignore-scripts")) {
            Some((true, s)) if !s.from_project => {
                return Self {
                    mode: Mode::None(format!("ignore-scripts is set ({})", s.origin)),
                    strict,
                    notes,
                };
            }
            // The pull request writes that file, and an install that does
            // not copy it (a container build) runs the scripts.
            Some((true, s)) => notes.push(format!(
                "ignore-scripts in the project's .npmrc ({}) is not taken on trust: an install \
                 without that file runs the scripts, so they are judged as npm's policy runs them",
                s.origin
            )),
            _ => {}
        }
        if !rules.gated() {
            return Self {
                mode: Mode::All(format!(
                    "npm {} runs them for every dependency",
                    rules.major
                )),
                strict,
                notes,
            };
        }
        if let Some((true, s)) =
            installer_flag(npm.installer_lines("dangerously-allow-all-scripts"))
        {
            return Self {
                mode: Mode::All(format!(
                    "dangerously-allow-all-scripts is set ({})",
                    s.origin
                )),
                strict,
                notes,
            };
        }
        Self {
            mode: Mode::Gated(Policy::read(
                package_entries,
                npm.installer_lines("allow-scripts"),
            )),
            strict,
            notes,
        }
    }

    /// Settings lockproof set aside in judging the policy, in words.
    pub fn notes(&self) -> &[String] {
        &self.notes
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
            // npm applies a name key only to an entry it installs as a
            // registry dependency, which the dependency specs decide: an
            // allow of its URL, path or repository may be what holds.
            let by_source = policy.keys.iter().find(|(k, allow)| {
                *allow && !matches!(k, Key::Registry { .. }) && matches(k, entry, false)
            });
            if let (Key::Registry { .. }, Some((other, _))) = (key, by_source) {
                return Verdict::Runs(format!(
                    "allowScripts {:?} ({source}) allows its source, and npm applies the deny {:?} \
                     only if the dependency specs make it a registry dependency, which lockproof \
                     does not read",
                    other.written(),
                    key.written()
                ));
            }
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
    /// `package.json`'s entries win when npm keeps any of them; else
    /// `.npmrc`'s `allow-scripts` lines (names, all allowed). Where
    /// lockproof cannot tell whether npm keeps a `package.json` key, the
    /// `.npmrc` names count too.
    fn read(package_entries: Option<&[(String, Option<bool>)]>, npmrc: &[Setting]) -> Self {
        let mut policy = Policy::default();
        let mut kept = false;
        if let Some(entries) = package_entries.filter(|e| !e.is_empty()) {
            policy.source = Some("package.json".to_string());
            for (written, value) in entries {
                let parsed = parse_key(written);
                kept |= matches!(parsed, Parsed::Key(_, true));
                policy.add(written, parsed, *value);
            }
        }
        if kept {
            return policy;
        }
        // npm's list: every line of the layer, each split at commas.
        let names: Vec<&str> = npmrc
            .iter()
            .flat_map(|s| s.value.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if let Some(first) = npmrc.first().filter(|_| !names.is_empty()) {
            let rc = origin_text(&first.origin);
            policy.source = Some(match policy.source {
                Some(_) => format!("package.json, whose keys npm drops, then {rc}"),
                None => rc,
            });
        }
        for name in names {
            policy.add(name, parse_key(name), Some(true));
        }
        policy
    }

    fn add(&mut self, written: &str, parsed: Parsed, value: Option<bool>) {
        match (parsed, value) {
            (Parsed::Dropped, _) => self.dropped.push(written.to_string()),
            // npm acts on `true` and `false` only.
            (_, None) => {}
            (Parsed::Key(key, _), Some(true)) => self.keys.push((key, true)),
            // A deny npm may read otherwise may not hold: set aside.
            (Parsed::Key(key, certain), Some(false)) => {
                if certain {
                    self.keys.push((key, false));
                }
            }
            (Parsed::Unreadable, Some(true)) => self.unreadable.push(written.to_string()),
            (Parsed::Unreadable, Some(false)) => {}
        }
    }
}

fn origin_text(origin: &Origin) -> String {
    format!("allow-scripts, {origin}")
}

const HOSTED: [(&str, &str); 3] = [
    ("github:", "github.com"),
    ("gitlab:", "gitlab.com"),
    ("bitbucket:", "bitbucket.org"),
];

fn parse_key(written: &str) -> Parsed {
    let key = written.trim();
    // npm reads a key with blanks around it as something else (a dist-tag
    // it drops, or a path): lockproof reads it trimmed, so such a key is
    // certain to match as lockproof reads it only without them.
    let bare = key == written;
    let lower = key.to_ascii_lowercase();
    if let Some(git) = git_key(key) {
        return Parsed::Key(git, bare);
    }
    if lower.starts_with("file:")
        || lower.starts_with("http:")
        || lower.starts_with("https:")
        || key.starts_with('.')
        || key.starts_with('/')
        || key.starts_with('~')
    {
        return Parsed::Key(
            Key::Exact {
                written: key.to_string(),
            },
            bare,
        );
    }
    let (name, spec_written) = split_spec(key).unwrap_or((key, ""));
    let spec = spec_written.trim();
    if name.is_empty() || spec.starts_with("npm:") || has_scheme(spec) {
        return Parsed::Unreadable;
    }
    let certain = bare
        && spec == spec_written
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~@/".contains(c));
    if spec.is_empty() || spec == "*" {
        let key = Key::Registry {
            written: key.to_string(),
            name: name.to_string(),
            versions: None,
        };
        return Parsed::Key(key, certain);
    }
    let parts: Vec<&str> = spec.split("||").map(str::trim).collect();
    let versions: Option<Vec<String>> = parts.iter().map(|v| npm_version(v)).collect();
    match versions {
        Some(versions) => {
            // npm compares a lone version as written and a list by value:
            // both agree with lockproof's reading for plain versions only.
            let plain = parts
                .iter()
                .zip(&versions)
                .all(|(p, v)| p == v && !p.contains('+'));
            let key = Key::Registry {
                written: key.to_string(),
                name: name.to_string(),
                versions: Some(versions),
            };
            Parsed::Key(key, certain && plain)
        }
        // A range or a dist-tag.
        None => Parsed::Dropped,
    }
}

/// A version as npm's semver reads it (a leading `v` or `=`, blanks,
/// build metadata ignored), written plainly; `None` when it is not one.
fn npm_version(written: &str) -> Option<String> {
    let v = written.trim().trim_start_matches('=').trim_start();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let mut parsed = node_semver::Version::parse(v).ok()?;
    parsed.build.clear();
    Some(parsed.to_string())
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
            let placed = matches!(
                entry.source,
                SourceKind::Registry | SourceKind::Unrecognized
            );
            let (names, version) = match resolved.and_then(npm_tarball_identity) {
                Some((n, v)) if !exact || entry.source == SourceKind::Registry => {
                    (vec![n], Some(v))
                }
                // Without the identity in the URL, npm takes the name from
                // the dependency specs that lead to the entry, which
                // lockproof does not read: a deny does not count, an allow
                // matches the names the lockfile gives.
                None if !exact && placed => {
                    (vec![entry.name.clone(), entry.folder_name.clone()], None)
                }
                _ => return false,
            };
            if !names.contains(name) {
                return false;
            }
            match (versions, version) {
                (None, _) => true,
                // npm refuses an allow for a version it cannot verify.
                (Some(_), None) => false,
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

/// The name and version npm trusts for a registry entry: those its
/// `resolved` URL spells (`<prefix>/<scope>/<name>/-/<name>-<version>.tgz`),
/// read as npm's `version-from-tgz` reads them: the scope split off at `/`
/// or `%2f` and otherwise as written, the version as semver parses it.
fn npm_tarball_identity(resolved: &str) -> Option<(String, String)> {
    if !(resolved.starts_with("http:/") || resolved.starts_with("https:/")) {
        return None;
    }
    // node's `path.basename` drops trailing slashes.
    let base = resolved.trim_end_matches('/').rsplit('/').next()?;
    let stem = base.strip_suffix(".tgz")?;
    let url = url::Url::parse(resolved).ok()?;
    let path = url.path();
    let mut parts: Vec<&str> = path.get(1..).unwrap_or_default().split("/-/").collect();
    if parts.len() < 2 || parts.pop()? != base {
        return None;
    }
    let pre = parts.pop()?.replace("%2f", "/").replace("%2F", "/");
    let mut segments = pre.rsplit('/');
    let project = segments.next()?;
    let version = stem.strip_prefix(project)?.strip_prefix('-')?;
    // semver's strict parse: blanks and one leading `v`, no `=`.
    let version = version.trim();
    let version = version.strip_prefix('v').unwrap_or(version);
    if version.starts_with('=') {
        return None;
    }
    let mut parsed = node_semver::Version::parse(version).ok()?;
    parsed.build.clear();
    let name = match segments.next() {
        Some(scope) if scope.starts_with('@') => format!("{scope}/{project}"),
        _ => project.to_string(),
    };
    Some((name, parsed.to_string()))
}

#[cfg(test)]
mod tests;
