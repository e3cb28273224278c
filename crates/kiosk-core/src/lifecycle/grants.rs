//! Complimentary access that admins grant and revoke, audited in the same
//! transaction.

use crate::domain::states::{Source, SubscriptionStatus};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::db::subscriptions::{self, Subscription};
use crate::db::{audit, members, plans, DbConnection};
use crate::domain::lifecycle::EventKind;
use crate::error::CoreError;
use crate::error::ErrorCode;

use super::events;

/// Grants `plan_code` to the member until `ends_at` (open-ended when none).
pub fn grant(
    conn: &mut DbConnection,
    actor: &str,
    member_id: &str,
    plan_code: &str,
    ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(Subscription, String), CoreError> {
    if ends_at.is_some_and(|end| end <= now) {
        return Err(CoreError::validation(
            "ends_at",
            "ends_at must be in the future.",
        ));
    }
    members::find(conn, member_id)?.ok_or_else(|| CoreError::not_found("No such member."))?;
    let plan = plans::find_by_code(conn, plan_code)?
        .ok_or_else(|| CoreError::not_found("No such plan.").with_field("plan"))?;
    if !plan.status.on_sale() {
        return Err(CoreError::new(
            ErrorCode::PlanArchived,
            "This plan is archived; grant an active plan.",
        )
        .with_field("plan"));
    }
    let sub = Subscription {
        current_period_end: ends_at.map(|t| t.naive_utc()),
        ..Subscription::new(
            member_id,
            &plan.id,
            Source::Complimentary,
            SubscriptionStatus::Active,
            now.naive_utc(),
        )
    };
    subscriptions::insert(conn, &sub)?;
    let details = json!({ "subscription_id": sub.id, "plan": plan.code, "ends_at": ends_at });
    audit::record(
        conn,
        actor,
        "member.grant",
        member_id,
        &details,
        now.naive_utc(),
    )?;
    Ok((sub, plan.code))
}

/// Ends a complimentary grant now. Revoking an ended grant changes nothing
/// and is not audited again; other subscriptions are not grants (404).
pub fn revoke(
    conn: &mut DbConnection,
    actor: &str,
    member_id: &str,
    subscription_id: &str,
    now: DateTime<Utc>,
) -> Result<(Subscription, String), CoreError> {
    let seen = subscriptions::find(conn, subscription_id)?
        .filter(|s| s.member_id == member_id && s.source == Source::Complimentary)
        .ok_or_else(|| CoreError::not_found("No such grant."))?;
    let code = plans::find(conn, &seen.plan_id)?
        .map(|p| p.code)
        .unwrap_or_default();
    if seen.status != SubscriptionStatus::Active {
        return Ok((seen, code));
    }
    let mut sub = seen.clone();
    sub.status = SubscriptionStatus::Canceled;
    sub.current_period_end = Some(now.naive_utc());
    sub.cancel_at_period_end = false;
    sub.canceled_at = Some(now.naive_utc());
    sub.updated_at = now.naive_utc();
    if !subscriptions::save_if_unchanged(conn, &sub, &seen)? {
        return Err(CoreError::new(
            ErrorCode::ConcurrentUpdate,
            "The grant changed meanwhile; read it again and retry.",
        ));
    }
    let details = json!({ "subscription_id": sub.id, "plan": code });
    audit::record(
        conn,
        actor,
        "member.revoke_grant",
        member_id,
        &details,
        now.naive_utc(),
    )?;
    events::record(conn, EventKind::SubscriptionCanceled, &sub, now)?;
    Ok((sub, code))
}
