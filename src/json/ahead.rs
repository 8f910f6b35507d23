//! Checking the legacy `dependencies` tree of a large lockfile on a second
//! core while the first reads `packages`.
//!
//! A lockfileVersion 2 file carries the same packages twice: `packages`,
//! which npm 7+ reads, and the older nested `dependencies` tree, which it
//! ignores but whose JSON must still be valid (npm's `JSON.parse` would
//! refuse the file). The tree is nearly half the file, and checking it is
//! pure work on bytes, so it runs ahead on its own thread from where npm's
//! formatting puts it: a top-level key, indented two spaces, at the start
//! of a line. The guess is only used when the reader, arriving there
//! itself, finds the value to skip starting at that very byte: checking is
//! a function of the bytes from there on, so the answer is the one the
//! reader would have reached, errors included. Any other file is read as
//! before, and the guess costs at most one more pass over its bytes.

use std::sync::mpsc::{self, Receiver};
use std::thread::{Scope, ScopedJoinHandle};

use super::{JsonError, Keep, Parser};

/// Below this size a document is read on one thread: starting another
/// costs more than it saves.
#[cfg(not(fuzzing))]
pub(super) const MIN_LEN: usize = 256 * 1024;

/// Fuzzed documents are small: under the fuzzers every document with a
/// legacy tree is checked ahead (and the answer compared with reading
/// alone, in `parse_with`).
#[cfg(fuzzing)]
pub(super) const MIN_LEN: usize = 0;

/// The top-level key as npm writes it.
const KEY: &[u8] = b"\n  \"dependencies\":";

/// Where a check started ahead ends: the position and line after the
/// value, or the error in it.
pub(super) type Checked = Result<(usize, u32), JsonError>;

/// A check running ahead of the reader. Always joined, used or not: a
/// thread left to end on its own may still be tearing down after the
/// reader returns.
pub(super) struct Ahead<'scope> {
    /// Where the thread found the value to check; it looks for it itself,
    /// so that the reader starts at once (the search and the line count
    /// before it are a pass over most of the document).
    found: Receiver<usize>,
    /// What `found` said, once asked: `None` when the thread found no tree
    /// where npm puts it (and checked nothing).
    at: Option<Option<usize>>,
    /// The thread, whose result is the answer when it found a tree.
    pub thread: ScopedJoinHandle<'scope, Option<Checked>>,
}

impl Ahead<'_> {
    /// The byte the checked value starts at, waiting for the thread to
    /// have looked (it says so before it checks anything).
    pub fn at(&mut self) -> Option<usize> {
        let found = &self.found;
        *self.at.get_or_insert_with(|| found.recv().ok())
    }
}

/// Starts checking `text`'s legacy tree on a thread of `scope`, when the
/// document is large; the thread first looks for the tree where npm puts
/// it, and checks it only if it is there.
pub(super) fn start<'scope, 'a: 'scope>(
    scope: &'scope Scope<'scope, '_>,
    text: &'a str,
) -> Option<Ahead<'scope>> {
    if text.len() < MIN_LEN {
        return None;
    }
    let (tell, found) = mpsc::sync_channel(1);
    // A thread that cannot be had (a process limit) leaves the reading to
    // the reader; its stack is set, as `RUST_MIN_STACK` could shrink it
    // below what `MAX_DEPTH` levels take.
    let thread = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn_scoped(scope, move || {
            let (at, line) = value_start(text)?;
            // The reader may have returned already: nobody to tell is fine.
            let _ = tell.send(at);
            Some(check(text, at, line))
        })
        .ok()?;
    Some(Ahead {
        found,
        at: None,
        thread,
    })
}

/// The checking thread's stack: the usual main thread's, many times what
/// [`super::MAX_DEPTH`] levels of checking take.
const STACK: usize = 8 * 1024 * 1024;

/// The byte the value of the first line-leading `"dependencies":` starts
/// at, and its line, counted as the reader counts them (a lone carriage
/// return ends a line too). npm writes the tree after `packages`: the
/// search runs forwards, where memchr's searcher is vectorised (its
/// backward one is not, and took about a sixth of the reader's time).
fn value_start(text: &str) -> Option<(usize, u32)> {
    let bytes = text.as_bytes();
    let key = memchr::memmem::find(bytes, KEY)?;
    let after = key + KEY.len();
    let at = after + bytes[after..].iter().take_while(|b| **b == b' ').count();
    let before = &bytes[..at];
    let lines = memchr::memchr_iter(b'\n', before).count()
        + memchr::memchr_iter(b'\r', before).count()
        - memchr::memmem::find_iter(before, b"\r\n").count();
    Some((at, u32::try_from(lines + 1).ok()?))
}

/// Checks the value starting at byte `at` (on `line`) as the reader checks
/// a top-level member it ignores.
fn check(text: &str, at: usize, line: u32) -> Checked {
    let ignore = |_: &[_], _: &[_], _: &str| Keep::Ignore;
    let mut p = Parser::at(text, &ignore, at, line);
    p.value(1, Keep::Ignore)?;
    Ok((p.pos, p.line))
}

#[cfg(test)]
mod tests {
    use super::super::{Document, parse_each};
    use super::*;

    /// A v2-shaped lockfile of at least [`MIN_LEN`] bytes whose legacy
    /// tree holds `tree`.
    fn lockfile(tree: &str, newline: &str) -> String {
        let mut packages = String::new();
        let mut i = 0;
        while packages.len() < MIN_LEN {
            packages.push_str(&format!(
                "{newline}    \"node_modules/p{i}\": {{{newline}      \"version\": \"1.0.{i}\"{newline}    }},"
            ));
            i += 1;
        }
        packages.pop();
        format!(
            "{{{newline}  \"lockfileVersion\": 2,{newline}  \"packages\": {{{packages}{newline}  }},{newline}  \"dependencies\": {tree},{newline}  \"z\": true{newline}}}{newline}"
        )
    }

    /// The legacy tree is ignored once `packages` has been seen, as the
    /// npm reader plans it.
    fn plan(path: &[std::borrow::Cow<'_, str>], seen: &[super::super::Member], key: &str) -> Keep {
        if path.is_empty() && key == "dependencies" && seen.iter().any(|m| m.key == "packages") {
            Keep::Ignore
        } else {
            Keep::Build
        }
    }

    /// Reads `text` with and without the check ahead and insists on one
    /// answer; says whether the check ahead was used.
    fn both(text: &str) -> (Result<Document<'_>, JsonError>, bool) {
        let (alone, used_alone) = parse_each(text, plan, false);
        let (ahead, used) = parse_each(text, plan, true);
        assert!(!used_alone);
        match (&alone, &ahead) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.value, b.value);
                assert_eq!(a.duplicate_keys, b.duplicate_keys);
            }
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("one reading failed: {alone:?} / {ahead:?}"),
        }
        (ahead, used)
    }

    #[test]
    fn the_legacy_tree_is_checked_ahead_with_the_same_answer() {
        let tree = "{\n    \"a\": {\n      \"version\": \"1.0.0\"\n    }\n  }";
        let text = lockfile(tree, "\n");
        let (doc, used) = both(&text);
        assert!(used);
        let doc = doc.unwrap();
        // Lines after the tree are counted from where the check ended.
        let z = doc.value.member("z").unwrap();
        assert_eq!(z.line, doc.value.member("dependencies").unwrap().line + 5);
    }

    #[test]
    fn an_error_in_the_tree_is_the_one_the_reader_reports() {
        for tree in [
            "{\n    \"a\": {\n      \"version\": 1.0.0\n    }\n  }",
            "{\n    \"a\": [1,]\n  }",
            "{\n    \"a\": \"\u{1}\"\n  }",
            "{\n    \"a\": {}\n",
            "tru",
        ] {
            let text = lockfile(tree, "\n");
            let (doc, used) = both(&text);
            assert!(used, "{tree}");
            let e = doc.unwrap_err();
            assert!(e.line > 1000, "{tree}: {e}");
        }
    }

    #[test]
    fn a_guess_elsewhere_is_not_used() {
        // The first line-leading key belongs to another object: the reader
        // never skips a value there.
        let text = lockfile("{}", "\n").replace(
            "\"lockfileVersion\": 2",
            "\"a\": {\n  \"dependencies\": {\"x\": 1}\n  }",
        );
        let (doc, used) = both(&text);
        assert!(!used);
        assert!(doc.is_ok());
    }

    #[test]
    fn an_error_before_the_tree_wins_over_one_in_it() {
        let text = lockfile("{\"a\": x}", "\n").replacen("\"version\"", "\"version\" 1", 1);
        let (doc, _) = both(&text);
        assert_eq!(doc.unwrap_err().line, 5);
    }

    #[test]
    fn lines_are_counted_as_the_reader_counts_them() {
        // Windows line endings: the key is still found.
        let text = lockfile("{\r\n    \"a\": {}\r\n  }", "\r\n");
        let (doc, used) = both(&text);
        assert!(used);
        assert!(doc.is_ok());
        // A lone carriage return before the tree ends a line.
        let lone = text.replacen("\r\n", "\r \r\n", 1);
        let (doc, used) = both(&lone);
        assert!(used);
        assert!(doc.is_ok());
        // Old Mac line endings: no line-leading key to find.
        let mac = lockfile("{\r  \"a\": {}\r  }", "\r");
        let (doc, used) = both(&mac);
        assert!(!used);
        assert!(doc.is_ok());
    }

    #[test]
    fn small_documents_are_read_on_one_thread() {
        let (doc, used) = both("{\"packages\": {},\n  \"dependencies\": {}}");
        assert!(!used);
        assert!(doc.is_ok());
    }
}
