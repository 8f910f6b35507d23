//! The keys each registry's signatures are judged with.
//!
//! npm's public registry signs every version with keys lockproof pins
//! (npm's own, embedded): whatever its keys endpoint, a proxy in between or
//! the cache says cannot replace them, and keys the endpoint serves that
//! are not pinned are ignored with a note. Any other registry's keys are
//! that registry's own say-so.

use url::Url;

use super::source::KeysOutcome;
use super::unknown::Unknown;
use crate::registry::NPM_REGISTRY_HOST;
use crate::signatures::KeySet;

/// The keys one registry's signatures are judged with.
#[derive(Debug, Clone)]
pub enum RegistryKeys {
    /// npm's public registry: the pinned keys, and the ids of keys its
    /// endpoint served that are not among them (ignored).
    Pinned {
        /// The pinned keys.
        keys: KeySet,
        /// Key ids served but not pinned.
        unpinned: Vec<String>,
    },
    /// The keys another registry serves.
    Served(KeySet),
    /// No keys to judge with: why.
    Unknown(Unknown),
}

/// Whether `registry` is npm's public registry, whose keys are pinned.
pub fn is_public(registry: &Url) -> bool {
    registry.host_str() == Some(NPM_REGISTRY_HOST)
}

impl RegistryKeys {
    /// The keys of `registry`, given what its endpoint answered and the
    /// keys pinned for the public registry.
    pub fn of(registry: &Url, served: &KeysOutcome, pinned: &KeySet) -> Self {
        if is_public(registry) {
            let unpinned = match served {
                KeysOutcome::Served(keys) => keys
                    .iter()
                    .filter(|k| pinned.get(&k.keyid).is_none_or(|p| p != *k))
                    .map(|k| k.keyid.clone())
                    .collect(),
                _ => Vec::new(),
            };
            return Self::Pinned {
                keys: pinned.clone(),
                unpinned,
            };
        }
        match served {
            KeysOutcome::Served(keys) => Self::Served(keys.clone()),
            KeysOutcome::NotServed => Self::Unknown(Unknown::NoKeys),
            KeysOutcome::Failed(why) => Self::Unknown(Unknown::KeysFailed(why.clone())),
        }
    }

    /// The keys signatures are judged with, when there are any.
    pub fn key_set(&self) -> Option<&KeySet> {
        match self {
            Self::Pinned { keys, .. } | Self::Served(keys) => Some(keys),
            Self::Unknown(_) => None,
        }
    }
}
