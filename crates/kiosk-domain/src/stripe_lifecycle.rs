//! What a change Stripe reports means for the lifecycle events publishers
//! hear about, so a Stripe-billed subscription tells the same story as a
//! local one.

use super::entitlement::SubscriptionState;
use super::lifecycle::EventKind;
use crate::states::SubscriptionStatus;

/// The lifecycle event a Stripe-reported change means, matching what a
/// local change records: a cancellation (`canceled`, or renewal switched
/// off) is `subscription.canceled` once, however it reached Kiosk (a local
/// cancel already wrote the flag, so its webhook changes nothing here);
/// the end of a cancelled period is the sweeper's `subscription.expired`;
/// `unpaid` ends access at once, which no sweep will see, so it is
/// `subscription.expired` here. `before` is `None` for a subscription
/// Kiosk sees for the first time.
pub fn stripe_change_event(
    before: Option<SubscriptionState<'_>>,
    after: SubscriptionState<'_>,
) -> Option<EventKind> {
    use SubscriptionStatus::{Canceled, Expired, IncompleteExpired, Unpaid};
    let ended = |status: &SubscriptionStatus| {
        matches!(status, Canceled | Unpaid | IncompleteExpired | Expired)
    };
    if before.is_some_and(|b| ended(b.status)) {
        return None;
    }
    let announced = before.is_some_and(|b| b.cancel_at_period_end);
    match after.status {
        Canceled if !announced => Some(EventKind::SubscriptionCanceled),
        Unpaid => Some(EventKind::SubscriptionExpired),
        status if status.is_running() && after.cancel_at_period_end && !announced => {
            Some(EventKind::SubscriptionCanceled)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(status: &'static str, cancel_at_period_end: bool) -> SubscriptionState<'static> {
        SubscriptionState {
            status: crate::states::leaked(status),
            source: &crate::states::Source::Stripe,
            trial_ends_at: None,
            current_period_end: None,
            cancel_at_period_end,
        }
    }

    #[test]
    fn events_of_stripe_changes() {
        use EventKind::{SubscriptionCanceled as Canceled, SubscriptionExpired as Expired};
        let rows = [
            // First sight of a subscription.
            (None, sub("active", false), None),
            (None, sub("trialing", true), Some(Canceled)),
            (None, sub("canceled", false), Some(Canceled)),
            (None, sub("unpaid", false), Some(Expired)),
            // Renewal switched off, on again, off again.
            (
                Some(sub("active", false)),
                sub("active", true),
                Some(Canceled),
            ),
            (
                Some(sub("past_due", false)),
                sub("past_due", true),
                Some(Canceled),
            ),
            (Some(sub("active", true)), sub("active", true), None),
            (Some(sub("active", true)), sub("active", false), None),
            // Cancelled at once, or at the end of an announced period.
            (
                Some(sub("active", false)),
                sub("canceled", false),
                Some(Canceled),
            ),
            (
                Some(sub("trialing", false)),
                sub("canceled", false),
                Some(Canceled),
            ),
            (Some(sub("active", true)), sub("canceled", true), None),
            (Some(sub("expired", true)), sub("canceled", true), None),
            (Some(sub("canceled", false)), sub("canceled", false), None),
            // Payment given up on.
            (
                Some(sub("past_due", false)),
                sub("unpaid", false),
                Some(Expired),
            ),
            (Some(sub("unpaid", false)), sub("unpaid", false), None),
            (Some(sub("unpaid", false)), sub("canceled", false), None),
            (Some(sub("unpaid", false)), sub("active", false), None),
            // Nothing a publisher hears about.
            (Some(sub("trialing", false)), sub("active", false), None),
            (Some(sub("active", false)), sub("past_due", false), None),
            (
                Some(sub("incomplete", false)),
                sub("incomplete_expired", false),
                None,
            ),
            (Some(sub("active", false)), sub("paused", false), None),
        ];
        for (before, after, expected) in rows {
            assert_eq!(
                stripe_change_event(before, after),
                expected,
                "{before:?} -> {after:?}"
            );
        }
    }
}
