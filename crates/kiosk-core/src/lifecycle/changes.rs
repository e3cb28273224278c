//! A member cancelling or resuming one of their subscriptions.

use crate::db::subscriptions::{self, Subscription};
use crate::db::{plans, DbConnection};
use crate::domain::lifecycle::{self, Cancel, EventKind, Resume};
use crate::domain::states::{Source, SubscriptionStatus};
use crate::error::CoreError;
use crate::error::ErrorCode;

use super::{active_member, events, stripe_hooks, Lifecycle};

/// A subscription after a request, with its plan's code; `changed` is false
/// when the request found nothing to do (cancelling twice).
pub struct Outcome {
    pub subscription: Subscription,
    pub plan: String,
    pub changed: bool,
}

/// Cancels: a free trial (or open-ended complimentary access) ends now;
/// anything billed runs to the end of its period. Twice is the same as once.
pub async fn cancel(state: &Lifecycle, member_id: &str, id: &str) -> Result<Outcome, CoreError> {
    let seen = owned(state, member_id, id).await?;
    let effect = lifecycle::cancel(seen.state());
    if effect == Cancel::AtPeriodEnd && seen.source == Source::Stripe {
        stripe_hooks::set_cancel_at_period_end(state, &seen, true).await?;
    }
    let now = state.now();
    let member_id = member_id.to_owned();
    state
        .db
        .write(move |conn| {
            // Read again inside the transaction: a concurrent cancel makes
            // this one a repeat, answered with the state as it is.
            let seen = reread(conn, &member_id, &seen.id)?;
            let mut sub = seen.clone();
            match lifecycle::cancel(seen.state()) {
                Cancel::Unchanged => return outcome(conn, seen, false),
                Cancel::EndNow => {
                    let now = now.naive_utc();
                    sub.status = SubscriptionStatus::Canceled;
                    sub.cancel_at_period_end = false;
                    if sub.source == Source::Trial {
                        sub.trial_ends_at = sub.trial_ends_at.map(|end| end.min(now));
                    } else {
                        sub.current_period_end = Some(now);
                    }
                }
                Cancel::AtPeriodEnd => sub.cancel_at_period_end = true,
            }
            sub.canceled_at = Some(now.naive_utc());
            sub.updated_at = now.naive_utc();
            save(conn, &sub, &seen)?;
            events::record(conn, EventKind::SubscriptionCanceled, &sub, now)?;
            outcome(conn, sub, true)
        })
        .await
}

/// Undoes a cancel-at-period-end before the period ends.
pub async fn resume(state: &Lifecycle, member_id: &str, id: &str) -> Result<Outcome, CoreError> {
    let seen = owned(state, member_id, id).await?;
    let (now, grace) = (state.now(), state.grace);
    let effect = lifecycle::resume(seen.state(), now, grace);
    if effect == Resume::NotResumable {
        return Err(not_resumable());
    }
    if effect == Resume::Resume && seen.source == Source::Stripe {
        stripe_hooks::set_cancel_at_period_end(state, &seen, false).await?;
    }
    let member_id = member_id.to_owned();
    state
        .db
        .write(move |conn| {
            let seen = reread(conn, &member_id, &seen.id)?;
            match lifecycle::resume(seen.state(), now, grace) {
                Resume::NotResumable => return Err(not_resumable()),
                Resume::Unchanged => return outcome(conn, seen, false),
                Resume::Resume => {}
            }
            let mut sub = seen.clone();
            sub.cancel_at_period_end = false;
            sub.canceled_at = None;
            sub.updated_at = now.naive_utc();
            save(conn, &sub, &seen)?;
            outcome(conn, sub, true)
        })
        .await
}

/// The member's subscription with this id; someone else's is not found.
async fn owned(state: &Lifecycle, member_id: &str, id: &str) -> Result<Subscription, CoreError> {
    let (member_id, id) = (member_id.to_owned(), id.to_owned());
    state
        .db
        .run(move |conn| {
            active_member(conn, &member_id)?;
            Ok(subscriptions::find(conn, &id)?.filter(|s| s.member_id == member_id))
        })
        .await?
        .ok_or_else(|| CoreError::not_found("No such subscription."))
}

fn not_resumable() -> CoreError {
    CoreError::new(
        ErrorCode::NotResumable,
        "This subscription has ended or is ending now; start a new one instead.",
    )
}

fn reread(conn: &mut DbConnection, member_id: &str, id: &str) -> Result<Subscription, CoreError> {
    active_member(conn, member_id)?;
    subscriptions::find(conn, id)?
        .filter(|s| s.member_id == member_id)
        .ok_or_else(|| CoreError::not_found("No such subscription."))
}

fn save(conn: &mut DbConnection, sub: &Subscription, seen: &Subscription) -> Result<(), CoreError> {
    if subscriptions::save_if_unchanged(conn, sub, seen)? {
        Ok(())
    } else {
        Err(CoreError::new(
            ErrorCode::ConcurrentUpdate,
            "The subscription changed meanwhile; read it again and retry.",
        ))
    }
}

fn outcome(
    conn: &mut DbConnection,
    subscription: Subscription,
    changed: bool,
) -> Result<Outcome, CoreError> {
    let plan = plans::find(conn, &subscription.plan_id)?
        .map(|p| p.code)
        .unwrap_or_default();
    Ok(Outcome {
        subscription,
        plan,
        changed,
    })
}
