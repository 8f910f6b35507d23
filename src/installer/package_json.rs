//! The project's `package.json`, read for what decides the install: the
//! package manager it asks for (`packageManager`, `devEngines`), the
//! install-script policy (`allowScripts`) and the dependencies it declares
//! itself (what npm's `allow-*=root` lets through).
//!
//! The file is hostile input like the lockfile: its size is bounded, a
//! syntax error names the line and column, and fields of the wrong type
//! are kept as such so the caller can say npm ignores them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::InstallerError;

/// The largest `package.json` read; npm's own are kilobytes.
pub const MAX_LEN: u64 = 16 << 20;

/// What lockproof reads from a project's `package.json`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageJson {
    /// The file.
    pub path: PathBuf,
    /// `packageManager`, when it is a string (`npm@12.2.3+sha512.…`).
    pub package_manager: Option<String>,
    /// `devEngines.packageManager`: each entry's `name` and `version`
    /// (an object or an array of them, as the field allows).
    pub dev_engines: Vec<(String, Option<String>)>,
    /// `allowScripts`.
    pub allow_scripts: AllowScriptsField,
    /// Every name in `dependencies`, `devDependencies`,
    /// `optionalDependencies` and `peerDependencies`.
    pub dependencies: BTreeSet<String>,
}

/// The `allowScripts` field as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum AllowScriptsField {
    /// No such field, or an empty object.
    #[default]
    Absent,
    /// An object: each key with its value when that is a boolean (npm
    /// acts on `true` and `false` only).
    Entries(Vec<(String, Option<bool>)>),
    /// Some other JSON type, which npm ignores.
    NotAnObject,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Raw {
    package_manager: Option<Value>,
    dev_engines: Option<Value>,
    allow_scripts: Option<Value>,
    dependencies: Option<Value>,
    dev_dependencies: Option<Value>,
    optional_dependencies: Option<Value>,
    peer_dependencies: Option<Value>,
}

/// Reads `folder/package.json`; `None` when there is none.
pub fn read(folder: &Path) -> Result<Option<PackageJson>, InstallerError> {
    let path = folder.join("package.json");
    let io = |source| InstallerError::Io {
        path: path.clone(),
        source,
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_LEN + 1), &mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_LEN {
        return Err(InstallerError::TooLarge {
            path,
            limit: MAX_LEN,
        });
    }
    parse(&path, &bytes).map(Some)
}

/// Parses the bytes of the `package.json` at `path`.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<PackageJson, InstallerError> {
    // npm strips a byte-order mark before parsing.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let raw: Value = serde_json::from_slice(bytes).map_err(|e| InstallerError::Syntax {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        // serde_json appends the position, which the error shows already.
        reason: e
            .to_string()
            .rsplit_once(" at line ")
            .map_or_else(|| e.to_string(), |(r, _)| r.to_string()),
    })?;
    // npm reads a package.json that is not an object as an empty one.
    let raw = serde_json::from_value::<Raw>(raw).unwrap_or_default();
    let dependencies = [
        &raw.dependencies,
        &raw.dev_dependencies,
        &raw.optional_dependencies,
        &raw.peer_dependencies,
    ]
    .into_iter()
    .filter_map(|v| v.as_ref()?.as_object())
    .flat_map(|o| o.keys().cloned())
    .collect();
    Ok(PackageJson {
        path: path.to_path_buf(),
        package_manager: raw
            .package_manager
            .as_ref()
            .and_then(Value::as_str)
            .map(str::to_string),
        dev_engines: dev_engines(raw.dev_engines.as_ref()),
        allow_scripts: match raw.allow_scripts {
            None | Some(Value::Null) => AllowScriptsField::Absent,
            Some(Value::Object(o)) if o.is_empty() => AllowScriptsField::Absent,
            Some(Value::Object(o)) => {
                AllowScriptsField::Entries(o.into_iter().map(|(k, v)| (k, v.as_bool())).collect())
            }
            Some(_) => AllowScriptsField::NotAnObject,
        },
        dependencies,
    })
}

/// `devEngines.packageManager`: one object or an array of them.
fn dev_engines(field: Option<&Value>) -> Vec<(String, Option<String>)> {
    let Some(pm) = field.and_then(|d| d.get("packageManager")) else {
        return Vec::new();
    };
    let one = |v: &Value| {
        let name = v.get("name")?.as_str()?.to_string();
        let version = v.get("version").and_then(Value::as_str).map(str::to_string);
        Some((name, version))
    };
    match pm {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<PackageJson, InstallerError> {
        parse(Path::new("package.json"), text.as_bytes())
    }

    #[test]
    fn reads_what_decides_the_install() {
        let p = parse_str(
            r#"{"packageManager": "npm@12.2.3+sha512.abc",
                "devEngines": {"packageManager": [{"name": "npm", "version": "^12"}, {"name": "pnpm"}]},
                "allowScripts": {"esbuild": true, "evil@1.0.0": false, "odd": "yes"},
                "dependencies": {"a": "1"}, "devDependencies": {"b": "1"},
                "optionalDependencies": {"c": "1"}, "peerDependencies": {"d": "1"}}"#,
        )
        .unwrap();
        assert_eq!(p.package_manager.as_deref(), Some("npm@12.2.3+sha512.abc"));
        assert_eq!(
            p.dev_engines,
            vec![
                ("npm".to_string(), Some("^12".to_string())),
                ("pnpm".to_string(), None)
            ]
        );
        assert_eq!(
            p.allow_scripts,
            AllowScriptsField::Entries(vec![
                ("esbuild".to_string(), Some(true)),
                ("evil@1.0.0".to_string(), Some(false)),
                ("odd".to_string(), None),
            ])
        );
        assert_eq!(p.dependencies.len(), 4);
    }

    #[test]
    fn odd_shapes_are_read_as_npm_reads_them() {
        let p = parse_str("\u{feff}[1, 2]").unwrap();
        assert_eq!(p.package_manager, None);
        assert_eq!(p.allow_scripts, AllowScriptsField::Absent);
        let p = parse_str(r#"{"allowScripts": ["esbuild"], "packageManager": 12, "devEngines": {"packageManager": {"name": "npm", "version": ">=11"}}}"#).unwrap();
        assert_eq!(p.allow_scripts, AllowScriptsField::NotAnObject);
        assert_eq!(p.package_manager, None);
        assert_eq!(
            p.dev_engines,
            vec![("npm".to_string(), Some(">=11".to_string()))]
        );
        let p = parse_str(r#"{"allowScripts": {}}"#).unwrap();
        assert_eq!(p.allow_scripts, AllowScriptsField::Absent);
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = parse_str("{\n  \"a\": ,\n}").unwrap_err();
        let InstallerError::Syntax { line, column, .. } = err else {
            panic!("{err:?}");
        };
        assert_eq!((line, column), (2, 8));
    }

    #[test]
    fn missing_files_are_none_and_huge_ones_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_none());
        let big = vec![b' '; MAX_LEN as usize + 1];
        std::fs::write(dir.path().join("package.json"), big).unwrap();
        assert!(matches!(
            read(dir.path()),
            Err(InstallerError::TooLarge { .. })
        ));
    }
}
