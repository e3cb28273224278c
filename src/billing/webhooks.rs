//! Applying a verified Stripe event. Everything happens in the caller's one
//! write transaction, starting with the event's row: a second delivery of
//! the same event (even a concurrent one) fails on that row's primary key
//! and changes nothing, and a failure anywhere rolls the row back with the
//! effects, so Stripe's retry applies the event once.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::json;

use super::events::{CheckoutCompleted, Event, StripeInvoice, StripeSubscription};
use crate::db::billing::{self as db, StripeState};
use crate::db::stripe_events::{self, StripeEvent};
use crate::db::subscriptions::{self, Subscription};
use crate::db::{is_unique_violation, members, plans, DbConnection};
use crate::domain::billing::{is_terminal, status_after_invoice, supersedes, Held};
use crate::domain::ids::new_id;
use crate::error::ApiError;

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
    fn only(outcome: Outcome) -> Self {
        Self {
            outcome,
            member_id: None,
        }
    }

    fn applied(member_id: &str) -> Self {
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
    Failed(ApiError),
}

impl From<diesel::result::Error> for WebhookError {
    fn from(e: diesel::result::Error) -> Self {
        WebhookError::Failed(e.into())
    }
}

/// Another transaction changed the subscription meanwhile; Stripe retries.
fn concurrent_change() -> WebhookError {
    WebhookError::Failed(ApiError::unavailable(anyhow::anyhow!(
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
        "checkout.session.completed" => checkout_completed(conn, event, now)?,
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted"
        | "customer.subscription.paused"
        | "customer.subscription.resumed" => subscription_changed(conn, event, now)?,
        "customer.subscription.trial_will_end" => trial_will_end(conn, event, now)?,
        "invoice.paid" => invoice(conn, event, true, now)?,
        "invoice.payment_failed" => invoice(conn, event, false, now)?,
        _ => Processed::only(Outcome::Ignored),
    };
    let payload = (processed.outcome == Outcome::Unmatched).then_some(raw);
    stripe_events::set_outcome(conn, &event.id, processed.outcome.as_str(), payload)?;
    Ok(processed)
}

fn checkout_completed(
    conn: &mut DbConnection,
    event: &Event,
    now: NaiveDateTime,
) -> Result<Processed, WebhookError> {
    let session = CheckoutCompleted::read(&event.object);
    if session.mode.as_deref() != Some("subscription") {
        return Ok(Processed::only(Outcome::Ignored));
    }
    let member = match &session.member_id {
        Some(id) => members::find(conn, id)?,
        None => None,
    };
    let member = match (member, &session.customer) {
        (Some(member), _) => member,
        (None, Some(customer)) => match db::member_by_customer(conn, customer)? {
            Some(member) => member,
            None => return Ok(Processed::only(Outcome::Unmatched)),
        },
        (None, None) => return Ok(Processed::only(Outcome::Unmatched)),
    };
    if let (None, Some(customer)) = (&member.stripe_customer_id, &session.customer) {
        if db::member_by_customer(conn, customer)?.is_some() {
            return Ok(Processed::only(Outcome::Unmatched));
        }
        db::link_customer(conn, &member.id, customer, now)?;
    }
    let Some(stripe_id) = &session.subscription else {
        return Ok(Processed::applied(&member.id));
    };
    let status = match db::by_stripe_id(conn, stripe_id)? {
        Some(row) => row.status,
        None => {
            let plan = match &session.plan_code {
                Some(code) => plans::find_by_code(conn, code)?,
                None => None,
            };
            let Some(plan) = plan else {
                return Ok(Processed::applied(&member.id));
            };
            let placeholder = placeholder(conn, &member.id, &plan, stripe_id, &session, now)?;
            subscriptions::insert(conn, &placeholder).map_err(|e| {
                if is_unique_violation(&e) {
                    concurrent_change()
                } else {
                    e.into()
                }
            })?;
            placeholder.status
        }
    };
    end_trial_if_paid(conn, &member.id, &status, now)?;
    Ok(Processed::applied(&member.id))
}

/// The Stripe subscription as far as the Checkout tells it, until its own
/// events arrive (they apply over this whatever their time).
fn placeholder(
    conn: &mut DbConnection,
    member_id: &str,
    plan: &crate::db::plans::Plan,
    stripe_id: &str,
    session: &CheckoutCompleted,
    now: NaiveDateTime,
) -> Result<Subscription, WebhookError> {
    let (status, trial_ends_at) = match session.payment_status.as_deref() {
        Some("paid") => ("active", None),
        Some("no_payment_required") => {
            let carried = db::running_trial(conn, member_id, now)?.and_then(|t| t.trial_ends_at);
            let fresh = now + chrono::Duration::days(i64::from(plan.trial_days.max(0)));
            ("trialing", Some(carried.unwrap_or(fresh)))
        }
        _ => ("incomplete", None),
    };
    Ok(Subscription {
        id: new_id("sub"),
        member_id: member_id.to_owned(),
        plan_id: plan.id.clone(),
        source: "stripe".into(),
        status: status.into(),
        trial_ends_at,
        current_period_end: None,
        cancel_at_period_end: false,
        canceled_at: None,
        stripe_subscription_id: Some(stripe_id.to_owned()),
        stripe_event_at: None,
        created_at: now,
        updated_at: now,
    })
}

/// A paid (or card-backed trialing) Stripe subscription replaces the
/// member's card-less trial, so entitlements come from Stripe alone.
fn end_trial_if_paid(
    conn: &mut DbConnection,
    member_id: &str,
    stripe_status: &str,
    now: NaiveDateTime,
) -> Result<(), WebhookError> {
    if matches!(stripe_status, "active" | "trialing") {
        db::end_trials(conn, member_id, now)?;
    }
    Ok(())
}

fn subscription_changed(
    conn: &mut DbConnection,
    event: &Event,
    now: NaiveDateTime,
) -> Result<Processed, WebhookError> {
    let Some(sub) = StripeSubscription::read(&event.object) else {
        return Ok(Processed::only(Outcome::Unmatched));
    };
    let is_created = event.kind == "customer.subscription.created";
    let plan_id = plan_for(conn, &sub)?;
    let state = |plan_id: String| StripeState {
        plan_id,
        status: sub.status.clone(),
        trial_ends_at: sub.trial_end.and_then(naive),
        current_period_end: sub.current_period_end.and_then(naive),
        cancel_at_period_end: sub.cancel_at_period_end,
        canceled_at: sub.canceled_at.and_then(naive),
        stripe_event_at: Some(event.created),
        updated_at: now,
    };
    if let Some(row) = db::by_stripe_id(conn, &sub.id)? {
        let held = Held {
            status: &row.status,
            event_at: row.stripe_event_at,
        };
        if !supersedes(held, &sub.status, event.created, is_created) {
            return Ok(Processed::only(Outcome::Stale));
        }
        let new = state(plan_id.unwrap_or_else(|| row.plan_id.clone()));
        if db::replace_state(conn, &row, &new)? == 0 {
            return Err(concurrent_change());
        }
        end_trial_if_paid(conn, &row.member_id, &new.status, now)?;
        return Ok(Processed::applied(&row.member_id));
    }
    let (Some(member_id), Some(plan_id)) = (member_for(conn, &sub)?, plan_id) else {
        return Ok(Processed::only(Outcome::Unmatched));
    };
    let new = state(plan_id);
    let row = Subscription {
        id: new_id("sub"),
        member_id: member_id.clone(),
        plan_id: new.plan_id.clone(),
        source: "stripe".into(),
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
    end_trial_if_paid(conn, &member_id, &row.status, now)?;
    Ok(Processed::applied(&member_id))
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

fn trial_will_end(
    conn: &mut DbConnection,
    event: &Event,
    now: NaiveDateTime,
) -> Result<Processed, WebhookError> {
    let processed = subscription_changed(conn, event, now)?;
    let row = match StripeSubscription::read(&event.object) {
        Some(sub) => db::by_stripe_id(conn, &sub.id)?,
        None => None,
    };
    let Some(row) = row else {
        return Ok(processed);
    };
    let lifecycle = db::NewLifecycleEvent {
        id: new_id("lev"),
        kind: "trial_will_end".into(),
        member_id: row.member_id.clone(),
        subscription_id: Some(row.id.clone()),
        dedupe_key: format!("stripe:{}", event.id),
        payload: json!({
            "stripe_subscription_id": row.stripe_subscription_id,
            "trial_ends_at": row.trial_ends_at.map(|t| t.and_utc()),
        })
        .to_string(),
        occurred_at: now,
    };
    db::insert_lifecycle_event(conn, &lifecycle)?;
    Ok(Processed::applied(&row.member_id))
}

fn invoice(
    conn: &mut DbConnection,
    event: &Event,
    paid: bool,
    now: NaiveDateTime,
) -> Result<Processed, WebhookError> {
    let Some(invoice) = StripeInvoice::read(&event.object) else {
        return Ok(Processed::only(Outcome::Ignored));
    };
    let Some(row) = db::by_stripe_id(conn, &invoice.subscription)? else {
        return Ok(Processed::only(Outcome::Unmatched));
    };
    let status = status_after_invoice(&row.status, paid);
    let held = Held {
        status: &row.status,
        event_at: row.stripe_event_at,
    };
    if is_terminal(&row.status) || !supersedes(held, status, event.created, false) {
        return Ok(Processed::only(Outcome::Stale));
    }
    let period_end = match invoice.period_end.and_then(naive) {
        Some(end) if paid => row.current_period_end.max(Some(end)),
        _ => row.current_period_end,
    };
    let new = StripeState {
        plan_id: row.plan_id.clone(),
        status: status.to_owned(),
        trial_ends_at: row.trial_ends_at,
        current_period_end: period_end,
        cancel_at_period_end: row.cancel_at_period_end,
        canceled_at: row.canceled_at,
        stripe_event_at: Some(event.created),
        updated_at: now,
    };
    if db::replace_state(conn, &row, &new)? == 0 {
        return Err(concurrent_change());
    }
    Ok(Processed::applied(&row.member_id))
}

fn naive(unix: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp(unix, 0).map(|t| t.naive_utc())
}
