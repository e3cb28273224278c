//! What a Stripe subscription object means for the state Kiosk keeps:
//! whether it has ended, where its access ends, and whether it ran a free
//! trial. Pure rules over Unix seconds; the webhook handlers apply them.

use super::billing::is_terminal;
use crate::states::SubscriptionStatus;

/// The status to keep for a subscription an event reports. Stripe sends
/// `customer.subscription.deleted` when a subscription has ended, so that
/// event is kept as ended (`canceled`) even if its object's status still
/// reads as running.
pub fn kept_status(status: SubscriptionStatus, deleted: bool) -> SubscriptionStatus {
    if deleted && !is_terminal(&status) {
        SubscriptionStatus::Canceled
    } else {
        status
    }
}

/// Where access ends for a subscription Stripe has ended (`canceled`):
/// when it ended, Stripe's `ended_at`, else `fallback` (the event's time,
/// or now if earlier). An immediate cancel, or a deletion after `unpaid`,
/// so grants nothing after that moment, whatever the period end says. The
/// end is never later than the period end, nor than the end of the `held`
/// row (status and end) once that has ended: a later event cannot move
/// access back out.
pub fn ended_access_end(
    ended_at: Option<i64>,
    fallback: i64,
    period_end: Option<i64>,
    held: Option<(&SubscriptionStatus, Option<i64>)>,
) -> i64 {
    let held_end = held
        .filter(|(status, _)| {
            matches!(
                status,
                SubscriptionStatus::Canceled | SubscriptionStatus::Expired
            )
        })
        .and_then(|(_, end)| end);
    [period_end, held_end]
        .into_iter()
        .flatten()
        .fold(ended_at.unwrap_or(fallback), i64::min)
}

/// Whether a Stripe subscription ran a free trial: it is `trialing`, or
/// Stripe records a trial on it (the fields stay after the trial). That
/// trial is the member's one free trial, as a card-less one would be.
pub fn ran_trial(
    status: &SubscriptionStatus,
    trial_start: Option<i64>,
    trial_end: Option<i64>,
) -> bool {
    *status == SubscriptionStatus::Trialing || trial_start.is_some() || trial_end.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_statuses() {
        let rows = [
            ("canceled", true, "canceled"),
            ("active", true, "canceled"),
            ("unpaid", true, "canceled"),
            ("incomplete_expired", true, "incomplete_expired"),
            ("active", false, "active"),
            ("unpaid", false, "unpaid"),
            ("canceled", false, "canceled"),
        ];
        for (status, deleted, expected) in rows {
            let kept = kept_status(SubscriptionStatus::parse(status), deleted);
            assert_eq!(kept.as_str(), expected, "{status} {deleted}");
        }
    }

    /// (ended_at, fallback, period end, held status and end, expected end)
    type Row = (
        Option<i64>,
        i64,
        Option<i64>,
        Option<(&'static str, Option<i64>)>,
        i64,
    );

    #[test]
    fn ended_access_ends_when_the_subscription_ended() {
        let period_end = Some(1_000);
        #[rustfmt::skip]
        let rows: &[Row] = &[
            // Cancelled at once, mid-period: its ended_at, else the event.
            (Some(100), 150, period_end, None, 100),
            (None, 150, period_end, None, 150),
            (None, 150, None, None, 150),
            // Ended at the period's end, or reported long after it.
            (Some(1_000), 1_005, period_end, None, 1_000),
            (None, 5_000, period_end, None, 1_000),
            // After unpaid or past due: the row's end then does not count.
            (Some(100), 150, period_end, Some(("unpaid", Some(1_000))), 100),
            (Some(100), 150, period_end, Some(("past_due", Some(50))), 100),
            // Already ended: a later report never moves the end out.
            (None, 900, period_end, Some(("canceled", Some(100))), 100),
            (Some(300), 900, period_end, Some(("expired", Some(100))), 100),
            (Some(100), 900, period_end, Some(("canceled", Some(300))), 100),
            (None, 900, period_end, Some(("canceled", None)), 900),
        ];
        for &(ended_at, fallback, period_end, held, expected) in rows {
            let held = held.map(|(status, end)| (SubscriptionStatus::parse(status), end));
            let held = held.as_ref().map(|(status, end)| (status, *end));
            assert_eq!(
                ended_access_end(ended_at, fallback, period_end, held),
                expected,
                "{ended_at:?} {fallback} {period_end:?} {held:?}"
            );
        }
    }

    #[test]
    fn trials_stripe_ran() {
        assert!(ran_trial(
            &SubscriptionStatus::parse("trialing"),
            None,
            None
        ));
        assert!(ran_trial(
            &SubscriptionStatus::parse("active"),
            Some(1),
            Some(2)
        ));
        assert!(ran_trial(
            &SubscriptionStatus::parse("canceled"),
            None,
            Some(2)
        ));
        assert!(ran_trial(
            &SubscriptionStatus::parse("paused"),
            Some(1),
            None
        ));
        assert!(!ran_trial(&SubscriptionStatus::parse("active"), None, None));
        assert!(!ran_trial(
            &SubscriptionStatus::parse("canceled"),
            None,
            None
        ));
    }
}
