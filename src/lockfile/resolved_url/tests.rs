use url::Url;

use super::*;

/// Every part the checks read (of a parsed URL, as `url` gives them).
fn parts(
    u: &ResolvedUrl,
) -> (
    String,
    Option<String>,
    Option<u16>,
    String,
    Option<String>,
    String,
) {
    (
        u.scheme().to_string(),
        u.host_str().map(str::to_string),
        u.port(),
        u.username().to_string(),
        u.password().map(str::to_string),
        u.path().to_string(),
    )
}

/// Holds `ResolvedUrl` to `Url::parse` on `text`; says whether the plain
/// reading took it.
fn agrees(text: &str) -> bool {
    let reference = Url::parse(text).ok();
    let ours = ResolvedUrl::parse(text);
    assert_eq!(ours.is_some(), reference.is_some(), "{text:?}");
    let (Some(ours), Some(reference)) = (ours, reference) else {
        return false;
    };
    let url_parts = parts(&ResolvedUrl(Form::Parsed(Box::new(reference.clone()))));
    assert_eq!(parts(&ours), url_parts, "{text:?}");
    assert_eq!(ours.as_str(), reference.as_str(), "{text:?}");
    assert_eq!(ours.to_url().as_ref(), Some(&reference), "{text:?}");
    let plain = matches!(ours.0, Form::Plain { .. });
    if plain {
        assert_eq!(
            reference.as_str(),
            text,
            "a plain text is its own serialization"
        );
        assert_eq!(reference.query(), None, "{text:?}");
        assert_eq!(reference.fragment(), None, "{text:?}");
    }
    plain
}

const SCHEMES: [&str; 9] = [
    "https://",
    "http://",
    "HTTPS://",
    "Http://",
    "https:",
    "https:/",
    "ftp://",
    "git+https://",
    "file://",
];

const HOSTS: [&str; 34] = [
    "registry.npmjs.org",
    "a",
    "localhost",
    "r.example",
    "A.com",
    "xn--bcher-kva.example",
    "a.xn--p1ai",
    "xn--a.com",
    "1.2.3.4",
    "0x7f.1",
    "127.1",
    "a.1",
    "a.0x1",
    "a.1a",
    "a..b",
    "a.b.",
    ".a",
    "-a.com",
    "a-.com",
    "a--b.com",
    "a_b.com",
    "user@h.com",
    "u:p@h.com",
    "git@h.com",
    "h.com:443",
    "h.com:80",
    "h.com:8080",
    "h.com:",
    "[::1]",
    "h%41.com",
    "h\u{e4}.com",
    "h\u{ff21}.com",
    "",
    "h com",
];

const PATHS: [&str; 44] = [
    "/",
    "/a",
    "/-/",
    "/@s/n/-/n-1.0.0.tgz",
    "/n/-/n-1.0.0-beta.1.tgz",
    "/@s%2fn/-/n-1.0.0.tgz",
    "/.",
    "/..",
    "/./",
    "/../",
    "/%2e/",
    "/%2E%2e/",
    "/.%2E",
    "/...",
    "/.a",
    "/a.",
    "/%",
    "/%4",
    "/%41",
    "/%zz",
    "/a b",
    "/a\\b",
    "/a?x",
    "/a#f",
    "/a|b",
    "/a^b",
    "/a[b]",
    "/a{b}",
    "/a`b",
    "/a\"b",
    "/a<b>",
    "/\u{e9}",
    "\t",
    "/a\n",
    "//",
    "/;=,+*)(!$&'",
    "/~_.",
    "/a:b@c",
    "?q",
    "#f",
    " ",
    "/\u{7f}",
    "/\u{1}",
    "/a%2f%2F",
];

#[test]
fn plain_urls_read_as_the_parser_reads_them() {
    let mut plain = 0;
    let mut total = 0;
    for scheme in SCHEMES {
        for host in HOSTS {
            for first in PATHS {
                for second in ["", "/a", "/%2e", "/..", "?x", "/-/a-1.tgz"] {
                    total += 1;
                    plain += usize::from(agrees(&format!("{scheme}{host}{first}{second}")));
                }
            }
        }
    }
    // Three segments at random, from a fixed seed.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut pick = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n as u64).unwrap_or(0)
    };
    for _ in 0..60_000 {
        let text = format!(
            "{}{}{}{}{}",
            SCHEMES[pick(2)],
            HOSTS[pick(HOSTS.len())],
            PATHS[pick(PATHS.len())],
            PATHS[pick(PATHS.len())],
            PATHS[pick(PATHS.len())],
        );
        total += 1;
        plain += usize::from(agrees(&text));
    }
    // Most texts have one feature the plain reading refuses; enough of
    // them must be plain for the comparison to mean something.
    assert!(plain > 500, "{plain} of {total}");
}

#[test]
fn registry_tarball_urls_are_plain() {
    for text in [
        "https://registry.npmjs.org/@babel/code-frame/-/code-frame-7.8.3.tgz",
        "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz",
        "http://r.example/a/-/a-1.0.0.tgz",
        "https://npm.pkg.github.com/download/@o/p/1.0.0/abcdef",
    ] {
        assert!(agrees(text), "{text}");
    }
}

#[test]
fn everything_else_is_parsed() {
    for text in [
        "https://Registry.npmjs.org/a/-/a-1.0.0.tgz",
        "https://registry.npmjs.org:443/a/-/a-1.0.0.tgz",
        "https://user:token@registry.npmjs.org/a/-/a-1.0.0.tgz",
        "https://127.0.0.1/a/-/a-1.0.0.tgz",
        "https://r.example/a/./-/a-1.0.0.tgz",
        "https://r.example/a/-/a-1.0.0.tgz?x=1",
        "https://r.example",
        "ssh://git@github.com/o/r.git",
    ] {
        assert!(!agrees(text), "{text}");
    }
    assert_eq!(ResolvedUrl::parse("https://"), None);
}

#[test]
fn long_texts_are_left_to_the_parser() {
    let long = format!("https://{}.example/a", "a".repeat(PLAIN_MAX));
    let url = ResolvedUrl::parse(&long).unwrap();
    assert!(matches!(url.0, Form::Parsed(_)));
    assert!(agrees(&format!(
        "https://r.example/{}",
        "a".repeat(PLAIN_MAX - 30)
    )));
}

#[test]
fn urls_read_either_way_are_equal_when_their_serializations_are() {
    let plain = ResolvedUrl::parse("https://r.example/a").unwrap();
    let parsed = ResolvedUrl::parse("HTTPS://R.example/a").unwrap();
    assert!(matches!(parsed.0, Form::Parsed(_)));
    assert_eq!(plain, parsed);
    assert_ne!(plain, ResolvedUrl::parse("https://r.example/b").unwrap());
}
