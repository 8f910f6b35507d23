//! The sources npm refuses: `allow-git`, `allow-remote`, `allow-file` and
//! `allow-directory` (`all`, `none`, or `root`: only the project's and its
//! workspaces' own dependencies). npm ≥ 12 defaults `allow-git` and
//! `allow-remote` to `none`; the others default to `all`.
//!
//! npm fetches a registry tarball whose URL is not on the registry
//! configured for its scope as a remote URL, so `allow-remote` refuses it
//! too. Where lockproof cannot tell whether an entry is one of the
//! project's own dependencies, it takes it to be one: a refusal is
//! reported only where npm surely refuses.

use std::collections::BTreeSet;
use std::fmt;

use super::which::NpmRules;
use crate::lockfile::{Entry, ResolvedUrl, SourceKind};
use crate::registry::npmrc::{NpmConfig, Origin, Setting};

/// An `allow-*` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// Every dependency.
    All,
    /// None.
    None,
    /// The project's and its workspaces' own dependencies only.
    Root,
}

impl Allow {
    /// npm lets through `all` (and `undefined`, which leaves its default
    /// of `all`), nothing for `none`, and the project's own dependencies
    /// for any other value: its check is `allow === 'all'`, then
    /// `allow !== 'none' && isRoot`. A `key[]` list is such a value too.
    fn read(setting: &Setting) -> Self {
        match setting.value.as_str() {
            _ if setting.list => Self::Root,
            "all" | "undefined" => Self::All,
            "none" => Self::None,
            _ => Self::Root,
        }
    }

    /// How much npm lets through, for comparing with a default.
    fn breadth(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Root => 1,
            Self::All => 2,
        }
    }

    /// The value as npm spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::None => "none",
            Self::Root => "root",
        }
    }
}

/// The kinds of source an `allow-*` setting governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gated {
    /// `allow-git`.
    Git,
    /// `allow-remote`.
    Remote,
    /// `allow-file`.
    File,
    /// `allow-directory`.
    Directory,
}

impl Gated {
    const ALL: [Gated; 4] = [Self::Git, Self::Remote, Self::File, Self::Directory];

    /// The setting's name.
    pub fn setting(self) -> &'static str {
        match self {
            Self::Git => "allow-git",
            Self::Remote => "allow-remote",
            Self::File => "allow-file",
            Self::Directory => "allow-directory",
        }
    }
}

/// One setting in force, and where it was set (`None`: npm's default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// The value.
    pub allow: Allow,
    /// Where it was set.
    pub origin: Option<Origin>,
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Some(o) => write!(f, "{} ({o})", self.allow.as_str()),
            None => write!(f, "{} (the default)", self.allow.as_str()),
        }
    }
}

/// A source npm will refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Which setting refuses it.
    pub gated: Gated,
    /// Its value and origin.
    pub gate: Gate,
    /// Why the source counts as that kind, when it is not obvious.
    pub because: Option<String>,
}

/// The project's own dependencies, by name: what `root` lets through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roots {
    /// Names the project's `package.json` declares; `None` when there is
    /// no `package.json` to read (then every top-level entry counts).
    pub names: Option<BTreeSet<String>>,
}

impl Roots {
    /// Whether npm may count `entry` as the project's own dependency.
    /// Dependencies of workspaces are taken to be (lockproof does not read
    /// the workspaces' manifests).
    fn may_be_root(&self, entry: &Entry) -> bool {
        let (parent, folder) = match entry.path.rsplit_once("node_modules/") {
            Some(split) => split,
            None => return true,
        };
        if folder.contains('/') && !folder.starts_with('@') {
            return false;
        }
        if parent.is_empty() {
            return self.names.as_ref().is_none_or(|n| n.contains(folder));
        }
        // `<workspace>/node_modules/x`, not `a/node_modules/x`.
        !parent.trim_end_matches('/').contains("node_modules")
    }
}

/// The four settings in force for one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceGates {
    git: Gate,
    remote: Gate,
    file: Gate,
    directory: Gate,
}

impl SourceGates {
    /// The settings `npm` configures, with `rules`' defaults for the rest.
    /// The project's `.npmrc` may not be where npm installs (see
    /// [`crate::registry::npmrc`]): a value there narrower than the
    /// default is set aside, so that no source counts as refused on the
    /// word of a file the pull request writes.
    pub fn read(rules: &NpmRules, npm: &NpmConfig) -> Self {
        let gate = |gated: Gated| {
            let default = match gated {
                Gated::Git | Gated::Remote if rules.gated() => Allow::None,
                _ => Allow::All,
            };
            npm.installer_lines(gated.setting())
                .last()
                .map(|last| {
                    let s = npm
                        .installer_lines(gated.setting())
                        .iter()
                        .find(|s| s.list)
                        .unwrap_or(last);
                    (Allow::read(s), s)
                })
                .filter(|(allow, s)| !s.from_project || allow.breadth() >= default.breadth())
                .map_or(
                    Gate {
                        allow: default,
                        origin: None,
                    },
                    |(allow, s)| Gate {
                        allow,
                        origin: Some(s.origin.clone()),
                    },
                )
        };
        let [git, remote, file, directory] = Gated::ALL.map(gate);
        Self {
            git,
            remote,
            file,
            directory,
        }
    }

    fn get(&self, gated: Gated) -> &Gate {
        match gated {
            Gated::Git => &self.git,
            Gated::Remote => &self.remote,
            Gated::File => &self.file,
            Gated::Directory => &self.directory,
        }
    }

    /// Whether npm refuses `entry`'s source.
    pub fn refusal(&self, entry: &Entry, roots: &Roots, npm: &NpmConfig) -> Option<Refusal> {
        let (gated, because) = match entry.source {
            SourceKind::Git => (Gated::Git, None),
            SourceKind::RemoteTarball => (Gated::Remote, None),
            SourceKind::LocalFile => (Gated::File, None),
            SourceKind::Link => (Gated::Directory, None),
            SourceKind::Registry => {
                let url = entry.url.as_ref()?;
                let registry = npm.registry_for(&entry.name);
                if on_registry(url, registry) {
                    return None;
                }
                let because = format!(
                    "its tarball is not on the registry configured for it ({}), so npm fetches \
                     it as a remote URL",
                    registry.as_str()
                );
                (Gated::Remote, Some(because))
            }
            _ => return None,
        };
        let gate = self.get(gated);
        let refused = match gate.allow {
            Allow::All => false,
            Allow::None => true,
            Allow::Root => !roots.may_be_root(entry),
        };
        refused.then(|| Refusal {
            gated,
            gate: gate.clone(),
            because,
        })
    }
}

/// Whether npm takes `url` for a tarball of `registry`: the same origin
/// and under its path. npm first rewrites its public registry's host to
/// the configured one (`replace-registry-host`'s default), so a lockfile
/// written against the public registry installs through a mirror.
fn on_registry(url: &ResolvedUrl, registry: &url::Url) -> bool {
    if url.host_str() == Some(crate::registry::NPM_REGISTRY_HOST) {
        return true;
    }
    let path = registry.path();
    url.to_url().is_some_and(|u| {
        u.origin() == registry.origin() && (path == "/" || u.path().starts_with(path))
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::installer::which::RulesFrom;

    const LOCK: &str = r#"{
      "name": "p", "lockfileVersion": 3,
      "packages": {
        "": {"name": "p", "dependencies": {"direct": "github:u/direct"}},
        "node_modules/direct": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/u/direct.git#0123456789abcdef0123456789abcdef01234567"},
        "node_modules/deep": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/u/deep.git#0123456789abcdef0123456789abcdef01234567"},
        "node_modules/remote": {"version": "1.0.0", "resolved": "https://example.com/remote.tgz", "integrity": "sha512-AAAA"},
        "node_modules/yarnhost": {"version": "1.0.0", "resolved": "https://registry.yarnpkg.com/yarnhost/-/yarnhost-1.0.0.tgz", "integrity": "sha512-AAAA"},
        "node_modules/public": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/public/-/public-1.0.0.tgz", "integrity": "sha512-AAAA"},
        "node_modules/file": {"version": "1.0.0", "resolved": "file:file-1.0.0.tgz", "integrity": "sha512-AAAA"}
      }
    }"#;

    /// The project's `.npmrc` and the user's.
    fn npm(npmrc: &str, user: &str) -> NpmConfig {
        crate::installer::test_npm_config(npmrc, user)
    }

    fn refused(major: u64, npmrc: &str) -> Vec<(String, &'static str)> {
        refused_with_user(major, npmrc, "")
    }

    fn refused_with_user(major: u64, npmrc: &str, user: &str) -> Vec<(String, &'static str)> {
        let lockfile =
            crate::lockfile::parse_bytes(Path::new("package-lock.json"), LOCK.as_bytes()).unwrap();
        let rules = NpmRules {
            major,
            version: None,
            from: RulesFrom::Flag,
            set_aside: None,
        };
        let npm = npm(npmrc, user);
        let gates = SourceGates::read(&rules, &npm);
        let roots = Roots {
            names: Some(BTreeSet::from(["direct".to_string()])),
        };
        lockfile
            .entries
            .iter()
            .filter_map(|e| {
                let r = gates.refusal(e, &roots, &npm)?;
                Some((e.folder_name.clone(), r.gated.setting()))
            })
            .collect()
    }

    #[test]
    fn npm_12_refuses_git_and_remote_sources_by_default() {
        let names: Vec<_> = refused(12, "").into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["direct", "deep", "remote", "yarnhost"]);
        assert!(refused(11, "").is_empty());
    }

    #[test]
    fn root_lets_the_projects_own_dependencies_through() {
        let got = refused(12, "allow-git=root\nallow-remote=all\n");
        assert_eq!(got, [("deep".to_string(), "allow-git")]);
        let got = refused_with_user(11, "", "allow-file=none\n");
        assert_eq!(got, [("file".to_string(), "allow-file")]);
    }

    #[test]
    fn attack_a_value_npm_does_not_list_lets_the_projects_own_through() {
        // npm checks `allow === 'all'`, then `allow !== 'none' && isRoot`:
        // any other word, a bare key or a list is `root`, not the default.
        for line in [
            "allow-git=ALL",
            "allow-git=bogus",
            "allow-git",
            "allow-git[]=all",
        ] {
            let got = refused_with_user(12, "", &format!("{line}\n"));
            assert!(got.contains(&("deep".to_string(), "allow-git")), "{line}");
            assert!(!got.iter().any(|(n, _)| n == "direct"), "{line}: {got:?}");
        }
        let got = refused_with_user(12, "", "allow-git=undefined\n");
        assert!(!got.iter().any(|(_, s)| *s == "allow-git"), "{got:?}");
    }

    #[test]
    fn attack_the_projects_npmrc_cannot_refuse_what_npm_fetches_without_it() {
        // A refusal hides the entry's source findings: the pull request's
        // own file may not be where npm installs, so it cannot narrow.
        assert!(refused(11, "allow-file=none\nallow-git=none\n").is_empty());
        let got = refused(12, "allow-git=root\nallow-remote=all\n");
        assert_eq!(got, [("deep".to_string(), "allow-git")], "widening holds");
    }

    #[test]
    fn a_mirror_receives_the_public_registrys_tarballs() {
        let got = refused(12, "registry=https://mirror.example/npm/\nallow-git=all\n");
        assert_eq!(
            got,
            [
                ("remote".to_string(), "allow-remote"),
                ("yarnhost".to_string(), "allow-remote")
            ]
        );
    }
}
