//! Hash maps and sets keyed by what a lockfile says (its object keys, its
//! package names): hostile input, hashed many thousand times per audit.
//!
//! std's SipHash costs a few hundred instructions per short key; foldhash
//! costs a tenth of that, and has no collisions that hold whatever its
//! seed. Its own seeds come from address-space layout and the clock; here
//! each map's is drawn from std's `RandomState` instead (keys from the
//! operating system), so a lockfile cannot be written to collide in the
//! run that reads it.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher as _};

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
        let seed = std::hash::RandomState::new().build_hasher().finish();
        Self(SeedableRandomState::with_seed(
            seed,
            SharedSeed::global_random(),
        ))
    }
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
