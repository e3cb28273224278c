//! The trial ledger: one row per member who ever started a trial. Its
//! primary key on `member_id` and its unique `mailbox` (see
//! `domain::email::mailbox`) are what make a trial once per member and
//! once per mailbox, even under concurrent attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{members, trial_ledger};
use super::DbConnection;
use kiosk_domain::email::mailbox;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = trial_ledger)]
pub struct TrialLedgerEntry {
    pub member_id: String,
    pub plan_id: String,
    pub subscription_id: String,
    pub started_at: NaiveDateTime,
    pub mailbox: String,
}

/// Claims the member's one trial. Fails with a unique violation when the
/// member, or another member with the same mailbox, already had one (on
/// PostgreSQL that also aborts the transaction, so call it before writing
/// anything else).
pub fn claim(conn: &mut DbConnection, entry: &TrialLedgerEntry) -> QueryResult<()> {
    diesel::insert_into(trial_ledger::table)
        .values(entry)
        .execute(conn)
        .map(|_| ())
}

/// Records a trial that ran elsewhere (through Stripe), unless the member's
/// (or their mailbox's) one trial is recorded already; true when this was
/// the first. A second record neither fails nor aborts the transaction
/// (`ON CONFLICT DO NOTHING`, on either unique key, on both backends), so
/// concurrent records end with one row.
pub fn record(conn: &mut DbConnection, entry: &TrialLedgerEntry) -> QueryResult<bool> {
    let inserted = on_each_backend!(conn, |c| diesel::insert_into(trial_ledger::table)
        .values(entry)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Whether the member, or any member sharing their mailbox, ever started a
/// trial.
pub fn has_used(conn: &mut DbConnection, member_id: &str) -> QueryResult<bool> {
    let email = members::table
        .find(member_id)
        .select(members::email)
        .first::<String>(conn)
        .optional()?;
    match email {
        Some(email) => used_by(conn, member_id, &mailbox(&email)),
        None => Ok(false),
    }
}

/// Like `has_used`, for a caller that has the member's mailbox at hand.
pub fn used_by(conn: &mut DbConnection, member_id: &str, mailbox: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        trial_ledger::table.filter(
            trial_ledger::member_id
                .eq(member_id)
                .or(trial_ledger::mailbox.eq(mailbox)),
        ),
    ))
    .get_result(conn)
}

pub fn find(conn: &mut DbConnection, member_id: &str) -> QueryResult<Option<TrialLedgerEntry>> {
    trial_ledger::table
        .find(member_id)
        .select(TrialLedgerEntry::as_select())
        .first(conn)
        .optional()
}
