//! `checkout.session.completed`: link the Stripe customer to the member and
//! record the subscription until its own events arrive.

use crate::domain::states::{Source, SubscriptionStatus};
use chrono::NaiveDateTime;

use super::{
    concurrent_change, end_trial_if_paid, record_stripe_trial, Outcome, Processed, WebhookError,
};
use crate::billing::events::{CheckoutCompleted, Event};
use crate::db::billing as db;
use crate::db::subscriptions::{self, Subscription};
use crate::db::{is_unique_violation, members, plans, DbConnection};

pub(super) fn completed(
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
    members::lock(conn, &member.id)?;
    match (&member.stripe_customer_id, &session.customer) {
        (None, Some(customer)) => {
            // A customer already linked to someone else is for a human.
            if db::member_by_customer(conn, customer)?.is_some() {
                return Ok(Processed::only(Outcome::Unmatched));
            }
            db::link_customer(conn, &member.id, customer, now)?;
        }
        (Some(held), Some(customer)) if held != customer => {
            tracing::warn!(
                member_id = %member.id,
                "a Checkout completed with another Stripe customer than the member's; keeping the member's"
            );
        }
        _ => {}
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
            if placeholder.status == SubscriptionStatus::Trialing {
                record_stripe_trial(conn, &placeholder, None, now)?;
            }
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
        Some("paid") => (SubscriptionStatus::Active, None),
        Some("no_payment_required") => {
            let carried = db::running_trial(conn, member_id, now)?.and_then(|t| t.trial_ends_at);
            let fresh = now + chrono::Duration::days(i64::from(plan.trial_days.max(0)));
            (SubscriptionStatus::Trialing, Some(carried.unwrap_or(fresh)))
        }
        _ => (SubscriptionStatus::Incomplete, None),
    };
    Ok(Subscription {
        trial_ends_at,
        stripe_subscription_id: Some(stripe_id.to_owned()),
        ..Subscription::new(member_id, &plan.id, Source::Stripe, status, now)
    })
}
