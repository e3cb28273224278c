//! Starting the one free trial a member gets.

use crate::domain::states::{Source, SubscriptionStatus};
use chrono::{DateTime, Utc};

use crate::db::subscriptions::{self, Subscription};
use crate::db::trials::{self, TrialLedgerEntry};
use crate::db::{is_unique_violation, members, plans, DbConnection};
use crate::domain::email::mailbox;
use crate::domain::ids::new_id;
use crate::domain::lifecycle::{
    blocks_card_less_trial, trial_length, EventKind, TrialRefusal, TrialTerms,
};
use crate::error::CoreError;
use crate::error::ErrorCode;

use super::{active_member, events};

/// Starts a trial of the plan with this code, inside the caller's write
/// transaction. The member is locked first, so a Stripe webhook changing
/// their subscriptions runs wholly before or after: a paid subscription
/// written first refuses the trial (409 `already_subscribed`, the claim
/// rolled back), one written after ends it. The ledger row is the first
/// write: when the member, or a member with the same mailbox, already had
/// a trial its UNIQUE keys fail before anything else is written.
pub fn start(
    conn: &mut DbConnection,
    member_id: &str,
    plan_code: &str,
    now: DateTime<Utc>,
) -> Result<(Subscription, String), CoreError> {
    members::lock(conn, member_id)?;
    let member = active_member(conn, member_id)?;
    let plan = plans::find_by_code(conn, plan_code)?.ok_or_else(unknown_plan)?;
    let length = trial_length(TrialTerms {
        plan_status: &plan.status,
        trial_days: plan.trial_days,
        trial_requires_card: plan.trial_requires_card,
    })
    .map_err(refusal)?;
    let subscription_id = new_id("sub");
    let claim = TrialLedgerEntry {
        member_id: member_id.to_owned(),
        plan_id: plan.id.clone(),
        subscription_id: subscription_id.clone(),
        started_at: now.naive_utc(),
        mailbox: mailbox(&member.email),
    };
    trials::claim(conn, &claim).map_err(|e| {
        if is_unique_violation(&e) {
            CoreError::new(
                ErrorCode::TrialAlreadyUsed,
                "This member, or another member with the same mailbox, has already had a free trial.",
            )
        } else {
            e.into()
        }
    })?;
    // After the claim, so that a member who had their trial hears that.
    let held = subscriptions::for_member(conn, member_id)?;
    if held
        .iter()
        .any(|sub| blocks_card_less_trial(sub.state(), now))
    {
        return Err(CoreError::new(
            ErrorCode::AlreadySubscribed,
            "A paid subscription of this member is running; the free trial can start once it has ended.",
        ));
    }
    let sub = Subscription {
        id: subscription_id,
        trial_ends_at: Some((now + length).naive_utc()),
        ..Subscription::new(
            member_id,
            &plan.id,
            Source::Trial,
            SubscriptionStatus::Trialing,
            now.naive_utc(),
        )
    };
    subscriptions::insert(conn, &sub)?;
    events::record(conn, EventKind::TrialStarted, &sub, now)?;
    Ok((sub, plan.code))
}

fn unknown_plan() -> CoreError {
    CoreError::not_found("No such plan.").with_field("plan")
}

fn refusal(r: TrialRefusal) -> CoreError {
    match r {
        TrialRefusal::PlanUnavailable => unknown_plan(),
        TrialRefusal::NoTrial => CoreError::new(
            ErrorCode::TrialNotAvailable,
            "This plan has no free trial; subscribe with POST /v1/me/checkout.",
        )
        .with_field("plan"),
        TrialRefusal::CardRequired => CoreError::new(
            ErrorCode::CheckoutRequired,
            "This plan's trial needs a card; start it with POST /v1/me/checkout.",
        )
        .with_field("plan"),
    }
}
