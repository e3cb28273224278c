//! A batch of metered reads on PostgreSQL in a handful of statements,
//! whatever its size: one multi-row insert of the reads (which were new),
//! one insert of the missing counters, one locking read of the counters,
//! one multi-row update of them and, when a meter is full, one delete of
//! the reads it refused. The counters stay locked from the read to the
//! commit, so the outcome of every read is decided in memory exactly as
//! `meters::record` would decide it one read at a time, in batch order.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Text, Timestamp};

use super::meters::{self, MeterKey, Recorded};
use super::DbConnection;

/// One read to record.
pub struct Read<'a> {
    pub key: &'a MeterKey,
    pub article_id: &'a str,
    pub limit: i32,
    pub now: NaiveDateTime,
}

type Pk = (String, String, String);

#[derive(QueryableByName)]
struct ReadRow {
    #[diesel(sql_type = Text)]
    publisher_id: String,
    #[diesel(sql_type = Text)]
    subject: String,
    #[diesel(sql_type = Text)]
    period: String,
    #[diesel(sql_type = Text)]
    article_id: String,
}

#[derive(QueryableByName)]
struct CounterRow {
    #[diesel(sql_type = Text)]
    publisher_id: String,
    #[diesel(sql_type = Text)]
    subject: String,
    #[diesel(sql_type = Text)]
    period: String,
    #[diesel(sql_type = Integer)]
    used: i32,
}

fn pk(key: &MeterKey) -> Pk {
    (
        key.publisher_id.clone(),
        key.subject.clone(),
        key.period.clone(),
    )
}

/// Columns of meter keys, for `unnest`.
#[derive(Default)]
struct Keys {
    publishers: Vec<String>,
    subjects: Vec<String>,
    periods: Vec<String>,
}

impl Keys {
    fn push(&mut self, (p, s, per): &Pk) {
        self.publishers.push(p.clone());
        self.subjects.push(s.clone());
        self.periods.push(per.clone());
    }
}

/// Records the reads, in order, inside the caller's transaction, and
/// answers one outcome per read, exactly as `meters::record` would one at a
/// time: set-wise on PostgreSQL, read by read on SQLite (whose statements
/// cost no round trip).
pub fn record_batch(conn: &mut DbConnection, reads: &[Read<'_>]) -> QueryResult<Vec<Recorded>> {
    match conn {
        DbConnection::Pg(pg) if reads.len() > 1 => record_all(pg, reads),
        _ => reads
            .iter()
            .map(|r| meters::record(conn, r.key, r.article_id, r.limit, r.now))
            .collect(),
    }
}

/// The PostgreSQL batch.
fn record_all(conn: &mut PgConnection, reads: &[Read<'_>]) -> QueryResult<Vec<Recorded>> {
    let new = insert_reads(conn, reads)?;
    let (mut with_new, mut all) = (Keys::default(), Keys::default());
    let (mut listed_new, mut listed) = (HashSet::new(), HashSet::new());
    for read in reads {
        let key = pk(read.key);
        if new.contains(&(key.clone(), read.article_id.to_owned()))
            && listed_new.insert(key.clone())
        {
            with_new.push(&key);
        }
        if listed.insert(key.clone()) {
            all.push(&key);
        }
    }
    if !with_new.publishers.is_empty() {
        diesel::sql_query(
            "INSERT INTO meter_counters (publisher_id, subject, period, used) \
             SELECT p, s, per, 0 FROM unnest($1, $2, $3) AS r(p, s, per) \
             ORDER BY p, s, per ON CONFLICT DO NOTHING",
        )
        .bind::<Array<Text>, _>(&with_new.publishers)
        .bind::<Array<Text>, _>(&with_new.subjects)
        .bind::<Array<Text>, _>(&with_new.periods)
        .execute(conn)?;
    }
    let locked: Vec<CounterRow> = diesel::sql_query(
        "SELECT c.publisher_id, c.subject, c.period, c.used FROM meter_counters c \
         JOIN unnest($1, $2, $3) AS r(p, s, per) \
           ON c.publisher_id = r.p AND c.subject = r.s AND c.period = r.per \
         ORDER BY c.publisher_id, c.subject, c.period FOR UPDATE OF c",
    )
    .bind::<Array<Text>, _>(&all.publishers)
    .bind::<Array<Text>, _>(&all.subjects)
    .bind::<Array<Text>, _>(&all.periods)
    .load(conn)?;
    let mut used: HashMap<Pk, i32> = locked
        .into_iter()
        .map(|c| ((c.publisher_id, c.subject, c.period), c.used))
        .collect();
    let before = used.clone();

    let mut outcomes = Vec::with_capacity(reads.len());
    let mut refused = Vec::new();
    // New reads this batch has counted: a later read of the same article
    // is a re-read. One the full meter refused stays new (as it would one
    // read at a time, where the refused read is deleted at once), so its
    // repeats are refused too.
    let mut counted_new = HashSet::new();
    for read in reads {
        let key = pk(read.key);
        let current = used.get(&key).copied().unwrap_or_default();
        let read_key = (key.clone(), read.article_id.to_owned());
        let outcome = if !new.contains(&read_key) || counted_new.contains(&read_key) {
            Recorded::AlreadyRead { used: current }
        } else if read.limit > 0 && current < read.limit {
            used.insert(key, current + 1);
            counted_new.insert(read_key);
            Recorded::Counted { used: current }
        } else {
            refused.push(read);
            Recorded::Exhausted { used: current }
        };
        outcomes.push(outcome);
    }
    update_counters(conn, &used, &before)?;
    delete_reads(conn, &refused)?;
    Ok(outcomes)
}

/// Inserts the reads; answers those that were not there before.
fn insert_reads(conn: &mut PgConnection, reads: &[Read<'_>]) -> QueryResult<HashSet<(Pk, String)>> {
    let (mut keys, mut articles, mut times) = (Keys::default(), Vec::new(), Vec::new());
    for read in reads {
        keys.push(&pk(read.key));
        articles.push(read.article_id.to_owned());
        times.push(read.now);
    }
    let rows: Vec<ReadRow> = diesel::sql_query(
        "INSERT INTO meter_reads (publisher_id, subject, period, article_id, read_at) \
         SELECT * FROM unnest($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING \
         RETURNING publisher_id, subject, period, article_id",
    )
    .bind::<Array<Text>, _>(&keys.publishers)
    .bind::<Array<Text>, _>(&keys.subjects)
    .bind::<Array<Text>, _>(&keys.periods)
    .bind::<Array<Text>, _>(&articles)
    .bind::<Array<Timestamp>, _>(&times)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ((r.publisher_id, r.subject, r.period), r.article_id))
        .collect())
}

/// Writes the counters that changed, in one statement.
fn update_counters(
    conn: &mut PgConnection,
    used: &HashMap<Pk, i32>,
    before: &HashMap<Pk, i32>,
) -> QueryResult<()> {
    let (mut keys, mut values) = (Keys::default(), Vec::new());
    for (key, value) in used {
        if before.get(key) != Some(value) {
            keys.push(key);
            values.push(*value);
        }
    }
    if values.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "UPDATE meter_counters c SET used = r.used \
         FROM unnest($1, $2, $3, $4) AS r(p, s, per, used) \
         WHERE c.publisher_id = r.p AND c.subject = r.s AND c.period = r.per",
    )
    .bind::<Array<Text>, _>(&keys.publishers)
    .bind::<Array<Text>, _>(&keys.subjects)
    .bind::<Array<Text>, _>(&keys.periods)
    .bind::<Array<Integer>, _>(&values)
    .execute(conn)?;
    Ok(())
}

/// Removes the new reads a full meter refused.
fn delete_reads(conn: &mut PgConnection, refused: &[&Read<'_>]) -> QueryResult<()> {
    if refused.is_empty() {
        return Ok(());
    }
    let (mut keys, mut articles) = (Keys::default(), Vec::new());
    for read in refused {
        keys.push(&pk(read.key));
        articles.push(read.article_id.to_owned());
    }
    diesel::sql_query(
        "DELETE FROM meter_reads m USING unnest($1, $2, $3, $4) AS r(p, s, per, a) \
         WHERE m.publisher_id = r.p AND m.subject = r.s AND m.period = r.per \
           AND m.article_id = r.a",
    )
    .bind::<Array<Text>, _>(&keys.publishers)
    .bind::<Array<Text>, _>(&keys.subjects)
    .bind::<Array<Text>, _>(&keys.periods)
    .bind::<Array<Text>, _>(&articles)
    .execute(conn)?;
    Ok(())
}
