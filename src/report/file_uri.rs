//! File paths as the URIs SARIF locates results with: a file inside the
//! working folder is a relative reference under `%SRCROOT%` (code scanning
//! maps it onto the repository), any other an absolute `file://` URI.
//! Every segment is percent-encoded, so spaces, `#`, `%` and non-ASCII
//! names stay one valid URI. Pure: the working folder is given, never read.

use std::path::{Component, Path, PathBuf};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The base id of paths relative to the working folder.
pub(super) const SRCROOT: &str = "%SRCROOT%";

/// Characters kept as they are in a path segment: RFC 3986's unreserved
/// ones. Everything else is encoded, `/` and `\` inside a name included.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Where a file is, as a SARIF `artifactLocation` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FileUri {
    /// A relative reference under [`SRCROOT`].
    UnderRoot(String),
    /// An absolute `file://` URI.
    Absolute(String),
}

/// The URI of `file`, a path as the user named it, seen from
/// `working_folder` (absolute; `None` when it could not be read, in which
/// case relative paths stay relative).
pub(super) fn file_uri(file: &str, working_folder: Option<&Path>) -> FileUri {
    let path = Path::new(file);
    let folder = working_folder.filter(|f| f.is_absolute()).map(normalize);
    let absolute = match (path.is_absolute(), &folder) {
        (true, _) => normalize(path),
        (false, Some(folder)) => normalize(&folder.join(path)),
        (false, None) => return FileUri::UnderRoot(relative(&normalize(path))),
    };
    match folder.as_deref().map(|f| absolute.strip_prefix(f)) {
        Some(Ok(inside)) if inside.components().next().is_some() => {
            FileUri::UnderRoot(relative(inside))
        }
        _ => FileUri::Absolute(absolute_uri(&absolute)),
    }
}

/// The `file://` URI of an absolute folder, ending in `/` as SARIF's
/// `originalUriBaseIds` require; `None` for a relative one.
pub(super) fn folder_uri(folder: &Path) -> Option<String> {
    if !folder.is_absolute() {
        return None;
    }
    let mut uri = absolute_uri(&normalize(folder));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

/// `path` without `.` segments and with each `..` taking away the segment
/// before it (lexically: the renderer reads no file system). A `..` that
/// climbs above the start of a relative path stays.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                Some(Component::ParentDir | Component::CurDir) | None => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

fn encode(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// A relative path's segments, encoded and joined by `/`.
fn relative(path: &Path) -> String {
    path.components()
        .map(|c| encode(&c.as_os_str().to_string_lossy()))
        .collect::<Vec<_>>()
        .join("/")
}

/// `file:///a/b` for the absolute `/a/b`. A Windows drive (`C:`) is the
/// first segment with its colon kept, as `file:///C:/a` writes it.
fn absolute_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    let mut segments = 0;
    for component in path.components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::Prefix(prefix) => {
                uri.push('/');
                let text = prefix.as_os_str().to_string_lossy();
                uri.push_str(&encode(&text).replace("%3A", ":"));
                segments += 1;
            }
            other => {
                uri.push('/');
                uri.push_str(&encode(&other.as_os_str().to_string_lossy()));
                segments += 1;
            }
        }
    }
    if segments == 0 {
        uri.push('/');
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    fn under(file: &str, folder: &str) -> FileUri {
        file_uri(file, Some(Path::new(folder)))
    }

    #[test]
    fn files_inside_the_working_folder_are_relative_to_it() {
        let inside = |uri: &str| FileUri::UnderRoot(uri.to_string());
        assert_eq!(
            under("fixtures/a b/package-lock.json", "/w"),
            inside("fixtures/a%20b/package-lock.json")
        );
        assert_eq!(
            under("./x/../y/package-lock.json", "/w"),
            inside("y/package-lock.json")
        );
        assert_eq!(under("/w/sub/yarn.lock", "/w"), inside("sub/yarn.lock"));
        assert_eq!(under("/w/./sub/../bun.lock", "/w/"), inside("bun.lock"));
        assert_eq!(
            under("#1 %41 ü/package-lock.json", "/w"),
            inside("%231%20%2541%20%C3%BC/package-lock.json")
        );
        // A colon would read as a scheme, a backslash is a name's own byte.
        assert_eq!(under("c:\\x.json", "/w"), inside("c%3A%5Cx.json"));
        assert_eq!(
            file_uri("a/../../p.json", None),
            inside("../p.json"),
            "no folder: stays relative"
        );
    }

    #[test]
    fn files_outside_it_are_absolute_file_uris() {
        let outside = |uri: &str| FileUri::Absolute(uri.to_string());
        assert_eq!(
            under("/tmp/o #1/ü %/package-lock.json", "/w"),
            outside("file:///tmp/o%20%231/%C3%BC%20%25/package-lock.json")
        );
        assert_eq!(
            under("../other/package-lock.json", "/w/project"),
            outside("file:///w/other/package-lock.json")
        );
        assert_eq!(under("/w2/p.json", "/w"), outside("file:///w2/p.json"));
        assert_eq!(under("/w", "/w"), outside("file:///w"));
        assert_eq!(under("/../p.json", "/w"), outside("file:///p.json"));
        assert_eq!(
            file_uri("/a/p.json", None),
            outside("file:///a/p.json"),
            "no folder: absolute"
        );
        assert_eq!(
            file_uri("/a/p.json", Some(Path::new("relative"))),
            outside("file:///a/p.json"),
            "a relative folder is no folder"
        );
    }

    #[test]
    fn folders_are_absolute_uris_ending_in_a_slash() {
        assert_eq!(
            folder_uri(Path::new("/w/a b")).as_deref(),
            Some("file:///w/a%20b/")
        );
        assert_eq!(folder_uri(Path::new("/w/")).as_deref(), Some("file:///w/"));
        assert_eq!(folder_uri(Path::new("/")).as_deref(), Some("file:///"));
        assert_eq!(folder_uri(Path::new("w")), None);
    }
}
