//! Hash maps and sets keyed by what a lockfile says (its object keys, its
//! package names): hostile input, hashed many thousand times per audit.
//!
//! std's SipHash costs a few hundred instructions per short key; foldhash
//! costs a tenth of that, and has no collisions that hold whatever its
//! seeds. Its own shared seeds come from address-space layout and the
//! clock, and keys chosen against them collide in every map whatever the
//! per-map seed; here both the shared seeds (once per process) and each
//! map's seed are drawn from std's `RandomState` instead (keys from the
//! operating system), so a lockfile cannot be written to collide in the
//! run that reads it. A lockfile is one shot with no view of the hashes:
//! foldhash with secret seeds is enough there, though it is no keyed
//! pseudo-random function as SipHash is.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher as _};
use std::sync::OnceLock;

use foldhash::SharedSeed;
use foldhash::fast::{FoldHasher, SeedableRandomState};

/// A map keyed by input, hashed with a per-map random seed.
pub type Map<K, V> = HashMap<K, V, RandomState>;

/// A set of input, hashed with a per-map random seed.
pub type Set<T> = HashSet<T, RandomState>;

/// foldhash seeded from the operating system's randomness, a new seed for
/// each map.
#[derive(Clone, Debug)]
pub struct RandomState(SeedableRandomState);

impl Default for RandomState {
    fn default() -> Self {
        // std's keys are the operating system's, drawn once per thread;
        // each `new` moves them on, so every map gets a seed of its own.
        static SHARED: OnceLock<SharedSeed> = OnceLock::new();
        let shared = SHARED.get_or_init(|| SharedSeed::from_u64(os_random()));
        Self(SeedableRandomState::with_seed(os_random(), shared))
    }
}

/// 64 bits from the operating system's randomness: std's SipHash keys,
/// moved on by each `RandomState::new`, hashing nothing.
fn os_random() -> u64 {
    std::hash::RandomState::new().build_hasher().finish()
}

impl BuildHasher for RandomState {
    type Hasher = FoldHasher<'static>;

    fn build_hasher(&self) -> Self::Hasher {
        self.0.build_hasher()
    }
}

/// An empty map with room for `capacity` keys.
pub fn map_with_capacity<K, V>(capacity: usize) -> Map<K, V> {
    HashMap::with_capacity_and_hasher(capacity, RandomState::default())
}

/// An empty set with room for `capacity` keys.
pub fn set_with_capacity<T>(capacity: usize) -> Set<T> {
    HashSet::with_capacity_and_hasher(capacity, RandomState::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_get_seeds_of_their_own() {
        let hash = |state: &RandomState| state.hash_one("node_modules/lodash");
        let first = RandomState::default();
        assert_eq!(hash(&first), hash(&first));
        assert_ne!(hash(&first), hash(&RandomState::default()));
    }
}
