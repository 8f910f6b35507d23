//! The bound on the install paths a lockfile may give its entries, which
//! keeps memory and output linear in the file's size for every format.
//!
//! An entry's install path is copied into its findings, the trust list and
//! every report, so the total length of the paths is what a lockfile costs
//! beyond its own bytes. In most formats a path is the entry's own key, or
//! a bounded rewriting of it (Bun's `a/b` is `node_modules/a/node_modules/b`),
//! but the nested tree of npm's lockfileVersion 1 and older repeats every
//! ancestor's key in each descendant's path: a 683 KB file nested 250 deep
//! spells out hundreds of megabytes of paths, and gigabytes of report.
//!
//! Every reader's entries are charged against one limit: [`PATH_BYTES_PER_FILE_BYTE`]
//! bytes of path per byte of file, and never less than [`MIN_PATH_BYTES`].
//! Real lockfiles stay far below it (the deepest public ones spend a
//! quarter of a byte of path per byte of file), so a lockfile past it is
//! refused as input lockproof cannot audit at a sane cost, with exit 2 and
//! an error that names the limit: never read in part, never passed. The
//! readers that build paths longer than their keys (the nested tree, Bun)
//! charge each path as they build it, so a hostile file is refused before
//! the memory is spent.

use std::path::Path;

use super::{Lockfile, LockfileError};

/// Install-path bytes allowed per byte of lockfile.
pub const PATH_BYTES_PER_FILE_BYTE: usize = 4;

/// Install-path bytes allowed whatever the file's size (1 MiB): a small
/// file's paths cost nothing worth refusing it for.
pub const MIN_PATH_BYTES: usize = 1 << 20;

/// What a lockfile's entries may still spend on install paths.
#[derive(Debug)]
pub(super) struct PathBudget {
    /// The lockfile's size in bytes.
    file_size: usize,
    /// The most its paths may add up to.
    limit: usize,
    /// What its paths add up to so far.
    spent: usize,
}

impl PathBudget {
    /// The budget of a lockfile of `file_size` bytes.
    pub fn new(file_size: usize) -> Self {
        Self {
            file_size,
            limit: file_size
                .saturating_mul(PATH_BYTES_PER_FILE_BYTE)
                .max(MIN_PATH_BYTES),
            spent: 0,
        }
    }

    /// Charges one install path of `len` bytes, for the entry at `line`
    /// of `file`; an error once the paths add up to more than the limit.
    pub fn charge(&mut self, file: &Path, len: usize, line: u32) -> Result<(), LockfileError> {
        self.spent = self.spent.saturating_add(len);
        if self.spent > self.limit {
            return Err(LockfileError::PathsTooLong {
                path: file.to_path_buf(),
                line,
                limit: self.limit,
                size: self.file_size,
            });
        }
        Ok(())
    }
}

/// Checks that the install paths of `lockfile`, read from a file of
/// `file_size` bytes, stay within the limit: the one check every reader's
/// result passes, whatever it charged while reading.
pub(super) fn check(lockfile: &Lockfile, file_size: usize) -> Result<(), LockfileError> {
    let mut budget = PathBudget::new(file_size);
    for entry in lockfile.root.iter().chain(&lockfile.entries) {
        budget.charge(&lockfile.path, entry.path.len(), entry.line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_a_multiple_of_the_size_with_a_floor() {
        assert_eq!(PathBudget::new(0).limit, MIN_PATH_BYTES);
        assert_eq!(PathBudget::new(1000).limit, MIN_PATH_BYTES);
        assert_eq!(PathBudget::new(1 << 20).limit, 4 << 20);
        assert_eq!(PathBudget::new(usize::MAX).limit, usize::MAX);
    }

    #[test]
    fn spending_past_the_limit_names_the_line_the_limit_and_the_size() {
        let mut budget = PathBudget::new(1 << 19);
        let file = Path::new("package-lock.json");
        budget.charge(file, 1 << 20, 3).unwrap();
        budget.charge(file, 1 << 20, 4).unwrap();
        let e = budget.charge(file, 1, 5).unwrap_err();
        assert!(matches!(
            e,
            LockfileError::PathsTooLong {
                line: 5,
                limit: 2_097_152,
                size: 524_288,
                ..
            }
        ));
        let message = e.to_string();
        assert!(
            message.starts_with("package-lock.json: line 5: ")
                && message.contains("2097152 bytes")
                && message.contains("524288 bytes"),
            "{message}"
        );
    }
}
