//! Where a member's change to a Stripe-billed subscription reaches Stripe.
//! Called before the local write, so that a Stripe failure leaves Kiosk
//! unchanged; the billing integration fills these in.

use crate::db::subscriptions::Subscription;
use crate::error::ApiError;
use crate::state::AppState;

/// Tells Stripe to stop (`true`) or keep (`false`) renewing at the period
/// end. Not yet wired to Stripe: the local state changes alone.
pub async fn set_cancel_at_period_end(
    state: &AppState,
    sub: &Subscription,
    cancel: bool,
) -> Result<(), ApiError> {
    let _ = state;
    if let Some(stripe_id) = &sub.stripe_subscription_id {
        tracing::info!(
            subscription_id = %sub.id,
            stripe_subscription_id = %stripe_id,
            cancel,
            "Stripe cancel_at_period_end change is applied locally only"
        );
    }
    Ok(())
}
