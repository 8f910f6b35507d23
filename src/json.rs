//! A small JSON reader that keeps the line of every object key.
//!
//! Findings must point at the lockfile line of the entry they are about, and
//! serde_json does not expose positions. This reader builds a light tree in
//! one pass, records the 1-based line of each key, reports errors with line
//! and column, and notes duplicate keys: npm's `JSON.parse` keeps the last
//! one, so a lockfile with two values for one key can show a reviewer one
//! package and install another.

use std::borrow::Cow;

use thiserror::Error;

use crate::hashing;

mod ahead;
mod plain;

use plain::plain_prefix;
pub use plain::{is_plain, plain_words};

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 512;

/// A parsed JSON value, borrowing from the source text where it can:
/// lockfiles are megabytes of short strings, and copying each one costs
/// more than the parse. Numbers keep their source text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as written.
    Number(&'a str),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object, members in source order (duplicates kept).
    Object(Vec<Member<'a>>),
    /// A top-level member the caller chose not to build (it was still
    /// checked to be valid JSON).
    Skipped,
}

/// One `"key": value` pair of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    /// The unescaped key.
    pub key: Cow<'a, str>,
    /// 1-based line of the key.
    pub line: u32,
    /// The value.
    pub value: Value<'a>,
}

/// A key that occurs more than once in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The repeated key.
    pub key: String,
    /// 1-based line of the repeat (npm keeps this one).
    pub line: u32,
}

/// A document and the duplicate keys found while reading it.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    /// The top-level value.
    pub value: Value<'a>,
    /// Every repeated key: object by object, in the order the objects
    /// end (an inner object's before its parent's), and within an object
    /// in source order.
    pub duplicate_keys: Vec<DuplicateKey>,
}

/// Why a text is not JSON, and where.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{message} at line {line}, column {column}")]
pub struct JsonError {
    /// What was wrong.
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl<'a> Value<'a> {
    /// The JSON type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Skipped => "skipped value",
        }
    }

    /// The member named `key` (the last one, as `JSON.parse` keeps).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.member(key).map(|m| &m.value)
    }

    /// Like [`Value::get`], but the whole member (with its line).
    pub fn member(&self, key: &str) -> Option<&Member<'a>> {
        match self {
            Value::Object(members) => members.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[Member<'a>]> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
}

/// The members of an object as `JSON.parse` (and so npm) sees them: with
/// repeated keys dropped except the last, in source order. `has_repeats`
/// says whether the document has any repeated key at all ([`Document`]
/// lists them); without any, the members are returned as they are.
pub fn kept_members<'m, 'a>(members: &'m [Member<'a>], has_repeats: bool) -> Vec<&'m Member<'a>> {
    if !has_repeats {
        return members.iter().collect();
    }
    let mut last = hashing::map_with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        last.insert(m.key.as_ref(), i);
    }
    members
        .iter()
        .enumerate()
        .filter(|(i, m)| last.get(m.key.as_ref()) == Some(i))
        .map(|(_, m)| m)
        .collect()
}

/// Parses `text` as one JSON document. A leading byte-order mark is skipped,
/// as npm does.
pub fn parse(text: &str) -> Result<Document<'_>, JsonError> {
    // Nothing is ignored, so nothing is worth checking ahead.
    parse_each(text, |_, _, _| Keep::Build, false).0
}

/// What becomes of one object member's value (see [`parse_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Built into the tree.
    Build,
    /// Validated and left out of its object, its key still counted among
    /// the object's for duplicates, as are the keys inside it: a value the
    /// reader does not look at, in a part of the document npm reads.
    Check,
    /// Validated only: a section npm itself ignores.
    Ignore,
}

/// Like [`parse`], but each member of a built object is first shown to
/// `keep(path, members_so_far, key)`, where `path` holds the keys leading to
/// the object (outermost first) and `members_so_far` the object's members
/// built so far. A member it checks is left out of the object (so out of
/// `members_so_far` too: a plan that looks at siblings must not check them),
/// and one it ignores becomes [`Value::Skipped`]: lockfiles hold megabytes
/// of dependency maps that nothing reads, and building them, or even
/// keeping a place for each, would cost more than the parse. `keep` is
/// never asked about the members of a checked or ignored value.
///
/// A large document's legacy `dependencies` tree, which lockfile readers
/// ignore, is checked on a second core meanwhile (see `json/ahead.rs`).
pub fn parse_with<'a>(
    text: &'a str,
    keep: impl Fn(&[Cow<'a, str>], &[Member<'a>], &str) -> Keep,
) -> Result<Document<'a>, JsonError> {
    let (document, _) = parse_each(text, &keep, true);
    // The fuzzers' oracle: a check ahead never changes the answer.
    #[cfg(fuzzing)]
    assert_eq!(
        format!("{document:?}"),
        format!("{:?}", parse_each(text, &keep, false).0),
        "the check ahead changed the reading"
    );
    document
}

/// [`parse_with`], checking ahead only when `ahead` says so; also says
/// whether a check ahead was used.
fn parse_each<'a>(
    text: &'a str,
    keep: impl Fn(&[Cow<'a, str>], &[Member<'a>], &str) -> Keep,
    ahead: bool,
) -> (Result<Document<'a>, JsonError>, bool) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    std::thread::scope(|scope| {
        let mut p = Parser::at(text, &keep, 0, 1);
        p.ahead = ahead.then(|| ahead::start(scope, text)).flatten();
        let started = p.ahead.is_some();
        let document = p.document();
        let used = p.ahead.is_none();
        if let Some(unused) = p.ahead.take() {
            let _ = unused.thread.join();
        }
        (document, started && used)
    })
}

type KeepFn<'s, 'a> = &'s dyn Fn(&[Cow<'a, str>], &[Member<'a>], &str) -> Keep;

/// The keys of an object being checked, with their lines.
type Keys<'a> = Vec<(Cow<'a, str>, u32)>;

/// An object or array with at least this many members or items that holds
/// nearly all of its stack takes the stack's room (see [`take_top`]).
const LARGE: usize = 1024;

/// `stack[base..]`, taken off `stack` into a list of its own.
fn take_top<T>(stack: &mut Vec<T>, base: usize) -> Vec<T> {
    let top = stack.len() - base;
    // Nearly all of the stack, and at least half its room (a lockfile's
    // `packages`): copying it off would touch as much fresh memory again,
    // so it keeps the stack's room, and the few values below it move to a
    // new stack. Both bounds matter: without them, objects each just
    // larger than the values below them would each take a stack that
    // doubled for them, and hold four times their size.
    if top >= LARGE && base.saturating_mul(8) <= top && stack.capacity() / 2 <= top {
        let mut taken = std::mem::take(stack);
        stack.extend(taken.drain(..base));
        return taken;
    }
    // Otherwise a list of exactly their number: a document of many small
    // objects must not hold room in each.
    if base > 0 {
        return stack.split_off(base);
    }
    // `split_off(0)` would hand over the stack with all its room.
    let mut top = std::mem::take(stack);
    top.shrink_to_fit();
    top
}

struct Parser<'a, 's> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
    duplicates: Vec<DuplicateKey>,
    keep: KeepFn<'s, 'a>,
    /// Keys from the document's top to the object being built.
    path: Vec<Cow<'a, str>>,
    /// Key lists of checked objects, reused: checking allocates nothing
    /// once the deepest level has been seen.
    pool: Vec<Keys<'a>>,
    /// The members of the objects being built, innermost last: each object
    /// takes its own off the top when it ends, into a list of exactly
    /// their number (no list grown as members come, none shrunk after).
    members: Vec<Member<'a>>,
    /// The same for the items of the arrays being built.
    items: Vec<Value<'a>>,
    /// The legacy tree's check running ahead, until used.
    ahead: Option<ahead::Ahead<'s>>,
}

impl<'a, 's> Parser<'a, 's> {
    /// A reader of `text` starting at byte `pos`, on `line`.
    fn at(text: &'a str, keep: KeepFn<'s, 'a>, pos: usize, line: u32) -> Self {
        Self {
            src: text.as_bytes(),
            text,
            pos,
            line,
            duplicates: Vec::new(),
            keep,
            path: Vec::new(),
            pool: Vec::new(),
            members: Vec::new(),
            items: Vec::new(),
            ahead: None,
        }
    }

    fn document(&mut self) -> Result<Document<'a>, JsonError> {
        self.skip_ws();
        if self.pos >= self.src.len() {
            return Err(self.error("empty document"));
        }
        let value = self.value(0, Keep::Build)?;
        self.skip_ws();
        if self.pos < self.src.len() {
            return Err(self.error("unexpected data after the JSON value"));
        }
        Ok(Document {
            value,
            duplicate_keys: std::mem::take(&mut self.duplicates),
        })
    }

    fn error(&self, message: &str) -> JsonError {
        let upto = &self.text[..self.char_boundary(self.pos)];
        let line_start = upto.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let column = upto[line_start..].chars().count() + 1;
        let lines =
            upto.matches('\n').count() + upto.matches('\r').count() - upto.matches("\r\n").count();
        JsonError {
            message: message.to_string(),
            line: u32::try_from(lines + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    fn char_boundary(&self, mut i: usize) -> usize {
        i = i.min(self.text.len());
        while !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    fn skip_ws(&mut self) {
        const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
        while let Some(&b) = self.src.get(self.pos) {
            match b {
                // Indentation comes in runs of spaces: the rest of a run is
                // skipped eight bytes at a time.
                b' ' => {
                    self.pos += 1;
                    while let Some(chunk) = self.src.get(self.pos..self.pos + 8) {
                        let mut word = [0u8; 8];
                        word.copy_from_slice(chunk);
                        let other = u64::from_le_bytes(word) ^ SPACES;
                        if other != 0 {
                            // The first byte that is not a space.
                            self.pos += (other.trailing_zeros() / 8) as usize;
                            break;
                        }
                        self.pos += 8;
                    }
                    continue;
                }
                b'\n' => self.line += 1,
                // A lone CR ends a line too (old Mac line endings).
                b'\r' if self.src.get(self.pos + 1) != Some(&b'\n') => self.line += 1,
                b'\t' | b'\r' => {}
                _ => return,
            }
            self.pos += 1;
        }
    }

    /// The whitespace between a key's colon and its value: one space in
    /// nearly every document (as npm and every other writer space it),
    /// taken without the general loop.
    fn skip_space_after_colon(&mut self) {
        if self.src.get(self.pos) == Some(&b' ')
            && self.src.get(self.pos + 1).is_some_and(|&b| b > b' ')
        {
            self.pos += 1;
        } else {
            self.skip_ws();
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn expect_literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, JsonError> {
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("unexpected character"))
        }
    }

    fn value(&mut self, depth: usize, mode: Keep) -> Result<Value<'a>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        match self.peek() {
            Some(b'{') => self.object(depth, mode),
            Some(b'[') => self.array(depth, mode),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.expect_literal("true", Value::Bool(true)),
            Some(b'f') => self.expect_literal("false", Value::Bool(false)),
            Some(b'n') => self.expect_literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn object(&mut self, depth: usize, mode: Keep) -> Result<Value<'a>, JsonError> {
        self.pos += 1;
        // This object's members, once built, are `self.members[base..]`.
        let base = self.members.len();
        let mut keys: Keys<'a> = match mode {
            Keep::Check => self.pool.pop().unwrap_or_default(),
            _ => Vec::new(),
        };
        // Whether a built object has left a checked member out, and so
        // lists its keys in `keys` too: its members no longer hold them all.
        let mut listed = false;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            // Only a checked object took its key list from the pool: the
            // pool must not grow by one list per empty object.
            if mode == Keep::Check {
                self.pool.push(keys);
            }
            return Ok(if mode == Keep::Build {
                Value::Object(Vec::new())
            } else {
                Value::Skipped
            });
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let line = self.line;
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':' after an object key"));
            }
            self.pos += 1;
            self.skip_space_after_colon();
            match mode {
                Keep::Build => {
                    let child = (self.keep)(&self.path, &self.members[base..], &key);
                    if child == Keep::Check {
                        // No reader looks at it: checked, its key kept for
                        // the duplicates, and left out of the tree (a
                        // lockfile entry holds more such members than read
                        // ones).
                        if !listed {
                            listed = true;
                            keys = self.pool.pop().unwrap_or_default();
                            keys.extend(
                                self.members[base..].iter().map(|m| (m.key.clone(), m.line)),
                            );
                        }
                        self.value(depth + 1, Keep::Check)?;
                        keys.push((key, line));
                    } else {
                        let value = if child == Keep::Ignore && depth == 0 && self.ahead_is_here() {
                            self.take_ahead(depth + 1)
                        } else {
                            self.path.push(key.clone());
                            let value = self.value(depth + 1, child);
                            self.path.pop();
                            value
                        };
                        if listed {
                            keys.push((key.clone(), line));
                        }
                        self.members.push(Member {
                            key,
                            line,
                            value: value?,
                        });
                    }
                }
                Keep::Check => {
                    self.value(depth + 1, Keep::Check)?;
                    keys.push((key, line));
                }
                Keep::Ignore => {
                    self.value(depth + 1, Keep::Ignore)?;
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => return Err(self.error("expected ',' or '}' in an object")),
                None => return Err(self.error("unexpected end of input in an object")),
            }
        }
        match mode {
            Keep::Build => {
                let members = take_top(&mut self.members, base);
                if listed {
                    self.note_duplicates(keys.iter().map(|(k, l)| (k, *l)), keys.len());
                    keys.clear();
                    self.pool.push(keys);
                } else {
                    self.note_duplicates(members.iter().map(|m| (&m.key, m.line)), members.len());
                }
                Ok(Value::Object(members))
            }
            Keep::Check => {
                self.note_duplicates(keys.iter().map(|(k, l)| (k, *l)), keys.len());
                keys.clear();
                self.pool.push(keys);
                Ok(Value::Skipped)
            }
            Keep::Ignore => Ok(Value::Skipped),
        }
    }

    /// Whether the check running ahead starts at the value about to be
    /// read.
    fn ahead_is_here(&mut self) -> bool {
        let pos = self.pos;
        self.ahead.as_mut().is_some_and(|a| a.at() == Some(pos))
    }

    /// Skips the value the check ahead started at, with its answer; reads
    /// it here if that thread gave none.
    fn take_ahead(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        let answer = self
            .ahead
            .take()
            .and_then(|a| a.thread.join().ok().flatten());
        match answer {
            Some(Ok((pos, line))) => {
                self.pos = pos;
                self.line = line;
                Ok(Value::Skipped)
            }
            Some(Err(e)) => Err(e),
            None => self.value(depth, Keep::Ignore),
        }
    }

    /// Notes every key of one object (`count` of them) that repeats an
    /// earlier one.
    fn note_duplicates<'k>(
        &mut self,
        keys: impl Iterator<Item = (&'k Cow<'a, str>, u32)> + Clone,
        count: usize,
    ) where
        'a: 'k,
    {
        // Most objects are small: comparing pairs beats hashing there, and
        // a key whose length and last byte no earlier key had is new
        // without comparing it with any.
        const SMALL: usize = 16;
        // Sized up front: growing it rehashes every key seen so far. Only
        // made for a large object: seeding a set costs as much as the
        // pairs of a small one.
        let mut seen = (count > SMALL).then(|| hashing::set_with_capacity(count));
        let mut shapes = 0u64;
        for (i, (key, line)) in keys.clone().enumerate() {
            let repeated = match seen.as_mut() {
                Some(seen) => !seen.insert(key.as_ref()),
                None => {
                    let bytes = key.as_bytes();
                    let last = bytes.last().map_or(0, |b| usize::from(*b));
                    let shape = 1u64 << ((bytes.len() * 7 + last) % 64);
                    let maybe = shapes & shape != 0;
                    shapes |= shape;
                    maybe && keys.clone().take(i).any(|(earlier, _)| earlier == key)
                }
            };
            if repeated {
                self.duplicates.push(DuplicateKey {
                    key: key.to_string(),
                    line,
                });
            }
        }
    }

    fn array(&mut self, depth: usize, mode: Keep) -> Result<Value<'a>, JsonError> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(Vec::new()));
        }
        // This array's items, once built, are `self.items[base..]`.
        let base = self.items.len();
        loop {
            self.skip_ws();
            let item = self.value(depth + 1, mode)?;
            if mode == Keep::Build {
                self.items.push(item);
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(if mode == Keep::Build {
                        Value::Array(take_top(&mut self.items, base))
                    } else {
                        Value::Skipped
                    });
                }
                Some(_) => return Err(self.error("expected ',' or ']' in an array")),
                None => return Err(self.error("unexpected end of input in an array")),
            }
        }
    }

    fn number(&mut self) -> Result<Value<'a>, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            self.digits();
        }
        Ok(Value::Number(&self.text[start..self.pos]))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.pos += 1;
        let start = self.pos;
        // Fast path: most strings are short, have no escapes, and borrow
        // the source.
        let end = start + plain_prefix(&self.src[start..]);
        self.pos = end;
        if self.src.get(end) == Some(&b'"') {
            self.pos += 1;
            return Ok(Cow::Borrowed(&self.text[start..end]));
        }
        let mut out = self.text[start..self.pos].to_string();
        loop {
            let Some(&b) = self.src.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                0..=0x1f => return Err(self.error("control character in a string")),
                _ => {
                    let run_start = self.pos;
                    self.pos += plain_prefix(&self.src[run_start..]);
                    out.push_str(&self.text[run_start..self.pos]);
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let Some(b) = self.peek() else {
            return Err(self.error("unterminated string"));
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(out),
            _ => {
                self.pos -= 1;
                return Err(self.error("invalid escape in a string"));
            }
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .src
            .get(self.pos..self.pos + 4)
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit))
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok());
        let Some(v) = digits else {
            return Err(self.error("invalid \\u escape"));
        };
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) && self.src[self.pos..].starts_with(b"\\u")
        {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            } else {
                self.pos = save;
                first
            }
        } else {
            first
        };
        // A lone surrogate cannot live in a Rust string; it becomes U+FFFD,
        // which is also how it would print anywhere else.
        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
