//! `customer.subscription.*`: Stripe's subscription state, applied unless
//! Kiosk holds a newer one.

use crate::domain::states::{Source, SubscriptionStatus};
use chrono::{DateTime, NaiveDateTime, Utc};

use super::{
    concurrent_change, end_trial_if_paid, naive, record_stripe_trial, Outcome, Processed,
    WebhookError,
};
use crate::billing::events::{Event, StripeSubscription};
use crate::db::billing::{self as db, StripeState};
use crate::db::subscriptions::{self, Subscription};
use crate::db::{is_unique_violation, members, plans, DbConnection};
use crate::domain::billing::{supersedes, Held};
use crate::domain::ids::new_id;
use crate::domain::lifecycle::EventKind;
use crate::domain::stripe_state::{ended_access_end, kept_status, ran_trial};
use crate::lifecycle::{events, stripe_hooks};

pub(super) fn changed(
    conn: &mut DbConnection,
    event: &Event,
    now: NaiveDateTime,
) -> Result<Processed, WebhookError> {
    let Some(sub) = StripeSubscription::read(&event.object) else {
        return Ok(Processed::only(Outcome::Unmatched));
    };
    let is_created = event.kind == "customer.subscription.created";
    let status = kept_status(
        sub.status.clone(),
        event.kind == "customer.subscription.deleted",
    );
    let plan_id = plan_for(conn, &sub)?;
    if let Some(row) = db::by_stripe_id(conn, &sub.id)? {
        members::lock(conn, &row.member_id)?;
        let held = Held {
            status: &row.status,
            event_at: row.stripe_event_at,
        };
        if !supersedes(held, &status, event.created, is_created) {
            return Ok(Processed::only(Outcome::Stale));
        }
        let plan_id = plan_id.unwrap_or_else(|| row.plan_id.clone());
        let new = kept_state(&sub, status.clone(), plan_id, Some(&row), event, now);
        if db::replace_state(conn, &row, &new)? == 0 {
            return Err(concurrent_change());
        }
        let after = with_state(&row, &new);
        stripe_hooks::record_webhook_change(conn, Some(&row), &after, occurred(event, now))?;
        after_write(conn, &sub, &after, now)?;
        return Ok(Processed::applied(&row.member_id));
    }
    let (Some(member_id), Some(plan_id)) = (member_for(conn, &sub)?, plan_id) else {
        return Ok(Processed::only(Outcome::Unmatched));
    };
    members::lock(conn, &member_id)?;
    let new = kept_state(&sub, status, plan_id, None, event, now);
    let row = Subscription {
        id: new_id("sub"),
        member_id: member_id.clone(),
        plan_id: new.plan_id.clone(),
        source: Source::Stripe,
        status: new.status.clone(),
        trial_ends_at: new.trial_ends_at,
        current_period_end: new.current_period_end,
        cancel_at_period_end: new.cancel_at_period_end,
        canceled_at: new.canceled_at,
        stripe_subscription_id: Some(sub.id.clone()),
        stripe_event_at: new.stripe_event_at,
        created_at: now,
        updated_at: now,
    };
    subscriptions::insert(conn, &row).map_err(|e| {
        if is_unique_violation(&e) {
            concurrent_change()
        } else {
            e.into()
        }
    })?;
    stripe_hooks::record_webhook_change(conn, None, &row, occurred(event, now))?;
    after_write(conn, &sub, &row, now)?;
    Ok(Processed::applied(&member_id))
}

/// The state to keep from the event's subscription. Once Stripe has ended
/// it, access ends when it ended, not at the period end Stripe still shows.
fn kept_state(
    sub: &StripeSubscription,
    status: SubscriptionStatus,
    plan_id: String,
    held: Option<&Subscription>,
    event: &Event,
    now: NaiveDateTime,
) -> StripeState {
    let unix = |t: NaiveDateTime| t.and_utc().timestamp();
    let period_end = if status == SubscriptionStatus::Canceled {
        let held = held.map(|row| (&row.status, row.current_period_end.map(unix)));
        let fallback = event.created.min(unix(now));
        Some(ended_access_end(
            sub.ended_at,
            fallback,
            sub.current_period_end,
            held,
        ))
    } else {
        sub.current_period_end
    };
    StripeState {
        plan_id,
        status,
        trial_ends_at: sub.trial_end.and_then(naive),
        current_period_end: period_end.and_then(naive),
        cancel_at_period_end: sub.cancel_at_period_end,
        canceled_at: sub.canceled_at.and_then(naive),
        stripe_event_at: Some(event.created),
        updated_at: now,
    }
}

/// What a written Stripe subscription means for the member's free trial:
/// a trial Stripe ran uses it up, and a paid subscription ends a card-less
/// one.
fn after_write(
    conn: &mut DbConnection,
    sub: &StripeSubscription,
    row: &Subscription,
    now: NaiveDateTime,
) -> Result<(), WebhookError> {
    if ran_trial(&sub.status, sub.trial_start, sub.trial_end) {
        record_stripe_trial(conn, row, sub.trial_start, now)?;
    }
    end_trial_if_paid(conn, &row.member_id, &row.status, now)
}

/// The plan by the subscription's price, else by the plan code Kiosk put in
/// its metadata.
fn plan_for(
    conn: &mut DbConnection,
    sub: &StripeSubscription,
) -> Result<Option<String>, WebhookError> {
    if let Some(price) = &sub.price_id {
        if let Some(plan) = db::plan_by_price(conn, price)? {
            return Ok(Some(plan.id));
        }
    }
    match &sub.plan_code {
        Some(code) => Ok(plans::find_by_code(conn, code)?.map(|p| p.id)),
        None => Ok(None),
    }
}

/// The member by Stripe customer, else by the member id Kiosk put in the
/// metadata when that member has no other customer.
fn member_for(
    conn: &mut DbConnection,
    sub: &StripeSubscription,
) -> Result<Option<String>, WebhookError> {
    if let Some(customer) = &sub.customer {
        if let Some(member) = db::member_by_customer(conn, customer)? {
            return Ok(Some(member.id));
        }
    }
    let Some(id) = &sub.member_id else {
        return Ok(None);
    };
    Ok(members::find(conn, id)?
        .filter(|m| m.stripe_customer_id.is_none() || m.stripe_customer_id == sub.customer)
        .map(|m| m.id))
}

/// `trial_will_end` is recorded once per subscription, the event the
/// sweeper records for a card-less trial.
pub(super) fn trial_will_end(
    conn: &mut DbConnection,
    event: &Event,
    now: NaiveDateTime,
) -> Result<Processed, WebhookError> {
    let processed = changed(conn, event, now)?;
    let row = match StripeSubscription::read(&event.object) {
        Some(sub) => db::by_stripe_id(conn, &sub.id)?,
        None => None,
    };
    let Some(row) = row else {
        return Ok(processed);
    };
    events::record(conn, EventKind::TrialWillEnd, &row, occurred(event, now))?;
    Ok(Processed::applied(&row.member_id))
}

/// The row as `replace_state` left it.
fn with_state(row: &Subscription, new: &StripeState) -> Subscription {
    Subscription {
        plan_id: new.plan_id.clone(),
        status: new.status.clone(),
        trial_ends_at: new.trial_ends_at,
        current_period_end: new.current_period_end,
        cancel_at_period_end: new.cancel_at_period_end,
        canceled_at: new.canceled_at,
        stripe_event_at: new.stripe_event_at,
        updated_at: new.updated_at,
        ..row.clone()
    }
}

/// When Stripe says the change happened.
fn occurred(event: &Event, now: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(event.created, 0).unwrap_or_else(|| now.and_utc())
}
