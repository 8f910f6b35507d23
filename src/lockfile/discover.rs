//! Finding the lockfiles of a folder as each package manager does, and
//! reading each with the reader of its format.
//!
//! A folder can hold several lockfiles (a project moving from npm to
//! pnpm, a library testing with two package managers): each one some
//! package manager would install from is returned, so each is audited.
//! Within one package manager the rule is its own: npm reads
//! `npm-shrinkwrap.json` and ignores `package-lock.json` beside it; Bun
//! reads `bun.lock` and ignores `bun.lockb` beside it, and a `bun.lockb`
//! alone is an error (lockproof cannot read it, and must not pass a folder
//! whose lockfile it did not read).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::format::PackageManager;
use super::path_budget::{self, PathBudget};
use super::{LOCKFILE_NAMES, Lockfile, LockfileError, bun, pnpm, yarn_berry, yarn_classic};

/// `pnpm-lock.yaml`.
pub const PNPM_LOCKFILE: &str = "pnpm-lock.yaml";
/// `yarn.lock`, classic or Berry.
pub const YARN_LOCKFILE: &str = "yarn.lock";
/// Bun's text lockfile.
pub const BUN_LOCKFILE: &str = "bun.lock";
/// Bun's binary lockfile, which lockproof does not read.
pub const BUN_BINARY_LOCKFILE: &str = "bun.lockb";

/// Every file name [`discover`] looks for in a folder, in the order it
/// returns them (the pre-commit hooks and the GitHub Action match these).
pub const ALL_NAMES: [&str; 6] = [
    LOCKFILE_NAMES[0],
    LOCKFILE_NAMES[1],
    PNPM_LOCKFILE,
    YARN_LOCKFILE,
    BUN_LOCKFILE,
    BUN_BINARY_LOCKFILE,
];

/// A lockfile found, and the package manager whose reader reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file.
    pub path: PathBuf,
    /// Whose lockfile it is.
    pub manager: PackageManager,
}

/// The lockfiles to audit for `path`: the file itself when it is one,
/// else every lockfile of the folder that a package manager would install
/// from (npm, pnpm, Yarn, Bun, in that order).
///
/// A file's format comes from its name; a file with another name (a copy,
/// a base for `--base`) is recognised by its first lines, and read as npm
/// JSON when nothing else matches, as lockproof always has.
pub fn discover(path: &Path) -> Result<Vec<Located>, LockfileError> {
    if path.is_file() {
        let manager = match manager_by_name(path)? {
            Some(manager) => manager,
            None => sniff(&head(path)?),
        };
        return Ok(vec![Located {
            path: path.to_path_buf(),
            manager,
        }]);
    }
    if !path.exists() {
        return Err(LockfileError::NotFound(path.to_path_buf()));
    }
    let mut found = Vec::new();
    let mut add = |name: &str, manager| {
        let file = path.join(name);
        let there = file.is_file();
        if there {
            found.push(Located {
                path: file,
                manager,
            });
        }
        there
    };
    let _ =
        add(LOCKFILE_NAMES[0], PackageManager::Npm) || add(LOCKFILE_NAMES[1], PackageManager::Npm);
    add(PNPM_LOCKFILE, PackageManager::Pnpm);
    add(YARN_LOCKFILE, PackageManager::Yarn);
    if !add(BUN_LOCKFILE, PackageManager::Bun) && path.join(BUN_BINARY_LOCKFILE).is_file() {
        return Err(LockfileError::BunBinary(path.join(BUN_BINARY_LOCKFILE)));
    }
    if found.is_empty() {
        return Err(LockfileError::NoSupportedLockfile(path.to_path_buf()));
    }
    Ok(found)
}

/// The package manager a file name belongs to; `bun.lockb` is an error.
fn manager_by_name(path: &Path) -> Result<Option<PackageManager>, LockfileError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    Ok(match name {
        BUN_BINARY_LOCKFILE => return Err(LockfileError::BunBinary(path.to_path_buf())),
        n if LOCKFILE_NAMES.contains(&n) => Some(PackageManager::Npm),
        PNPM_LOCKFILE => Some(PackageManager::Pnpm),
        YARN_LOCKFILE => Some(PackageManager::Yarn),
        BUN_LOCKFILE => Some(PackageManager::Bun),
        _ => None,
    })
}

/// Whose lockfile `bytes` are, from their first significant line; npm's
/// when nothing else matches. For files whose name does not say.
pub fn sniff(bytes: &[u8]) -> PackageManager {
    if bytes.starts_with(BUN_BINARY_MAGIC) {
        return PackageManager::Bun;
    }
    let text = String::from_utf8_lossy(bytes.get(..SNIFF_LEN).unwrap_or(bytes));
    for line in text.lines().map(str::trim_end) {
        let line = line.trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        if line == "# yarn lockfile v1" || line.starts_with("__metadata:") {
            return PackageManager::Yarn;
        }
        if line.starts_with("lockfileVersion:") {
            return PackageManager::Pnpm;
        }
        if line.starts_with('#') || line == "---" {
            continue;
        }
        break;
    }
    PackageManager::Npm
}

/// How much of a file [`sniff`] reads.
const SNIFF_LEN: usize = 4096;

/// The first bytes of every `bun.lockb`.
const BUN_BINARY_MAGIC: &[u8] = b"#!/usr/bin/env bun\nbun-lockfile-format";

/// The first [`SNIFF_LEN`] bytes of `path`: all [`sniff`] looks at, and
/// lockfiles run to megabytes.
fn head(path: &Path) -> Result<Vec<u8>, LockfileError> {
    let io = |source| LockfileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::with_capacity(SNIFF_LEN);
    std::fs::File::open(path)
        .map_err(io)?
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    Ok(bytes)
}

/// Reads and parses a lockfile [`discover`] found.
pub fn load_located(located: &Located) -> Result<Lockfile, LockfileError> {
    parse_as(
        located.manager,
        &located.path,
        &super::bytes::read(&located.path)?,
    )
}

/// Parses `bytes` as `manager`'s lockfile; `path` is used for messages and
/// the result. Diff mode parses the base with the manager of the audited
/// lockfile, so both sides are read alike.
pub fn parse_as(
    manager: PackageManager,
    path: &Path,
    bytes: &[u8],
) -> Result<Lockfile, LockfileError> {
    if manager == PackageManager::Npm {
        return super::parse_bytes(path, bytes);
    }
    if manager == PackageManager::Bun && bytes.starts_with(BUN_BINARY_MAGIC) {
        return Err(LockfileError::BunBinary(path.to_path_buf()));
    }
    let text = super::text_of(path, bytes)?;
    let lockfile = match manager {
        PackageManager::Pnpm => pnpm::parse(path, text),
        PackageManager::Yarn if is_berry(text) => yarn_berry::parse(path, text),
        PackageManager::Yarn => yarn_classic::parse(path, text),
        PackageManager::Bun | PackageManager::Npm => {
            bun::parse(path, text, &mut PathBudget::new(bytes.len()))
        }
    }?;
    path_budget::check(&lockfile, bytes.len())?;
    Ok(lockfile)
}

/// Whether a `yarn.lock` is Berry's: it has a top-level `__metadata` key
/// (Yarn 1 never writes one).
fn is_berry(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start_matches('\u{feff}');
        line.starts_with("__metadata:") || line.starts_with("\"__metadata\":")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(found: &[Located]) -> Vec<(String, PackageManager)> {
        found
            .iter()
            .map(|l| {
                (
                    l.path.file_name().unwrap().to_string_lossy().into_owned(),
                    l.manager,
                )
            })
            .collect()
    }

    #[test]
    fn a_folder_gives_every_lockfile_a_package_manager_reads() {
        let dir = tempfile::tempdir().unwrap();
        for name in ALL_NAMES {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let found = discover(dir.path()).unwrap();
        assert_eq!(
            names(&found),
            vec![
                ("npm-shrinkwrap.json".into(), PackageManager::Npm),
                ("pnpm-lock.yaml".into(), PackageManager::Pnpm),
                ("yarn.lock".into(), PackageManager::Yarn),
                ("bun.lock".into(), PackageManager::Bun),
            ]
        );
        std::fs::remove_file(dir.path().join("npm-shrinkwrap.json")).unwrap();
        let found = discover(dir.path()).unwrap();
        assert_eq!(names(&found)[0].0, "package-lock.json");
    }

    #[test]
    fn a_file_of_another_name_is_sniffed_from_its_first_bytes_only() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("base.lock");
        let mut text = "# yarn lockfile v1\n".to_string();
        while text.len() < 4 * SNIFF_LEN {
            text.push_str("\"a@^1.0.0\":\n  version \"1.0.0\"\n");
        }
        std::fs::write(&copy, &text).unwrap();
        assert_eq!(names(&discover(&copy).unwrap())[0].1, PackageManager::Yarn);
        // A marker past the bytes sniffed decides nothing.
        let late = dir.path().join("late.lock");
        std::fs::write(&late, format!("{}\n{text}", " ".repeat(SNIFF_LEN))).unwrap();
        assert_eq!(names(&discover(&late).unwrap())[0].1, PackageManager::Npm);
    }

    #[test]
    fn a_binary_bun_lockfile_alone_is_an_error_with_the_way_out() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bun.lockb"), BUN_BINARY_MAGIC).unwrap();
        let e = discover(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("bun.lockb") && e.contains("--save-text-lockfile"),
            "{e}"
        );
        let e = discover(&dir.path().join("bun.lockb")).unwrap_err();
        assert!(matches!(e, LockfileError::BunBinary(_)));
        let e = parse_as(PackageManager::Bun, Path::new("x"), BUN_BINARY_MAGIC).unwrap_err();
        assert!(matches!(e, LockfileError::BunBinary(_)));
    }

    #[test]
    fn empty_and_missing_folders_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = discover(dir.path()).unwrap_err();
        assert!(matches!(e, LockfileError::NoSupportedLockfile(_)), "{e}");
        let e = discover(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(e, LockfileError::NotFound(_)), "{e}");
    }

    #[test]
    fn files_named_otherwise_are_recognised_by_their_first_lines() {
        assert_eq!(sniff(b"{\"lockfileVersion\": 3}"), PackageManager::Npm);
        assert_eq!(
            sniff(b"---\nlockfileVersion: '9.0'\n"),
            PackageManager::Pnpm
        );
        assert_eq!(
            sniff(b"# THIS IS AN AUTOGENERATED FILE.\n# yarn lockfile v1\n"),
            PackageManager::Yarn
        );
        assert_eq!(
            sniff(b"# This file is generated\n\n__metadata:\n  version: 8\n"),
            PackageManager::Yarn
        );
        assert_eq!(sniff(b""), PackageManager::Npm);
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("base.yaml");
        std::fs::write(&copy, "lockfileVersion: '9.0'\n").unwrap();
        assert_eq!(discover(&copy).unwrap()[0].manager, PackageManager::Pnpm);
    }

    #[test]
    fn berry_is_told_from_classic_by_its_metadata() {
        assert!(is_berry("# comment\n\n__metadata:\n  version: 8\n"));
        assert!(!is_berry(
            "# yarn lockfile v1\n\nx@^1:\n  version \"1.0.0\"\n"
        ));
    }
}
