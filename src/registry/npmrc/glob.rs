//! Package-name globs as npm's `min-release-age-exclude` matches them: a
//! name, or a `minimatch` pattern with `nonegate`, `nocomment` and
//! `noext` (so `!x`, `#x` and `+(x)` are literal).
//!
//! The list only ever exempts packages from a check, so whatever this
//! reader does not understand matches less than npm would, never more: a
//! pattern with a POSIX class (`[[:alpha:]]`), a numeric brace sequence
//! (`{1..3}`), more than [`MAX_ALTERNATIVES`] brace alternatives, or beyond
//! the size limits below matches its own text only; and a name that npm's
//! registry could not hold (longer than 214 characters, or more than one
//! `/`) is matched by its own text only. Both sides are hostile input
//! (the project's `.npmrc`, the lockfile), and the limits keep the work
//! small whatever they hold. Supported: `*` and `?` within a path segment, `[…]`
//! classes (`!` or `^` negates), `{a,b}` alternatives (nested), `**` as a
//! whole segment, `\` escapes, and minimatch's dot rule (a segment starting
//! with `.` is matched only by a pattern segment starting with `.`).

/// The most brace alternatives one pattern expands to; more, and the
/// pattern matches its own text only (a hostile `.npmrc` could otherwise
/// ask for 2^30 of them).
pub const MAX_ALTERNATIVES: usize = 256;

/// The longest pattern read as a glob.
const MAX_PATTERN: usize = 1024;
/// The most braces in a pattern read as a glob (also bounds recursion).
const MAX_BRACES: usize = 16;
/// The longest npm package name.
const MAX_NAME: usize = 214;

/// One entry of `min-release-age-exclude`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameGlob {
    text: String,
    /// Brace-expanded alternatives, each split into path segments; empty
    /// when only the text itself matches.
    alternatives: Vec<Vec<Vec<Token>>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyChar,
    Star,
    /// `**` as a whole segment.
    Globstar,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl NameGlob {
    /// Reads one pattern.
    pub fn parse(text: &str) -> Self {
        let readable = text.len() <= MAX_PATTERN && text.matches('{').count() <= MAX_BRACES;
        let alternatives = readable
            .then(|| expand_braces(text))
            .flatten()
            .and_then(|alts| alts.iter().map(|a| segments(a)).collect::<Option<Vec<_>>>())
            .unwrap_or_default();
        Self {
            text: text.to_owned(),
            alternatives,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `name` is exempt: equal to the pattern, or matched by it.
    pub fn matches(&self, name: &str) -> bool {
        if name == self.text {
            return true;
        }
        let parts: Vec<&str> = name.split('/').collect();
        if parts.len() > 2 || name.len() > MAX_NAME {
            return false;
        }
        self.alternatives
            .iter()
            .any(|pattern| match_path(pattern, &parts))
    }
}

/// `a{b,c}d` → `abd`, `acd`, nested; `None` when the pattern holds a
/// sequence (`{1..3}`) or expands to too many alternatives. A brace set
/// without a comma is literal, as in `brace-expansion`.
fn expand_braces(text: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    let Some((open, close, parts)) = first_set(&chars) else {
        return Some(vec![text.to_owned()]);
    };
    let prefix: String = chars[..open].iter().collect();
    let suffix: String = chars[close + 1..].iter().collect();
    let mut out = Vec::new();
    for part in parts {
        if part.contains("..") {
            return None;
        }
        for rest in expand_braces(&format!("{part}{suffix}"))? {
            out.push(format!("{prefix}{rest}"));
            if out.len() > MAX_ALTERNATIVES {
                return None;
            }
        }
    }
    Some(out)
}

/// The first unescaped `{…}` holding a top-level comma: where it opens and
/// closes, and its parts.
fn first_set(chars: &[char]) -> Option<(usize, usize, Vec<String>)> {
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '{' => {
                let (mut depth, mut j, mut last) = (0usize, i, i + 1);
                let mut parts = Vec::new();
                while j < chars.len() {
                    match chars[j] {
                        '\\' => j += 1,
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        ',' if depth == 1 => {
                            parts.push(chars[last..j].iter().collect::<String>());
                            last = j + 1;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if j < chars.len() && !parts.is_empty() {
                    parts.push(chars[last..j].iter().collect());
                    return Some((i, j, parts));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// A pattern's segments as tokens; `None` for what this reader does not
/// support.
fn segments(pattern: &str) -> Option<Vec<Vec<Token>>> {
    let mut out: Vec<Vec<Token>> = pattern.split('/').map(tokens).collect::<Option<_>>()?;
    // `**/**` is `**`: one stands for any number of segments already.
    out.dedup_by(|a, b| a.as_slice() == [Token::Globstar] && a == b);
    Some(out)
}

fn tokens(segment: &str) -> Option<Vec<Token>> {
    if segment == "**" {
        return Some(vec![Token::Globstar]);
    }
    let chars: Vec<char> = segment.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                out.push(Token::Literal(*chars.get(i + 1).unwrap_or(&'\\')));
                i += 2;
            }
            '?' => {
                out.push(Token::AnyChar);
                i += 1;
            }
            '*' => {
                if out.last() != Some(&Token::Star) {
                    out.push(Token::Star);
                }
                i += 1;
            }
            '[' => match class(&chars[i..])? {
                Some((token, used)) => {
                    out.push(token);
                    i += used;
                }
                None => {
                    out.push(Token::Literal('['));
                    i += 1;
                }
            },
            c => {
                out.push(Token::Literal(c));
                i += 1;
            }
        }
    }
    Some(out)
}

/// A `[…]` class at the start of `chars`, with the characters it spans;
/// `Some(None)` when unclosed (a literal `[`), `None` when unsupported.
fn class(chars: &[char]) -> Option<Option<(Token, usize)>> {
    let mut i = 1;
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while let Some(&c) = chars.get(i) {
        if c == ']' && !first {
            return Some(Some((Token::Class { negated, ranges }, i + 1)));
        }
        if c == '[' && chars.get(i + 1) == Some(&':') {
            return None;
        }
        let lo = if c == '\\' {
            i += 1;
            *chars.get(i)?
        } else {
            c
        };
        let hi = match (chars.get(i + 1), chars.get(i + 2)) {
            (Some('-'), Some(&h)) if h != ']' => {
                i += 2;
                h
            }
            _ => lo,
        };
        ranges.push((lo, hi));
        first = false;
        i += 1;
    }
    Some(None)
}

fn match_path(pattern: &[Vec<Token>], parts: &[&str]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((first, rest)) if first.as_slice() == [Token::Globstar] => {
            (0..=parts.len()).any(|skip| {
                parts[..skip].iter().all(|p| !p.starts_with('.'))
                    && match_path(rest, &parts[skip..])
            })
        }
        Some((first, rest)) => match parts.split_first() {
            Some((part, others)) => match_segment(first, part) && match_path(rest, others),
            None => false,
        },
    }
}

fn match_segment(tokens: &[Token], text: &str) -> bool {
    if text.starts_with('.') && tokens.first() != Some(&Token::Literal('.')) {
        return false;
    }
    let chars: Vec<char> = text.chars().collect();
    // Wildcard matching with one backtrack point per `*`.
    let (mut t, mut c) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while c < chars.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, c));
                t += 1;
            }
            Some(token) if one(token, chars[c]) => {
                t += 1;
                c += 1;
            }
            _ => match star {
                Some((st, sc)) => {
                    t = st + 1;
                    c = sc + 1;
                    star = Some((st, sc + 1));
                }
                None => return false,
            },
        }
    }
    tokens[t.min(tokens.len())..]
        .iter()
        .all(|tok| *tok == Token::Star)
        && !(text.is_empty() && tokens == [Token::Star])
}

fn one(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::AnyChar => c != '/',
        Token::Class { negated, ranges } => {
            ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
        }
        Token::Star | Token::Globstar => false,
    }
}

#[cfg(test)]
mod tests {
    use super::NameGlob;

    fn m(pattern: &str, name: &str) -> bool {
        NameGlob::parse(pattern).matches(name)
    }

    #[test]
    fn names_and_globs_match_as_minimatch_does() {
        assert!(m("lodash", "lodash"));
        assert!(!m("lodash", "lodash-es"));
        assert!(m("@myorg/*", "@myorg/shared-utils"));
        assert!(!m("@myorg/*", "@other/x"));
        assert!(!m("*", "@myorg/x"), "`*` stays within a segment");
        assert!(m("*", "left-pad"));
        assert!(m("**", "@myorg/x"));
        assert!(m("@*/x", "@a/x"));
        assert!(m("lo?ash", "lodash"));
        assert!(m("lodash*", "lodash.merge"));
        assert!(m("*-pad", "left-pad"));
        assert!(m("[lr]*-pad", "right-pad"));
        assert!(!m("[!lr]*-pad", "right-pad"));
        assert!(m("@{a,b}/x", "@b/x"));
        assert!(m("@s/{x,y{1,2}}", "@s/y2"));
        assert!(m("a\\*", "a*"));
        assert!(!m("a\\*", "ab"));
        assert!(m("{a}", "{a}"), "a set without a comma is literal");
        assert!(!m("@s/*", "@s/.hidden"), "the dot rule");
        assert!(m("@s/.*", "@s/.hidden"));
        assert!(!m("*", ""));
    }

    #[test]
    fn what_is_not_understood_matches_its_own_text_only() {
        assert!(!m("!lodash", "react"), "nonegate: `!` is literal");
        assert!(m("!lodash", "!lodash"));
        assert!(!m("#x", "x"), "nocomment");
        assert!(!m("+(a|b)", "a"), "noext");
        assert!(!m("pkg{1..3}", "pkg2"));
        assert!(!m("[[:alpha:]]*", "abc"));
        let bomb = "{a,b}".repeat(30);
        assert!(!m(&bomb, &"a".repeat(30)));
        assert!(m("[unclosed", "[unclosed"));
        assert!(m("x[", "x["));
    }
}
