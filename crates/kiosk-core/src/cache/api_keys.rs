//! Recently verified API keys, so the hot path does not read the database
//! for every call.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};

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
    entries: RwLock<HashMap<String, Arc<Cached>>>,
    ttl: Duration,
}

impl Default for ApiKeyCache {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            ttl: Duration::seconds(10),
        }
    }
}

impl ApiKeyCache {
    pub fn forget(&self, key_id: &str) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key_id);
    }

    pub fn get(&self, key_id: &str, now: DateTime<Utc>) -> Option<Arc<Cached>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key_id)
            .filter(|c| now - c.fetched_at < self.ttl)
            .cloned()
    }

    pub fn put(&self, cached: Cached) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(cached.key.id.clone(), Arc::new(cached));
    }
}
