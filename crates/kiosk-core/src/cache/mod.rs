//! The hot path's memory: catalogue, article access levels, members and
//! verified tokens, each bounded, and the invalidations that keep replicas
//! in step (`NOTIFY kiosk_invalidate` on PostgreSQL).

pub mod api_keys;
pub mod bounded;
pub mod catalogue;
pub mod invalidate;
pub mod listener;
pub mod members;

use std::sync::Arc;

use bounded::BoundedCache;
use catalogue::CatalogueCache;
use members::{MemberEntry, VerifiedToken};

use crate::db::DbConnection;
use crate::domain::access::AccessLevel;
use api_keys::ApiKeyCache;

pub const ARTICLE_CAPACITY: usize = 200_000;
pub const MEMBER_CAPACITY: usize = 100_000;
pub const TOKEN_CAPACITY: usize = 100_000;

/// (publisher id, article id) → its access level; `None` for an article
/// the publisher never registered (it takes the publisher's default).
pub type ArticleKey = (String, String);

pub struct Caches {
    pub catalogue: CatalogueCache,
    pub articles: BoundedCache<ArticleKey, Option<AccessLevel>>,
    pub members: BoundedCache<String, Arc<MemberEntry>>,
    pub tokens: BoundedCache<String, VerifiedToken>,
    /// Recently verified API keys (publisher and admin).
    pub api_keys: ApiKeyCache,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            catalogue: CatalogueCache::default(),
            articles: BoundedCache::new(ARTICLE_CAPACITY),
            members: BoundedCache::new(MEMBER_CAPACITY),
            tokens: BoundedCache::new(TOKEN_CAPACITY),
            api_keys: ApiKeyCache::default(),
        }
    }
}

/// What another replica must forget; travels as the NOTIFY payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalidation {
    Member(String),
    Article {
        publisher_id: String,
        article_id: String,
    },
    Catalogue,
    /// An API key was revoked: every replica drops its cached copy.
    ApiKey(String),
}

pub const CHANNEL: &str = "kiosk_invalidate";

impl Invalidation {
    pub fn payload(&self) -> String {
        match self {
            Self::Member(id) => format!("m:{id}"),
            Self::Article {
                publisher_id,
                article_id,
            } => format!("a:{publisher_id}:{article_id}"),
            Self::Catalogue => "c".to_owned(),
            Self::ApiKey(id) => format!("k:{id}"),
        }
    }

    /// Sends this invalidation inside the caller's transaction: PostgreSQL
    /// delivers it when (and only if) the transaction commits. Nothing to
    /// do on SQLite, which has one replica.
    pub fn notify_in(&self, conn: &mut DbConnection) -> diesel::QueryResult<()> {
        use diesel::RunQueryDsl;
        if let DbConnection::Pg(pg) = conn {
            diesel::sql_query("SELECT pg_notify($1, $2)")
                .bind::<diesel::sql_types::Text, _>(CHANNEL)
                .bind::<diesel::sql_types::Text, _>(self.payload())
                .execute(pg)?;
        }
        Ok(())
    }

    pub fn parse(payload: &str) -> Option<Self> {
        if payload == "c" {
            return Some(Self::Catalogue);
        }
        if let Some(id) = payload.strip_prefix("m:") {
            return Some(Self::Member(id.to_owned()));
        }
        if let Some(id) = payload.strip_prefix("k:") {
            return Some(Self::ApiKey(id.to_owned()));
        }
        let (publisher_id, article_id) = payload.strip_prefix("a:")?.split_once(':')?;
        Some(Self::Article {
            publisher_id: publisher_id.to_owned(),
            article_id: article_id.to_owned(),
        })
    }
}

impl Caches {
    /// Forgets what an invalidation names (the catalogue is reloaded by
    /// the caller, which holds a connection).
    pub fn forget(&self, invalidation: &Invalidation) {
        match invalidation {
            Invalidation::Member(id) => self.members.remove(id.as_str()),
            Invalidation::Article {
                publisher_id,
                article_id,
            } => self
                .articles
                .remove(&(publisher_id.clone(), article_id.clone())),
            Invalidation::Catalogue => {}
            Invalidation::ApiKey(id) => self.api_keys.forget(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        let rows = [
            Invalidation::Member("mem_1".into()),
            Invalidation::Catalogue,
            Invalidation::ApiKey("key_1".into()),
            Invalidation::Article {
                publisher_id: "pub_1".into(),
                article_id: "a:b:c".into(),
            },
        ];
        for inv in rows {
            assert_eq!(Invalidation::parse(&inv.payload()), Some(inv));
        }
        assert_eq!(Invalidation::parse("x"), None);
    }
}
