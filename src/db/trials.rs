//! The trial ledger: one row per member who ever started a trial. Its
//! primary key on `member_id` is what makes a trial once per member, even
//! under concurrent attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::trial_ledger;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = trial_ledger)]
pub struct TrialLedgerEntry {
    pub member_id: String,
    pub plan_id: String,
    pub subscription_id: String,
    pub started_at: NaiveDateTime,
}

/// Claims the member's one trial. Fails with a unique violation when the
/// member already had one (on PostgreSQL that also aborts the transaction,
/// so call it before writing anything else).
pub fn claim(conn: &mut DbConnection, entry: &TrialLedgerEntry) -> QueryResult<()> {
    diesel::insert_into(trial_ledger::table)
        .values(entry)
        .execute(conn)
        .map(|_| ())
}

/// Records a trial that ran elsewhere (through Stripe), unless the member's
/// one trial is recorded already; true when this was the first. A second
/// record neither fails nor aborts the transaction (`ON CONFLICT DO
/// NOTHING` on both backends), so concurrent records end with one row.
pub fn record(conn: &mut DbConnection, entry: &TrialLedgerEntry) -> QueryResult<bool> {
    let inserted = on_each_backend!(conn, |c| diesel::insert_into(trial_ledger::table)
        .values(entry)
        .on_conflict(trial_ledger::member_id)
        .do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

pub fn has_used(conn: &mut DbConnection, member_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        trial_ledger::table.filter(trial_ledger::member_id.eq(member_id)),
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
