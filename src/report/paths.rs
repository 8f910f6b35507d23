//! Lockfile paths as the formats people read show them: relative to the
//! current folder, so a location is short and a terminal or editor can
//! open it. JSON and SARIF keep the paths as the user named them.

use std::path::{Component, Path, PathBuf};

/// `path` relative to `base` when both are absolute, plain (no `.` or
/// `..`) and share a root, and the relative form is no longer; otherwise
/// `path` as named. Purely lexical: the file system is never asked.
pub(super) fn shown(path: &str, base: Option<&Path>) -> String {
    base.and_then(|base| relative(Path::new(path), base))
        .map(|rel| rel.display().to_string())
        .filter(|rel| rel.chars().count() <= path.chars().count())
        .unwrap_or_else(|| path.to_string())
}

/// `file:line`, the file as [`shown`].
pub(super) fn location(file: &str, line: u32, base: Option<&Path>) -> String {
    format!("{}:{line}", shown(file, base))
}

fn relative(path: &Path, base: &Path) -> Option<PathBuf> {
    if !path.is_absolute() || !base.is_absolute() || !plain(path) || !plain(base) {
        return None;
    }
    let (path, base): (Vec<Component>, Vec<Component>) =
        (path.components().collect(), base.components().collect());
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    // Nothing in common is another drive (Windows): no relative path.
    if common == 0 {
        return None;
    }
    let mut rel = PathBuf::new();
    for _ in common..base.len() {
        rel.push("..");
    }
    for c in path.iter().skip(common) {
        rel.push(c);
    }
    (!rel.as_os_str().is_empty()).then_some(rel)
}

/// No `.` or `..` component: `..` after a symbolic link is not the
/// lexical parent, so such paths are shown as named.
fn plain(path: &Path) -> bool {
    path.components().all(|c| {
        matches!(
            c,
            Component::Prefix(_) | Component::RootDir | Component::Normal(_)
        )
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_become_relative_to_the_base() {
        let base = Some(Path::new("/work/project"));
        assert_eq!(
            shown("/work/project/web/package-lock.json", base),
            "web/package-lock.json"
        );
        assert_eq!(
            shown("/work/shared/lockfiles/a.json", base),
            "../shared/lockfiles/a.json"
        );
        assert_eq!(
            location("/work/project/package-lock.json", 7, base),
            "package-lock.json:7"
        );
    }

    #[test]
    fn other_paths_are_shown_as_named() {
        let base = Some(Path::new("/home/user/deep/down/project"));
        // Relative paths are already relative to the current folder.
        assert_eq!(
            shown("web/package-lock.json", base),
            "web/package-lock.json"
        );
        // Longer relative forms, dot segments and no base keep the name.
        assert_eq!(shown("/opt/a.json", base), "/opt/a.json");
        assert_eq!(
            shown("/home/user/x/../package-lock.json", base),
            "/home/user/x/../package-lock.json"
        );
        assert_eq!(
            shown("/home/user/deep/down/project/a.json", None),
            "/home/user/deep/down/project/a.json"
        );
    }
}
