//! The syntax of Yarn 1's `yarn.lock`, which is not YAML: blocks of
//! `key value` lines nested by two-space indentation, a block's key being
//! one or more comma-separated specifiers ending in `:`, strings quoted as
//! JSON strings or bare up to `:`, space, comma or end of line, `#`
//! comments. Read as Yarn 1's own reader reads it, into the light tree of
//! [`crate::json`] with the line of every key.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::json::{DuplicateKey, Member, Value};

/// Yarn writes three levels; anything much deeper is not a lockfile.
const MAX_DEPTH: usize = 32;

/// A top-level block: its specifiers and its fields.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Block<'a> {
    /// The comma-separated keys, unquoted.
    pub keys: Vec<Cow<'a, str>>,
    /// 1-based line of the keys.
    pub line: u32,
    /// The block's value (an object for every entry Yarn writes).
    pub value: Value<'a>,
}

/// A syntax error and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// The file's blocks, and every key given twice (a specifier in two
/// blocks, a field twice in one block); Yarn keeps the last of each.
pub(super) type Parsed<'a> = (Vec<Block<'a>>, Vec<DuplicateKey>);

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Newline,
    Indent(usize),
    Str(Cow<'a, str>),
    Bool(bool),
    Number(&'a str),
    Colon,
    Comma,
    Eof,
}

struct Token<'a> {
    tok: Tok<'a>,
    pos: usize,
    line: u32,
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
    after_newline: bool,
    token: Token<'a>,
}

/// Parses the text of a Yarn 1 lockfile.
pub(super) fn parse(text: &str) -> Result<Parsed<'_>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut p = Parser {
        text,
        pos: 0,
        line: 1,
        after_newline: true,
        token: Token {
            tok: Tok::Eof,
            pos: 0,
            line: 1,
        },
    };
    p.advance()?;
    let mut blocks = Vec::new();
    let mut duplicates = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    loop {
        match &p.token.tok {
            Tok::Newline | Tok::Indent(0) => p.advance()?,
            Tok::Eof => break,
            Tok::Str(_) => {
                let (keys, line, value) = p.property(0, &mut duplicates)?;
                for key in &keys {
                    if !seen.insert(key.to_string()) {
                        duplicates.push(DuplicateKey {
                            key: key.to_string(),
                            line,
                        });
                    }
                }
                blocks.push(Block { keys, line, value });
            }
            Tok::Indent(_) => return Err(p.error("unexpected indentation")),
            _ => return Err(p.error("expected a key")),
        }
    }
    Ok((blocks, duplicates))
}

impl<'a> Parser<'a> {
    fn error(&self, message: &str) -> SyntaxError {
        let upto = &self.text[..self.token.pos.min(self.text.len())];
        let line_start = upto.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        SyntaxError {
            message: message.to_string(),
            line: self.token.line,
            column: u32::try_from(upto[line_start..].chars().count() + 1).unwrap_or(u32::MAX),
        }
    }

    /// Reads the next token other than a comment.
    fn advance(&mut self) -> Result<(), SyntaxError> {
        loop {
            let rest = &self.text[self.pos..];
            let start = self.pos;
            let bytes = rest.as_bytes();
            let (tok, len) = match bytes.first() {
                None => (Tok::Eof, 0),
                Some(b'\n') => (Tok::Newline, 1),
                Some(b'\r') => (
                    Tok::Newline,
                    if bytes.get(1) == Some(&b'\n') { 2 } else { 1 },
                ),
                Some(b'#') => {
                    self.pos += rest.find('\n').unwrap_or(rest.len());
                    self.after_newline = false;
                    continue;
                }
                Some(b' ') if self.after_newline => {
                    let n = bytes.iter().take_while(|&&b| b == b' ').count();
                    if n % 2 == 1 {
                        self.token = Token {
                            tok: Tok::Eof,
                            pos: start,
                            line: self.line,
                        };
                        return Err(self.error("an odd number of spaces of indentation"));
                    }
                    (Tok::Indent(n / 2), n)
                }
                Some(b' ') => {
                    self.pos += 1;
                    continue;
                }
                Some(b'"') => {
                    let len = quoted_len(bytes).ok_or_else(|| {
                        self.token.pos = start;
                        self.token.line = self.line;
                        self.error("a string without its closing quote")
                    })?;
                    let text = crate::json::parse(&rest[..len])
                        .ok()
                        .and_then(|d| match d.value {
                            Value::String(s) => Some(s),
                            _ => None,
                        });
                    let Some(text) = text else {
                        self.token.pos = start;
                        self.token.line = self.line;
                        return Err(self.error("a string with an invalid escape"));
                    };
                    (Tok::Str(text), len)
                }
                Some(b'0'..=b'9') => {
                    let n = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
                    (Tok::Number(&rest[..n]), n)
                }
                Some(b':') => (Tok::Colon, 1),
                Some(b',') => (Tok::Comma, 1),
                Some(_) if rest.starts_with("true") => (Tok::Bool(true), 4),
                Some(_) if rest.starts_with("false") => (Tok::Bool(false), 5),
                Some(b) if b.is_ascii_alphabetic() || matches!(b, b'/' | b'.' | b'-') => {
                    let n = rest.find([':', ' ', '\n', '\r', ',']).unwrap_or(rest.len());
                    (Tok::Str(Cow::Borrowed(&rest[..n])), n)
                }
                Some(_) => {
                    self.token = Token {
                        tok: Tok::Eof,
                        pos: start,
                        line: self.line,
                    };
                    return Err(self.error("an unexpected character"));
                }
            };
            self.after_newline = tok == Tok::Newline;
            self.token = Token {
                tok,
                pos: start,
                line: self.line,
            };
            if self.token.tok == Tok::Newline {
                self.line += 1;
            }
            self.pos += len;
            return Ok(());
        }
    }

    /// Reads `key[, key…][:] value` or `key[, key…]:` and a nested block,
    /// at indentation level `indent`; the current token is the first key.
    fn property(
        &mut self,
        indent: usize,
        duplicates: &mut Vec<DuplicateKey>,
    ) -> Result<(Vec<Cow<'a, str>>, u32, Value<'a>), SyntaxError> {
        let line = self.token.line;
        let mut keys = Vec::with_capacity(1);
        loop {
            let Tok::Str(key) = std::mem::replace(&mut self.token.tok, Tok::Eof) else {
                return Err(self.error("expected a key"));
            };
            keys.push(key);
            self.advance()?;
            if self.token.tok != Tok::Comma {
                break;
            }
            self.advance()?;
        }
        let colon = self.token.tok == Tok::Colon;
        if colon {
            self.advance()?;
        }
        let value = match std::mem::replace(&mut self.token.tok, Tok::Eof) {
            Tok::Str(s) => Value::String(s),
            Tok::Bool(b) => Value::Bool(b),
            Tok::Number(n) => Value::String(Cow::Borrowed(n)),
            other if colon => {
                self.token.tok = other;
                return Ok((keys, line, self.object(indent + 1, duplicates)?));
            }
            other => {
                self.token.tok = other;
                return Err(self.error("expected a value"));
            }
        };
        self.advance()?;
        if !matches!(self.token.tok, Tok::Newline | Tok::Eof) {
            return Err(self.error("expected the end of the line"));
        }
        Ok((keys, line, value))
    }

    /// Reads the properties indented at `indent`, up to a line indented
    /// less.
    fn object(
        &mut self,
        indent: usize,
        duplicates: &mut Vec<DuplicateKey>,
    ) -> Result<Value<'a>, SyntaxError> {
        if indent > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        let mut members: Vec<Member<'a>> = Vec::new();
        loop {
            match &self.token.tok {
                Tok::Newline => {
                    self.advance()?;
                    match self.token.tok {
                        Tok::Indent(n) if n == indent => self.advance()?,
                        Tok::Indent(n) if n > indent => {
                            return Err(self.error("unexpected indentation"));
                        }
                        _ => break,
                    }
                }
                Tok::Indent(n) if *n == indent => self.advance()?,
                Tok::Indent(_) | Tok::Eof => break,
                Tok::Str(_) => {
                    let (mut keys, line, value) = self.property(indent, duplicates)?;
                    // Yarn writes comma-separated keys for blocks only; one
                    // value under many nested keys would have to be copied
                    // for each.
                    let (Some(key), true) = (keys.pop(), keys.is_empty()) else {
                        return Err(SyntaxError {
                            message: "comma-separated keys inside a block".into(),
                            line,
                            column: u32::try_from(indent * 2 + 1).unwrap_or(u32::MAX),
                        });
                    };
                    members.push(Member { key, line, value });
                }
                _ => return Err(self.error("expected a key")),
            }
        }
        let mut seen = HashSet::with_capacity(members.len());
        for m in &members {
            if !seen.insert(m.key.as_ref()) {
                duplicates.push(DuplicateKey {
                    key: m.key.to_string(),
                    line: m.line,
                });
            }
        }
        Ok(Value::Object(members))
    }
}

/// The length of the quoted string at the start of `bytes`, quotes
/// included; `None` when it does not end on its line.
fn quoted_len(bytes: &[u8]) -> Option<usize> {
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            b'\n' | b'\r' => return None,
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_blocks_fields_and_nested_maps_with_lines() {
        let text = "# yarn lockfile v1\n\n\n\"@s/a@^1.0.0\", \"@s/a@^1.1.0\":\n  version \"1.1.0\"\n  resolved \"https://r/@s/a/-/a-1.1.0.tgz#abc\"\n  dependencies:\n    b \"^2\"\n    \"@s/c\" \"3\"\n\nb@^2:\n  version \"2.0.0\"\n  optional true\n";
        let (blocks, dups) = parse(text).unwrap();
        assert!(dups.is_empty());
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].keys, vec!["@s/a@^1.0.0", "@s/a@^1.1.0"]);
        assert_eq!(blocks[0].line, 4);
        let deps = blocks[0].value.member("dependencies").unwrap();
        assert_eq!(deps.line, 7);
        assert_eq!(deps.value.get("@s/c").unwrap().as_str(), Some("3"));
        assert_eq!(blocks[1].keys, vec!["b@^2"]);
        assert_eq!(blocks[1].line, 11);
        assert_eq!(blocks[1].value.get("optional"), Some(&Value::Bool(true)));
        assert_eq!(blocks[1].value.member("version").unwrap().line, 12);
    }

    #[test]
    fn notes_specifiers_given_twice() {
        let (_, dups) =
            parse("a@^1:\n  version \"1.0.0\"\na@^1, a@^2:\n  version \"2.0.0\"\n").unwrap();
        assert_eq!(dups.len(), 1);
        assert_eq!((dups[0].key.as_str(), dups[0].line), ("a@^1", 3));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("a@^1:\n   version \"1\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e:?}");
        let e = parse("a@^1:\n  version \"1\n").unwrap_err();
        assert!(e.message.contains("closing quote"), "{e:?}");
        assert_eq!((e.line, e.column), (2, 11));
        let e = parse("a@^1:\n  version \"\\q\"\n").unwrap_err();
        assert!(e.message.contains("escape"), "{e:?}");
        let e = parse("a@^1:\n  version 1 2\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 13), "{e:?}");
        let e = parse("{}\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 1), "{e:?}");
        let e = parse("a:\n  b:\n      c d\n").unwrap_err();
        assert!(e.message.contains("indentation"), "{e:?}");
        let e = parse("a:\n  b, c \"1\"\n").unwrap_err();
        assert!(e.message.contains("comma-separated"), "{e:?}");
        assert_eq!((e.line, e.column), (2, 3));
    }

    #[test]
    fn deep_or_huge_input_is_refused_or_read_in_one_pass() {
        let mut deep = String::new();
        for i in 0..100 {
            deep.push_str(&"  ".repeat(i));
            deep.push_str("k:\n");
        }
        assert!(parse(&deep).unwrap_err().message.contains("too deep"));
        let many = "a@^1:\n  version \"1.0.0\"\n".repeat(200_000);
        let (blocks, dups) = parse(&many).unwrap();
        assert_eq!((blocks.len(), dups.len()), (200_000, 199_999));
        let wide = format!("{}:\n  version \"1\"\n", vec!["a@^1"; 200_000].join(", "));
        assert_eq!(parse(&wide).unwrap().0[0].keys.len(), 200_000);
        let fields: String = (0..200_000).map(|i| format!("    d{i} \"1\"\n")).collect();
        let text = format!("a@^1:\n  dependencies:\n{fields}");
        let (blocks, _) = parse(&text).unwrap();
        let deps = blocks[0]
            .value
            .get("dependencies")
            .and_then(Value::as_object);
        assert_eq!(deps.map(<[Member]>::len), Some(200_000));
    }
}
