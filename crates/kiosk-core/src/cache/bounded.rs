//! A size-bounded concurrent cache for the hot path: `quick_cache`'s
//! (S3-FIFO eviction, lock-free-ish reads), with an epoch counter that lets
//! a loader that read the database before an invalidation refrain from
//! caching what it read.

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use quick_cache::sync::Cache;
use quick_cache::Equivalent;

pub struct BoundedCache<K, V> {
    entries: Cache<K, V>,
    epoch: AtomicU64,
    /// Held while a load's epoch is compared and its value stored, and
    /// while an invalidation moves the epoch and removes: an invalidation
    /// never falls between a load's check and its store. Reads never take
    /// it.
    writes: Mutex<()>,
}

impl<K: Hash + Eq + Clone, V: Clone> BoundedCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Cache::new(capacity.max(1)),
            epoch: AtomicU64::new(0),
            writes: Mutex::new(()),
        }
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + Equivalent<K> + ?Sized,
    {
        self.entries.get(key)
    }

    /// The epoch to pass to `insert_if_current` by a loader about to read
    /// the database.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Caches a value read at `epoch`, unless something was invalidated
    /// since (the value might predate that change).
    pub fn insert_if_current(&self, key: K, value: V, epoch: u64) {
        let _writing = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        if self.epoch.load(Ordering::Acquire) == epoch {
            self.entries.insert(key, value);
        }
    }

    /// Caches a value known to be current (written by this replica).
    pub fn insert(&self, key: K, value: V) {
        let _writing = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.entries.insert(key, value);
    }

    pub fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + Equivalent<K> + ?Sized,
    {
        let _writing = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.entries.remove(key);
    }

    /// Drops everything (after missed invalidations, say).
    pub fn clear(&self) {
        let _writing = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
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
