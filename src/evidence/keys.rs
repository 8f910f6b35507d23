//! The keys each registry's signatures are judged with.
//!
//! npm's public registry signs every version with keys lockproof pins
//! (npm's own, from Sigstore's TUF repository or embedded, each for its use
//! and within its window): whatever its keys endpoint, a proxy in between
//! or the cache says cannot replace them, and keys the endpoint serves that
//! are not pinned are ignored with a note. Any other registry's keys are
//! that registry's own say-so.

use url::Url;

use super::source::KeysOutcome;
use super::unknown::Unknown;
use crate::registry::NPM_REGISTRY_HOST;
use crate::signatures::{KeySet, KeyUsage};

/// The keys one registry's signatures are judged with.
#[derive(Debug, Clone)]
pub enum RegistryKeys {
    /// npm's public registry: the pinned keys for each use, and the ids of
    /// keys its endpoint served that are not among them (ignored).
    Pinned {
        /// Keys pinned for `dist.signatures` (`npm:signatures`).
        signatures: KeySet,
        /// Keys pinned for publish attestations (`npm:attestations`).
        attestations: KeySet,
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
                KeysOutcome::Served(keys) => pinned
                    .unpinned(keys)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            };
            return Self::Pinned {
                signatures: pinned.for_usage(KeyUsage::Signatures),
                attestations: pinned.for_usage(KeyUsage::Attestations),
                unpinned,
            };
        }
        match served {
            KeysOutcome::Served(keys) => Self::Served(keys.clone()),
            KeysOutcome::NotServed => Self::Unknown(Unknown::NoKeys),
            KeysOutcome::Failed(why) => Self::Unknown(Unknown::KeysFailed(why.clone())),
        }
    }

    /// The keys registry signatures are judged with, when there are any.
    pub fn signature_keys(&self) -> Option<&KeySet> {
        match self {
            Self::Pinned { signatures, .. } => Some(signatures),
            Self::Served(keys) => Some(keys),
            Self::Unknown(_) => None,
        }
    }

    /// The keys npm publish attestations are judged with, when there are
    /// any.
    pub fn attestation_keys(&self) -> Option<&KeySet> {
        match self {
            Self::Pinned { attestations, .. } => Some(attestations),
            Self::Served(keys) => Some(keys),
            Self::Unknown(_) => None,
        }
    }
}
