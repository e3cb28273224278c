//! Stripe events seen, keyed by Stripe's event id: inserted in the same
//! transaction as the event's effects, so an event applies exactly once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::stripe_events;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stripe_events)]
pub struct StripeEvent {
    pub id: String,
    pub event_type: String,
    /// `applied`, `stale` (older than the state held), `ignored` (a type
    /// Kiosk does not act on) or `unmatched` (no member, subscription or
    /// plan to apply it to; the payload is kept for reconciliation).
    pub outcome: String,
    pub payload: Option<String>,
    pub processed_at: NaiveDateTime,
}

/// Fails with a unique violation when the event was recorded before (or is
/// being recorded by a concurrent transaction that then commits).
pub fn insert(conn: &mut DbConnection, event: &StripeEvent) -> QueryResult<()> {
    diesel::insert_into(stripe_events::table)
        .values(event)
        .execute(conn)
        .map(|_| ())
}

pub fn set_outcome(
    conn: &mut DbConnection,
    id: &str,
    outcome: &str,
    payload: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(stripe_events::table.find(id))
        .set((
            stripe_events::outcome.eq(outcome),
            stripe_events::payload.eq(payload),
        ))
        .execute(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<StripeEvent>> {
    stripe_events::table
        .find(id)
        .select(StripeEvent::as_select())
        .first(conn)
        .optional()
}

/// Events kept for reconciliation, oldest first.
pub fn unmatched(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<StripeEvent>> {
    stripe_events::table
        .filter(stripe_events::outcome.eq("unmatched"))
        .order(stripe_events::processed_at)
        .limit(limit)
        .select(StripeEvent::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    stripe_events::table.count().get_result(conn)
}
