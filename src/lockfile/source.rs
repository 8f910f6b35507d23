//! Where an entry's bytes come from, judged from `resolved` and the flags,
//! and the name and file a registry tarball URL claims.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::percent_decode_str;
use serde::Serialize;

use super::ResolvedUrl;

/// The kind of source an entry installs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A registry tarball (`…/<name>/-/<file>.tgz`, or no `resolved`).
    Registry,
    /// A git repository.
    Git,
    /// A tarball from an arbitrary URL.
    RemoteTarball,
    /// A tarball on the local disk (`file:…tgz`).
    LocalFile,
    /// A symlink to a folder (`link: true`, or `file:` to a folder).
    Link,
    /// A workspace folder of the project itself.
    Workspace,
    /// Shipped inside its parent's tarball (`inBundle` / `bundled`).
    Bundled,
    /// The project itself (`packages[""]`, or the top-level name and
    /// version of an older lockfile); never among a lockfile's entries.
    Root,
    /// A `resolved` lockproof cannot map to a source (npm would read it as
    /// a package spec: an alias, a shorthand, a bare version), or an old
    /// entry whose fields name two different sources.
    Unrecognized,
}

impl SourceKind {
    /// Every kind an entry can have, in report order.
    pub const ALL: [SourceKind; 8] = [
        Self::Registry,
        Self::Git,
        Self::RemoteTarball,
        Self::LocalFile,
        Self::Link,
        Self::Workspace,
        Self::Bundled,
        Self::Unrecognized,
    ];

    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registry => "registry",
            Self::Git => "git",
            Self::RemoteTarball => "remote-tarball",
            Self::LocalFile => "local-file",
            Self::Link => "link",
            Self::Workspace => "workspace",
            Self::Bundled => "bundled",
            Self::Root => "root",
            Self::Unrecognized => "unrecognized",
        }
    }

    /// Whether lockproof can check the entry on its own: bundled entries
    /// are covered only by their parent's tarball, and links and workspaces
    /// are the project's own folders.
    pub fn independently_verifiable(self) -> bool {
        !matches!(
            self,
            Self::Link | Self::Workspace | Self::Bundled | Self::Root
        )
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const GIT_PREFIXES: [&str; 9] = [
    "git+",
    "git://",
    "git:",
    "git@",
    "github:",
    "gitlab:",
    "bitbucket:",
    "gist:",
    "ssh://",
];

/// Whether a spec or URL names a git source.
pub fn is_git_spec(spec: &str) -> bool {
    GIT_PREFIXES.iter().any(|p| {
        spec.as_bytes()
            .get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p.as_bytes()))
    })
}

/// Whether `spec` starts with a URL scheme (`letter *(letter / digit /
/// "+" / "-" / ".") ":"`), as WHATWG URL parsing and npm read it: npm
/// accepts `http:host/path` and `http:/host/path` as well as `http://`.
fn has_scheme(spec: &str) -> bool {
    for (i, b) in spec.bytes().enumerate() {
        let fits = match i {
            0 => b.is_ascii_alphabetic(),
            _ if b == b':' => return true,
            _ => b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'),
        };
        if !fits {
            return false;
        }
    }
    false
}

/// Whether a spec is a URL, git or `file:` spec rather than a version.
pub fn is_non_version_spec(spec: &str) -> bool {
    is_git_spec(spec) || (has_scheme(spec) && !spec.starts_with("npm:"))
}

/// Parses a `resolved` spec that has a scheme, with git's `git+` prefix
/// removed, the way WHATWG URL parsing (and so npm) reads it.
pub fn parse_url(spec: &str) -> Option<ResolvedUrl> {
    if !has_scheme(spec) {
        return None;
    }
    let bare = match spec.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("git+") => &spec[4..],
        _ => spec,
    };
    ResolvedUrl::parse(bare)
}

/// Classifies an entry from its `resolved` spec (absent means the
/// configured registry), that spec parsed as a URL, and where it sits.
/// Whatever is not recognised is [`SourceKind::Unrecognized`]: lockproof
/// fails closed rather than guess what npm would fetch.
pub fn classify(
    resolved: Option<&str>,
    url: Option<&ResolvedUrl>,
    link: bool,
    workspace: bool,
    bundled: bool,
) -> SourceKind {
    if link {
        return SourceKind::Link;
    }
    if workspace {
        return SourceKind::Workspace;
    }
    if bundled {
        return SourceKind::Bundled;
    }
    let Some(spec) = resolved else {
        return SourceKind::Registry;
    };
    if let Some(path) = spec.strip_prefix("file:") {
        return if is_tarball_file(path) {
            SourceKind::LocalFile
        } else {
            SourceKind::Link
        };
    }
    if is_git_spec(spec) {
        return SourceKind::Git;
    }
    match url {
        Some(u) if matches!(u.scheme(), "http" | "https") => {
            if registry_tarball(u).is_some() {
                SourceKind::Registry
            } else {
                SourceKind::RemoteTarball
            }
        }
        _ => SourceKind::Unrecognized,
    }
}

fn is_tarball_file(path: &str) -> bool {
    let bytes = path.as_bytes();
    [".tgz", ".tar.gz", ".tar"].iter().any(|ext| {
        bytes.len() >= ext.len()
            && bytes[bytes.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes())
    })
}

/// What a registry tarball URL (`…/<name>/-/<file>`) claims to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarballRef<'u> {
    /// The package name in the path, percent-decoded.
    pub name: Cow<'u, str>,
    /// The tarball file name, percent-decoded.
    pub file: Cow<'u, str>,
}

/// Reads the package name and file from a registry-shaped tarball URL.
/// Registries put the tarball at `<prefix>/<name>/-/<file>.tgz`, where a
/// scoped name is `@scope/name` or `@scope%2fname`. Every entry's URL is
/// read twice (to classify it, then to check it): nothing is copied unless
/// it was percent-encoded.
pub fn registry_tarball(url: &ResolvedUrl) -> Option<TarballRef<'_>> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let path = url.path();
    // The file is what follows the last `/`, which ends the last `/-/`.
    let slash = last_slash(path)?;
    // Compared as bytes: a `/` is always a character boundary, its
    // neighbours need not be.
    if slash < 2 || &path.as_bytes()[slash - 2..slash] != b"/-" {
        return None;
    }
    let (before, file) = (&path[..slash - 2], &path[slash + 1..]);
    let file = decode(file);
    if !is_tarball_file(&file) {
        return None;
    }
    let (head, last_raw) = match last_slash(before) {
        Some(i) => (Some(&before[..i]), &before[i + 1..]),
        None => (None, before),
    };
    if last_raw.is_empty() {
        return None;
    }
    let last = decode(last_raw);
    let scope_raw = head.map(|h| last_slash(h).map_or(h, |i| &h[i + 1..]));
    let name = match scope_raw {
        Some(scope_raw) => match decode(scope_raw) {
            // `@scope/name` as written is the end of the path itself.
            Cow::Borrowed(scope)
                if scope.starts_with('@')
                    && !last.starts_with('@')
                    && matches!(last, Cow::Borrowed(_)) =>
            {
                let len = scope_raw.len() + 1 + last_raw.len();
                Cow::Borrowed(&before[before.len() - len..])
            }
            scope if scope.starts_with('@') && !last.starts_with('@') => {
                Cow::Owned(format!("{scope}/{last}"))
            }
            _ => last,
        },
        None => last,
    };
    Some(TarballRef { name, file })
}

/// Where the last `/` of `text` is. Every entry's URL is read for it
/// several times: a byte search, not `str::rfind`'s character search.
fn last_slash(text: &str) -> Option<usize> {
    memchr::memrchr(b'/', text.as_bytes())
}

fn decode(segment: &str) -> Cow<'_, str> {
    if memchr::memchr(b'%', segment.as_bytes()).is_some() {
        Cow::Owned(percent_decode_str(segment).decode_utf8_lossy().into_owned())
    } else {
        Cow::Borrowed(segment)
    }
}

/// Whether `file` is the tarball file name npm's registry gives
/// `name@version`: `<unscoped name>-<version>.tgz`.
pub fn is_expected_tarball_file(file: &str, name: &str, version: &str) -> bool {
    let base = last_slash(name).map_or(name, |i| &name[i + 1..]);
    file.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.strip_suffix(".tgz"))
        == Some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tarball(u: &str) -> Option<TarballRef<'static>> {
        registry_tarball(&ResolvedUrl::parse(u).unwrap()).map(|t| TarballRef {
            name: Cow::Owned(t.name.into_owned()),
            file: Cow::Owned(t.file.into_owned()),
        })
    }

    #[test]
    fn reads_plain_scoped_and_prefixed_tarball_urls() {
        let t = tarball("https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz").unwrap();
        assert_eq!(
            (t.name.as_ref(), t.file.as_ref()),
            ("lodash", "lodash-4.17.21.tgz")
        );
        let t = tarball("https://registry.npmjs.org/@babel/core/-/core-7.0.0.tgz").unwrap();
        assert_eq!(t.name, "@babel/core");
        let t = tarball("https://registry.npmjs.org/@babel%2fcore/-/core-7.0.0.tgz").unwrap();
        assert_eq!(t.name, "@babel/core");
        let t = tarball("https://r.example/x/%40babel/core/-/core-7.0.0.tgz").unwrap();
        assert_eq!(t.name, "@babel/core");
        let t = tarball("https://r.example/x/@babel/c%6Fre/-/core-7.0.0.tgz").unwrap();
        assert_eq!(t.name, "@babel/core");
        let t = tarball("https://r.example/@a/@b/-/b-1.0.0.tgz").unwrap();
        assert_eq!(t.name, "@b");
        let t = tarball("https://r.example/a/-/b/-/b-1.0.0.tgz").unwrap();
        assert_eq!((t.name.as_ref(), t.file.as_ref()), ("b", "b-1.0.0.tgz"));
        let t =
            tarball("https://art.example.com/artifactory/api/npm/npm/ms/-/ms-2.1.3.tgz").unwrap();
        assert_eq!(t.name, "ms");
        assert_eq!(tarball("https://example.com/downloads/x-1.0.0.tgz"), None);
        assert_eq!(tarball("https://example.com/-/x-1.0.0.tgz"), None);
        assert_eq!(tarball("https://example.com/x/-/x-1.0.0.zip"), None);
    }

    /// The first way `registry_tarball` was written, kept as the reference
    /// the byte searches must agree with.
    fn reference_tarball(url: &ResolvedUrl) -> Option<(String, String)> {
        let path = url.path();
        let at = path.as_bytes().windows(3).rposition(|w| w == b"/-/")?;
        let (before, file) = (&path[..at], &path[at + 3..]);
        if file.contains('/') {
            return None;
        }
        let file = decode(file);
        if !is_tarball_file(&file) {
            return None;
        }
        let mut segments = before.rsplit('/');
        let last = decode(segments.next().filter(|s| !s.is_empty())?);
        let name = match segments.next().map(decode) {
            Some(scope) if scope.starts_with('@') && !last.starts_with('@') => {
                format!("{scope}/{last}")
            }
            _ => last.into_owned(),
        };
        Some((name, file.into_owned()))
    }

    #[test]
    fn tarball_urls_are_read_as_the_reference_reads_them() {
        let parts = ["/", "-", "@", "a", "%2f", "%40", ".tgz", "/-/"];
        let mut scoped = 0;
        for path in &crate::lockfile::joined_parts(&parts, 5) {
            let url = ResolvedUrl::parse(&format!("https://r.example/{path}")).unwrap();
            let ours = registry_tarball(&url).map(|t| (t.name.into_owned(), t.file.into_owned()));
            assert_eq!(ours, reference_tarball(&url), "{}", url.as_str());
            scoped += usize::from(ours.is_some_and(|(name, _)| name.contains('/')));
        }
        assert!(scoped > 100, "only {scoped} scoped names among the cases");
    }

    #[test]
    fn expected_file_uses_the_unscoped_name() {
        assert!(is_expected_tarball_file("pkg-1.0.0.tgz", "@s/pkg", "1.0.0"));
        assert!(is_expected_tarball_file("ms-2.1.3.tgz", "ms", "2.1.3"));
        assert!(!is_expected_tarball_file("ms-2.1.3.tgz", "ms", "2.1.4"));
        assert!(!is_expected_tarball_file("ms-2.1.3.tgz", "m", "s-2.1.3"));
        assert!(!is_expected_tarball_file("ms-2.1.3.tar", "ms", "2.1.3"));
        assert!(!is_expected_tarball_file(
            "@s-pkg-1.0.0.tgz",
            "@s/pkg",
            "1.0.0"
        ));
    }

    #[test]
    fn classifies_sources() {
        use SourceKind::*;
        let c = |r| classify(Some(r), parse_url(r).as_ref(), false, false, false);
        assert_eq!(classify(None, None, false, false, false), Registry);
        assert_eq!(c("https://registry.npmjs.org/ms/-/ms-2.1.3.tgz"), Registry);
        assert_eq!(c("git+ssh://git@github.com/a/b.git#abc"), Git);
        assert_eq!(c("github:a/b#abc"), Git);
        assert_eq!(c("git://github.com/a/b.git"), Git);
        assert_eq!(c("https://example.com/x-1.0.0.tgz"), RemoteTarball);
        assert_eq!(c("file:vendor/x-1.0.0.tgz"), LocalFile);
        assert_eq!(c("file:../sibling"), Link);
        assert_eq!(c("vendor/x-1.0.0.tgz"), Unrecognized);
        assert_eq!(c("http:/127.0.0.1:4873/evil/-/evil-1.0.0.tgz"), Registry);
        assert_eq!(c("http:127.0.0.1:4873/x.tgz?"), RemoteTarball);
        assert_eq!(c("HTTPS://registry.npmjs.org/ms/-/ms-2.1.3.tgz"), Registry);
        assert_eq!(c("npm:evil@1.0.0"), Unrecognized);
        assert_eq!(
            c("evil/repo#0123456789abcdef0123456789abcdef01234567"),
            Unrecognized
        );
        assert_eq!(c("1.0.0"), Unrecognized);
        assert_eq!(c(""), Unrecognized);
        assert_eq!(c("ftp://example.com/x.tgz"), Unrecognized);
        assert_eq!(c("git@github.com:a/b.git#abc"), Git);
        assert_eq!(c("GIT+SSH://git@github.com/a/b.git"), Git);
        assert_eq!(c("file:\u{20ac}\u{20ac}"), Link);
        assert_eq!(c("https://r.example/a/-/%E2%82%AC%E2%82%AC"), RemoteTarball);
        assert_eq!(classify(Some("packages/a"), None, true, false, false), Link);
        assert_eq!(classify(None, None, false, true, false), Workspace);
        assert_eq!(classify(None, None, false, false, true), Bundled);
    }

    #[test]
    fn scheme_and_git_prefixes_are_read_as_the_first_versions_read_them() {
        fn reference_has_scheme(spec: &str) -> bool {
            let Some((scheme, _)) = spec.split_once(':') else {
                return false;
            };
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        fn reference_is_git_spec(spec: &str) -> bool {
            let head = spec.get(..12).unwrap_or(spec).to_ascii_lowercase();
            GIT_PREFIXES.iter().any(|p| head.starts_with(p))
        }
        let parts = [
            "g", "IT", "+", ":", "//", "@", "hub", "1", ".", "-", "\u{e9}",
        ];
        let specs = crate::lockfile::joined_parts(&parts, 5);
        for spec in &specs {
            assert_eq!(has_scheme(spec), reference_has_scheme(spec), "{spec:?}");
            assert_eq!(is_git_spec(spec), reference_is_git_spec(spec), "{spec:?}");
        }
        let git = specs.iter().filter(|s| is_git_spec(s)).count();
        assert!(git > 100, "only {git} git specs among the cases");
    }
}
