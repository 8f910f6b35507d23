//! A YAML reader that builds the same light tree as [`crate::json`], with
//! the line of every mapping key, for `pnpm-lock.yaml` and Yarn Berry's
//! `yarn.lock`.
//!
//! Scanning is `saphyr-parser`'s (a YAML 1.2 event parser without
//! recursion); the tree is built here, iteratively, so that nesting depth,
//! aliases and repeated keys are decided by lockproof:
//! - aliases (`*name`) are refused: no package manager writes them, and
//!   each one can stand for a whole subtree, so a small file could expand
//!   into a huge tree (the "billion laughs");
//! - nesting deeper than [`MAX_DEPTH`] is refused;
//! - a key that occurs twice in one mapping is noted, as the JSON reader
//!   notes it, and kept (readers take the last, as JavaScript's YAML
//!   libraries do when they do not refuse the file).
//!
//! Scalars keep their text. Plain `true`/`false` become booleans and plain
//! `null`, `~` and empty scalars become null (YAML 1.2's core schema);
//! everything else, numbers included, is a string, since lockfile readers
//! compare versions as text (`lockfileVersion: 5.4`, `version: 1.0`).

use std::borrow::Cow;
use std::collections::HashSet;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use thiserror::Error;

use crate::json::{Document, DuplicateKey, Member, Value};

/// Nesting deeper than this is refused (as in [`crate::json`]).
pub const MAX_DEPTH: usize = 512;

/// Why a text is not YAML lockproof reads, and where.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{message} at line {line}, column {column}")]
pub struct YamlError {
    /// What was wrong.
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl YamlError {
    fn at(message: impl Into<String>, span: &Span) -> Self {
        Self {
            message: message.into(),
            line: to_u32(span.start.line()),
            column: to_u32(span.start.col() + 1),
        }
    }

    fn scan(e: &ScanError) -> Self {
        Self {
            message: e.info().to_string(),
            line: to_u32(e.marker().line()),
            column: to_u32(e.marker().col() + 1),
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A container being built.
enum Frame<'a> {
    Sequence(Vec<Value<'a>>),
    Mapping {
        members: Vec<Member<'a>>,
        /// The key read, waiting for its value.
        key: Option<(Cow<'a, str>, u32)>,
    },
}

/// Parses every document of a YAML stream, in order. A stream without
/// any document gives an empty list. A leading byte-order mark is skipped.
pub fn parse_documents(text: &str) -> Result<Vec<Document<'_>>, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::new_from_str(text);
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    let mut duplicates = Vec::new();
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| YamlError::scan(&e))?;
        let done = match event {
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => None,
            Event::StreamEnd => break,
            Event::DocumentEnd => {
                documents.push(Document {
                    value: root.take().unwrap_or(Value::Null),
                    duplicate_keys: std::mem::take(&mut duplicates),
                });
                None
            }
            Event::Alias(_) => {
                return Err(YamlError::at(
                    "an alias (*name): package managers never write them, and lockproof refuses them",
                    &span,
                ));
            }
            Event::Scalar(text, style, _, _) => {
                if let Some(Frame::Mapping {
                    key: key @ None, ..
                }) = stack.last_mut()
                {
                    *key = Some((text, to_u32(span.start.line())));
                    None
                } else {
                    Some(scalar(text, style))
                }
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if matches!(stack.last(), Some(Frame::Mapping { key: None, .. })) {
                    return Err(YamlError::at("a mapping or sequence used as a key", &span));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError::at("nesting too deep", &span));
                }
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Mapping {
                        members: Vec::new(),
                        key: None,
                    }
                } else {
                    Frame::Sequence(Vec::new())
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Sequence(items)) => Some(Value::Array(items)),
                Some(Frame::Mapping { members, .. }) => {
                    note_duplicates(&members, &mut duplicates);
                    Some(Value::Object(members))
                }
                None => return Err(YamlError::at("unbalanced end of a collection", &span)),
            },
        };
        if let Some(value) = done {
            match stack.last_mut() {
                Some(Frame::Sequence(items)) => items.push(value),
                Some(Frame::Mapping { members, key }) => {
                    let Some((key, line)) = key.take() else {
                        return Err(YamlError::at("a value without a key", &span));
                    };
                    members.push(Member { key, line, value });
                }
                None => root = Some(value),
            }
        }
    }
    Ok(documents)
}

/// A scalar under YAML 1.2's core schema, numbers kept as text.
fn scalar(text: Cow<'_, str>, style: ScalarStyle) -> Value<'_> {
    if style != ScalarStyle::Plain {
        return Value::String(text);
    }
    match text.as_ref() {
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        _ => Value::String(text),
    }
}

fn note_duplicates(members: &[Member], out: &mut Vec<DuplicateKey>) {
    // Most mappings are small: comparing pairs beats hashing there.
    const SMALL: usize = 16;
    let mut seen = HashSet::new();
    for (i, m) in members.iter().enumerate() {
        let repeated = if members.len() <= SMALL {
            members[..i].iter().any(|earlier| earlier.key == m.key)
        } else {
            !seen.insert(m.key.as_ref())
        };
        if repeated {
            out.push(DuplicateKey {
                key: m.key.to_string(),
                line: m.line,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Document<'_> {
        let mut docs = parse_documents(text).unwrap();
        assert_eq!(docs.len(), 1, "{text}");
        docs.remove(0)
    }

    #[test]
    fn builds_mappings_sequences_and_scalars_with_key_lines() {
        let doc = one(
            "lockfileVersion: '9.0'\n\npackages:\n  '@s/a@1.0.0':\n    resolution: {integrity: sha512-x}\n    cpu: [x64, arm64]\n    optional: true\n    deprecated: ~\n",
        );
        assert_eq!(
            doc.value.get("lockfileVersion").unwrap().as_str(),
            Some("9.0")
        );
        let packages = doc.value.member("packages").unwrap();
        assert_eq!(packages.line, 3);
        let entry = packages.value.member("@s/a@1.0.0").unwrap();
        assert_eq!(entry.line, 4);
        let resolution = entry.value.get("resolution").unwrap();
        assert_eq!(
            resolution.get("integrity").unwrap().as_str(),
            Some("sha512-x")
        );
        assert_eq!(
            entry.value.get("cpu"),
            Some(&Value::Array(vec![
                Value::String("x64".into()),
                Value::String("arm64".into())
            ]))
        );
        assert_eq!(entry.value.get("optional"), Some(&Value::Bool(true)));
        assert_eq!(entry.value.get("deprecated"), Some(&Value::Null));
    }

    #[test]
    fn numbers_stay_text_and_quoted_booleans_stay_strings() {
        let doc = one("lockfileVersion: 5.4\nversion: 1.0\nflag: 'true'\n");
        assert_eq!(
            doc.value.get("lockfileVersion").unwrap().as_str(),
            Some("5.4")
        );
        assert_eq!(doc.value.get("version").unwrap().as_str(), Some("1.0"));
        assert_eq!(doc.value.get("flag").unwrap().as_str(), Some("true"));
    }

    #[test]
    fn reads_every_document_of_a_stream() {
        let docs = parse_documents(
            "---\nlockfileVersion: '9.0'\na: 1\n\n---\nlockfileVersion: '9.0'\nb: 2\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs[0].value.get("a").is_some());
        let b = docs[1].value.member("b").unwrap();
        assert_eq!(b.line, 7);
        assert!(parse_documents("").unwrap().is_empty());
    }

    #[test]
    fn notes_repeated_keys() {
        let doc = one("a: 1\nb: 2\na: 3\n");
        assert_eq!(
            doc.duplicate_keys,
            vec![DuplicateKey {
                key: "a".into(),
                line: 3
            }]
        );
    }

    #[test]
    fn refuses_aliases_complex_keys_and_deep_nesting_with_a_position() {
        let e = parse_documents("a: &x [1]\nb: *x\n").unwrap_err();
        assert!(e.message.contains("alias"), "{e}");
        assert_eq!((e.line, e.column), (2, 4));
        let e = parse_documents("? [a]\n: b\n").unwrap_err();
        assert!(e.message.contains("as a key"), "{e}");
        let e = parse_documents(&"- ".repeat(MAX_DEPTH + 1)).unwrap_err();
        assert!(e.message.contains("too deep"), "{e}");
        let e = parse_documents("a: b: c\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 5), "{e}");
    }

    #[test]
    fn hostile_streams_stay_linear_and_never_overflow_the_stack() {
        // A million nested block sequences on one line, a flow sequence
        // nested past the scanner's limit, and a million aliases: each
        // ends in an error (or a tree) without recursion or expansion.
        assert!(parse_documents(&"- ".repeat(1_000_000)).is_err());
        assert!(parse_documents(&"[".repeat(1_000_000)).is_err());
        let aliases = format!("a: &x [1]\nb: [{}]\n", "*x,".repeat(1_000_000));
        assert!(parse_documents(&aliases).is_err());
        let wide = format!("[{}]", "a,".repeat(1_000_000));
        let doc = one(&wide);
        assert!(matches!(doc.value, Value::Array(ref items) if items.len() == 1_000_000));
    }
}
