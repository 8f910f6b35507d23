//! JSON with comments and trailing commas (JSONC, as `bun.lock` is
//! written), turned into plain JSON for [`crate::json`] without moving
//! anything: every comment character and every trailing comma becomes one
//! space and line breaks stay, so the JSON reader's lines and columns are
//! those of the original text.
//!
//! One pass, no backtracking: a comma is blanked when the next significant
//! character turns out to close its object or array.

/// The JSON text of `text`: comments (`// …` to the end of the line,
/// `/* … */`) and commas directly before `}` or `]` replaced by spaces.
/// Strings are copied as they are, escapes included; an unterminated
/// string or comment is left for the JSON reader to report.
pub fn to_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Byte offset in `out` of a comma not yet followed by anything
    // significant.
    let mut pending_comma: Option<usize> = None;
    // Whether the last significant character ended a value: only a comma
    // after a value can be a trailing one (`{,}` stays an error).
    let mut after_value = false;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => {
                pending_comma = None;
                after_value = true;
                out.push('"');
                while let Some((_, s)) = chars.next() {
                    out.push(s);
                    match s {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                out.push(escaped);
                            }
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '/' if matches!(chars.peek(), Some((_, '/'))) => {
                out.push(' ');
                while let Some(&(_, s)) = chars.peek() {
                    if s == '\n' || s == '\r' {
                        break;
                    }
                    out.push(' ');
                    chars.next();
                }
            }
            '/' if matches!(chars.peek(), Some((_, '*'))) => {
                out.push(' ');
                let mut previous = ' ';
                for (_, s) in chars.by_ref() {
                    out.push(if s == '\n' || s == '\r' { s } else { ' ' });
                    if previous == '*' && s == '/' {
                        break;
                    }
                    previous = s;
                }
            }
            ',' => {
                pending_comma = after_value.then_some(out.len());
                after_value = false;
                out.push(',');
            }
            '}' | ']' => {
                if let Some(at) = pending_comma.take() {
                    out.replace_range(at..=at, " ");
                }
                after_value = true;
                out.push(c);
            }
            c if c.is_whitespace() => out.push(c),
            c => {
                pending_comma = None;
                after_value = !matches!(c, '{' | '[' | ':');
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_json;
    use crate::json;

    #[test]
    fn removes_comments_and_trailing_commas_in_place() {
        let text = "{\n  // a comment, with a comma,\n  \"a\": [1, 2,], /* x,\n y */\n  \"b\": \"// not a comment, \\\" ,}\",\n}\n";
        let plain = to_json(text);
        assert_eq!(plain.len(), text.len());
        assert_eq!(plain.lines().count(), text.lines().count());
        let doc = json::parse(&plain).unwrap();
        assert_eq!(
            doc.value.get("b").and_then(json::Value::as_str),
            Some("// not a comment, \" ,}")
        );
        assert_eq!(doc.value.member("b").map(|m| m.line), Some(5));
    }

    #[test]
    fn keeps_errors_where_they_are() {
        let err = json::parse(&to_json("{\n  /* é */ \"a\": 1,\n  \"b\" 2\n}")).unwrap_err();
        assert_eq!((err.line, err.column), (3, 7));
        assert!(json::parse(&to_json("{\"a\": [1,,]}")).is_err());
        assert!(json::parse(&to_json("{,}")).is_err());
        assert!(json::parse(&to_json("[,]")).is_err());
        assert!(json::parse(&to_json("{\"a\": ,}")).is_err());
        assert!(json::parse(&to_json("[1, /* open")).is_err());
    }
}
