//! Typed access to lockfile fields, with errors that name the file, the
//! field and its line. Every reader goes through here so a field of the
//! wrong JSON type is always an error and never silently ignored.

use std::fmt;
use std::path::Path;

use super::{Flags, IntegrityField, LockfileError, Resolved, integrity_field};
use crate::json::{Member, Value};

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

    /// A string field.
    pub fn opt_str<'v>(
        &self,
        m: Option<&'v Member>,
        what: What,
    ) -> Result<Option<&'v str>, LockfileError> {
        match m {
            None => Ok(None),
            Some(m) => match &m.value {
                Value::String(s) => Ok(Some(s)),
                other => Err(self.wrong_type(what.field(&m.key), "string", other, m.line)),
            },
        }
    }

    /// A boolean flag; absent is false.
    pub fn flag(&self, m: Option<&Member>, what: What) -> Result<bool, LockfileError> {
        match m {
            None => Ok(false),
            Some(m) => match &m.value {
                Value::Bool(b) => Ok(*b),
                other => Err(self.wrong_type(what.field(&m.key), "boolean", other, m.line)),
            },
        }
    }

    /// `resolved`: a string, or `false` as some old npm versions wrote.
    pub fn resolved(&self, m: Option<&Member>, what: What) -> Result<Resolved, LockfileError> {
        match m {
            None => Ok(Resolved::Absent),
            Some(m) => match &m.value {
                Value::String(s) => Ok(Resolved::Url(s.to_string())),
                Value::Bool(false) => Ok(Resolved::False),
                other => Err(self.wrong_type(what.field(&m.key), "string", other, m.line)),
            },
        }
    }

    /// A list of strings (`os`, `cpu`, `libc`); npm also accepts one string.
    pub fn str_list(&self, m: Option<&Member>, what: What) -> Result<Vec<String>, LockfileError> {
        let Some(m) = m else {
            return Ok(Vec::new());
        };
        let bad = |v: &Value| self.wrong_type(what.field(&m.key), "array of strings", v, m.line);
        match &m.value {
            Value::String(s) => Ok(vec![s.to_string()]),
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad(v)))
                .collect(),
            other => Err(bad(other)),
        }
    }

    /// An optional object field (`packages`, `dependencies`).
    pub fn opt_object<'v, 'a>(
        &self,
        m: Option<&'v Member<'a>>,
        what: What,
    ) -> Result<Option<&'v [Member<'a>]>, LockfileError> {
        match m {
            None => Ok(None),
            Some(m) => match &m.value {
                Value::Object(members) => Ok(Some(members)),
                other => Err(self.wrong_type(what.field(&m.key), "object", other, m.line)),
            },
        }
    }

    /// Reads the fields shared by `packages` and nested `dependencies`
    /// entries.
    pub fn common(&self, f: &Fields, what: What) -> Result<Common, LockfileError> {
        Ok(Common {
            resolved: self.resolved(f.resolved, what)?,
            integrity: integrity_field(self.opt_str(f.integrity, what)?),
            flags: Flags {
                dev: self.flag(f.dev, what)?,
                optional: self.flag(f.optional, what)?,
                dev_optional: self.flag(f.dev_optional, what)?,
                peer: self.flag(f.peer, what)?,
                extraneous: self.flag(f.extraneous, what)?,
            },
        })
    }
}

/// Fields every entry format has, typed.
pub(super) struct Common {
    pub resolved: Resolved,
    pub integrity: IntegrityField,
    pub flags: Flags,
}

/// Whether [`Fields::of`] reads `key`: the parser builds these members of
/// an entry and only checks the others.
pub(super) fn reads(key: &str) -> bool {
    Fields::default().slot(key).is_some()
}

/// The members of an entry object that lockproof reads, found in one pass
/// (entries are read by the thousand; looking each field up by name costs
/// more than the rest of the reading). A repeated key keeps its last
/// value, as `JSON.parse` does.
#[derive(Default)]
pub(super) struct Fields<'v, 'a> {
    pub name: Option<&'v Member<'a>>,
    pub version: Option<&'v Member<'a>>,
    pub resolved: Option<&'v Member<'a>>,
    pub integrity: Option<&'v Member<'a>>,
    pub link: Option<&'v Member<'a>>,
    pub in_bundle: Option<&'v Member<'a>>,
    pub bundled: Option<&'v Member<'a>>,
    pub dev: Option<&'v Member<'a>>,
    pub optional: Option<&'v Member<'a>>,
    pub dev_optional: Option<&'v Member<'a>>,
    pub peer: Option<&'v Member<'a>>,
    pub extraneous: Option<&'v Member<'a>>,
    pub has_install_script: Option<&'v Member<'a>>,
    pub os: Option<&'v Member<'a>>,
    pub cpu: Option<&'v Member<'a>>,
    pub libc: Option<&'v Member<'a>>,
    pub dependencies: Option<&'v Member<'a>>,
    pub from: Option<&'v Member<'a>>,
}

impl<'v, 'a> Fields<'v, 'a> {
    /// Sorts an entry object's members into fields.
    pub fn of(members: &'v [Member<'a>]) -> Self {
        let mut f = Self::default();
        for m in members {
            if let Some(slot) = f.slot(&m.key) {
                *slot = Some(m);
            }
        }
        f
    }

    /// The field `key` fills, if lockproof reads it.
    fn slot(&mut self, key: &str) -> Option<&mut Option<&'v Member<'a>>> {
        Some(match key {
            "name" => &mut self.name,
            "version" => &mut self.version,
            "resolved" => &mut self.resolved,
            "integrity" => &mut self.integrity,
            "link" => &mut self.link,
            "inBundle" => &mut self.in_bundle,
            "bundled" => &mut self.bundled,
            "dev" => &mut self.dev,
            "optional" => &mut self.optional,
            "devOptional" => &mut self.dev_optional,
            "peer" => &mut self.peer,
            "extraneous" => &mut self.extraneous,
            "hasInstallScript" => &mut self.has_install_script,
            "os" => &mut self.os,
            "cpu" => &mut self.cpu,
            "libc" => &mut self.libc,
            "dependencies" => &mut self.dependencies,
            "from" => &mut self.from,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{Member, Value};

    /// Every key an entry's fields are read from.
    const ENTRY_KEYS: [&str; 18] = [
        "name",
        "version",
        "resolved",
        "integrity",
        "link",
        "inBundle",
        "bundled",
        "dev",
        "optional",
        "devOptional",
        "peer",
        "extraneous",
        "hasInstallScript",
        "os",
        "cpu",
        "libc",
        "dependencies",
        "from",
    ];

    #[test]
    fn other_keys_are_not_read() {
        for key in ["", "Name", "engines", "funding", "license", "bin", "names"] {
            assert!(!reads(key), "{key}");
        }
    }

    #[test]
    fn every_listed_key_is_read_and_fills_its_own_slot() {
        for key in ENTRY_KEYS {
            assert!(reads(key), "{key}");
            let members = [Member {
                key: key.into(),
                line: 1,
                value: Value::Null,
            }];
            let f = Fields::of(&members);
            let slots = [
                f.name,
                f.version,
                f.resolved,
                f.integrity,
                f.link,
                f.in_bundle,
                f.bundled,
                f.dev,
                f.optional,
                f.dev_optional,
                f.peer,
                f.extraneous,
                f.has_install_script,
                f.os,
                f.cpu,
                f.libc,
                f.dependencies,
                f.from,
            ];
            assert_eq!(slots.iter().flatten().count(), 1, "{key}");
        }
    }
}

/// Names what is being read (`packages["node_modules/a"]`) in messages.
/// Formatted only when there is an error: reading is the hot path.
#[derive(Debug, Clone, Copy)]
pub(super) struct What<'k> {
    section: &'static str,
    key: &'k str,
    /// A field of the entry that holds the fields being read
    /// (`resolution`), or empty.
    within: &'static str,
}

impl<'k> What<'k> {
    /// The top level of the lockfile.
    pub const TOP: What<'static> = What {
        section: "",
        key: "",
        within: "",
    };

    /// The entry `key` of `section`; the key is escaped in messages so a
    /// hostile key cannot forge them.
    pub fn entry(section: &'static str, key: &'k str) -> Self {
        Self {
            section,
            key,
            within: "",
        }
    }

    /// The fields of this entry's field `within` (`resolution`).
    pub fn within(self, within: &'static str) -> Self {
        Self { within, ..self }
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
        } else if self.within.is_empty() {
            write!(f, "{}[{:?}]", self.section, self.key)
        } else {
            write!(f, "{}[{:?}].{}", self.section, self.key, self.within)
        }
    }
}
