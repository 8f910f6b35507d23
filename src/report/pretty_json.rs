//! Pretty-printed JSON, byte for byte as `serde_json::to_writer_pretty`
//! writes it (two spaces per level), written faster: a line break and its
//! indentation are one write, and a string with nothing to escape (nearly
//! every string of a report) is found so eight bytes at a time
//! ([`plain_words`], as the JSON reader finds a string's end) and copied
//! whole. serde_json looks each byte up in a table and writes indentation
//! two bytes at a time; a report of a large lockfile is a megabyte of
//! short lines and strings.
//!
//! Scalars other than strings (integers, floats) are written by serde_json
//! itself, so that their digits are its digits.

use std::fmt;
use std::io::{self, Write};

use serde::ser::{self, Serialize};

use crate::json::{is_plain, plain_words};

/// Writes `value` to `out` as pretty-printed JSON.
pub fn to_writer<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> io::Result<()> {
    let mut writer = Writer {
        out,
        buf: Vec::with_capacity(FLUSH_AT + 4096),
        depth: 0,
    };
    value
        .serialize(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(|e| match e {
            Error::Io(e) => e,
            // As serde_json reports a value it cannot write.
            Error::Other(message) => io::Error::new(io::ErrorKind::InvalidData, message),
        })
}

/// `value` as pretty-printed JSON text.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> io::Result<String> {
    let mut out = Vec::new();
    to_writer(&mut out, value)?;
    // Everything written is UTF-8: strings whole or escaped, and ASCII.
    String::from_utf8(out).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Why writing failed: the writer's error, or a value JSON cannot hold.
#[derive(Debug)]
pub enum Error {
    /// The writer failed.
    Io(io::Error),
    /// The value cannot be written as JSON (a map key that is not a
    /// string, a number or a boolean; a custom error of a `Serialize`).
    Other(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => e.fmt(f),
            Self::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::Other(message.to_string())
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

type Result<T = ()> = std::result::Result<T, Error>;

/// A comma, a line break and the indentation of 32 levels, written in
/// pieces of this for deeper ones.
const BREAK: &[u8] = b",\n                                                                ";

/// The JSON writer: where to, through a buffer of its own (most writes
/// are a few bytes: a quote, a colon, a line's indentation), and how deep
/// inside containers.
struct Writer<'w, W> {
    out: &'w mut W,
    buf: Vec<u8>,
    depth: usize,
}

/// The longest line break [`Writer::line`] copies in one fixed-size piece.
const SHORT: usize = 32;

/// The buffer is handed on once it holds this much, at a line break.
const FLUSH_AT: usize = 64 * 1024;

impl<'w, W: Write> Writer<'w, W> {
    fn put(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Hands the buffer on.
    fn flush(&mut self) -> Result {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// A line break, after a comma unless `first`, and the indentation of
    /// the current depth.
    fn line(&mut self, first: bool) -> Result {
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        let mut spaces = self.depth * 2;
        let from = usize::from(first);
        // A report's lines are indented a few levels: a break of up to
        // SHORT bytes is copied as a whole SHORT bytes, a copy of fixed
        // size that needs no call to memcpy, and the excess cut off.
        if let Some(short) = BREAK.get(from..from + SHORT)
            && 2 - from + spaces <= SHORT
        {
            let end = self.buf.len() + 2 - from + spaces;
            self.put(short);
            self.buf.truncate(end);
            return Ok(());
        }
        let head = spaces.min(BREAK.len() - 2);
        self.put(&BREAK[from..2 + head]);
        spaces -= head;
        while spaces > 0 {
            let piece = spaces.min(BREAK.len() - 2);
            self.put(&BREAK[2..2 + piece]);
            spaces -= piece;
        }
        Ok(())
    }

    /// `s` as a JSON string.
    fn string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        if is_plain(bytes) {
            self.put(b"\"");
            self.put(bytes);
            self.put(b"\"");
            return;
        }
        let mut i = plain_words(bytes);
        self.put(b"\"");
        let mut start = 0;
        while let Some(&b) = bytes.get(i) {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0..=0x1f => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let code = [
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(b >> 4)],
                        HEX[usize::from(b & 0xf)],
                    ];
                    self.put(&bytes[start..i]);
                    self.put(&code);
                    i += 1;
                    start = i;
                    continue;
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            self.put(&bytes[start..i]);
            self.put(escape);
            i += 1;
            start = i;
        }
        self.put(&bytes[start..]);
        self.put(b"\"");
    }

    /// A scalar written by serde_json, for its digits.
    fn scalar<T: Serialize>(&mut self, value: T) -> Result {
        serde_json::to_writer(&mut self.buf, &value).map_err(|e| Error::Other(e.to_string()))
    }

    /// Opens a container; its members follow.
    fn open(&mut self, bracket: &[u8]) -> Result<Compound<'_, 'w, W>> {
        self.put(bracket);
        self.depth += 1;
        Ok(Compound {
            writer: self,
            first: true,
        })
    }

    /// `{"variant": …`: an enum variant with content opens an object
    /// keyed by its name.
    fn open_variant(&mut self, variant: &str) -> Result {
        self.put(b"{");
        self.depth += 1;
        self.line(true)?;
        self.string(variant);
        self.put(b": ");
        Ok(())
    }

    /// Closes what [`Writer::open_variant`] opened.
    fn close_variant(&mut self) -> Result {
        self.depth -= 1;
        self.line(true)?;
        self.put(b"}");
        Ok(())
    }
}

/// An array or object being written.
struct Compound<'a, 'w, W> {
    writer: &'a mut Writer<'w, W>,
    /// No member was written yet.
    first: bool,
}

impl<'a, 'w, W: Write> Compound<'a, 'w, W> {
    /// Starts a member: the comma before it, its line.
    fn member(&mut self) -> Result {
        self.writer.line(self.first)?;
        self.first = false;
        Ok(())
    }

    /// Closes the container (an empty one on its opening line) and hands
    /// the writer back.
    fn close(self, bracket: &[u8]) -> Result<&'a mut Writer<'w, W>> {
        self.writer.depth -= 1;
        if !self.first {
            self.writer.line(true)?;
        }
        self.writer.put(bracket);
        Ok(self.writer)
    }

    fn key(&mut self, key: &str) -> Result {
        self.member()?;
        self.writer.string(key);
        self.writer.put(b": ");
        Ok(())
    }
}

/// The integer methods of a `Serializer`, each writing with `$write`.
macro_rules! numbers {
    ($write:ident) => {
        numbers!($write: serialize_i8 i8, serialize_i16 i16, serialize_i32 i32,
            serialize_i64 i64, serialize_i128 i128, serialize_u8 u8, serialize_u16 u16,
            serialize_u32 u32, serialize_u64 u64, serialize_u128 u128);
    };
    ($write:ident: $($method:ident $t:ty),*) => {
        $(
            fn $method(self, v: $t) -> Result {
                self.$write(v)
            }
        )*
    };
}

impl<'a, 'w, W: Write> ser::Serializer for &'a mut Writer<'w, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'w, W>;
    type SerializeTuple = Compound<'a, 'w, W>;
    type SerializeTupleStruct = Compound<'a, 'w, W>;
    type SerializeTupleVariant = Compound<'a, 'w, W>;
    type SerializeMap = Compound<'a, 'w, W>;
    type SerializeStruct = Compound<'a, 'w, W>;
    type SerializeStructVariant = Compound<'a, 'w, W>;

    fn serialize_bool(self, v: bool) -> Result {
        self.put(if v { b"true" } else { b"false" });
        Ok(())
    }

    numbers!(scalar);

    fn serialize_f32(self, v: f32) -> Result {
        self.scalar(v)
    }

    fn serialize_f64(self, v: f64) -> Result {
        self.scalar(v)
    }

    fn serialize_char(self, v: char) -> Result {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result {
        self.string(v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result {
        use ser::SerializeSeq as _;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }

    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.put(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result {
        self.string(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.open_variant(variant)?;
        value.serialize(&mut *self)?;
        self.close_variant()
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        self.open(b"[")
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        self.open_variant(variant)?;
        self.open(b"[")
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        self.open(b"{")
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        self.open(b"{")
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        self.open_variant(variant)?;
        self.open(b"{")
    }
}

/// serde's array-like compounds, which differ only in names: each value
/// a member, closed by `]`.
macro_rules! array_like {
    ($($trait:ident $method:ident),*) => {
        $(
            impl<W: Write> ser::$trait for Compound<'_, '_, W> {
                type Ok = ();
                type Error = Error;

                fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
                    self.member()?;
                    value.serialize(&mut *self.writer)
                }

                fn end(self) -> Result {
                    self.close(b"]").map(drop)
                }
            }
        )*
    };
}

array_like!(
    SerializeSeq serialize_element,
    SerializeTuple serialize_element,
    SerializeTupleStruct serialize_field
);

impl<W: Write> ser::SerializeTupleVariant for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        self.close(b"]")?.close_variant()
    }
}

impl<W: Write> ser::SerializeMap for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.member()?;
        key.serialize(MapKey {
            writer: &mut *self.writer,
        })?;
        self.writer.put(b": ");
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result {
        self.close(b"}").map(drop)
    }
}

impl<W: Write> ser::SerializeStruct for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.key(key)?;
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result {
        self.close(b"}").map(drop)
    }
}

impl<W: Write> ser::SerializeStructVariant for Compound<'_, '_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        ser::SerializeStruct::serialize_field(self, key, value)
    }

    fn end(self) -> Result {
        self.close(b"}")?.close_variant()
    }
}

/// A map key: JSON keys are strings, so numbers and booleans are quoted,
/// as serde_json quotes them; other keys are refused.
struct MapKey<'a, 'w, W> {
    writer: &'a mut Writer<'w, W>,
}

impl<W: Write> MapKey<'_, '_, W> {
    fn quoted<T: Serialize>(self, value: T) -> Result {
        self.writer.put(b"\"");
        self.writer.scalar(value)?;
        self.writer.put(b"\"");
        Ok(())
    }
}

fn not_a_key() -> Error {
    Error::Other("key must be a string".to_string())
}

fn infinite_key() -> Error {
    Error::Other("float key must be finite (got NaN or +/-inf)".to_string())
}

impl<W: Write> ser::Serializer for MapKey<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result {
        self.quoted(v)
    }

    numbers!(quoted);

    fn serialize_f32(self, v: f32) -> Result {
        if v.is_finite() {
            self.quoted(v)
        } else {
            Err(infinite_key())
        }
    }

    fn serialize_f64(self, v: f64) -> Result {
        if v.is_finite() {
            self.quoted(v)
        } else {
            Err(infinite_key())
        }
    }

    fn serialize_char(self, v: char) -> Result {
        self.writer.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result {
        self.writer.string(v);
        Ok(())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result {
        Err(not_a_key())
    }

    fn serialize_none(self) -> Result {
        Err(not_a_key())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        Err(not_a_key())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Err(not_a_key())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result {
        self.writer.string(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result {
        Err(not_a_key())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_a_key())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(not_a_key())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_a_key())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_a_key())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_a_key())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(not_a_key())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_a_key())
    }
}

#[cfg(test)]
mod tests;
