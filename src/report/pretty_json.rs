//! Pretty-printed JSON, byte for byte as `serde_json::to_writer_pretty`
//! writes it (two spaces per level), but with each line break and its
//! indentation written at once: serde_json's formatter writes the
//! indentation two bytes at a time, and a report of a large lockfile has
//! tens of thousands of lines.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// A comma, a line break and the indentation of the deepest level written
/// in one piece; deeper levels are written in pieces of this.
const BREAK: &[u8] = b",\n                                                                ";

/// Writes `value` to `out` as pretty-printed JSON.
pub fn to_writer<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> io::Result<()> {
    let mut serializer = Serializer::with_formatter(out, Pretty::default());
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// serde_json's `PrettyFormatter` with an indentation of two spaces.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// A line break (after a comma unless `first`) and the indentation of
    /// the current depth.
    fn line<W: ?Sized + Write>(&self, out: &mut W, comma: bool) -> io::Result<()> {
        let start = usize::from(!comma);
        let mut spaces = self.depth * 2;
        let head = spaces.min(BREAK.len() - 2);
        out.write_all(&BREAK[start..2 + head])?;
        spaces -= head;
        while spaces > 0 {
            let piece = spaces.min(BREAK.len() - 2);
            out.write_all(&BREAK[2..2 + piece])?;
            spaces -= piece;
        }
        Ok(())
    }

    fn begin<W: ?Sized + Write>(&mut self, out: &mut W, open: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(open)
    }

    fn end<W: ?Sized + Write>(&mut self, out: &mut W, close: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(out, false)?;
        }
        out.write_all(close)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.begin(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.end(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line(out, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.begin(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.end(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.line(out, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn pretty(value: &Value) -> String {
        let mut out = Vec::new();
        to_writer(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// `depth` objects nested in each other, each with a sibling before
    /// and after it and empty containers beside it.
    fn nested(depth: usize) -> Value {
        (0..depth).fold(json!("leaf \"quoted\" \u{7}"), |inner, i| {
            json!({"a": i, "empty": {}, "none": [], "inner": inner, "list": [null, true, 1.5, {"k": []}]})
        })
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let values = [
            json!(null),
            json!("plain"),
            json!([]),
            json!({}),
            json!([[]]),
            json!([{}, [], [[{}]]]),
            json!({"a": {"b": {"c": [1, 2, {"d": "e"}]}}, "f": []}),
            nested(3),
            // Deeper than one piece of indentation (32 levels).
            nested(40),
            nested(100),
        ];
        for value in &values {
            assert_eq!(pretty(value), serde_json::to_string_pretty(value).unwrap());
        }
    }

    #[test]
    fn a_write_error_is_returned() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let err = to_writer(&mut Full, &json!({"a": 1})).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
    }
}
