use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::access::Access;
use crate::auth::passwords::PasswordHasher;
use crate::auth::rate_limit::Limits;
use crate::auth::tokens::KeyStore;
use crate::billing::StripeApi;
use crate::cache::{Caches, Invalidation};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;

/// What every handler shares; held in `web::Data`.
pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    /// The same pool, as the core services run their work on it.
    pub core_db: kiosk_core::db::Db,
    pub keys: Arc<KeyStore>,
    pub passwords: PasswordHasher,
    pub limits: Limits,
    pub clock: Arc<dyn Clock>,
    /// `None` when no Stripe secret key is configured.
    pub stripe: Option<StripeApi>,
    /// The hot path's memory (catalogue, articles, members, tokens).
    pub caches: Arc<Caches>,
    /// The access check, with its own handles on what it needs.
    pub access: Access,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Counts a credential-route call from this client; 429 over the limit.
    pub fn limit_address(
        &self,
        req: &actix_web::HttpRequest,
        route: &str,
    ) -> Result<(), crate::error::ApiError> {
        let address = self.client_address(req);
        self.limits
            .per_address
            .hit(&format!("{route}:{address}"), self.now())
            .map_err(crate::error::ApiError::rate_limited)
    }

    /// The client's address: the peer's, or the proxy's `X-Forwarded-For`
    /// when configured to trust it.
    pub fn client_address(&self, req: &actix_web::HttpRequest) -> String {
        let info = req.connection_info();
        if self.settings.trust_forwarded_for {
            info.realip_remote_addr().map(str::to_owned)
        } else {
            req.peer_addr().map(|a| a.ip().to_string())
        }
        .unwrap_or_else(|| "unknown".into())
    }

    pub fn access_ttl(&self) -> Duration {
        Duration::seconds(self.settings.access_token_ttl_secs)
    }

    pub fn refresh_ttl(&self) -> Duration {
        Duration::days(self.settings.refresh_token_ttl_days)
    }

    pub fn grace(&self) -> Duration {
        Duration::days(self.settings.grace_days)
    }

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
