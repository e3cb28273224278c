//! The seam between the lifecycle and Stripe, both ways: a member's change
//! to a Stripe-billed subscription reaches Stripe before Kiosk writes it,
//! and a change Stripe reports by webhook records the same lifecycle events
//! a local change would.

use chrono::{DateTime, Utc};

use crate::billing::{self, idempotency_key};
use crate::db::subscriptions::Subscription;
use crate::db::DbConnection;
use crate::domain::stripe_lifecycle::stripe_change_event;
use crate::error::CoreError;

use super::{events, Lifecycle};

/// Tells Stripe to stop (`true`) or keep (`false`) renewing at the period
/// end. Called before the local write, so that a Stripe failure (502) leaves
/// Kiosk unchanged; without Stripe configured the answer is 503
/// `billing_not_configured`. The idempotency key names the local state the
/// request was made from: a retry of the same request reuses it, and a
/// later cancel after a resume (a new state) gets a fresh one.
pub async fn set_cancel_at_period_end(
    state: &Lifecycle,
    sub: &Subscription,
    cancel: bool,
) -> Result<(), CoreError> {
    let stripe = billing::api(state.stripe.as_deref())?;
    let stripe_id = sub.stripe_subscription_id.as_deref().ok_or_else(|| {
        CoreError::internal(anyhow::anyhow!(
            "Stripe subscription {} has no Stripe id",
            sub.id
        ))
    })?;
    let version = sub.updated_at.and_utc().timestamp_micros().to_string();
    let flag = if cancel { "cancel" } else { "resume" };
    let key = idempotency_key("subscription", &[&sub.id, stripe_id, flag, &version]);
    stripe
        .set_cancel_at_period_end(stripe_id, cancel, &key)
        .await?;
    Ok(())
}

/// Records the lifecycle event a webhook's change from `before` to `after`
/// means, if any, inside the webhook's transaction. The event's instant is
/// the Stripe event's time, so the dedupe key is the same however often the
/// change is looked at.
pub fn record_webhook_change(
    conn: &mut DbConnection,
    before: Option<&Subscription>,
    after: &Subscription,
    at: DateTime<Utc>,
) -> diesel::QueryResult<bool> {
    match stripe_change_event(before.map(Subscription::state), after.state()) {
        Some(kind) => events::record(conn, kind, after, at),
        None => Ok(false),
    }
}
