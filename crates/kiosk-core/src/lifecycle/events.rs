//! Recording lifecycle events for a subscription.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::db::lifecycle_events::{self, LifecycleEvent};
use crate::db::subscriptions::Subscription;
use crate::db::DbConnection;
use crate::domain::ids::new_id;
use crate::domain::lifecycle::EventKind;

/// Records `kind` for `sub`, once per dedupe key; true when it was new.
pub fn record(
    conn: &mut DbConnection,
    kind: EventKind,
    sub: &Subscription,
    occurred_at: DateTime<Utc>,
) -> diesel::QueryResult<bool> {
    let payload = json!({
        "subscription_id": sub.id,
        "member_id": sub.member_id,
        "plan_id": sub.plan_id,
        "source": sub.source,
        "status": sub.status,
        "trial_ends_at": sub.trial_ends_at.map(|t| t.and_utc()),
        "current_period_end": sub.current_period_end.map(|t| t.and_utc()),
        "cancel_at_period_end": sub.cancel_at_period_end,
    });
    let event = LifecycleEvent {
        id: new_id("evt"),
        kind: kind.as_str().to_owned(),
        member_id: sub.member_id.clone(),
        subscription_id: Some(sub.id.clone()),
        dedupe_key: kind.dedupe_key(&sub.id, occurred_at),
        payload: payload.to_string(),
        occurred_at: occurred_at.naive_utc(),
        delivered_at: None,
    };
    lifecycle_events::record_once(conn, &event)
}
