//! The checks: pure functions from a parsed lockfile to findings.
//!
//! One module per concern, each owning its finding codes. Checks never do
//! I/O and never apply policy; they report everything they see with the
//! code's default severity, and [`crate::policy`] decides what counts.

mod advisories;
mod age;
mod format;
mod integrity;
mod names;
pub mod npmrc;
mod provenance;
mod registry;
mod scripts;
pub mod shrinkwrap;
mod source;
mod stripped;
mod tarball;
mod trust;
mod url;

use rayon::prelude::*;

use crate::config::{Config, TrustPolicy};
use crate::evidence::model::Evidence;
use crate::finding::{Code, Finding, Location, PackageRef};
use crate::installer::Installer;
use crate::lockfile::{Entry, Lockfile};
use crate::registry::npmrc::{NpmConfig, ReleaseAge};
use crate::registry::{NPM_REGISTRY_HOST, YARN_REGISTRY_HOST};

/// What the checks need to know beyond the lockfile.
#[derive(Debug, Clone)]
pub struct Context {
    /// Hosts that registry and remote tarballs may be downloaded from,
    /// lowercase.
    pub allowed_hosts: Vec<String>,
    /// The trust ladder's options.
    pub trust: TrustPolicy,
    /// The time release ages are measured against.
    pub now: jiff::Timestamp,
    /// Strict: evidence that could not be had, offline included, is a
    /// finding for each entry.
    pub strict: bool,
    /// npm's release-age gate, which `release-too-new` applies when the
    /// trust policy sets no minimum of its own.
    pub npm_release_age: Option<ReleaseAge>,
    /// npm lockfiles: what the npm that installs them will do.
    pub installer: Option<Installer>,
}

impl Context {
    /// The context `config` sets, judged at `now`: registry tarballs from
    /// npm's public registry only (under npm's or Yarn's name), unless the
    /// configuration allows others.
    pub fn new(config: &Config, now: jiff::Timestamp) -> Self {
        Self {
            allowed_hosts: config.allowed_hosts.clone().unwrap_or_else(|| {
                vec![
                    NPM_REGISTRY_HOST.to_string(),
                    YARN_REGISTRY_HOST.to_string(),
                ]
            }),
            trust: config.trust.clone(),
            now,
            strict: config.strict,
            npm_release_age: None,
            installer: None,
        }
    }

    /// The same context, with the release-age gate `npm`'s configuration
    /// sets (`min-release-age`, `min-release-age-exclude`): the installer's
    /// own settings are the default for lockproof's.
    pub fn with_npm(self, npm: &NpmConfig) -> Self {
        Self {
            npm_release_age: npm.release_age().cloned(),
            ..self
        }
    }

    /// The same context, judging install scripts and sources as
    /// `installer` will act on them.
    pub fn with_installer(self, installer: Option<Installer>) -> Self {
        Self { installer, ..self }
    }
}

/// Runs every check over `lockfile`: the offline ones always, the
/// registry ones for entries `evidence` speaks for. Entries are independent, so
/// they are checked in parallel; the order of the result is the entries'
/// order all the same.
pub fn run(lockfile: &Lockfile, ctx: &Context, evidence: Option<&Evidence>) -> Vec<Finding> {
    let mut out = Vec::new();
    format::check(lockfile, &mut out);
    if let Some(evidence) = evidence {
        stripped::check(lockfile, evidence, &mut out);
        advisories::check_unknown(lockfile, evidence, ctx, &mut out);
    }
    let per_entry: Vec<Vec<Finding>> = lockfile
        .entries
        .par_iter()
        .enumerate()
        .with_min_len(64)
        .map(|(i, entry)| {
            let mut found = Vec::new();
            let mut f = EntryFindings {
                lockfile,
                entry,
                out: &mut found,
            };
            names::check(&mut f);
            integrity::check(&mut f);
            url::check(&mut f, ctx);
            source::check(&mut f, ctx);
            scripts::check(&mut f, ctx);
            if let Some(ev) = evidence
                .and_then(|e| e.entries.get(i))
                .and_then(Option::as_ref)
            {
                registry::check(&mut f, ev, ctx);
                provenance::check(&mut f, ev, ctx);
                trust::check(&mut f, ev, ctx);
                age::check(&mut f, ev, ctx);
            }
            if let Some(lookup) = evidence.and_then(|e| e.advisories.get(i)) {
                advisories::check(&mut f, lookup);
            }
            if let Some(evidence) = evidence
                && let Some(Some(tarball)) = evidence.tarballs.get(i)
            {
                let ev = evidence.entries.get(i).and_then(Option::as_ref);
                tarball::check(&mut f, tarball, ev);
            }
            found
        })
        .collect();
    // Room for them all at once: growing the list as they come copies it
    // whole each time.
    out.reserve_exact(per_entry.iter().map(Vec::len).sum());
    out.extend(per_entry.into_iter().flatten());
    out
}

/// The entry's `resolved` for quoting in a message, with any user name or
/// password replaced by `***`: a token in a lockfile must not spread into
/// reports, logs and code-scanning alerts.
fn shown_url(resolved: &str) -> String {
    let Some(scheme_end) = resolved.find("://").map(|i| i + 3) else {
        return resolved.to_string();
    };
    let rest = &resolved[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        // `git@` is git's conventional user, not a secret.
        Some(at) if &rest[..at] != "git" => {
            format!("{}***{}", &resolved[..scheme_end], &rest[at..])
        }
        _ => resolved.to_string(),
    }
}

/// Collects findings about one entry, located at its line.
struct EntryFindings<'a> {
    lockfile: &'a Lockfile,
    entry: &'a Entry,
    out: &'a mut Vec<Finding>,
}

impl EntryFindings<'_> {
    /// The entry's `resolved`, redacted for messages.
    fn resolved_shown(&self) -> String {
        shown_url(self.entry.resolved.as_str().unwrap_or(""))
    }

    fn report(&mut self, code: Code, message: String) {
        let e = self.entry;
        // Most entries with a finding have one: a first push would make
        // room for four.
        if self.out.capacity() == 0 {
            self.out.reserve_exact(1);
        }
        self.out.push(Finding::new(
            code,
            Some(PackageRef {
                name: e.name.clone(),
                version: e.version.clone(),
                path: e.path.clone(),
            }),
            message,
            Location::at(&self.lockfile.path, e.line),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::shown_url;

    #[test]
    fn urls_in_messages_lose_their_credentials() {
        assert_eq!(
            shown_url("https://u:tok@host/a/-/a-1.tgz"),
            "https://***@host/a/-/a-1.tgz"
        );
        assert_eq!(
            shown_url("git+ssh://git@github.com/a/b.git#x"),
            "git+ssh://git@github.com/a/b.git#x"
        );
        assert_eq!(
            shown_url("https://host/a@b/-/x.tgz"),
            "https://host/a@b/-/x.tgz"
        );
        assert_eq!(shown_url("https://tok@host"), "https://***@host");
        assert_eq!(shown_url("file:x.tgz"), "file:x.tgz");
    }
}
