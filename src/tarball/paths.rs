//! Checks on entry paths and link targets, relative to the package root.
//!
//! npm extracts with the first path segment stripped (`package/x` lands at
//! `x`), so "the root" is what remains after that segment. Both `/` and `\`
//! count as separators: npm on Windows reads `\` as one, and a tarball
//! checked here may be installed there.

use std::rc::Rc;

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

/// A link target and what the escape checks need to know of it, worked out
/// once: a global pax link target (up to 3 MiB once decoded) applies to
/// every later link, so it is shared and never re-read per entry.
#[derive(Debug, Clone)]
pub(super) struct Target {
    /// The target as stored.
    pub text: Rc<str>,
    absolute: bool,
    /// How many folders above its own a symbolic link's target climbs.
    climb: usize,
    /// The same for a hard link, whose target names an archive path and
    /// so has its first segment stripped like an entry's.
    hard_climb: usize,
}

impl Target {
    pub(super) fn new(text: Rc<str>) -> Self {
        Self {
            absolute: is_absolute(&text),
            climb: climb(segments(&text)),
            hard_climb: climb(segments(&text).skip(1)),
            text,
        }
    }

    /// Whether a symbolic link at `path` to this target leaves the root:
    /// an absolute target, or one that climbs above the root when resolved
    /// from the link's own folder.
    pub(super) fn symlink_escapes(&self, path: &str) -> bool {
        let folder_depth = under_root(path).len().saturating_sub(1);
        self.absolute || self.climb > folder_depth
    }

    /// Whether a hard link to this target leaves the root.
    pub(super) fn hardlink_escapes(&self) -> bool {
        self.absolute || self.hard_climb > 0
    }
}

/// The highest a walk along `segments` gets above where it starts: a
/// target resolved from a folder `n` deep stays inside the root exactly
/// when this is at most `n`.
fn climb<'a>(segments: impl Iterator<Item = &'a str>) -> usize {
    let mut height = 0usize;
    let mut depth = 0usize;
    for segment in segments {
        match segment {
            "" | "." => {}
            ".." if depth > 0 => depth -= 1,
            ".." => height += 1,
            _ => depth += 1,
        }
    }
    height
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

    fn target(text: &str) -> Target {
        Target::new(text.into())
    }

    #[test]
    fn symlinks_resolve_from_their_folder() {
        assert!(target("../../etc/passwd").symlink_escapes("package/lib/a"));
        assert!(target("/etc/passwd").symlink_escapes("package/a"));
        assert!(target("x/../../y").symlink_escapes("package/a"));
        assert!(target("../x/../..").symlink_escapes("package/lib/a"));
        assert!(!target("../index.js").symlink_escapes("package/lib/a"));
        assert!(!target("./b/../c").symlink_escapes("package/lib/a"));
        assert!(!target("a/b/../../..").symlink_escapes("package/lib/a"));
        assert!(!target("..").symlink_escapes("package/./lib//a"));
    }

    #[test]
    fn hard_links_resolve_from_the_root() {
        assert!(target("package/../../etc/passwd").hardlink_escapes());
        assert!(target("/etc/passwd").hardlink_escapes());
        assert!(!target("package/lib/a.js").hardlink_escapes());
        assert!(!target("package/lib/../a.js").hardlink_escapes());
    }
}
