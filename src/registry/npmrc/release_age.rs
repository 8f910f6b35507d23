//! npm's release-age gate, `min-release-age` (days) and
//! `min-release-age-exclude` (names or globs), read as npm 11.10+ reads
//! them, for `release-too-new` to apply when `lockproof.toml` sets no
//! minimum of its own.
//!
//! # As npm reads them
//!
//! Per key, the highest layer that sets a usable value wins (environment,
//! then the project's `.npmrc`, then the user's). `min-release-age` is a
//! JavaScript `Number`: fractions count (`0.5` is twelve hours), an empty
//! value is 0 and turns the gate off, a bare key is 1, and `null`,
//! `false` or a value that is not a number leave the key to the layers
//! below. `min-release-age-exclude` is a list: `key[]=` lines in a file
//! (a plain `key=` line after them adds to the list, one before them
//! starts it), a plain value otherwise; every item is split on commas and
//! trimmed, and empty items are dropped.
//!
//! # What the project's `.npmrc` may change
//!
//! The project's file is honoured: it is the project's own gate, as
//! `lockproof.toml` is, and a change that lowers it could as well lower
//! `lockproof.toml`'s. It cannot weaken a gate set outside the repository
//! (the user's `.npmrc` or `npm_config_*` variables), whose owner means it
//! for every project: with one set there, the larger minimum wins and
//! only exclusions set outside the repository apply. This is stricter
//! than npm, which lets a project's file lower the user's; the same rule
//! keeps TLS settings out of the project's reach (see the parent module).

use super::glob::NameGlob;
use super::ini::js_trim;
use super::{Entry, Layer, Origin};

const DAYS: &str = "min-release-age";
const EXCLUDE: &str = "min-release-age-exclude";

/// The gate npm's configuration sets.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseAge {
    /// The minimum age, in days; more than 0.
    pub days: f64,
    /// Where `days` was set.
    pub origin: Origin,
    /// Packages exempt from the gate.
    pub exclude: Vec<NameGlob>,
}

impl ReleaseAge {
    /// The minimum age in seconds (saturating: `Infinity` days makes every
    /// version too new, as npm then installs none).
    pub fn seconds(&self) -> i64 {
        // `as` saturates for floats, which is the rounding wanted here.
        (self.days * 86_400.0) as i64
    }

    /// Whether `name` is exempt.
    pub fn exempts(&self, name: &str) -> bool {
        self.exclude.iter().any(|g| g.matches(name))
    }
}

/// What one layer says about the minimum age.
#[derive(Debug, Clone, Copy)]
enum Days<'e> {
    /// Nothing usable: the layers below decide.
    Unset,
    /// A number of days, and the line that set it.
    Set(f64, &'e Entry),
}

/// The gate `layers` (user, project, environment: lowest precedence
/// first) set, or `None` when none is in force.
pub(super) fn resolve(layers: [&[Entry]; 3]) -> Option<ReleaseAge> {
    let days: Vec<(Option<Layer>, Days)> =
        layers.iter().map(|l| (layer_of(l), days_of(l))).collect();
    let highest = |outside_only: bool| {
        days.iter()
            .rev()
            .filter(|(layer, _)| !outside_only || *layer != Some(Layer::Project))
            .find_map(|(_, d)| match d {
                Days::Set(n, e) => Some((*n, *e)),
                Days::Unset => None,
            })
    };
    let lists: Vec<(Option<Layer>, Option<Vec<NameGlob>>)> = layers
        .iter()
        .map(|l| (layer_of(l), exclude_of(l)))
        .collect();
    let exclude = |outside_only: bool| {
        lists
            .iter()
            .rev()
            .filter(|(layer, _)| !outside_only || *layer != Some(Layer::Project))
            .find_map(|(_, list)| list.clone())
            .unwrap_or_default()
    };
    let (days, entry, exclude) = match (highest(false), highest(true)) {
        (Some(npm), Some(outside)) => {
            let stricter = if npm.0 > outside.0 { npm } else { outside };
            (stricter.0, stricter.1, exclude(true))
        }
        (Some(npm), None) => (npm.0, npm.1, exclude(false)),
        (None, _) => return None,
    };
    (days > 0.0).then(|| ReleaseAge {
        days,
        origin: entry.origin.clone(),
        exclude,
    })
}

fn layer_of(entries: &[Entry]) -> Option<Layer> {
    entries.first().map(|e| e.rank.0)
}

/// The layer's `min-release-age`: its last line, as ini keeps the last.
fn days_of(entries: &[Entry]) -> Days<'_> {
    let Some(entry) = entries.iter().rev().find(|e| e.key == DAYS) else {
        return Days::Unset;
    };
    let from_file = matches!(entry.origin, Origin::File { .. });
    match js_trim(&entry.value) {
        // ini turns these words into JSON values in files; nopt reads
        // `true` as 1 and `false` (like `null`) as no value.
        "true" if from_file => Days::Set(1.0, entry),
        "false" if from_file => Days::Unset,
        "null" => Days::Unset,
        text => js_number(text).map_or(Days::Unset, |n| Days::Set(n, entry)),
    }
}

/// JavaScript's `Number(text)` for a trimmed string, `None` for `NaN`.
fn js_number(text: &str) -> Option<f64> {
    if text.is_empty() {
        return Some(0.0);
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = text
            .get(..2)
            .filter(|p| p.eq_ignore_ascii_case(prefix))
            .and_then(|_| text.get(2..))
        {
            return u64::from_str_radix(digits, radix).ok().map(|n| n as f64);
        }
    }
    match text {
        "Infinity" | "+Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        // Rust also reads `inf` and `NaN`, which JavaScript does not.
        _ if text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) =>
        {
            text.parse().ok()
        }
        _ => None,
    }
}

/// The layer's `min-release-age-exclude`, or `None` when it sets none.
fn exclude_of(entries: &[Entry]) -> Option<Vec<NameGlob>> {
    let list_key = format!("{EXCLUDE}[]");
    let mut items: Option<Vec<&str>> = None;
    let mut is_list = false;
    for e in entries {
        if e.key == list_key {
            is_list = true;
            items.get_or_insert_with(Vec::new).push(&e.value);
        } else if e.key == EXCLUDE {
            if is_list {
                items.get_or_insert_with(Vec::new).push(&e.value);
            } else {
                items = Some(vec![&e.value]);
            }
        }
    }
    items.map(|items| {
        let mut seen = std::collections::BTreeSet::new();
        items
            .into_iter()
            .flat_map(|item| item.split(','))
            .map(js_trim)
            .filter(|item| !item.is_empty() && seen.insert(*item))
            .map(NameGlob::parse)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::registry::npmrc::Written;

    fn entry(layer: Layer, line: usize, key: &str, value: &str) -> Entry {
        let origin = match layer {
            Layer::Env => Origin::Env {
                name: format!("npm_config_{}", key.replace('-', "_")),
            },
            _ => Origin::File {
                path: PathBuf::from(if layer == Layer::User {
                    "home/.npmrc"
                } else {
                    ".npmrc"
                }),
                line,
            },
        };
        Entry {
            key: key.into(),
            value: value.into(),
            written: Written {
                key: key.into(),
                value: value.into(),
            },
            origin,
            rank: (layer, line),
            expanded: Vec::new(),
        }
    }

    fn file(layer: Layer, lines: &[(&str, &str)]) -> Vec<Entry> {
        lines
            .iter()
            .enumerate()
            .map(|(i, (k, v))| entry(layer, i + 1, k, v))
            .collect()
    }

    fn gate(
        user: &[(&str, &str)],
        project: &[(&str, &str)],
        env: &[(&str, &str)],
    ) -> Option<(f64, String, Vec<String>)> {
        let (u, p, e) = (
            file(Layer::User, user),
            file(Layer::Project, project),
            file(Layer::Env, env),
        );
        resolve([&u, &p, &e]).map(|g| {
            (
                g.days,
                g.origin.to_string(),
                g.exclude.iter().map(|x| x.as_str().to_owned()).collect(),
            )
        })
    }

    #[test]
    fn days_read_as_npm_reads_them() {
        let days = |v: &str| gate(&[], &[(DAYS, v)], &[]).map(|g| g.0);
        assert_eq!(days("3"), Some(3.0));
        assert_eq!(days("0.5"), Some(0.5));
        assert_eq!(days("true"), Some(1.0), "a bare key");
        assert_eq!(days("0x10"), Some(16.0));
        assert_eq!(days("1e1"), Some(10.0));
        assert_eq!(days("Infinity"), Some(f64::INFINITY));
        for off in ["", "0", "-2", "null", "false", "abc", "NaN", "inf"] {
            assert_eq!(days(off), None, "{off:?}");
        }
        let inf = resolve([&[], &file(Layer::Project, &[(DAYS, "Infinity")]), &[]]).expect("gate");
        assert_eq!(inf.seconds(), i64::MAX);
    }

    #[test]
    fn unusable_values_leave_the_key_to_the_layers_below_and_zero_does_not() {
        assert_eq!(
            gate(&[(DAYS, "2")], &[(DAYS, "abc")], &[]).map(|g| g.0),
            Some(2.0)
        );
        assert_eq!(
            gate(&[(DAYS, "2")], &[(DAYS, "null")], &[]).map(|g| g.0),
            Some(2.0)
        );
        assert_eq!(
            gate(&[], &[(DAYS, "5")], &[(DAYS, "")]),
            None,
            "the environment's 0 wins"
        );
        assert_eq!(
            gate(&[], &[(DAYS, "5"), (DAYS, "")], &[]),
            None,
            "the last line"
        );
    }

    #[test]
    fn the_project_file_cannot_weaken_a_gate_set_outside_it() {
        let g = gate(&[(DAYS, "7")], &[(DAYS, "1"), (EXCLUDE, "*")], &[]).expect("gate");
        assert_eq!((g.0, g.1.as_str()), (7.0, "home/.npmrc:1"));
        assert!(g.2.is_empty(), "the project's exclusions do not apply");
        let g = gate(
            &[(DAYS, "2"), (EXCLUDE, "a")],
            &[(DAYS, "9"), (EXCLUDE, "b")],
            &[],
        )
        .expect("gate");
        assert_eq!(
            (g.0, g.1.as_str(), g.2),
            (9.0, ".npmrc:1", vec!["a".to_string()])
        );
        let g = gate(&[], &[(DAYS, "4"), (EXCLUDE, "b")], &[]).expect("gate");
        assert_eq!(
            (g.0, g.2),
            (4.0, vec!["b".to_string()]),
            "the project's own gate"
        );
        // The environment outranks the project's file, for npm as here.
        let g = gate(&[], &[(DAYS, "4")], &[(DAYS, "3"), (EXCLUDE, "p,q")]).expect("gate");
        assert_eq!(
            (g.0, g.1.as_str(), g.2),
            (
                3.0,
                "environment variable npm_config_min_release_age",
                vec!["p".to_string(), "q".to_string()]
            )
        );
        assert_eq!(gate(&[], &[(DAYS, "4")], &[(DAYS, "0")]), None);
    }

    #[test]
    fn exclusions_are_lists_as_ini_builds_them() {
        let list = |lines: &[(&str, &str)]| {
            let mut all = vec![(DAYS, "1")];
            all.extend_from_slice(lines);
            gate(&[], &all, &[]).map(|g| g.2).unwrap_or_default()
        };
        let key = "min-release-age-exclude[]";
        assert_eq!(list(&[(EXCLUDE, "a, b")]), ["a", "b"]);
        assert_eq!(list(&[(key, "a"), (key, "b,c")]), ["a", "b", "c"]);
        assert_eq!(
            list(&[(EXCLUDE, "x"), (key, "a"), (EXCLUDE, "z")]),
            ["x", "a", "z"]
        );
        assert_eq!(list(&[(EXCLUDE, "x"), (EXCLUDE, "y")]), ["y"]);
        assert_eq!(list(&[(EXCLUDE, ""), (key, "a"), (key, "a")]), ["a"]);
        let g = resolve([
            &[],
            &file(Layer::Project, &[(DAYS, "1"), (EXCLUDE, "@corp/*")]),
            &[],
        ])
        .expect("gate");
        assert!(g.exempts("@corp/ui") && !g.exempts("corp"));
        assert_eq!(g.seconds(), 86_400);
    }
}
