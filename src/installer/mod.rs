//! What the installer will do with a lockfile: which npm installs it and
//! by which rules ([`which`]), the project's `package.json` as npm reads it
//! ([`package_json`]), which dependency install scripts that npm runs
//! ([`scripts`]) and which sources it refuses ([`gates`]).
//!
//! Decisions only: the checks turn them into findings, and the settings
//! resolve one [`Installer`] per npm project.

pub mod gates;
pub mod package_json;
pub mod scripts;
pub mod which;

use std::path::PathBuf;

use thiserror::Error;

use crate::lockfile::Entry;
use crate::registry::npmrc::NpmConfig;
use gates::{Refusal, Roots, SourceGates};
use package_json::{AllowScriptsField, PackageJson};
use scripts::ScriptPolicy;
use which::NpmRules;

/// What npm will do with one project's lockfile.
#[derive(Debug, Clone)]
pub struct Installer {
    /// Whose rules.
    pub rules: NpmRules,
    /// Which install scripts run.
    pub scripts: ScriptPolicy,
    /// Which sources are refused.
    pub gates: SourceGates,
    /// The project's own dependencies.
    pub roots: Roots,
    /// What the project's `package.json` held that npm ignores (an
    /// `allowScripts` that is not an object, dropped keys), and settings
    /// lockproof set aside, in words.
    pub ignored: Vec<String>,
    /// The registries, for which tarball URLs npm takes for remote ones.
    npm: NpmConfig,
}

impl Installer {
    /// The installer for a project: `rules`, its `package.json` (when it
    /// has one) and its npm configuration.
    pub fn new(rules: NpmRules, package: Option<&PackageJson>, npm: &NpmConfig) -> Self {
        let entries = package.and_then(|p| match &p.allow_scripts {
            AllowScriptsField::Entries(e) => Some(e.as_slice()),
            _ => None,
        });
        let scripts = ScriptPolicy::resolve(&rules, entries, npm);
        let mut ignored = scripts.notes().to_vec();
        if rules.gated() {
            if package.is_some_and(|p| p.allow_scripts == AllowScriptsField::NotAnObject) {
                ignored.push("package.json's allowScripts is not an object: npm ignores it".into());
            }
            ignored.extend(scripts.dropped().iter().map(|k| {
                format!(
                    "allowScripts key {k:?} is a range or a dist-tag: npm ignores it (exact \
                     versions joined by || only)"
                )
            }));
        }
        Self {
            gates: SourceGates::read(&rules, npm),
            roots: Roots {
                names: package.map(|p| p.dependencies.clone()),
            },
            scripts,
            rules,
            ignored,
            npm: npm.clone(),
        }
    }

    /// Whether npm refuses `entry`'s source.
    pub fn refusal(&self, entry: &Entry) -> Option<Refusal> {
        self.gates.refusal(entry, &self.roots, &self.npm)
    }
}

/// A project file the installer reads could not be used.
#[derive(Debug, Error)]
pub enum InstallerError {
    /// The file exists but cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Larger than [`package_json::MAX_LEN`].
    #[error("{}: larger than {limit} bytes: not a package.json lockproof reads", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// Not JSON.
    #[error("{}: line {line}, column {column}: not valid JSON: {reason}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's words.
        reason: String,
    },
    /// `--npm-version` is not a version or a major.
    #[error("--npm-version {0:?}: not an npm version (12, or 12.2.3)")]
    BadVersion(String),
}
