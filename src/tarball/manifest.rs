//! The fields of a tarball's `package.json` that decide what installing it
//! runs and where it may be installed.
//!
//! The tarball's manifest is what npm executes scripts from, whatever the
//! registry's metadata says, so these are the fields to compare with it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Violation;

/// The install-time fields of a tarball's `package.json`. A field of the
/// wrong JSON type is left out here and reported as a
/// [`Violation::ManifestFieldType`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// `name`.
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `scripts.preinstall`.
    pub preinstall: Option<String>,
    /// `scripts.install`.
    pub install: Option<String>,
    /// `scripts.postinstall`.
    pub postinstall: Option<String>,
    /// `gypfile`; only `false` turns off npm's implicit `node-gyp rebuild`.
    pub gypfile: Option<bool>,
    /// `dependencies`, name to spec.
    pub dependencies: BTreeMap<String, String>,
    /// `optionalDependencies`, name to spec.
    pub optional_dependencies: BTreeMap<String, String>,
    /// `peerDependencies`, name to spec.
    pub peer_dependencies: BTreeMap<String, String>,
    /// `os` (a lone string counts as a one-item list, as npm reads it).
    pub os: Vec<String>,
    /// `cpu`.
    pub cpu: Vec<String>,
    /// `libc`.
    pub libc: Vec<String>,
}

/// Parses `package.json` bytes. `Err` is a [`Violation::MalformedManifest`];
/// `Ok` carries a violation for each field of the wrong type.
pub(super) fn parse(bytes: &[u8]) -> Result<(Manifest, Vec<Violation>), Violation> {
    // npm's JSON reader skips a byte-order mark; serde_json does not.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value = serde_json::from_slice(bytes).map_err(|e| Violation::MalformedManifest {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let Value::Object(root) = value else {
        return Err(Violation::MalformedManifest {
            line: 1,
            column: 1,
            message: "package.json is not a JSON object".to_owned(),
        });
    };
    let mut fields = Fields {
        problems: Vec::new(),
    };
    let scripts = fields.object(&root, "scripts");
    let manifest = Manifest {
        name: fields.string(&root, "name", "name"),
        version: fields.string(&root, "version", "version"),
        preinstall: scripts.and_then(|s| fields.string(s, "preinstall", "scripts.preinstall")),
        install: scripts.and_then(|s| fields.string(s, "install", "scripts.install")),
        postinstall: scripts.and_then(|s| fields.string(s, "postinstall", "scripts.postinstall")),
        gypfile: fields.bool(&root, "gypfile"),
        dependencies: fields.specs(&root, "dependencies"),
        optional_dependencies: fields.specs(&root, "optionalDependencies"),
        peer_dependencies: fields.specs(&root, "peerDependencies"),
        os: fields.list(&root, "os"),
        cpu: fields.list(&root, "cpu"),
        libc: fields.list(&root, "libc"),
    };
    Ok((manifest, fields.problems))
}

/// Typed field access that records each type mismatch once.
struct Fields {
    problems: Vec<Violation>,
}

impl Fields {
    fn wrong(&mut self, field: String, expected: &'static str) {
        self.problems
            .push(Violation::ManifestFieldType { field, expected });
    }

    fn string(&mut self, map: &Map<String, Value>, key: &str, field: &str) -> Option<String> {
        match map.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.wrong(field.to_owned(), "a string");
                None
            }
        }
    }

    fn bool(&mut self, map: &Map<String, Value>, key: &str) -> Option<bool> {
        match map.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.wrong(key.to_owned(), "true or false");
                None
            }
        }
    }

    fn object<'m>(
        &mut self,
        map: &'m Map<String, Value>,
        key: &str,
    ) -> Option<&'m Map<String, Value>> {
        match map.get(key)? {
            Value::Object(o) => Some(o),
            _ => {
                self.wrong(key.to_owned(), "an object");
                None
            }
        }
    }

    fn specs(&mut self, map: &Map<String, Value>, key: &str) -> BTreeMap<String, String> {
        let Some(object) = self.object(map, key) else {
            return BTreeMap::new();
        };
        let mut specs = BTreeMap::new();
        let mut bad = None;
        for (name, spec) in object {
            match spec {
                Value::String(s) => {
                    specs.insert(name.clone(), s.clone());
                }
                _ => {
                    // A key can be megabytes long.
                    bad.get_or_insert_with(|| super::shown(&format!("{key}.{name}")));
                }
            }
        }
        if let Some(field) = bad {
            self.wrong(field, "a string");
        }
        specs
    }

    fn list(&mut self, map: &Map<String, Value>, key: &str) -> Vec<String> {
        match map.get(key) {
            None => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => {
                let strings: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                if strings.len() != items.len() {
                    self.wrong(key.to_owned(), "a list of strings");
                }
                strings
            }
            Some(_) => {
                self.wrong(key.to_owned(), "a list of strings");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_install_fields() {
        let (m, problems) = parse(
            br#"{"name":"x","version":"1.0.0","scripts":{"install":"node i.js","test":"t"},
                "gypfile":false,"dependencies":{"a":"^1"},"optionalDependencies":{"b":"2"},
                "peerDependencies":{"c":"*"},"os":"linux","cpu":["x64","!arm"],"libc":["glibc"]}"#,
        )
        .unwrap();
        assert!(problems.is_empty());
        assert_eq!(m.name.as_deref(), Some("x"));
        assert_eq!(m.install.as_deref(), Some("node i.js"));
        assert_eq!(m.preinstall, None);
        assert_eq!(m.gypfile, Some(false));
        assert_eq!(m.dependencies["a"], "^1");
        assert_eq!(m.optional_dependencies["b"], "2");
        assert_eq!(m.peer_dependencies["c"], "*");
        assert_eq!(m.os, ["linux"]);
        assert_eq!(m.cpu, ["x64", "!arm"]);
        assert_eq!(m.libc, ["glibc"]);
    }

    #[test]
    fn wrong_types_are_reported_not_fatal() {
        let (m, problems) = parse(
            b"\xEF\xBB\xBF{\"name\":1,\"scripts\":{\"postinstall\":[]},\"gypfile\":\"false\",\"dependencies\":{\"a\":1,\"b\":\"1\"},\"os\":[1]}",
        )
        .unwrap();
        assert_eq!(m.name, None);
        assert_eq!(m.gypfile, None);
        assert_eq!(m.dependencies.len(), 1);
        let fields: Vec<_> = problems
            .iter()
            .map(|p| match p {
                Violation::ManifestFieldType { field, .. } => field.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "scripts.postinstall",
                "gypfile",
                "dependencies.a",
                "os"
            ]
        );
    }

    #[test]
    fn malformed_json_has_a_position() {
        let err = parse(b"{\n  \"name\": \"x\",\n  oops\n}").unwrap_err();
        assert!(
            matches!(
                err,
                Violation::MalformedManifest {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(matches!(
            parse(b"[]"),
            Err(Violation::MalformedManifest { .. })
        ));
    }
}
