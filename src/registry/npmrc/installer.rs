//! The settings that decide what npm installs and runs
//! ([`INSTALLER_KEYS`]), kept as npm's config reader types them.
//!
//! npm keeps the value of the highest layer that sets a key; in a file,
//! `key[]=` lines make the value a list, which later plain lines of the
//! same file join. A boolean is decided on the value as written, before
//! `${VAR}` expansion: only `false`, `null` and `undefined` are off, and
//! any other word (`0`, `no`, `FALSE`, a list) is on, because npm keeps
//! the string and JavaScript reads it as true. An `allow-*` value other
//! than `all`, `none` (and `undefined`, which leaves `all`) lets through
//! the project's own dependencies only.
//!
//! What a pull request writes in the project's `.npmrc` may not be there
//! where npm installs (a container build that copies `package.json` and
//! the lockfile only), so a project file that makes npm run or fetch
//! *less* (`ignore-scripts`, an `allow-*` narrower than the default) is
//! not taken on trust: [`Setting::from_project`] lets the caller set it
//! aside. What makes npm run or fetch more is kept from every layer.

use super::{Entry, Layer, Origin};

/// The settings that decide which sources npm installs from and which
/// install scripts it runs, as [`super::NpmConfig::installer_lines`]
/// keeps them.
pub const INSTALLER_KEYS: [&str; 8] = [
    "allow-directory",
    "allow-file",
    "allow-git",
    "allow-remote",
    "allow-scripts",
    "dangerously-allow-all-scripts",
    "ignore-scripts",
    "strict-allow-scripts",
];

/// One line that sets an installer setting, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The value after unquoting and `${VAR}` expansion (`"true"` for a
    /// bare key).
    pub value: String,
    /// The value before `${VAR}` expansion, which npm's type coercion
    /// reads.
    pub written: String,
    /// A `key[]=` line, which makes npm's value a list.
    pub list: bool,
    /// The file and line, or the environment variable.
    pub origin: Origin,
    /// Set in the project's own `.npmrc`.
    pub from_project: bool,
}

/// Every line of the highest layer that sets `key` (plain or `key[]`), in
/// order; empty when no layer does.
pub(super) fn lines(layers: &[Vec<Entry>], key: &str) -> Vec<Setting> {
    let list_key = format!("{key}[]");
    layers
        .iter()
        .rev()
        .map(|layer| {
            layer
                .iter()
                .filter(|e| e.key == key || e.key == list_key)
                .map(|e| Setting {
                    value: e.value.trim().to_string(),
                    written: e.written.value.trim().to_string(),
                    list: e.key == list_key,
                    origin: e.origin.clone(),
                    from_project: e.rank.0 == Layer::Project,
                })
                .collect::<Vec<_>>()
        })
        .find(|lines| !lines.is_empty())
        .unwrap_or_default()
}

/// A boolean setting as npm reads `lines` (see the module doc), with the
/// line that decides it.
pub fn flag(lines: &[Setting]) -> Option<(bool, &Setting)> {
    if let Some(list) = lines.iter().find(|s| s.list) {
        return Some((true, list));
    }
    let last = lines.last()?;
    let off = matches!(last.written.as_str(), "false" | "null" | "undefined");
    Some((!off, last))
}
