//! Reading a lockfile as it was at a git revision: `git show` of the blob
//! at `REV:<path relative to the repository root>`, with git run in the
//! lockfile's folder and every argument a separate argv item (never a
//! shell).

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

use super::{BaseFile, DiffError};

/// git, run in the lockfile's folder.
struct Git<'a> {
    dir: &'a Path,
    lockfile: &'a Path,
    rev: &'a str,
}

impl Git<'_> {
    /// Runs `git -C DIR ARGS…`; standard output on success, else what git
    /// said on standard error (one line).
    fn run(&self, args: &[&str]) -> Result<Result<Vec<u8>, String>, DiffError> {
        let out = Command::new("git")
            .arg("--no-pager")
            .arg("-C")
            .arg(self.dir)
            .args(args)
            // Paths given to git are file names, never patterns.
            .env("GIT_LITERAL_PATHSPECS", "1")
            .stdin(Stdio::null())
            .output()
            .map_err(|source| DiffError::Spawn {
                lockfile: self.lockfile.to_path_buf(),
                rev: self.rev.to_string(),
                source,
            })?;
        if out.status.success() {
            return Ok(Ok(out.stdout));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let message = stderr
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
            .or_else(|| stderr.lines().map(str::trim).find(|l| !l.is_empty()))
            .map_or_else(|| out.status.to_string(), str::to_string);
        Ok(Err(message))
    }

    fn failed(&self, command: &'static str, message: String) -> DiffError {
        DiffError::Git {
            lockfile: self.lockfile.to_path_buf(),
            rev: self.rev.to_string(),
            command,
            message,
        }
    }
}

/// Reads `lockfile` as it was at `rev`, from the repository that holds it.
pub(super) fn read_at_rev(rev: &str, lockfile: &Path) -> Result<BaseFile, DiffError> {
    let dir = lockfile
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let git = Git { dir, lockfile, rev };
    let Some(name) = lockfile.file_name().and_then(OsStr::to_str) else {
        return Err(git.failed("show", "the lockfile's name is not UTF-8".to_string()));
    };
    let prefix = git
        .run(&["rev-parse", "--show-prefix"])?
        .map_err(|message| DiffError::NotARepository {
            lockfile: lockfile.to_path_buf(),
            rev: rev.to_string(),
            message,
        })?;
    let prefix = String::from_utf8_lossy(&prefix).trim_end().to_string();
    let commit = git
        .run(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{rev}^{{commit}}"),
        ])?
        .ok()
        .map(|out| String::from_utf8_lossy(&out).trim().to_string())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| DiffError::UnknownRevision {
            lockfile: lockfile.to_path_buf(),
            rev: rev.to_string(),
        })?;
    let path = format!("{prefix}{name}");
    let label = format!("{rev}:{path}");
    // `ls-tree` answers "absent" with empty output, where `show` would fail
    // the same way for a missing file as for a broken repository.
    let listing = git
        .run(&["ls-tree", "-z", "--full-tree", &commit, "--", &path])?
        .map_err(|m| git.failed("ls-tree", m))?;
    let Some(line) = listing.split(|&b| b == 0).find(|l| !l.is_empty()) else {
        return Ok(BaseFile { label, bytes: None });
    };
    let line = String::from_utf8_lossy(line);
    let mut fields = line.split_whitespace();
    let (mode, kind, object) = (fields.next(), fields.next(), fields.next());
    let (Some(mode), Some("blob"), Some(object)) = (mode, kind, object) else {
        return Err(DiffError::NotAFile {
            lockfile: lockfile.to_path_buf(),
            rev: rev.to_string(),
            path,
            what: kind.unwrap_or("nothing").to_string(),
        });
    };
    if mode == "120000" {
        return Err(DiffError::NotAFile {
            lockfile: lockfile.to_path_buf(),
            rev: rev.to_string(),
            path,
            what: "symbolic link".to_string(),
        });
    }
    // The blob itself, by id: exactly the object checked above, and with no
    // path attached no textconv filter can rewrite it.
    let bytes = git
        .run(&["show", object])?
        .map_err(|m| git.failed("show", m))?;
    Ok(BaseFile {
        label,
        bytes: Some(bytes),
    })
}
