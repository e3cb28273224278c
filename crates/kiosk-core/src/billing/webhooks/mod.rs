//! Applying a verified Stripe event. Everything happens in the caller's one
//! write transaction, starting with the event's row: a second delivery of
//! the same event (even a concurrent one) fails on that row's primary key
//! and changes nothing, and a failure anywhere rolls the row back with the
//! effects, so Stripe's retry applies the event once.

use crate::domain::states::SubscriptionStatus;
use chrono::{DateTime, NaiveDateTime, Utc};

use super::events::Event;
use crate::db::stripe_events::{self, StripeEvent};
use crate::db::subscriptions::Subscription;
use crate::db::trials::{self, TrialLedgerEntry};
use crate::db::{billing as db, is_unique_violation, DbConnection};
use crate::domain::lifecycle::replaces_card_less_trial;
use crate::error::CoreError;

mod checkout;
mod invoice;
mod subscription;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Older than the state Kiosk holds.
    Stale,
    /// A type or object Kiosk does not act on.
    Ignored,
    /// No member, subscription or plan to apply it to: kept with its payload.
    Unmatched,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Stale => "stale",
            Outcome::Ignored => "ignored",
            Outcome::Unmatched => "unmatched",
        }
    }
}

#[derive(Debug)]
pub struct Processed {
    pub outcome: Outcome,
    /// The member whose entitlements changed, to invalidate after commit.
    pub member_id: Option<String>,
}

impl Processed {
    pub(super) fn only(outcome: Outcome) -> Self {
        Self {
            outcome,
            member_id: None,
        }
    }

    pub(super) fn applied(member_id: &str) -> Self {
        Self {
            outcome: Outcome::Applied,
            member_id: Some(member_id.to_owned()),
        }
    }
}

#[derive(Debug)]
pub enum WebhookError {
    /// The event was recorded before.
    Duplicate,
    Failed(CoreError),
}

impl From<diesel::result::Error> for WebhookError {
    fn from(e: diesel::result::Error) -> Self {
        WebhookError::Failed(e.into())
    }
}

/// Another transaction changed the subscription meanwhile; Stripe retries.
pub(super) fn concurrent_change() -> WebhookError {
    WebhookError::Failed(CoreError::unavailable(anyhow::anyhow!(
        "the subscription changed concurrently"
    )))
}

/// Records and applies `event`; `raw` is kept when the event is unmatched.
pub fn process(
    conn: &mut DbConnection,
    event: &Event,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<Processed, WebhookError> {
    let record = StripeEvent {
        id: event.id.clone(),
        event_type: event.kind.clone(),
        outcome: "processing".into(),
        payload: None,
        processed_at: now.naive_utc(),
    };
    stripe_events::insert(conn, &record).map_err(|e| {
        if is_unique_violation(&e) {
            WebhookError::Duplicate
        } else {
            e.into()
        }
    })?;
    let now = now.naive_utc();
    let processed = match event.kind.as_str() {
        "checkout.session.completed" => checkout::completed(conn, event, now)?,
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted"
        | "customer.subscription.paused"
        | "customer.subscription.resumed" => subscription::changed(conn, event, now)?,
        "customer.subscription.trial_will_end" => subscription::trial_will_end(conn, event, now)?,
        "invoice.paid" => invoice::apply(conn, event, true, now)?,
        "invoice.payment_failed" => invoice::apply(conn, event, false, now)?,
        _ => Processed::only(Outcome::Ignored),
    };
    let payload = (processed.outcome == Outcome::Unmatched).then_some(raw);
    stripe_events::set_outcome(conn, &event.id, processed.outcome.as_str(), payload)?;
    Ok(processed)
}

/// A paid (or card-backed trialing) Stripe subscription replaces the
/// member's card-less trial, so entitlements come from Stripe alone. The
/// caller holds the member's lock (`members::lock`), so a trial being
/// started at the same moment is either seen here or refused.
pub(super) fn end_trial_if_paid(
    conn: &mut DbConnection,
    member_id: &str,
    stripe_status: &SubscriptionStatus,
    now: NaiveDateTime,
) -> Result<(), WebhookError> {
    if replaces_card_less_trial(stripe_status) {
        db::end_trials(conn, member_id, now)?;
    }
    Ok(())
}

/// A trial Stripe ran for `row` is the member's one free trial: it goes in
/// the trial ledger unless a trial is recorded there already.
pub(super) fn record_stripe_trial(
    conn: &mut DbConnection,
    row: &Subscription,
    trial_start: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), WebhookError> {
    let Some(member) = crate::db::members::find(conn, &row.member_id)? else {
        return Ok(());
    };
    let entry = TrialLedgerEntry {
        member_id: row.member_id.clone(),
        plan_id: row.plan_id.clone(),
        subscription_id: row.id.clone(),
        started_at: trial_start.and_then(naive).unwrap_or(now),
        mailbox: crate::domain::email::mailbox(&member.email),
    };
    trials::record(conn, &entry)?;
    Ok(())
}

pub(super) fn naive(unix: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp(unix, 0).map(|t| t.naive_utc())
}
