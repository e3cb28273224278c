//! The hot path's memory: catalogue, article access levels, members and
//! verified tokens, each bounded, and the invalidations that keep replicas
//! in step (`NOTIFY kiosk_invalidate` on PostgreSQL).

pub mod bounded;
pub mod catalogue;
pub mod listener;
pub mod members;

use std::sync::Arc;

use bounded::BoundedCache;
use catalogue::CatalogueCache;
use members::{MemberEntry, VerifiedToken};

use crate::domain::access::AccessLevel;

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
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            catalogue: CatalogueCache::default(),
            articles: BoundedCache::new(ARTICLE_CAPACITY),
            members: BoundedCache::new(MEMBER_CAPACITY),
            tokens: BoundedCache::new(TOKEN_CAPACITY),
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
        }
    }

    pub fn parse(payload: &str) -> Option<Self> {
        if payload == "c" {
            return Some(Self::Catalogue);
        }
        if let Some(id) = payload.strip_prefix("m:") {
            return Some(Self::Member(id.to_owned()));
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
