//! `lockproof.toml`: read with unknown keys rejected, then validated into a
//! [`Config`] whose every error names the file and line.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use crate::finding::{Code, Severity};
use crate::trust::{Equivalence, HistoryScope, Ladder, TrustLevel};

/// The file name looked for beside the lockfile.
pub const CONFIG_NAME: &str = "lockproof.toml";

/// What policy does with findings of one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    /// Always fails the run.
    Deny,
    /// Reported, never fails the run.
    Warn,
    /// Not reported; counted as suppressed.
    Allow,
}

/// A calendar date (for ignore expiry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
}

impl Date {
    /// The UTC date of `at`.
    pub fn of(at: jiff::Timestamp) -> Self {
        Self::from_days(at.as_second().div_euclid(86_400))
    }

    /// The civil date `days` after 1970-01-01 (Hinnant's algorithm).
    fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day) && text.len() == 10).then_some(Self {
            year,
            month,
            day,
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Which packages an ignore applies to: a name, and optionally an npm
/// semver range (`lodash@^4.17.0`) or exact version.
#[derive(Debug, Clone)]
pub struct PackageMatcher {
    /// The package name.
    pub name: String,
    /// The version range; `None` matches every version.
    pub range: Option<node_semver::Range>,
    /// The spec as written.
    pub spec: String,
}

impl PackageMatcher {
    /// Parses `name`, `name@version` or `name@range`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let spec = spec.trim();
        let (name, range) = match spec.get(1..).and_then(|rest| rest.find('@')) {
            Some(i) => (&spec[..=i], Some(&spec[i + 2..])),
            None => (spec, None),
        };
        if let Some(problem) = crate::lockfile::name::name_problem(name) {
            return Err(format!("package {spec:?}: the name {name:?} {problem}"));
        }
        let range = match range {
            None => None,
            Some(r) => Some(
                node_semver::Range::parse(r)
                    .map_err(|_| format!("package {spec:?}: {r:?} is not an npm version range"))?,
            ),
        };
        Ok(Self {
            name: name.to_string(),
            range,
            spec: spec.to_string(),
        })
    }

    /// Whether `name@version` is covered. An unparseable or missing version
    /// is covered only when no range was given.
    pub fn matches(&self, name: &str, version: Option<&str>) -> bool {
        if name != self.name {
            return false;
        }
        let Some(range) = &self.range else {
            return true;
        };
        version
            .and_then(|v| node_semver::Version::parse(v).ok())
            .is_some_and(|v| range.satisfies(&v))
    }
}

/// What one `[[ignore]]` covers.
#[derive(Debug, Clone)]
pub enum IgnoreTarget {
    /// Findings of `code` about `package`.
    Code {
        /// Packages covered.
        package: PackageMatcher,
        /// The code ignored.
        code: Code,
    },
    /// Findings reporting advisory `id` (or an advisory aliased to it),
    /// about `package` when one is given.
    Advisory {
        /// The advisory id (`GHSA-…`, `CVE-…`, `MAL-…`).
        id: String,
        /// Packages covered; `None`: any package.
        package: Option<PackageMatcher>,
    },
}

impl fmt::Display for IgnoreTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code { package, code } => write!(f, "{code} for {}", package.spec),
            Self::Advisory { id, package: None } => write!(f, "advisory {id}"),
            Self::Advisory {
                id,
                package: Some(p),
            } => write!(f, "advisory {id} for {}", p.spec),
        }
    }
}

/// One `[[ignore]]` entry.
#[derive(Debug, Clone)]
pub struct Ignore {
    /// What it covers.
    pub target: IgnoreTarget,
    /// Why (required).
    pub reason: String,
    /// After this date the ignore stops applying.
    pub expires: Option<Date>,
    /// 1-based line of the entry in the config file.
    pub line: u32,
}

/// A validated configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// `fail-on`, when set.
    pub fail_on: Option<Severity>,
    /// `allowed-hosts`, when set (replaces the default).
    pub allowed_hosts: Option<Vec<String>>,
    /// Level per code.
    pub levels: BTreeMap<Code, LintLevel>,
    /// Ignores, in file order.
    pub ignores: Vec<Ignore>,
    /// The `[trust]` table.
    pub trust: TrustPolicy,
    /// `strict = true` (or `--strict`): evidence that could not be had
    /// fails the run.
    pub strict: bool,
}

/// The minimum package age when `[trust]` sets none: new names are how
/// typosquats and invented names arrive, and a week lets the registry's
/// and researchers' scanners see them first.
pub const DEFAULT_MIN_PACKAGE_AGE_DAYS: u32 = 7;

/// `[trust]`: the trust ladder's options (as pnpm's `trustPolicy` has them).
#[derive(Debug, Clone)]
pub struct TrustPolicy {
    /// `exclude`: packages whose trust downgrades are not reported.
    pub exclude: Vec<NamePattern>,
    /// `ignore-after-days`: a downgrade of a version published longer ago
    /// than this is not reported (it has been in use long enough).
    pub ignore_after_days: Option<u32>,
    /// `min-release-age`: versions younger than this many days are
    /// reported (`release-too-new`). Unset, npm's own `min-release-age`
    /// applies when it sets one (see `checks::Context::with_npm`); 0
    /// turns the check off.
    pub min_release_age_days: Option<u32>,
    /// `min-package-age`: packages first published fewer than this many
    /// days ago are reported (`package-too-new`); 0 turns it off.
    pub min_package_age_days: u32,
    /// `require`: the level matching packages must reach; the most
    /// specific pattern applies (a name, then `@scope/*`, then `*`).
    pub require: Vec<(NamePattern, TrustLevel)>,
    /// `history` and `equivalent`: how versions are compared with their
    /// package's earlier releases.
    pub ladder: Ladder,
    /// `[trust.package."PATTERN"]`: per-package `history` and
    /// `equivalent`, each replacing the table's; of the tables that match
    /// a name and set a key, the most specific pattern's applies.
    pub packages: Vec<(NamePattern, LadderOverride)>,
}

impl Default for TrustPolicy {
    fn default() -> Self {
        Self {
            exclude: Vec::new(),
            ignore_after_days: None,
            min_release_age_days: None,
            min_package_age_days: DEFAULT_MIN_PACKAGE_AGE_DAYS,
            require: Vec::new(),
            ladder: Ladder::default(),
            packages: Vec::new(),
        }
    }
}

impl TrustPolicy {
    /// The ladder `name`'s versions are judged on: each setting from the
    /// most specific `[trust.package]` table that matches and sets it,
    /// else the `[trust]` table's.
    pub fn ladder_for(&self, name: &str) -> Ladder {
        let mut matching: Vec<&(NamePattern, LadderOverride)> = self
            .packages
            .iter()
            .filter(|(p, _)| p.matches(name))
            .collect();
        matching.sort_by_key(|(p, _)| std::cmp::Reverse(p.specificity()));
        Ladder {
            scope: matching
                .iter()
                .find_map(|(_, o)| o.scope)
                .unwrap_or(self.ladder.scope),
            equivalence: matching
                .iter()
                .find_map(|(_, o)| o.equivalence)
                .unwrap_or(self.ladder.equivalence),
        }
    }
}

/// One `[trust.package."PATTERN"]` table: what it sets, `None` where the
/// `[trust]` table's setting stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LadderOverride {
    /// `history`.
    pub scope: Option<HistoryScope>,
    /// `equivalent`.
    pub equivalence: Option<Equivalence>,
}

/// A package-name pattern: an exact name, `@scope/*`, or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern(String);

impl NamePattern {
    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        match self.0.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => self.0 == name,
        }
    }

    /// Whether this is a `@scope/*` pattern.
    pub fn matches_any_in_scope(&self) -> bool {
        self.0.starts_with('@') && self.0.ends_with("/*")
    }

    /// How specific the pattern is, for the most specific to win: `*` 0,
    /// `@scope/*` 1, a name 2.
    pub fn specificity(&self) -> u8 {
        if self.0 == "*" {
            0
        } else if self.matches_any_in_scope() {
            1
        } else {
            2
        }
    }

    fn parse(text: &str) -> Result<NamePattern, String> {
        let ok = text == "*"
            || (text.starts_with('@') && text.ends_with("/*") && text.len() > 3)
            || (!text.is_empty() && !text.contains('*'));
        if ok {
            Ok(NamePattern(text.to_owned()))
        } else {
            Err(format!(
                "package pattern {text:?}: expected a name, @scope/* or *"
            ))
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Invalid TOML or an invalid value.
    #[error("{path}: line {line}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u32,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    strict: bool,
    allowed_hosts: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    levels: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
    trust: Option<RawTrust>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTrust {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    ignore_after_days: Option<u32>,
    min_release_age: Option<u32>,
    min_package_age: Option<u32>,
    #[serde(default)]
    require: toml::value::Table,
    history: Option<Spanned<String>>,
    equivalent: Option<Spanned<Vec<Vec<String>>>>,
    #[serde(default)]
    package: BTreeMap<Spanned<String>, RawLadder>,
}

/// A `[trust.package."PATTERN"]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLadder {
    history: Option<Spanned<String>>,
    equivalent: Option<Spanned<Vec<Vec<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    package: Option<Spanned<String>>,
    code: Option<Spanned<String>>,
    advisory: Option<Spanned<String>>,
    reason: Spanned<String>,
    expires: Option<Spanned<toml::Value>>,
}

/// Reads `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// The config beside `lockfile` (`lockproof.toml`), if there is one.
pub fn find_beside(lockfile: &Path) -> Option<PathBuf> {
    let candidate = lockfile.parent()?.join(CONFIG_NAME);
    candidate.is_file().then_some(candidate)
}

/// Parses and validates config text; `path` is used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let invalid = |offset: usize, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: line_of(text, offset),
        message,
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        invalid(offset, e.message().trim().to_string())
    })?;
    let fail_on = match raw.fail_on {
        None => None,
        Some(s) => Some(Severity::from_name(s.get_ref()).ok_or_else(|| {
            invalid(
                s.span().start,
                format!(
                    "fail-on {:?}: expected critical, high, medium, low or info",
                    s.get_ref()
                ),
            )
        })?),
    };
    let allowed_hosts = raw.allowed_hosts.map(|hosts| {
        hosts
            .into_iter()
            .map(|h| h.into_inner().trim().to_ascii_lowercase())
            .collect()
    });
    let mut levels = BTreeMap::new();
    for (code, level) in raw.levels {
        let c = parse_code(code.get_ref()).map_err(|m| invalid(code.span().start, m))?;
        let l = match level.get_ref().as_str() {
            "deny" => LintLevel::Deny,
            "warn" => LintLevel::Warn,
            "allow" => LintLevel::Allow,
            other => {
                return Err(invalid(
                    level.span().start,
                    format!("level {other:?} for {c}: expected deny, warn or allow"),
                ));
            }
        };
        levels.insert(c, l);
    }
    let mut ignores = Vec::new();
    for item in raw.ignore {
        let start = item.span().start;
        let item = item.into_inner();
        let package = item
            .package
            .as_ref()
            .map(|p| PackageMatcher::parse(p.get_ref()).map_err(|m| invalid(p.span().start, m)))
            .transpose()?;
        let target = match (&item.code, &item.advisory, package) {
            (Some(code), None, Some(package)) => IgnoreTarget::Code {
                package,
                code: parse_code(code.get_ref()).map_err(|m| invalid(code.span().start, m))?,
            },
            (None, Some(id), package) => {
                crate::advisories::ignore::check_id(id.get_ref())
                    .map_err(|e| invalid(id.span().start, format!("advisory: {e}")))?;
                IgnoreTarget::Advisory {
                    id: id.get_ref().trim().to_owned(),
                    package,
                }
            }
            (Some(_), Some(id), _) => {
                return Err(invalid(
                    id.span().start,
                    "an ignore names a code or an advisory, not both".into(),
                ));
            }
            (Some(code), None, None) => {
                return Err(invalid(
                    code.span().start,
                    "an ignore of a code needs the package it covers".into(),
                ));
            }
            (None, None, _) => {
                return Err(invalid(
                    start,
                    "an ignore needs a code (with a package) or an advisory".into(),
                ));
            }
        };
        if item.reason.get_ref().trim().is_empty() {
            return Err(invalid(
                item.reason.span().start,
                "ignore reason is empty".into(),
            ));
        }
        let expires = match item.expires {
            None => None,
            Some(v) => Some(parse_date(v.get_ref()).ok_or_else(|| {
                invalid(
                    v.span().start,
                    "expires: expected a date like 2027-06-30".into(),
                )
            })?),
        };
        ignores.push(Ignore {
            target,
            reason: item.reason.into_inner(),
            expires,
            line: line_of(text, start),
        });
    }
    let trust = match raw.trust {
        None => TrustPolicy::default(),
        Some(t) => TrustPolicy {
            exclude: t
                .exclude
                .iter()
                .map(|p| NamePattern::parse(p.get_ref()).map_err(|m| invalid(p.span().start, m)))
                .collect::<Result<_, _>>()?,
            ignore_after_days: t.ignore_after_days,
            min_release_age_days: t.min_release_age,
            min_package_age_days: t.min_package_age.unwrap_or(DEFAULT_MIN_PACKAGE_AGE_DAYS),
            ladder: {
                let set = ladder_override(t.history.as_ref(), t.equivalent.as_ref())
                    .map_err(|(at, m)| invalid(at, m))?;
                Ladder {
                    scope: set.scope.unwrap_or_default(),
                    equivalence: set.equivalence.unwrap_or_default(),
                }
            },
            packages: t
                .package
                .iter()
                .map(|(pattern, l)| {
                    let p = NamePattern::parse(pattern.get_ref())
                        .map_err(|m| invalid(pattern.span().start, m))?;
                    let o = ladder_override(l.history.as_ref(), l.equivalent.as_ref())
                        .map_err(|(at, m)| invalid(at, m))?;
                    Ok((p, o))
                })
                .collect::<Result<_, ConfigError>>()?,
            require: t
                .require
                .iter()
                .map(|(pattern, level)| {
                    let at = text.find("[trust").unwrap_or(0);
                    let pattern = NamePattern::parse(pattern).map_err(|m| invalid(at, m))?;
                    let level =
                        level
                            .as_str()
                            .and_then(TrustLevel::from_name)
                            .ok_or_else(|| {
                                invalid(
                                    at,
                                    "trust.require: expected a level: none, signed, provenance, \
                                 trusted-publisher or staged"
                                        .into(),
                                )
                            })?;
                    Ok((pattern, level))
                })
                .collect::<Result<_, ConfigError>>()?,
        },
    };
    Ok(Config {
        path: Some(path.to_path_buf()),
        fail_on,
        allowed_hosts,
        levels,
        ignores,
        trust,
        strict: raw.strict,
    })
}

/// What `history` and `equivalent` set, or the offset and message of the
/// first bad value.
fn ladder_override(
    history: Option<&Spanned<String>>,
    equivalent: Option<&Spanned<Vec<Vec<String>>>>,
) -> Result<LadderOverride, (usize, String)> {
    let scope = history
        .map(|h| {
            HistoryScope::from_name(h.get_ref()).ok_or_else(|| {
                (
                    h.span().start,
                    format!("history {:?}: expected \"major\" or \"all\"", h.get_ref()),
                )
            })
        })
        .transpose()?;
    let equivalence = equivalent
        .map(|e| {
            let groups = e
                .get_ref()
                .iter()
                .map(|group| {
                    let levels = group
                        .iter()
                        .map(|name| TrustLevel::from_name(name).ok_or(name))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|name| {
                            format!(
                                "equivalent: {name:?} is not a level: expected none, signed, \
                                 provenance, trusted-publisher or staged"
                            )
                        })?;
                    if levels.len() < 2 {
                        return Err("equivalent: each group lists at least two levels".to_string());
                    }
                    Ok(levels)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| (e.span().start, m))?;
            Ok(Equivalence::of(&groups))
        })
        .transpose()?;
    Ok(LadderOverride { scope, equivalence })
}

fn parse_code(name: &str) -> Result<Code, String> {
    Code::from_name(name)
        .ok_or_else(|| format!("unknown finding code {name:?} (see `lockproof explain --list`)"))
}

fn parse_date(value: &toml::Value) -> Option<Date> {
    match value {
        toml::Value::String(s) => Date::parse(s),
        toml::Value::Datetime(dt) if dt.time.is_none() => {
            let d = dt.date?;
            Some(Date {
                year: i32::from(d.year),
                month: d.month,
                day: d.day,
            })
        }
        _ => None,
    }
}

fn line_of(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset.min(text.len())).unwrap_or(text);
    u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
