//! A shrinkwrap the installer will not read (npm ≥ 12): a reviewer reading
//! it reads what is not installed.

use std::path::PathBuf;

use crate::finding::{Code, Finding, Location};
use crate::installer::which::NpmRules;

/// A shrinkwrap the installer will not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredShrinkwrap {
    /// The shrinkwrap.
    pub shrinkwrap: PathBuf,
    /// The `package-lock.json` beside it, which npm installs from instead;
    /// `None` when there is none.
    pub installed: Option<PathBuf>,
}

/// The finding for `ignored`, which `rules`' npm does not read.
pub fn check(ignored: &IgnoredShrinkwrap, rules: &NpmRules) -> Finding {
    let shrinkwrap = &ignored.shrinkwrap;
    let message = match &ignored.installed {
        None => format!(
            "npm {} does not read npm-shrinkwrap.json, and no package-lock.json is beside it: \
             npm resolves the dependencies afresh, which no lockfile pins",
            rules.major
        ),
        Some(installed) => format!(
            "npm {} installs from {}, not from this file: what it pins is not what is installed",
            rules.major,
            installed.display()
        ),
    };
    Finding::new(
        Code::ShrinkwrapIgnored,
        None,
        message,
        Location::at(shrinkwrap, 1),
    )
}
