//! Canonical JSON as TUF signs it (the OLPC form securesystemslib writes):
//! object keys sorted, no insignificant whitespace, strings escaping only
//! `"` and `\`, integers only.
//!
//! Signatures cover these bytes, rebuilt from the parsed `signed` object,
//! so a reformatted file still verifies and a changed value never does.

use serde_json::Value;

/// A value canonical JSON cannot hold (a fraction, or a number out of
/// range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not representable in canonical JSON: {0}")]
pub struct NotCanonical(pub String);

/// The canonical bytes of `value`.
pub fn canonical(value: &Value) -> Result<Vec<u8>, NotCanonical> {
    let mut out = Vec::new();
    write(value, &mut out)?;
    Ok(out)
}

fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), NotCanonical> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if n.is_f64() {
                return Err(NotCanonical(n.to_string()));
            }
            out.extend_from_slice(n.to_string().as_bytes());
        }
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // serde_json's map is ordered by key (no `preserve_order`), which
            // is the code-point order canonical JSON asks for; sorting again
            // keeps that true whatever the feature set.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(key, out);
                out.push(b':');
                write(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for b in s.bytes() {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_only_quote_and_backslash_are_escaped() {
        let value = json!({"b": [1, -2, true, null], "a": {"z": "x\"y\\z\n\u{e9}", "c": {}}});
        let got = String::from_utf8(canonical(&value).expect("canonical")).expect("utf-8");
        assert_eq!(
            got,
            "{\"a\":{\"c\":{},\"z\":\"x\\\"y\\\\z\n\u{e9}\"},\"b\":[1,-2,true,null]}"
        );
    }

    #[test]
    fn fractions_are_refused() {
        assert!(canonical(&json!({"a": 1.5})).is_err());
        assert_eq!(
            canonical(&json!(18446744073709551615u64)).map(|b| b.len()),
            Ok(20)
        );
    }
}
