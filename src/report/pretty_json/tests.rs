//! The pretty JSON writer against serde_json's own, byte for byte.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::*;

fn pretty<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    to_writer(&mut out, value).unwrap();
    String::from_utf8(out).unwrap()
}

fn same<T: Serialize + ?Sized>(value: &T) {
    assert_eq!(pretty(value), serde_json::to_string_pretty(value).unwrap());
}

/// `depth` objects nested in each other, each with siblings and empty
/// containers beside it.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!("leaf \"quoted\" \u{7}"), |inner, i| {
        json!({"a": i, "empty": {}, "none": [], "inner": inner, "list": [null, true, -1.5, {"k": []}]})
    })
}

#[test]
fn values_as_serde_json_writes_them() {
    for value in [
        json!(null),
        json!("plain"),
        json!([]),
        json!({}),
        json!([[]]),
        json!([{}, [], [[{}]]]),
        json!({"a": {"b": {"c": [1, 2, {"d": "e"}]}}, "f": []}),
        json!([0, -1, u64::MAX, i64::MIN, 0.1, 1e300, -2.5e-7, false]),
        nested(3),
        // Deeper than one piece of indentation (32 levels).
        nested(40),
        nested(100),
        // Several buffers' worth.
        (0..20_000)
            .map(|i| json!({"i": i, "s": format!("entry {i}\t")}))
            .collect(),
    ] {
        same(&value);
    }
}

#[test]
fn strings_escaped_as_serde_json_escapes_them() {
    let mut every_byte = String::new();
    for c in (0u8..0x80).map(char::from) {
        every_byte.push(c);
    }
    let strings = [
        String::new(),
        "a".to_string(),
        "exactly8".to_string(),
        "longer than eight plain bytes, then \"a quote\" and \\ more".to_string(),
        every_byte.clone(),
        every_byte.chars().rev().collect(),
        "\u{7f}\u{80}\u{2028}\u{2029}é😀\u{1b}[31m".to_string(),
        "tail\n".to_string(),
        "\"".repeat(17),
        "0123456\u{1}0123456\u{1f}".to_string(),
    ];
    for s in &strings {
        same(s);
        // Each string in every position of a word.
        for pad in 0..8 {
            same(&format!("{}{s}", "x".repeat(pad)));
        }
        same(&BTreeMap::from([(s.clone(), s.clone())]));
    }
}

#[derive(Serialize)]
enum Shape {
    Unit,
    Newtype(u32),
    Tuple(u8, String),
    Struct { a: bool, b: Option<String> },
    EmptyTuple(),
    EmptyStruct {},
}

#[derive(Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
enum Tagged {
    Present { items: Vec<u32> },
    Absent,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
enum Key {
    FirstKey,
    Second,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Wrapped(String);

#[derive(Serialize)]
struct Inner {
    x: i64,
    y: &'static str,
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Everything {
    shapes: Vec<Shape>,
    tagged: Vec<Tagged>,
    by_key: BTreeMap<Key, usize>,
    by_number: BTreeMap<u16, &'static str>,
    by_bool: BTreeMap<bool, ()>,
    by_char: BTreeMap<char, i8>,
    by_newtype: BTreeMap<Wrapped, Vec<()>>,
    #[serde(flatten)]
    inner: Inner,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<u8>,
    kept: Option<u8>,
    tuple: (u8, (), &'static str),
    bytes: serde_bytes_like::Bytes,
    unit: Unit,
    character: char,
    empty: Vec<Vec<u8>>,
}

/// Bytes serialized as bytes (not as a sequence of numbers).
mod serde_bytes_like {
    pub struct Bytes(pub Vec<u8>);

    impl serde::Serialize for Bytes {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }
}

#[test]
fn every_shape_serde_derives_as_serde_json_writes_it() {
    let everything = Everything {
        shapes: vec![
            Shape::Unit,
            Shape::Newtype(7),
            Shape::Tuple(1, "two".into()),
            Shape::Struct { a: true, b: None },
            Shape::Struct {
                a: false,
                b: Some("b\tb".into()),
            },
            Shape::EmptyTuple(),
            Shape::EmptyStruct {},
        ],
        tagged: vec![Tagged::Present { items: vec![1, 2] }, Tagged::Absent],
        by_key: BTreeMap::from([(Key::FirstKey, 1), (Key::Second, 2)]),
        by_number: BTreeMap::from([(0, "zero"), (65535, "max")]),
        by_bool: BTreeMap::from([(false, ()), (true, ())]),
        by_char: BTreeMap::from([('"', -1), ('é', 1)]),
        by_newtype: BTreeMap::from([(Wrapped("w".into()), vec![(), ()])]),
        inner: Inner { x: -3, y: "why" },
        skipped: None,
        kept: None,
        tuple: (1, (), "three"),
        bytes: serde_bytes_like::Bytes(vec![0, 255]),
        unit: Unit,
        character: '\n',
        empty: vec![vec![], vec![]],
    };
    same(&everything);
    same(&Everything {
        shapes: Vec::new(),
        tagged: Vec::new(),
        by_key: BTreeMap::new(),
        by_number: BTreeMap::new(),
        by_bool: BTreeMap::new(),
        by_char: BTreeMap::new(),
        by_newtype: BTreeMap::new(),
        bytes: serde_bytes_like::Bytes(Vec::new()),
        empty: Vec::new(),
        ..everything
    });
}

#[test]
fn optional_and_float_keys_as_serde_json_writes_them() {
    same(&BTreeMap::from([(Some("k"), 1)]));
    let mut out = Vec::new();
    assert!(to_writer(&mut out, &BTreeMap::from([(None::<&str>, 1)])).is_err());
    assert!(serde_json::to_string_pretty(&BTreeMap::from([(None::<&str>, 1)])).is_err());
    struct FloatKeys;
    impl Serialize for FloatKeys {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(None)?;
            map.serialize_entry(&0.1f32, &1)?;
            map.serialize_entry(&-2.5e-7f64, &2)?;
            map.end()
        }
    }
    same(&FloatKeys);
}

#[test]
fn keys_json_cannot_hold_are_refused_as_serde_json_refuses_them() {
    let by_list = BTreeMap::from([(vec![1], 1)]);
    assert!(serde_json::to_string_pretty(&by_list).is_err());
    let mut out = Vec::new();
    let err = to_writer(&mut out, &by_list).unwrap_err();
    assert_eq!(err.to_string(), "key must be a string");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
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
