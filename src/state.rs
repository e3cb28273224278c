use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::auth::api_keys::ApiKeyCache;
use crate::auth::passwords::PasswordHasher;
use crate::auth::rate_limit::Limits;
use crate::auth::tokens::KeyStore;
use crate::billing::StripeApi;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;

/// What every handler shares; held in `web::Data`.
pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub keys: Arc<KeyStore>,
    pub passwords: PasswordHasher,
    pub api_keys: ApiKeyCache,
    pub limits: Limits,
    pub clock: Arc<dyn Clock>,
    /// `None` when no Stripe secret key is configured.
    pub stripe: Option<StripeApi>,
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
        let info = req.connection_info();
        let address = if self.settings.trust_forwarded_for {
            info.realip_remote_addr().map(str::to_owned)
        } else {
            req.peer_addr().map(|a| a.ip().to_string())
        }
        .unwrap_or_else(|| "unknown".into());
        self.limits
            .per_address
            .hit(&format!("{route}:{address}"), self.now())
            .map_err(crate::error::ApiError::rate_limited)
    }

    pub fn access_ttl(&self) -> Duration {
        Duration::seconds(self.settings.access_token_ttl_secs)
    }

    pub fn refresh_ttl(&self) -> Duration {
        Duration::days(self.settings.refresh_token_ttl_days)
    }

    /// Call after committing any write that changes what a member may read
    /// (subscription created, changed or ended; member disabled), so cached
    /// entitlements on every replica are dropped.
    pub async fn member_changed(&self, member_id: &str) {
        let _ = member_id;
    }

    /// Call after committing a change to publishers or plans, so every
    /// replica reloads its catalogue.
    pub async fn catalogue_changed(&self) {}
}
