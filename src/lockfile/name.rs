//! npm's rules for package names, as the registry applies them to
//! published names (legacy upper-case names included).

/// Longest name npm accepts.
const MAX_NAME_LEN: usize = 214;

/// Why `name` is not a valid npm package name, or `None` when it is.
/// Upper-case letters are accepted: old packages (`JSONStream`) have them.
pub fn name_problem(name: &str) -> Option<&'static str> {
    // Names are read several times per entry, and nearly all are plainly
    // valid: one pass tells, and anything else takes every rule in turn.
    if plainly_valid(name) {
        return None;
    }
    broken_rule(name)
}

/// The first of npm's rules `name` breaks, checked one by one.
fn broken_rule(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    let control = if name.is_ascii() {
        name.bytes().any(|b| b.is_ascii_control())
    } else {
        name.chars().any(char::is_control)
    };
    if control {
        return Some("contains control characters");
    }
    if name.len() > MAX_NAME_LEN {
        return Some("is longer than 214 characters");
    }
    if name.trim() != name {
        return Some("has leading or trailing spaces");
    }
    let (scope, package) = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, package)) => (Some(scope), package),
            None => return Some("is a scope without a package name"),
        },
        None => (None, name),
    };
    let parts = || scope.into_iter().chain([package]);
    if parts().any(str::is_empty) {
        return Some("has an empty scope or package part");
    }
    if parts().any(|p| p.contains(['/', '\\'])) {
        return Some("contains a path separator");
    }
    // A scope may not start with a dot either: `@../x` would resolve to a
    // folder outside `node_modules/@scope`.
    if parts().any(|p| p.starts_with('.')) || package.starts_with('_') {
        return Some("starts with a dot or underscore");
    }
    if !parts().all(|p| p.bytes().all(|b| URL_SAFE[usize::from(b)])) {
        return Some("contains characters npm does not allow in names");
    }
    None
}

/// Whether `name` is short enough and its scope and package parts are
/// non-empty, of URL-safe bytes only and start with no dot (nor the
/// package with an underscore): then every rule of [`name_problem`] holds,
/// since URL-safe bytes are neither controls, spaces nor separators.
fn plainly_valid(name: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty() && !p.starts_with('.') && p.bytes().all(|b| URL_SAFE[usize::from(b)])
    };
    let package = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, package)) if part(scope) => package,
            _ => return false,
        },
        None => name,
    };
    name.len() <= MAX_NAME_LEN && part(package) && !package.starts_with('_')
}

/// Splits `name@rest` (a specifier, a locator, a pnpm key) at the `@`
/// that ends the name: the first one after the first character, since a
/// name holds no `@` but its scope's. `None` without such an `@`.
pub fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..]))
}

/// Bytes `encodeURIComponent` leaves alone, which is npm's test. Every
/// other byte, including each of a non-ASCII character's, is refused.
const URL_SAFE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        b += 1;
    }
    t
};

/// Whether the entry at install path `path` is installed under its own
/// `name`. npm's paths name the folder (`node_modules/a/node_modules/b`);
/// the other formats key entries by what they resolve (`name@version`,
/// `name@npm:version`, Yarn's locators). An entry renaming itself (the
/// folder `lodash` claiming to be `@corp/internal`) is not.
pub fn installed_as_itself(path: &str, name: &str) -> bool {
    if path.starts_with("node_modules/") || path.contains("/node_modules/") {
        return super::folder_name(path) == name;
    }
    path.strip_prefix(name)
        .is_some_and(|rest| rest.starts_with('@') || rest.starts_with('('))
}

#[cfg(test)]
mod tests {
    use super::{name_problem, split_spec};

    #[test]
    fn splits_specs_after_the_name() {
        assert_eq!(split_spec("lodash@4.17.21"), Some(("lodash", "4.17.21")));
        assert_eq!(split_spec("@s/p@npm:1.0.0"), Some(("@s/p", "npm:1.0.0")));
        assert_eq!(
            split_spec("x@git+ssh://git@github.com/a/b.git"),
            Some(("x", "git+ssh://git@github.com/a/b.git"))
        );
        assert_eq!(split_spec("@s/p"), None);
        assert_eq!(split_spec("lodash"), None);
        assert_eq!(split_spec(""), None);
        assert_eq!(split_spec("@"), None);
    }

    #[test]
    fn a_plainly_valid_name_breaks_no_rule() {
        // Every string of up to four symbols over an alphabet of each kind
        // of byte the rules look at.
        let alphabet: Vec<char> = "a_.@/\\ \u{1}~%\u{e9}-Z".chars().collect();
        let mut names = vec![String::new()];
        let mut plain = 0;
        for _ in 0..4 {
            names = names
                .iter()
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .collect();
            for name in &names {
                if super::plainly_valid(name) {
                    plain += 1;
                    assert_eq!(super::broken_rule(name), None, "{name:?}");
                }
            }
        }
        assert!(plain > 1000, "{plain}");
        let long = "a".repeat(214);
        assert!(super::plainly_valid(&long));
        assert!(!super::plainly_valid(&format!("{long}b")));
    }

    #[test]
    fn accepts_real_names() {
        for ok in [
            "lodash",
            "@babel/core",
            "JSONStream",
            "left-pad",
            "a.b",
            "@s/x_y",
            "ab~c",
        ] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn rejects_hostile_names() {
        for bad in [
            "",
            "../../etc/passwd",
            "..",
            ".hidden",
            "_under",
            "a/b",
            "@s",
            "@s/",
            "@/x",
            "@s/a/b",
            "@../x",
            "@./x",
            "evil\u{1b}[31m",
            " lead",
            "a b",
            "<img>",
            "a\\b",
            "new\nline",
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
        assert!(name_problem(&"a".repeat(215)).is_some());
    }
}
