//! Ignores by advisory id (`[[ignore]] advisory = "GHSA-…"` in
//! `lockproof.toml`): which ids are valid to write, and whether one covers
//! an advisory.
//!
//! An ignore names one id, but an advisory is reported under one id and
//! known by others (its CVE, the MAL record of the same malware). The
//! ignore covers the advisory when it names any of them, so an ignore
//! written for `CVE-2026-1001` keeps covering the finding when the database
//! starts reporting it as `GHSA-…`. Ids compare without regard to ASCII
//! case: GitHub writes `GHSA-` ids in mixed case in different places.

use thiserror::Error;

/// Longest id accepted in an ignore.
const MAX_ID: usize = 128;

/// Why an advisory id in an ignore is not usable.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum IdError {
    /// Empty.
    #[error("the advisory id is empty")]
    Empty,
    /// Not of the shape `PREFIX-REST` in letters, digits, `-`, `_`, `.`,
    /// `:`.
    #[error(
        "{0:?} is not an advisory id (like GHSA-xxxx-xxxx-xxxx, CVE-2026-1234 or MAL-2026-1234)"
    )]
    Shape(String),
}

/// Checks an id written in an ignore.
pub fn check_id(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    let shaped = id.len() <= MAX_ID
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        && id
            .split_once('-')
            .is_some_and(|(prefix, rest)| !prefix.is_empty() && !rest.is_empty());
    if shaped {
        Ok(())
    } else {
        Err(IdError::Shape(id.chars().take(MAX_ID).collect()))
    }
}

/// Whether an ignore naming `ignore_id` covers an advisory known by `ids`
/// (its id and aliases: [`super::merge::Advisory::ids`]).
pub fn covers<'a>(ignore_id: &str, ids: impl IntoIterator<Item = &'a str>) -> bool {
    let wanted = ignore_id.trim();
    !wanted.is_empty() && ids.into_iter().any(|id| id.eq_ignore_ascii_case(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ignore_covers_an_advisory_by_any_of_its_ids() {
        let ids = ["GHSA-abcd-efgh-ijkl", "CVE-2026-1001", "MAL-2026-7"];
        assert!(covers("GHSA-abcd-efgh-ijkl", ids));
        assert!(covers("ghsa-ABCD-efgh-ijkl", ids));
        assert!(covers("CVE-2026-1001", ids));
        assert!(covers(" MAL-2026-7 ", ids));
        assert!(!covers("CVE-2026-100", ids));
        assert!(!covers("GHSA-abcd", ids));
        assert!(!covers("", ids));
        assert!(!covers("CVE-2026-1001", []));
    }

    #[test]
    fn ids_in_ignores_are_checked() {
        for good in [
            "GHSA-abcd-efgh-ijkl",
            "CVE-2026-1001",
            "MAL-2026-7",
            "OSV-2020-111",
            "RUSTSEC-2026-0001",
        ] {
            assert_eq!(check_id(good), Ok(()), "{good}");
        }
        assert_eq!(check_id(""), Err(IdError::Empty));
        for bad in [
            "GHSA",
            "-x",
            "GHSA-",
            "GHSA abcd",
            "GHSA-a/b",
            "CVE-2026-1001\n",
        ] {
            assert!(matches!(check_id(bad), Err(IdError::Shape(_))), "{bad}");
        }
        assert!(check_id(&format!("X-{}", "a".repeat(200))).is_err());
    }
}
