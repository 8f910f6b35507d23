//! Readers for `../shared/fixtures/real` shared by the examples that check
//! and benchmark against it (included with `#[path]`; not an example).

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use lockproof::signatures::KeySet;
use lockproof::sigstore::trust_root::TrustedRoot;

/// Reads `name` in `dir`, naming the file in the error.
pub fn read(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
}

/// The folder's trusted root and npm keys.
pub fn trust(dir: &Path, now: Timestamp) -> Result<(TrustedRoot, KeySet), String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let root = TrustedRoot::from_json(&read(dir, "sigstore-trusted_root.json")?, now)
        .map_err(|e| format!("trusted root: {e}"))?;
    let keys = KeySet::from_keys_json(&read(dir, "npm-keys.v1.json")?)
        .map_err(|e| format!("npm keys: {e}"))?;
    Ok((root, keys))
}

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
