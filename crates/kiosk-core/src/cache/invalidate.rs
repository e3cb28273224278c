//! Telling every replica's caches what changed: this replica's at once,
//! the others through `NOTIFY kiosk_invalidate` (PostgreSQL only; SQLite is
//! one replica).

use std::sync::Arc;

use super::{Caches, Invalidation};
use crate::db::Db;

/// Call its methods after committing a write the caches hold a copy of.
#[derive(Clone)]
pub struct Invalidator {
    pub caches: Arc<Caches>,
    pub db: Db,
}

impl Invalidator {
    /// Call after committing any write that changes what a member may read
    /// (subscription created, changed or ended; member disabled), so cached
    /// entitlements on every replica are dropped.
    pub async fn member_changed(&self, member_id: &str) {
        let invalidation = Invalidation::Member(member_id.to_owned());
        self.caches.forget(&invalidation);
        self.publish(invalidation).await;
    }

    /// Call after committing a change to publishers or plans, so every
    /// replica reloads its catalogue.
    pub async fn catalogue_changed(&self) {
        let caches = self.caches.clone();
        let reloaded = self
            .db
            .run(move |conn| {
                caches.catalogue.reload(conn)?;
                Ok(())
            })
            .await;
        if let Err(e) = reloaded {
            tracing::warn!(error = %e, "could not reload the catalogue");
        }
        self.publish(Invalidation::Catalogue).await;
    }

    /// Call after committing an article write: every replica forgets the
    /// article, and the next check reads it. (Caching the written level
    /// here instead would let two writes that commit in one order cache in
    /// the other, leaving the older level cached.)
    pub async fn article_changed(&self, publisher_id: &str, article_id: &str) {
        self.articles_changed(publisher_id, vec![article_id.to_owned()])
            .await;
    }

    /// `article_changed` for many articles, published in one round trip.
    pub async fn articles_changed(&self, publisher_id: &str, article_ids: Vec<String>) {
        let mut invalidations = Vec::with_capacity(article_ids.len());
        for article_id in article_ids {
            let key = (publisher_id.to_owned(), article_id.clone());
            self.caches.articles.remove(&key);
            invalidations.push(Invalidation::Article {
                publisher_id: publisher_id.to_owned(),
                article_id,
            });
        }
        self.publish_all(invalidations).await;
    }

    async fn publish(&self, invalidation: Invalidation) {
        self.publish_all(vec![invalidation]).await;
    }

    /// Tells the other replicas (PostgreSQL only; SQLite is one replica).
    /// A lost notification costs staleness, not correctness of the write,
    /// so a failure is logged, not returned.
    async fn publish_all(&self, invalidations: Vec<Invalidation>) {
        if self.db.backend != crate::db::Backend::Postgres || invalidations.is_empty() {
            return;
        }
        let sent = self
            .db
            .run(move |conn| {
                for invalidation in invalidations {
                    invalidation.notify_in(conn)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "could not publish a cache invalidation");
        }
    }
}
