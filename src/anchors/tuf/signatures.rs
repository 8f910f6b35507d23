//! Signature thresholds: a document counts as signed by a role when at
//! least `threshold` distinct keys of that role made a valid signature over
//! its canonical bytes.
//!
//! Distinct means distinct key IDs *and* distinct key material: a role that
//! lists one key under two IDs, or a document that repeats one signature,
//! still counts it once. Signatures by keys outside the role, by keys of a
//! type lockproof cannot verify, or that do not verify, count for nothing
//! (they are not errors: a repository may add keys lockproof cannot use).

use std::collections::BTreeMap;

use super::metadata::{Key, RoleKeys, Signed};
use crate::sigstore::keys::PublicKey;

/// A document had fewer valid signatures than its role requires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{role} is signed by {valid} of the {threshold} keys required")]
pub struct BelowThreshold {
    /// The role whose keys were counted.
    pub role: String,
    /// Distinct keys whose signature verified.
    pub valid: usize,
    /// How many the role requires.
    pub threshold: usize,
}

/// Checks that `doc` carries valid signatures by at least `role.threshold`
/// distinct keys among `role.keyids`, looked up in `keys`.
pub fn verify_threshold<T>(
    doc: &Signed<T>,
    role_name: &str,
    role: &RoleKeys,
    keys: &BTreeMap<String, Key>,
) -> Result<(), BelowThreshold> {
    let mut counted: Vec<&PublicKey> = Vec::new();
    for keyid in &role.keyids {
        let Some(Key(Some(key))) = keys.get(keyid) else {
            continue;
        };
        if counted.contains(&key) {
            continue;
        }
        let signed = doc
            .signatures
            .iter()
            .filter(|s| s.keyid == *keyid)
            .any(|s| key.verify(&doc.canonical, &s.sig).is_ok());
        if signed {
            counted.push(key);
        }
    }
    if counted.len() >= role.threshold {
        Ok(())
    } else {
        Err(BelowThreshold {
            role: role_name.to_owned(),
            valid: counted.len(),
            threshold: role.threshold,
        })
    }
}
