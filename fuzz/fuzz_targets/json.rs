//! The JSON reader (`lockproof::json::parse`) on any UTF-8 text: no panic,
//! errors print on one line with a position, and what it reads survives a
//! round trip through JSON text (same values, same duplicate keys).

#![no_main]

use std::fmt::Write as _;

use libfuzzer_sys::fuzz_target;
use lockproof::json::{self, Value};
use lockproof_fuzz::assert_prints_on_one_line;

fuzz_target!(|text: &str| {
    let doc = match json::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            assert_prints_on_one_line(&e);
            assert!(e.line >= 1 && e.column >= 1, "position {e:?}");
            return;
        }
    };
    let mut written = String::new();
    write(&doc.value, &mut written);
    let again = json::parse(&written)
        .unwrap_or_else(|e| panic!("own output {written:?} does not parse: {e}"));
    assert!(
        same(&doc.value, &again.value),
        "round trip changed {written:?}"
    );
    let keys = |d: &json::Document<'_>| {
        d.duplicate_keys
            .iter()
            .map(|k| k.key.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&doc), keys(&again), "duplicate keys of {written:?}");
});

/// `value` as compact JSON text.
fn write(value: &Value<'_>, out: &mut String) {
    let string = |s: &str, out: &mut String| {
        out.push_str(&serde_json::to_string(s).expect("a string serializes"));
    };
    match value {
        Value::Null | Value::Skipped => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => out.push_str(n),
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, member) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(&member.key, out);
                out.push(':');
                write(&member.value, out);
            }
            out.push('}');
        }
    }
}

/// Equal values, lines aside (the written text is one line).
fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(x, y)| x.key == y.key && same(&x.value, &y.value))
        }
        _ => a == b,
    }
}
