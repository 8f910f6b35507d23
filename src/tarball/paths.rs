//! Checks on entry paths and link targets, relative to the package root.
//!
//! npm extracts with the first path segment stripped (`package/x` lands at
//! `x`), so "the root" is what remains after that segment. Both `/` and `\`
//! count as separators: npm on Windows reads `\` as one, and a tarball
//! checked here may be installed there.

/// The segments of a path, split on either separator.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split(['/', '\\'])
}

/// A leading `/` or `\` (including UNC `\\host`), or a drive (`C:`, which
/// Windows resolves even without a separator after it).
pub(super) fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with(['/', '\\'])
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}

/// Whether any segment is `..`.
pub(super) fn has_parent_segment(path: &str) -> bool {
    segments(path).any(|s| s == "..")
}

/// Where npm puts the entry, as segments under the package root: the first
/// segment stripped, empty and `.` segments dropped (the filesystem ignores
/// them).
pub(super) fn under_root(path: &str) -> Vec<&str> {
    segments(path)
        .skip(1)
        .filter(|s| !s.is_empty() && *s != ".")
        .collect()
}

/// Whether a symbolic link at `path` pointing at `target` leaves the root:
/// an absolute target, or one that climbs above the root when resolved from
/// the link's own folder.
pub(super) fn symlink_escapes(path: &str, target: &str) -> bool {
    if is_absolute(target) {
        return true;
    }
    let mut folder = under_root(path);
    folder.pop();
    !stays_inside(folder, target)
}

/// Whether a hard link's target leaves the root. Hard-link targets name an
/// archive path, so their first segment is stripped like an entry's.
pub(super) fn hardlink_escapes(target: &str) -> bool {
    if is_absolute(target) {
        return true;
    }
    let rest: Vec<&str> = segments(target).skip(1).collect();
    !stays_inside(Vec::new(), &rest.join("/"))
}

/// Resolves `target` from `folder` (segments under the root), failing as
/// soon as a `..` would climb above the root.
fn stays_inside<'a>(mut folder: Vec<&'a str>, target: &'a str) -> bool {
    for segment in segments(target) {
        match segment {
            "" | "." => {}
            ".." => {
                if folder.pop().is_none() {
                    return false;
                }
            }
            _ => folder.push(segment),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_forms() {
        for p in [
            "/etc/passwd",
            "\\windows",
            "\\\\host\\share",
            "C:\\x",
            "c:x",
            "C:/x",
        ] {
            assert!(is_absolute(p), "{p}");
        }
        for p in ["package/x", "./x", "1:x"] {
            assert!(!is_absolute(p), "{p}");
        }
    }

    #[test]
    fn parent_segments_on_either_separator() {
        assert!(has_parent_segment("package/../x"));
        assert!(has_parent_segment("package\\..\\x"));
        assert!(!has_parent_segment("package/..x/y.."));
    }

    #[test]
    fn root_is_below_the_first_segment() {
        assert_eq!(under_root("package/package.json"), ["package.json"]);
        assert_eq!(under_root("other/./lib//a.js"), ["lib", "a.js"]);
        assert!(under_root("package.json").is_empty());
    }

    #[test]
    fn symlinks_resolve_from_their_folder() {
        assert!(symlink_escapes("package/lib/a", "../../etc/passwd"));
        assert!(symlink_escapes("package/a", "/etc/passwd"));
        assert!(symlink_escapes("package/a", "x/../../y"));
        assert!(!symlink_escapes("package/lib/a", "../index.js"));
        assert!(!symlink_escapes("package/lib/a", "./b/../c"));
    }

    #[test]
    fn hard_links_resolve_from_the_root() {
        assert!(hardlink_escapes("package/../../etc/passwd"));
        assert!(hardlink_escapes("/etc/passwd"));
        assert!(!hardlink_escapes("package/lib/a.js"));
        assert!(!hardlink_escapes("package/lib/../a.js"));
    }
}
