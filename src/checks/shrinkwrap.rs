//! A shrinkwrap the installer will not read (npm ≥ 12): a reviewer reading
//! it reads what is not installed.

use std::path::Path;

use crate::finding::{Code, Finding, Location};
use crate::installer::which::NpmRules;

/// The finding for `shrinkwrap`, which `rules`' npm ignores when it
/// installs the project of `audited`.
pub fn check(shrinkwrap: &Path, audited: &Path, rules: &NpmRules) -> Finding {
    let message = if shrinkwrap == audited {
        format!(
            "npm {} does not read npm-shrinkwrap.json, and no package-lock.json is beside it: \
             npm resolves the dependencies afresh, which no lockfile pins",
            rules.major
        )
    } else {
        format!(
            "npm {} installs from {}, not from this file: what it pins is not what is installed",
            rules.major,
            audited.display()
        )
    };
    Finding::new(
        Code::ShrinkwrapIgnored,
        None,
        message,
        Location {
            file: shrinkwrap.display().to_string(),
            line: 1,
        },
    )
}
