//! Metered reads: one row per (publisher, subject, period, article), and a
//! per-subject counter whose guarded update (`used < limit`) keeps the limit
//! under concurrency.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::prepared::Prepared;
use super::schema::{meter_counters, meter_reads};
use super::DbConnection;

/// Which meter: a publisher, a subject (member or visitor) and a period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeterKey {
    pub publisher_id: String,
    pub subject: String,
    pub period: String,
}

pub use kiosk_domain::meter::Recorded;

/// Records a read of `article_id`. Must run inside one write transaction
/// (`Db::write`): the read's insert, the counter's guarded increment and,
/// when the meter is full, the read's removal commit or fail together.
/// Two statements in the common case.
pub fn record(
    conn: &mut DbConnection,
    key: &MeterKey,
    article_id: &str,
    limit: i32,
    now: NaiveDateTime,
) -> QueryResult<Recorded> {
    let read = (
        meter_reads::publisher_id.eq(&key.publisher_id),
        meter_reads::subject.eq(&key.subject),
        meter_reads::period.eq(&key.period),
        meter_reads::article_id.eq(article_id),
        meter_reads::read_at.eq(now),
    );
    let new_read = on_each_backend!(conn, |c| diesel::insert_into(meter_reads::table)
        .values(read)
        .on_conflict_do_nothing()
        .execute(c)?);
    if new_read == 0 {
        return Ok(Recorded::AlreadyRead {
            used: used(conn, key)?,
        });
    }
    match count(conn, key, limit)? {
        Some(after) => Ok(Recorded::Counted { used: after - 1 }),
        None => {
            diesel::delete(meter_reads::table.find((
                &key.publisher_id,
                &key.subject,
                &key.period,
                article_id,
            )))
            .execute(conn)?;
            Ok(Recorded::Exhausted {
                used: used(conn, key)?,
            })
        }
    }
}

/// Counts one read if the meter has room: creates the counter at 1, or
/// increments it while `used < limit`, in one statement. `None` when full.
fn count(conn: &mut DbConnection, key: &MeterKey, limit: i32) -> QueryResult<Option<i32>> {
    if limit <= 0 {
        return Ok(None);
    }
    let counter = (
        meter_counters::publisher_id.eq(&key.publisher_id),
        meter_counters::subject.eq(&key.subject),
        meter_counters::period.eq(&key.period),
        meter_counters::used.eq(1),
    );
    let target = (
        meter_counters::publisher_id,
        meter_counters::subject,
        meter_counters::period,
    );
    let increment = meter_counters::used.eq(meter_counters::used + 1);
    // Kept prepared: diesel prepares every `DO UPDATE` afresh otherwise.
    on_each_backend!(conn, |c| Prepared(
        diesel::query_dsl::methods::FilterDsl::filter(
            diesel::insert_into(meter_counters::table)
                .values(counter)
                .on_conflict(target)
                .do_update()
                .set(increment),
            meter_counters::used.lt(limit),
        )
        .returning(meter_counters::used)
    )
    .get_result(c)
    .optional())
}

type CounterRow<'a> = diesel::dsl::Find<meter_counters::table, (&'a str, &'a str, &'a str)>;

fn counter_row(key: &MeterKey) -> CounterRow<'_> {
    meter_counters::table.find((
        key.publisher_id.as_str(),
        key.subject.as_str(),
        key.period.as_str(),
    ))
}

/// Reads counted this period (0 when none).
pub fn used(conn: &mut DbConnection, key: &MeterKey) -> QueryResult<i32> {
    counter_row(key)
        .select(meter_counters::used)
        .first(conn)
        .optional()
        .map(Option::unwrap_or_default)
}

/// Which of these articles the subject read this period, without recording
/// anything (for the batch check).
pub fn already_read(
    conn: &mut DbConnection,
    key: &MeterKey,
    article_ids: &[String],
) -> QueryResult<HashSet<String>> {
    meter_reads::table
        .filter(meter_reads::publisher_id.eq(&key.publisher_id))
        .filter(meter_reads::subject.eq(&key.subject))
        .filter(meter_reads::period.eq(&key.period))
        .filter(meter_reads::article_id.eq_any(article_ids))
        .select(meter_reads::article_id)
        .load(conn)
        .map(|ids: Vec<String>| ids.into_iter().collect())
}
