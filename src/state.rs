use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::access::Access;
use crate::auth::passwords::PasswordHasher;
use crate::auth::rate_limit::Limits;
use crate::auth::tokens::KeyStore;
use crate::billing::Billing;
use crate::cache::invalidate::Invalidator;
use crate::cache::Caches;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::lifecycle::Lifecycle;

/// What every handler shares; held in `web::Data`.
pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub keys: Arc<KeyStore>,
    pub passwords: PasswordHasher,
    pub limits: Limits,
    pub clock: Arc<dyn Clock>,
    /// Subscriptions' changes and the sweeper, with their own handles.
    pub lifecycle: Lifecycle,
    /// Stripe Checkout, the portal, price links and webhooks.
    pub billing: Billing,
    /// The hot path's memory (catalogue, articles, members, tokens).
    pub caches: Arc<Caches>,
    /// The access check, with its own handles on what it needs.
    pub access: Access,
    /// Call after committing a write the caches hold a copy of.
    pub invalidator: Invalidator,
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
}
