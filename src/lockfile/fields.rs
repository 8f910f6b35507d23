//! Typed access to lockfile fields, with errors that name the file, the
//! field and its line. Every reader goes through here so a field of the
//! wrong JSON type is always an error and never silently ignored.

use std::fmt;
use std::path::Path;

use super::{LockfileError, Platform};
use crate::json::Value;

/// The file being read, for error messages.
pub(super) struct Ctx<'a> {
    pub path: &'a Path,
}

impl Ctx<'_> {
    pub fn wrong_type(
        &self,
        what: impl fmt::Display,
        expected: &'static str,
        found: &Value,
        line: u32,
    ) -> LockfileError {
        LockfileError::WrongType {
            path: self.path.to_path_buf(),
            what: what.to_string(),
            expected,
            found: found.type_name(),
            line,
        }
    }

    /// A string field; `what` names the entry for messages.
    pub fn opt_str<'v>(
        &self,
        obj: &'v Value,
        key: &str,
        what: What,
    ) -> Result<Option<&'v str>, LockfileError> {
        match obj.member(key) {
            None => Ok(None),
            Some(m) => match &m.value {
                Value::String(s) => Ok(Some(s)),
                other => Err(self.wrong_type(what.field(key), "string", other, m.line)),
            },
        }
    }

    /// A boolean flag; absent is false.
    pub fn flag(&self, obj: &Value, key: &str, what: What) -> Result<bool, LockfileError> {
        match obj.member(key) {
            None => Ok(false),
            Some(m) => match &m.value {
                Value::Bool(b) => Ok(*b),
                other => Err(self.wrong_type(what.field(key), "boolean", other, m.line)),
            },
        }
    }

    /// A list of strings (`os`, `cpu`, `libc`); npm also accepts one string.
    pub fn str_list(
        &self,
        obj: &Value,
        key: &str,
        what: What,
    ) -> Result<Vec<String>, LockfileError> {
        let Some(m) = obj.member(key) else {
            return Ok(Vec::new());
        };
        let bad = |v: &Value| self.wrong_type(what.field(key), "array of strings", v, m.line);
        match &m.value {
            Value::String(s) => Ok(vec![s.to_string()]),
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad(v)))
                .collect(),
            other => Err(bad(other)),
        }
    }

    pub fn platform(&self, obj: &Value, what: What) -> Result<Platform, LockfileError> {
        Ok(Platform {
            os: self.str_list(obj, "os", what)?,
            cpu: self.str_list(obj, "cpu", what)?,
            libc: self.str_list(obj, "libc", what)?,
        })
    }

    /// An optional object field (`packages`, `dependencies`).
    pub fn opt_object<'v, 'a>(
        &self,
        obj: &'v Value<'a>,
        key: &str,
        what: What,
    ) -> Result<Option<&'v [crate::json::Member<'a>]>, LockfileError> {
        match obj.member(key) {
            None => Ok(None),
            Some(m) => match &m.value {
                Value::Object(members) => Ok(Some(members)),
                other => Err(self.wrong_type(what.field(key), "object", other, m.line)),
            },
        }
    }
}

/// Names what is being read (`packages["node_modules/a"]`) in messages.
/// Formatted only when there is an error: reading is the hot path.
#[derive(Debug, Clone, Copy)]
pub(super) struct What<'k> {
    section: &'static str,
    key: &'k str,
}

impl<'k> What<'k> {
    /// The top level of the lockfile.
    pub const TOP: What<'static> = What {
        section: "",
        key: "",
    };

    /// The entry `key` of `section`; the key is escaped in messages so a
    /// hostile key cannot forge them.
    pub fn entry(section: &'static str, key: &'k str) -> Self {
        Self { section, key }
    }

    /// A field of this entry, for messages.
    pub fn field(self, field: &str) -> String {
        if self.section.is_empty() {
            field.to_string()
        } else {
            format!("{self}.{field}")
        }
    }
}

impl fmt::Display for What<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.section.is_empty() {
            f.write_str("the lockfile")
        } else {
            write!(f, "{}[{:?}]", self.section, self.key)
        }
    }
}
