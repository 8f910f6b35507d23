//! A `resolved` spec read as a URL, the way WHATWG URL parsing (and so
//! npm) reads it, without running the full parser on the plain URLs that
//! make up nearly every lockfile.
//!
//! A registry tarball URL such as `https://registry.npmjs.org/a/-/a-1.0.0.tgz`
//! is one that WHATWG parsing returns unchanged: a lowercase `http(s)`
//! scheme, a lowercase host name, and a path with nothing to encode or
//! normalize. For such a text the parts are where they are written, and
//! reading them is a scan of the bytes; the `url` crate spent most of an
//! offline audit's entry reading on them. Everything else (upper case,
//! ports, user names, IP addresses, international names, dot segments,
//! queries, other schemes) goes through [`Url::parse`] as before. The
//! plain reading accepts a text only when the parser would give the same
//! parts, which a test holds it to over generated texts.

use url::Url;

/// A `resolved` spec that parses as a URL.
#[derive(Debug, Clone)]
pub struct ResolvedUrl(Form);

/// Equal as [`Url`]s are: by their serialization, whichever way each was
/// read.
impl PartialEq for ResolvedUrl {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ResolvedUrl {}

#[derive(Debug, Clone)]
enum Form {
    /// A text WHATWG parsing leaves as it is: `scheme://host/path`, with
    /// the host ending where the path starts.
    Plain { text: Box<str>, path_at: usize },
    /// Any other URL, parsed. Boxed: such URLs are rare, and a parsed
    /// `Url` held in place would make every entry's URL 88 bytes, not 24.
    Parsed(Box<Url>),
}

impl ResolvedUrl {
    /// Reads `text` as a URL, or `None` when WHATWG parsing rejects it.
    pub fn parse(text: &str) -> Option<Self> {
        match plain_path_at(text) {
            Some(path_at) => Some(Self(Form::Plain {
                text: text.into(),
                path_at,
            })),
            None => Url::parse(text)
                .ok()
                .map(|u| Self(Form::Parsed(Box::new(u)))),
        }
    }

    /// The scheme, lowercase, without its `:`.
    pub fn scheme(&self) -> &str {
        match &self.0 {
            Form::Plain { text, .. } => scheme_of(text),
            Form::Parsed(u) => u.scheme(),
        }
    }

    /// The host as the URL serializes it (`None` for URLs without one).
    pub fn host_str(&self) -> Option<&str> {
        match &self.0 {
            Form::Plain { text, path_at } => {
                Some(&text[scheme_of(text).len() + "://".len()..*path_at])
            }
            Form::Parsed(u) => u.host_str(),
        }
    }

    /// The port, when one other than the scheme's default is given.
    pub fn port(&self) -> Option<u16> {
        match &self.0 {
            Form::Plain { .. } => None,
            Form::Parsed(u) => u.port(),
        }
    }

    /// The user name (empty when none is given).
    pub fn username(&self) -> &str {
        match &self.0 {
            Form::Plain { .. } => "",
            Form::Parsed(u) => u.username(),
        }
    }

    /// The password, when one is given.
    pub fn password(&self) -> Option<&str> {
        match &self.0 {
            Form::Plain { .. } => None,
            Form::Parsed(u) => u.password(),
        }
    }

    /// The path, percent-encoded as serialized.
    pub fn path(&self) -> &str {
        match &self.0 {
            Form::Plain { text, path_at } => &text[*path_at..],
            Form::Parsed(u) => u.path(),
        }
    }

    /// The URL as WHATWG parsing serializes it.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Form::Plain { text, .. } => text,
            Form::Parsed(u) => u.as_str(),
        }
    }

    /// The URL as a [`Url`], for fetching and for comparing origins.
    /// `None` only if a plain text did not parse after all, which the
    /// plain reading's test rules out; a caller then has no URL to fetch
    /// and says so, rather than fetch something else.
    pub fn to_url(&self) -> Option<Url> {
        match &self.0 {
            Form::Plain { text, .. } => Url::parse(text).ok(),
            Form::Parsed(u) => Some(Url::clone(u)),
        }
    }
}

fn scheme_of(text: &str) -> &str {
    if text.starts_with("https:") {
        "https"
    } else {
        "http"
    }
}

/// Where the path of `text` starts, if WHATWG parsing returns `text`
/// unchanged with its parts where they are written.
fn plain_path_at(text: &str) -> Option<usize> {
    // The parser keeps its offsets in 32 bits and refuses a longer host;
    // any text this long is left to it.
    if text.len() > PLAIN_MAX {
        return None;
    }
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let host_at = text.len() - rest.len();
    // A host is a few bytes: a plain loop beats a vectorized search.
    let path_at = host_at + rest.bytes().position(|b| b == b'/')?;
    (plain_host(&text[host_at..path_at]) && plain_path(&text[path_at..])).then_some(path_at)
}

/// The longest text read plainly; real URLs are a small fraction of it.
const PLAIN_MAX: usize = 64 * 1024;

/// A host name the IDNA step and the host parser leave as it is: labels
/// of lowercase letters, digits and inner hyphens, none an ACE (`xn--`)
/// label, and a last label that starts with a letter (a last label that
/// is a number makes the host an IPv4 address).
fn plain_host(host: &str) -> bool {
    let bytes = host.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'.' {
            if !plain_label(&bytes[start..i]) {
                return false;
            }
            start = i + 1;
        } else if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return false;
        }
    }
    let last = &bytes[start..];
    plain_label(last) && last[0].is_ascii_lowercase()
}

/// A label of [`plain_host`]'s bytes that is plain: not empty, no hyphen
/// at either end, not an ACE label.
fn plain_label(label: &[u8]) -> bool {
    matches!((label.first(), label.last()), (Some(&first), Some(&last)) if first != b'-' && last != b'-')
        && !label.starts_with(b"xn--")
}

/// A path the path parser leaves as it is: characters it does not encode,
/// percent signs only before two hex digits, and no `.` or `..` segment
/// (also percent-encoded) for it to remove.
fn plain_path(path: &str) -> bool {
    // Nearly every path: kept bytes only, and no segment starting with a
    // dot; a dot segment needs one (or a `%`).
    let mut previous = 0;
    for &b in path.as_bytes() {
        if !PATH_KEPT[usize::from(b)] || (previous == b'/' && b == b'.') {
            return plain_path_escaped(path);
        }
        previous = b;
    }
    true
}

/// [`plain_path`] for a path with a `%` or a segment starting with a dot.
fn plain_path_escaped(path: &str) -> bool {
    let bytes = path.as_bytes();
    let (mut i, mut segment) = (0, 0);
    loop {
        match bytes.get(i) {
            None | Some(b'/') => {
                if is_dot_segment(&bytes[segment..i]) {
                    return false;
                }
                if i == bytes.len() {
                    return true;
                }
                i += 1;
                segment = i;
            }
            Some(b'%') => {
                if !bytes
                    .get(i + 1..i + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
                {
                    return false;
                }
                i += 3;
            }
            Some(&b) if PATH_KEPT[usize::from(b)] => i += 1,
            Some(_) => return false,
        }
    }
}

/// The bytes a path keeps as they are, besides `%`: letters, digits and
/// the punctuation that is neither encoded nor special in a path.
const PATH_KEPT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let punctuation = b"-._~!$&'()*+,;=:@/";
    let mut i = 0;
    while i < punctuation.len() {
        t[punctuation[i] as usize] = true;
        i += 1;
    }
    t
};

/// Whether a path segment is `.` or `..`, a dot also written `%2e`.
fn is_dot_segment(segment: &[u8]) -> bool {
    // Six bytes at most: `%2e%2e`.
    if segment.is_empty() || segment.len() > 6 {
        return false;
    }
    let (mut i, mut dots) = (0, 0);
    while i < segment.len() {
        if segment[i] == b'.' {
            i += 1;
        } else if segment
            .get(i..i + 3)
            .is_some_and(|e| e[0] == b'%' && e[1] == b'2' && e[2].eq_ignore_ascii_case(&b'e'))
        {
            i += 3;
        } else {
            return false;
        }
        dots += 1;
    }
    dots <= 2
}

#[cfg(test)]
mod tests;
