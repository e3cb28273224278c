//! The subscription lifecycle as pure rules: who may start a trial, what
//! cancelling and resuming do to a subscription, what the sweeper does with
//! one, and the events publishers hear about.

use chrono::{DateTime, Duration, Utc};

use super::entitlement::{entitlement, SubscriptionState};
use crate::states::{PlanStatus, Source, SubscriptionStatus};

/// How far ahead `trial.will_end` is announced.
pub fn trial_warning() -> Duration {
    Duration::days(3)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    TrialStarted,
    TrialWillEnd,
    TrialEnded,
    SubscriptionCanceled,
    SubscriptionExpired,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TrialStarted => "trial.started",
            EventKind::TrialWillEnd => "trial.will_end",
            EventKind::TrialEnded => "trial.ended",
            EventKind::SubscriptionCanceled => "subscription.canceled",
            EventKind::SubscriptionExpired => "subscription.expired",
        }
    }

    /// The key that makes an event unique: `<kind>:<subscription id>`, and
    /// for cancellations (which can happen again after a resume) also the
    /// instant, so each cancellation is recorded once.
    pub fn dedupe_key(self, subscription_id: &str, at: DateTime<Utc>) -> String {
        match self {
            EventKind::SubscriptionCanceled => {
                format!("{}:{subscription_id}:{}", self.as_str(), at.timestamp())
            }
            _ => format!("{}:{subscription_id}", self.as_str()),
        }
    }
}

/// The trial terms of a plan, as far as starting a trial goes.
#[derive(Debug, Clone, Copy)]
pub struct TrialTerms<'a> {
    pub plan_status: &'a PlanStatus,
    pub trial_days: i32,
    pub trial_requires_card: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialRefusal {
    /// Archived (or otherwise not on sale): treated as unknown.
    PlanUnavailable,
    NoTrial,
    /// The trial needs a card: it starts through checkout.
    CardRequired,
}

/// How long a card-free trial of this plan lasts, or why there is none.
pub fn trial_length(terms: TrialTerms<'_>) -> Result<Duration, TrialRefusal> {
    if !terms.plan_status.on_sale() {
        Err(TrialRefusal::PlanUnavailable)
    } else if terms.trial_days <= 0 {
        Err(TrialRefusal::NoTrial)
    } else if terms.trial_requires_card {
        Err(TrialRefusal::CardRequired)
    } else {
        Ok(Duration::days(i64::from(terms.trial_days)))
    }
}

/// A Stripe subscription that is paid, or on a trial with a card, replaces
/// the member's card-less trial: the two never grant side by side.
pub fn replaces_card_less_trial(stripe_status: &SubscriptionStatus) -> bool {
    matches!(
        stripe_status,
        SubscriptionStatus::Active | SubscriptionStatus::Trialing
    )
}

/// Whether `sub` rules out starting a card-less trial at `now`: a Stripe
/// subscription, still granting access, that would end the trial at once.
pub fn blocks_card_less_trial(sub: SubscriptionState<'_>, now: DateTime<Utc>) -> bool {
    *sub.source == Source::Stripe
        && replaces_card_less_trial(sub.status)
        && entitlement(sub, now, Duration::zero()).is_some()
}

/// Whether a member may start the free trial at `now`: they never had one
/// (card-less or through Stripe) and hold no subscription that blocks it.
pub fn trial_eligible<'a>(
    trial_used: bool,
    subscriptions: impl IntoIterator<Item = SubscriptionState<'a>>,
    now: DateTime<Utc>,
) -> bool {
    !trial_used
        && !subscriptions
            .into_iter()
            .any(|sub| blocks_card_less_trial(sub, now))
}

/// What a member's cancel request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// Access ends now (a free trial, open-ended complimentary access).
    EndNow,
    /// Access continues to the end of the period, then stops.
    AtPeriodEnd,
    /// Already cancelled or ended: the answer is the state as it is.
    Unchanged,
}

pub fn cancel(sub: SubscriptionState<'_>) -> Cancel {
    use SubscriptionStatus::{Active, Trialing};
    match (sub.status, sub.source) {
        (Trialing, Source::Trial) => Cancel::EndNow,
        (Active, Source::Complimentary) if sub.current_period_end.is_none() => Cancel::EndNow,
        (status, _) if status.is_running() && !sub.cancel_at_period_end => Cancel::AtPeriodEnd,
        _ => Cancel::Unchanged,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Undo the cancellation: the subscription renews or runs on.
    Resume,
    /// Nothing was cancelled and access continues: the answer is the state.
    Unchanged,
    /// Ended or ending now: nothing to resume.
    NotResumable,
}

pub fn resume(sub: SubscriptionState<'_>, now: DateTime<Utc>, grace: Duration) -> Resume {
    if !sub.status.is_running() || entitlement(sub, now, grace).is_none() {
        Resume::NotResumable
    } else if sub.cancel_at_period_end {
        Resume::Resume
    } else {
        Resume::Unchanged
    }
}

/// What the sweeper does with one subscription at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    Nothing,
    /// A trial ends within `trial_warning()`: announce it.
    WarnTrialEnding,
    /// Access ended at `ended_at`: mark the subscription `expired` and
    /// record `event`.
    Expire {
        event: EventKind,
        ended_at: DateTime<Utc>,
    },
}

/// Marks what time already decided; access never waits for this. Stripe
/// trials are left alone: Stripe turns them into paid subscriptions.
pub fn sweep(sub: SubscriptionState<'_>, now: DateTime<Utc>, grace: Duration) -> Sweep {
    let ended_event = if *sub.source == Source::Trial {
        EventKind::TrialEnded
    } else {
        EventKind::SubscriptionExpired
    };
    let expire_at = |end: Option<DateTime<Utc>>| match end {
        Some(end) if end <= now => Sweep::Expire {
            event: ended_event,
            ended_at: end,
        },
        _ => Sweep::Nothing,
    };
    use SubscriptionStatus::{Active, Canceled, PastDue, Trialing};
    match sub.status {
        Trialing if *sub.source == Source::Trial => match sub.trial_ends_at {
            Some(end) if end > now && end - now <= trial_warning() => Sweep::WarnTrialEnding,
            Some(_) => expire_at(sub.trial_ends_at),
            None => Sweep::Nothing,
        },
        Canceled => expire_at(sub.current_period_end.or(sub.trial_ends_at)),
        PastDue => expire_at(sub.current_period_end.map(|end| end + grace)),
        Active if *sub.source == Source::Complimentary || sub.cancel_at_period_end => {
            expire_at(sub.current_period_end)
        }
        _ => Sweep::Nothing,
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
