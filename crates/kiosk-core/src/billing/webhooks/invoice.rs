//! `invoice.paid` and `invoice.payment_failed`: the status and period end
//! of the invoice's subscription; a paid one also ends a card-less trial.

use chrono::NaiveDateTime;

use super::{concurrent_change, end_trial_if_paid, naive, Outcome, Processed, WebhookError};
use crate::billing::events::{Event, StripeInvoice};
use crate::db::billing::{self as db, StripeState};
use crate::db::{members, DbConnection};
use crate::domain::billing::{is_terminal, status_after_invoice, supersedes, Held};

pub(super) fn apply(
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
    members::lock(conn, &row.member_id)?;
    let status = status_after_invoice(&row.status, paid);
    let held = Held {
        status: &row.status,
        event_at: row.stripe_event_at,
    };
    if is_terminal(&row.status) || !supersedes(held, &status, event.created, false) {
        return Ok(Processed::only(Outcome::Stale));
    }
    let period_end = match invoice.period_end.and_then(naive) {
        Some(end) if paid => row.current_period_end.max(Some(end)),
        _ => row.current_period_end,
    };
    let new = StripeState {
        plan_id: row.plan_id.clone(),
        status: status.clone(),
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
    end_trial_if_paid(conn, &row.member_id, &status, now)?;
    Ok(Processed::applied(&row.member_id))
}
