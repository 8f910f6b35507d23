//! Readers for `../shared/fixtures/real` shared by the examples that check
//! and benchmark against it (included with `#[path]`; not an example).

use std::collections::BTreeMap;

/// `tarball-digests.txt`: tarball file name → sha512 hex.
pub fn tarball_digests(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let file = parts.next()?;
            let hex = parts.find_map(|p| p.strip_prefix("sha512hex="))?;
            Some((file.to_owned(), hex.to_owned()))
        })
        .collect()
}
