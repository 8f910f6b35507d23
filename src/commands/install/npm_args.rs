//! The arguments `lockproof install` runs `npm ci` with: the user's,
//! each checked, then lockproof's own settings ([`settings`]: `--offline`,
//! the cache folder of verified bytes, no update check, audit or funding
//! request, the registry), which npm reads last.
//!
//! Each user argument is read here the way npm's argument parser (nopt)
//! reads it, against npm's own option table ([`super::npm_options`]), and
//! refused unless nothing in it can change how npm reads the arguments
//! after it: nopt takes the next argument as the value of a bare option
//! that is not a plain flag, reads a flag's `=value` again as an argument
//! of its own, ends options at `--`, and expands shorthands. Accepted:
//!
//! - `--name` and `--no-name` when npm types `name` Boolean, and only
//!   Boolean, in every npm version the table was read from;
//! - `--name=VALUE` for any other option, known or not, where `VALUE`
//!   does not start with `-` (for a flag: `true` or `false`);
//!
//! names compared as nopt compares them: any case, any number of leading
//! dashes and of `no-` prefixes, unambiguous abbreviations. Refused: the
//! options lockproof sets itself (and scoped registries), npm's installer
//! settings (`allow-git`, `dangerously-allow-all-scripts`, …) in any form
//! but `--ignore-scripts` and `--strict-allow-scripts` (the audit judged
//! scripts and sources by the project's settings), every shorthand (single-dash or not; the
//! error names what npm would expand it to), `--`, and bare words (`npm
//! ci` takes no package names; a value belongs in its option's argument).

use std::ffi::{OsStr, OsString};
use std::path::Path;

use super::npm_options::{Kind, OPTIONS, SHORTHANDS, VERSIONS};
use crate::registry::npmrc::INSTALLER_KEYS;

/// npm options lockproof sets itself, or that would install another
/// project than the one audited (`prefix`): refused in any form.
const SETTLED: [&str; 6] = [
    "cache",
    "offline",
    "online",
    "prefer-online",
    "registry",
    "prefix",
];

/// A user argument lockproof does not hand to npm, and why.
#[derive(Debug, thiserror::Error)]
#[error("npm argument {arg:?} is not allowed: {why}")]
pub(super) struct Refused {
    /// The argument as the user gave it.
    pub arg: String,
    /// Why it is refused.
    pub why: Why,
}

/// Why a user argument is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum Why {
    /// A bare word: a package name or an option's value on its own.
    #[error(
        "npm ci takes no package names, and an option's value must be in the option's own \
         argument (--name=VALUE)"
    )]
    Positional,
    /// `--` (any number of dashes): npm would read every argument after
    /// it, lockproof's own options included, as a plain argument.
    #[error("npm would read lockproof's own options after it as plain arguments")]
    EndOfOptions,
    /// Dashes (and `no-`) with no name after them.
    #[error("it names no option")]
    NoName,
    /// An option lockproof sets itself, or `prefix`.
    #[error(
        "npm would read it as --{option}, which lockproof install sets itself (the cache of \
         verified bytes, --offline, the registry and the project folder), so that npm installs \
         only the bytes lockproof verified, in the project it audited"
    )]
    Settled {
        /// The option it names (or abbreviates).
        option: String,
    },
    /// A shorthand, or a single-dash argument: npm expands it.
    #[error(
        "npm would read it as `{reads_as}`: write the option out in full, a value as --name=VALUE"
    )]
    Shorthand {
        /// What npm reads instead.
        reads_as: String,
    },
    /// A bare option that is not a plain flag.
    #[error(
        "--{option} takes a value: give it as --{option}=VALUE, so that npm cannot take the next \
         argument as its value"
    )]
    NeedsEquals {
        /// The option.
        option: &'static str,
    },
    /// A bare option npm's table does not have.
    #[error(
        "it is not an option of npm {versions}: an option lockproof does not know is handed to \
         npm only as --name=VALUE"
    )]
    Unknown {
        /// The npm versions of the table.
        versions: String,
    },
    /// A bare abbreviation of more than one option.
    #[error("it abbreviates several npm options ({candidates}): write the option out in full")]
    Ambiguous {
        /// The options it abbreviates, comma-separated.
        candidates: String,
    },
    /// `=VALUE` starting with `-`: npm reads such a value as an option.
    #[error("npm would read a value that starts with '-' as an option of its own")]
    DashValue,
    /// A flag's `=VALUE` other than `true` or `false`, which npm reads as
    /// an argument of its own.
    #[error("--{option} is a flag: give it bare, or as --{option}=true or --{option}=false")]
    FlagValue {
        /// The flag.
        option: &'static str,
    },
    /// `--no-name=VALUE`: npm reads the value as an argument of its own.
    #[error("a --no- option takes no value: give it bare, or as --name=VALUE")]
    NegatedValue,
    /// An installer setting that would make npm run or fetch more than
    /// the audit judged.
    #[error(
        "--{option} would change which install scripts npm runs or which sources it fetches after \
         the audit judged them: set it in .npmrc, where lockproof reads it (only --ignore-scripts \
         and --strict-allow-scripts are taken here)"
    )]
    Installer {
        /// The option.
        option: &'static str,
    },
}

/// The value of one of lockproof's own npm settings.
pub(super) enum Setting {
    /// A flag, on or off.
    Flag(bool),
    /// A value.
    Value(OsString),
}

impl Setting {
    /// As one command-line argument: `--name`, `--no-name`, `--name=value`.
    pub(super) fn arg(&self, name: &str) -> OsString {
        match self {
            Setting::Flag(true) => format!("--{name}").into(),
            Setting::Flag(false) => format!("--no-{name}").into(),
            Setting::Value(value) => {
                let mut arg = OsString::from(format!("--{name}="));
                arg.push(value);
                arg
            }
        }
    }

    /// As the value of its `npm_config_*` variable.
    pub(super) fn env(&self) -> OsString {
        match self {
            Setting::Flag(on) => on.to_string().into(),
            Setting::Value(value) => value.clone(),
        }
    }
}

/// The `npm_config_*` variable that sets the option `name`.
pub(super) fn variable(name: &str) -> String {
    format!("npm_config_{}", name.replace('-', "_"))
}

/// Whether npm reads the environment variable `var` as the option `name`:
/// as `@npmcli/config` maps them, `npm_config_` in any case, then the
/// key in any case with `_` for `-` (but a leading `_` kept).
pub(super) fn sets(var: &OsStr, name: &str) -> bool {
    let Some(var) = var.to_str() else {
        return false;
    };
    let Some(key) = var
        .get(..PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(PREFIX))
        .and_then(|_| var.get(PREFIX.len()..))
    else {
        return false;
    };
    let mut chars = key.chars();
    let first = chars.next().map(|c| c.to_ascii_lowercase());
    let rest = chars.map(|c| {
        if c == '_' {
            '-'
        } else {
            c.to_ascii_lowercase()
        }
    });
    first.into_iter().chain(rest).eq(name.chars())
}

/// What npm's environment variables start with.
const PREFIX: &str = "npm_config_";

/// lockproof's own npm settings, handed to npm after the user's
/// arguments (npm keeps the last value of an option, and [`check`] keeps
/// the user's arguments from reaching into these), each one
/// self-contained argument: no update check, audit or funding request,
/// which npm would otherwise send to the registry (with its token);
/// `--offline` and the cache folder of verified bytes, so that npm
/// installs those bytes or nothing; and the registry lockproof audited
/// against if one was given, where npm must look for the metadata
/// lockproof placed.
pub(super) fn settings(npm_cache: &Path, registry: Option<&str>) -> Vec<(&'static str, Setting)> {
    let mut settings = vec![
        ("update-notifier", Setting::Flag(false)),
        ("audit", Setting::Flag(false)),
        ("fund", Setting::Flag(false)),
        ("offline", Setting::Flag(true)),
        ("cache", Setting::Value(npm_cache.into())),
    ];
    if let Some(registry) = registry {
        settings.push(("registry", Setting::Value(registry.into())));
    }
    settings
}

/// The first of `args` that lockproof does not hand to npm, with why.
pub(super) fn check(args: &[String]) -> Result<(), Refused> {
    for arg in args {
        if let Err(why) = read(arg) {
            return Err(Refused {
                arg: arg.clone(),
                why,
            });
        }
    }
    Ok(())
}

/// How npm would read one argument: `Ok` when it is self-contained.
fn read(arg: &str) -> Result<(), Why> {
    // nopt: an argument is an option when it starts with `-` and is longer.
    if arg.len() < 2 || !arg.starts_with('-') {
        return Err(Why::Positional);
    }
    if arg.bytes().all(|b| b == b'-') {
        return Err(Why::EndOfOptions);
    }
    let (head, value) = match arg.split_once('=') {
        Some((head, value)) => (head, Some(value)),
        None => (arg, None),
    };
    let name = head.trim_start_matches('-');
    if name.is_empty() {
        return Err(Why::NoName);
    }
    if let Some(expansion) = shorthand(name) {
        return Err(Why::Shorthand {
            reads_as: expansion.join(" "),
        });
    }
    if !head.starts_with("--") {
        // nopt reads `-name` as `--name`; a typo for a shorthand is
        // refused the same way.
        return Err(Why::Shorthand {
            reads_as: format!("--{name}"),
        });
    }
    let (negated, key) = strip_no(name);
    if key.is_empty() {
        return Err(Why::NoName);
    }
    let key = key.to_ascii_lowercase();
    if let Some(option) = settled(&key) {
        return Err(Why::Settled { option });
    }
    let option = resolve(&key);
    if let Resolved::Option(name, _) = option
        && loosens_installer(name, negated, value)
    {
        // Refused as a malformed argument first, where it is one.
        read_value(option, negated, value)?;
        return Err(Why::Installer { option: name });
    }
    read_value(option, negated, value)
}

/// Whether `value` (after `=`, if any) of `option` keeps the argument
/// self-contained.
fn read_value(option: Resolved, negated: bool, value: Option<&str>) -> Result<(), Why> {
    match value {
        None => match option {
            Resolved::Option(_, Kind::Boolean) => Ok(()),
            Resolved::Option(option, Kind::Value) => Err(Why::NeedsEquals { option }),
            Resolved::Unknown => Err(Why::Unknown {
                versions: VERSIONS.join(" and "),
            }),
            Resolved::Ambiguous(candidates) => Err(Why::Ambiguous {
                candidates: candidates.join(", "),
            }),
        },
        Some(_) if negated => Err(Why::NegatedValue),
        Some(value) if value.starts_with('-') => Err(Why::DashValue),
        Some(value) => match option {
            Resolved::Option(option, Kind::Boolean) if !matches!(value, "true" | "false") => {
                Err(Why::FlagValue { option })
            }
            // Anything else takes the value, or leaves it a plain word
            // (ambiguous abbreviations are unknown to nopt), which `npm
            // ci` ignores: it cannot start an option.
            _ => Ok(()),
        },
    }
}

/// Whether `--option` (negated, with `value`) is one of npm's installer
/// settings ([`INSTALLER_KEYS`]) in a form that may make npm run or fetch
/// more than the audit judged: all but turning scripts off or strict.
fn loosens_installer(option: &str, negated: bool, value: Option<&str>) -> bool {
    if !INSTALLER_KEYS.contains(&option) {
        return false;
    }
    let on = !negated && matches!(value, None | Some("true"));
    !(on && matches!(option, "ignore-scripts" | "strict-allow-scripts"))
}

/// What an option name (any case, dashes and `no-` removed) names.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// One option, by its name or an unambiguous abbreviation.
    Option(&'static str, Kind),
    /// No option.
    Unknown,
    /// An abbreviation of several.
    Ambiguous(Vec<&'static str>),
}

/// Resolves `key` (lowercase) as nopt resolves a name: the option itself,
/// else the one option it abbreviates.
fn resolve(key: &str) -> Resolved {
    if let Ok(i) = OPTIONS.binary_search_by(|(name, _)| (*name).cmp(key)) {
        return OPTIONS.get(i).map_or(Resolved::Unknown, |&(name, kind)| {
            Resolved::Option(name, kind)
        });
    }
    let matching: Vec<(&'static str, Kind)> = OPTIONS
        .iter()
        .filter(|(name, _)| name.starts_with(key))
        .copied()
        .collect();
    match matching.as_slice() {
        [] => Resolved::Unknown,
        [(name, kind)] => Resolved::Option(name, *kind),
        more => Resolved::Ambiguous(more.iter().map(|(name, _)| *name).collect()),
    }
}

/// nopt strips any number of `no-` prefixes (any case) and negates the
/// option for each: whether any were there, and what is left.
fn strip_no(mut name: &str) -> (bool, &str) {
    let mut negated = false;
    while name.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("no-")) {
        negated = true;
        name = name.get(3..).unwrap_or_default();
    }
    (negated, name)
}

/// The refused option `key` names: itself if it is an option, else any
/// refused option it abbreviates (nopt would read it as that option if
/// it is the only one it abbreviates); a scoped registry too
/// (`@scope:registry`).
fn settled(key: &str) -> Option<String> {
    if key.starts_with('@') && key.ends_with(":registry") {
        return Some(key.to_string());
    }
    let exact = OPTIONS
        .binary_search_by(|(name, _)| (*name).cmp(key))
        .is_ok();
    SETTLED
        .iter()
        .find(|o| {
            if exact {
                **o == key
            } else {
                o.starts_with(key)
            }
        })
        .map(|o| (*o).to_string())
}

/// What nopt's `resolveShort` expands `name` (dashes and any `=value`
/// removed, case kept) to, if it is a shorthand: the name itself, a run
/// of single-letter shorthands (`wC`), or an unambiguous abbreviation of
/// a shorthand. An option's own name is never a shorthand; where nopt
/// prefers an abbreviated option over an abbreviated shorthand, this
/// still says shorthand (refused either way, and nopt means to stop
/// expanding abbreviations).
fn shorthand(name: &str) -> Option<Vec<&'static str>> {
    if OPTIONS.binary_search_by(|(o, _)| (*o).cmp(name)).is_ok() {
        return None;
    }
    if let Some(expansion) = shorthand_exact(name) {
        return Some(expansion.to_vec());
    }
    let singles: Option<Vec<&'static str>> = name
        .chars()
        .map(|c| shorthand_exact(c.encode_utf8(&mut [0; 4])))
        .try_fold(Vec::new(), |mut all, expansion| {
            all.extend_from_slice(expansion?);
            Some(all)
        });
    if singles.is_some() {
        return singles;
    }
    let mut abbreviated = SHORTHANDS.iter().filter(|(s, _)| s.starts_with(name));
    match (abbreviated.next(), abbreviated.next()) {
        (Some((_, expansion)), None) => Some(expansion.to_vec()),
        _ => None,
    }
}

/// The expansion of the shorthand named exactly `name`.
fn shorthand_exact(name: &str) -> Option<&'static [&'static str]> {
    let i = SHORTHANDS.binary_search_by(|(s, _)| (*s).cmp(name)).ok()?;
    SHORTHANDS.get(i).map(|(_, expansion)| *expansion)
}

#[cfg(test)]
mod tests;
