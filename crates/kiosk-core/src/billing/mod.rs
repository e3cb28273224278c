//! Paid subscriptions through Stripe: Checkout for new subscriptions, the
//! billing portal for existing ones, plans linked to Stripe prices, and
//! signed webhooks that keep Kiosk's subscriptions in step with Stripe.
//! Without Stripe settings every billing route answers 503
//! `billing_not_configured`; nothing else depends on Stripe.

pub mod catalogue;
pub mod checkout;
pub mod client;
pub mod events;
pub mod signature;
pub mod webhooks;

use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::error::CoreError;
use crate::error::ErrorCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::cache::invalidate::Invalidator;
use crate::clock::Clock;
use crate::config::Secret;
use crate::db::Db;

pub use client::StripeApi;

/// Builds the Stripe client when a secret key is configured.
pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<StripeApi>> {
    if settings.stripe_secret_key.is_empty() {
        return Ok(None);
    }
    StripeApi::new(
        settings.stripe_secret_key.expose(),
        &settings.stripe_api_base,
    )
    .map(Some)
}

pub fn not_configured() -> CoreError {
    CoreError::new(
        ErrorCode::BillingNotConfigured,
        "Billing is not configured on this server.",
    )
}

/// Billing and what it needs, given explicitly.
#[derive(Clone)]
pub struct Billing {
    pub db: Db,
    /// `None` when Stripe is not configured.
    pub stripe: Option<Arc<StripeApi>>,
    pub invalidator: Invalidator,
    pub clock: Arc<dyn Clock>,
    pub webhook_secret: Secret,
}

impl Billing {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The Stripe client, or 503 when Stripe is not configured.
    pub fn api(&self) -> Result<&StripeApi, CoreError> {
        api(self.stripe.as_deref())
    }

    /// The webhook signing secret, or 503 when it is not configured.
    pub fn webhook_secret(&self) -> Result<&str, CoreError> {
        if self.webhook_secret.is_empty() {
            Err(not_configured())
        } else {
            Ok(self.webhook_secret.expose())
        }
    }
}

/// The Stripe client, or 503 when Stripe is not configured.
pub fn api(stripe: Option<&StripeApi>) -> Result<&StripeApi, CoreError> {
    stripe.ok_or_else(not_configured)
}

impl From<client::StripeFailure> for CoreError {
    fn from(failure: client::StripeFailure) -> Self {
        let mut e = match failure {
            client::StripeFailure::Unavailable(_) => CoreError::new(
                ErrorCode::BillingUnavailable,
                "Stripe could not be reached; try again shortly.",
            )
            .with_retry_after(5),
            client::StripeFailure::Rejected { .. } => CoreError::new(
                ErrorCode::BillingRejected,
                "Stripe refused the request; see the server log.",
            ),
        };
        e.cause = Some(failure.into());
        e
    }
}

/// A stable idempotency key for one logical Stripe call: the same inputs
/// give the same key, so a retry is answered with the first result.
pub fn idempotency_key(kind: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    format!("kiosk-{kind}-{}", hex::encode(&hasher.finalize()[..16]))
}

/// Keys of calls that may legitimately repeat later (a new Checkout for the
/// same plan) include this window, so a retry within minutes reuses the
/// answer and a new attempt later gets a fresh one.
pub fn retry_window(now: chrono::DateTime<chrono::Utc>) -> String {
    (now.timestamp() / 600).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_distinct() {
        let a = idempotency_key("checkout", &["mem_1", "gold"]);
        assert_eq!(a, idempotency_key("checkout", &["mem_1", "gold"]));
        assert_ne!(a, idempotency_key("checkout", &["mem_1g", "old"]));
        assert_ne!(a, idempotency_key("portal", &["mem_1", "gold"]));
        assert!(a.starts_with("kiosk-checkout-") && a.len() < 255);
    }
}
