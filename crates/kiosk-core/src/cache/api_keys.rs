//! Recently verified API keys, so the hot path does not read the database
//! for every call.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use quick_cache::sync::Cache;

use crate::db::api_keys::ApiKey;

/// A verified key, as cached.
#[derive(Clone)]
pub struct Cached {
    pub key: ApiKey,
    pub fetched_at: DateTime<Utc>,
    pub touched_at: DateTime<Utc>,
    /// The secret last presented that matched `key.secret_hash`: the same
    /// secret again needs no hashing.
    pub verified_secret: Option<String>,
}

/// Recently verified keys. An entry lives `ttl`; a revocation drops it at
/// once on every replica (`Invalidation::ApiKey`, sent in the revoking
/// transaction), so `ttl` only bounds how long a lost notification lasts.
pub struct ApiKeyCache {
    entries: Cache<String, Arc<Cached>>,
    ttl: Duration,
}

/// Keys kept at most; the least used go first.
const CAPACITY: usize = 10_000;

impl Default for ApiKeyCache {
    fn default() -> Self {
        Self {
            entries: Cache::new(CAPACITY),
            ttl: Duration::seconds(10),
        }
    }
}

impl ApiKeyCache {
    pub fn forget(&self, key_id: &str) {
        self.entries.remove(key_id);
    }

    pub fn get(&self, key_id: &str, now: DateTime<Utc>) -> Option<Arc<Cached>> {
        self.entries
            .get(key_id)
            .filter(|c| now - c.fetched_at < self.ttl)
    }

    pub fn put(&self, cached: Cached) {
        self.entries.insert(cached.key.id.clone(), Arc::new(cached));
    }
}
