//! Lifecycle events (`trial.started`, `trial.will_end`, …) waiting for
//! delivery to publishers. Each has a deterministic `dedupe_key` with a
//! UNIQUE constraint, so a second sweep, or a second replica sweeping at the
//! same moment, records nothing new.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::lifecycle_events;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lifecycle_events)]
pub struct LifecycleEvent {
    pub id: String,
    pub kind: String,
    pub member_id: String,
    pub subscription_id: Option<String>,
    pub dedupe_key: String,
    /// JSON.
    pub payload: String,
    pub occurred_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// Records the event unless one with its dedupe key exists; true when it
/// was new. A duplicate neither fails nor aborts the transaction
/// (`ON CONFLICT DO NOTHING` on both backends).
pub fn record_once(conn: &mut DbConnection, event: &LifecycleEvent) -> QueryResult<bool> {
    let inserted = match conn {
        DbConnection::Pg(pg) => diesel::insert_into(lifecycle_events::table)
            .values(event)
            .on_conflict(lifecycle_events::dedupe_key)
            .do_nothing()
            .execute(pg)?,
        DbConnection::Sqlite(lite) => diesel::insert_into(lifecycle_events::table)
            .values(event)
            .on_conflict(lifecycle_events::dedupe_key)
            .do_nothing()
            .execute(lite)?,
    };
    Ok(inserted == 1)
}

/// A member's events, oldest first.
pub fn for_member(conn: &mut DbConnection, member_id: &str) -> QueryResult<Vec<LifecycleEvent>> {
    lifecycle_events::table
        .filter(lifecycle_events::member_id.eq(member_id))
        .order((lifecycle_events::occurred_at, lifecycle_events::id))
        .select(LifecycleEvent::as_select())
        .load(conn)
}

/// Events not yet delivered, oldest first, for the delivery worker.
pub fn undelivered(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<LifecycleEvent>> {
    lifecycle_events::table
        .filter(lifecycle_events::delivered_at.is_null())
        .order((lifecycle_events::occurred_at, lifecycle_events::id))
        .limit(limit)
        .select(LifecycleEvent::as_select())
        .load(conn)
}
