//! A size-bounded concurrent map for the hot path: sharded `RwLock`ed
//! `HashMap`s, evicting an arbitrary entry of a full shard. An epoch counter
//! lets a loader that read the database before an invalidation refrain from
//! caching what it read.

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

const SHARDS: usize = 16;

pub struct BoundedCache<K, V> {
    shards: Vec<RwLock<HashMap<K, V>>>,
    per_shard: usize,
    hasher: RandomState,
    epoch: AtomicU64,
}

impl<K: Hash + Eq + Clone, V: Clone> BoundedCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
            epoch: AtomicU64::new(0),
        }
    }

    fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> &RwLock<HashMap<K, V>> {
        let index = (self.hasher.hash_one(key) as usize) % SHARDS;
        &self.shards[index]
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shard = self.shard(key).read().unwrap_or_else(|e| e.into_inner());
        shard.get(key).cloned()
    }

    /// The epoch to pass to `insert_if_current` by a loader about to read
    /// the database.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Caches a value read at `epoch`, unless something was invalidated
    /// since (the value might predate that change).
    pub fn insert_if_current(&self, key: K, value: V, epoch: u64) {
        let mut shard = self.shard(&key).write().unwrap_or_else(|e| e.into_inner());
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        Self::insert_bounded(&mut shard, self.per_shard, key, value);
    }

    /// Caches a value known to be current (written by this replica).
    pub fn insert(&self, key: K, value: V) {
        let mut shard = self.shard(&key).write().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        Self::insert_bounded(&mut shard, self.per_shard, key, value);
    }

    fn insert_bounded(shard: &mut HashMap<K, V>, bound: usize, key: K, value: V) {
        if shard.len() >= bound && !shard.contains_key(&key) {
            if let Some(victim) = shard.keys().next().cloned() {
                shard.remove(&victim);
            }
        }
        shard.insert(key, value);
    }

    pub fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut shard = self.shard(key).write().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        shard.remove(key);
    }

    /// Drops everything (after missed invalidations, say).
    pub fn clear(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for shard in &self.shards {
            shard.write().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_its_bound() {
        let cache = BoundedCache::new(64);
        for i in 0..10_000 {
            cache.insert(i, i);
        }
        assert!(cache.len() <= 64, "{}", cache.len());
        assert_eq!(cache.get(&9_999), Some(9_999));
    }

    #[test]
    fn a_stale_load_is_not_cached() {
        let cache = BoundedCache::new(10);
        let epoch = cache.epoch();
        cache.remove(&"m1");
        cache.insert_if_current("m1", 1, epoch);
        assert_eq!(cache.get(&"m1"), None);
        let epoch = cache.epoch();
        cache.insert_if_current("m1", 2, epoch);
        assert_eq!(cache.get(&"m1"), Some(2));
    }
}
