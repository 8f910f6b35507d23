//! Yarn Berry's locators (`resolution: "name@npm:1.2.3"`): the name, and
//! a reference whose protocol says where the package comes from. Options
//! follow `::` as a query string (`::locator=…&version=…`); a patch wraps
//! the percent-encoded locator it patches.

use percent_encoding::percent_decode_str;

use crate::lockfile::name::split_spec;
use crate::lockfile::source::is_git_spec;

/// Where a locator's package comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Reference {
    /// `npm:<version>`, from the registry (or from `__archiveUrl` when the
    /// registry's tarball URL is not the conventional one).
    Npm {
        /// The version.
        version: String,
        /// `::__archiveUrl=`, decoded.
        archive_url: Option<String>,
    },
    /// `workspace:<path>`, a folder of the project (`.` is the root).
    Workspace(String),
    /// `link:` or `portal:`: a symlink to a folder.
    Link(String),
    /// `file:<path>`: a folder or tarball on disk.
    File(String),
    /// `patch:<locator>#<patch>`: another locator's package, patched.
    Patch {
        /// The patched package's locator, decoded.
        inner: String,
        /// The patch's `hash` option, else its path.
        patch: String,
    },
    /// A git repository at a commit (`<repo>#commit=<sha>`).
    Git {
        /// The repository URL.
        repo: String,
        /// The commit, when the reference pins one.
        commit: Option<String>,
    },
    /// An `http(s)` tarball URL.
    Tarball(String),
    /// `exec:` (a script builds the package) or a protocol lockproof does
    /// not know.
    Other,
}

/// Splits a locator into its name and reference; `None` when it names no
/// package.
pub(super) fn parse(locator: &str) -> Option<(&str, Reference)> {
    let (name, reference) = split_spec(locator)?;
    Some((name, reference_of(reference)))
}

fn reference_of(reference: &str) -> Reference {
    let (body, options) = reference.split_once("::").unwrap_or((reference, ""));
    let option = |key: &str| {
        options
            .split('&')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .map(decode)
    };
    let Some((protocol, rest)) = body.split_once(':') else {
        return Reference::Other;
    };
    match protocol {
        "npm" => Reference::Npm {
            version: rest.to_string(),
            archive_url: option("__archiveUrl"),
        },
        "workspace" => Reference::Workspace(rest.to_string()),
        "link" | "portal" => Reference::Link(rest.to_string()),
        "file" => Reference::File(rest.to_string()),
        "patch" => {
            let (inner, path) = rest.split_once('#').unwrap_or((rest, ""));
            Reference::Patch {
                inner: decode(inner),
                patch: option("hash").unwrap_or_else(|| decode(path)),
            }
        }
        _ if body.contains("#commit=") || is_git_spec(body) || body.contains(".git#") => {
            let (repo, fragment) = body.split_once('#').unwrap_or((body, ""));
            let commit = fragment
                .split('&')
                .find_map(|kv| kv.strip_prefix("commit="))
                .map(str::to_string);
            Reference::Git {
                repo: repo.to_string(),
                commit,
            }
        }
        "http" | "https" => Reference::Tarball(body.to_string()),
        _ => Reference::Other,
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(locator: &str) -> Reference {
        parse(locator).unwrap().1
    }

    #[test]
    fn reads_each_protocol() {
        assert_eq!(parse("@s/a@npm:1.2.3").unwrap().0, "@s/a");
        assert_eq!(
            r("a@npm:1.2.3"),
            Reference::Npm {
                version: "1.2.3".into(),
                archive_url: None
            }
        );
        assert_eq!(
            r("a@npm:1.2.3::__archiveUrl=https%3A%2F%2Fr.example%2Fa%2F-%2Fa-1.2.3.tgz"),
            Reference::Npm {
                version: "1.2.3".into(),
                archive_url: Some("https://r.example/a/-/a-1.2.3.tgz".into())
            }
        );
        assert_eq!(r("root@workspace:."), Reference::Workspace(".".into()));
        assert_eq!(
            r("a@link:../a::locator=root%40workspace%3A."),
            Reference::Link("../a".into())
        );
        assert_eq!(
            r("a@portal:../a::locator=x"),
            Reference::Link("../a".into())
        );
        assert_eq!(
            r("a@file:./a.tgz::locator=root%40workspace%3A."),
            Reference::File("./a.tgz".into())
        );
        assert_eq!(
            r(
                "typescript@patch:typescript@npm%3A5.1.6#optional!builtin<compat/typescript>::version=5.1.6&hash=5da071"
            ),
            Reference::Patch {
                inner: "typescript@npm:5.1.6".into(),
                patch: "5da071".into()
            }
        );
        assert_eq!(
            r("a@https://github.com/o/a.git#commit=0123456789abcdef0123456789abcdef01234567"),
            Reference::Git {
                repo: "https://github.com/o/a.git".into(),
                commit: Some("0123456789abcdef0123456789abcdef01234567".into())
            }
        );
        assert_eq!(
            r("a@git+ssh://git@github.com/o/a.git#head=main"),
            Reference::Git {
                repo: "git+ssh://git@github.com/o/a.git".into(),
                commit: None
            }
        );
        assert_eq!(
            r("a@https://example.com/a-1.0.0.tgz"),
            Reference::Tarball("https://example.com/a-1.0.0.tgz".into())
        );
        assert_eq!(r("a@exec:./build.js"), Reference::Other);
        assert_eq!(r("a@1.0.0"), Reference::Other);
        assert!(parse("nothing").is_none());
    }
}
