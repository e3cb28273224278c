//! A batch of metered reads on PostgreSQL in two statements, whatever its
//! size (each statement is a round trip and a parse and plan on the
//! server, which cost more than the rows): the first inserts the reads and
//! creates or locks the counters, the second writes the counters back and
//! removes refused reads. The counters stay locked from the first
//! statement to the commit, so the outcome of every read is decided in
//! memory exactly as `meters::record` would decide it one read at a time,
//! in batch order.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, Integer, Nullable, Text, Timestamp};

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

/// A row of the first statement: a read it inserted (`article_id` set)
/// or a counter it created or locked (`used`).
#[derive(QueryableByName)]
struct TakenRow {
    #[diesel(sql_type = Text)]
    publisher_id: String,
    #[diesel(sql_type = Text)]
    subject: String,
    #[diesel(sql_type = Text)]
    period: String,
    #[diesel(sql_type = Nullable<Text>)]
    article_id: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    used: Option<i32>,
}

/// What the write-back returns (and nobody reads).
#[derive(QueryableByName)]
struct Written {
    #[diesel(sql_type = Integer)]
    #[allow(dead_code)]
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

/// The PostgreSQL batch: two statements whatever its size. The first
/// inserts the reads (`RETURNING` the new ones) and creates or locks every
/// counter the batch names (`RETURNING` its count, the newest committed:
/// `ON CONFLICT DO UPDATE` waits for and reads the latest version). The
/// outcomes are then decided in memory, and the second statement writes
/// the counters that moved and removes the reads a full meter refused.
fn record_all(conn: &mut PgConnection, reads: &[Read<'_>]) -> QueryResult<Vec<Recorded>> {
    let (mut read_keys, mut articles, mut times) = (Keys::default(), Vec::new(), Vec::new());
    let mut counters: Vec<Pk> = Vec::new();
    for read in reads {
        let key = pk(read.key);
        read_keys.push(&key);
        articles.push(read.article_id.to_owned());
        times.push(read.now);
        counters.push(key);
    }
    // One lock order for every batch: concurrent batches wait, never deadlock.
    counters.sort();
    counters.dedup();
    let mut counter_keys = Keys::default();
    for key in &counters {
        counter_keys.push(key);
    }
    let taken: Vec<TakenRow> = Prepared(
        diesel::sql_query(
            "WITH new_reads AS ( \
           INSERT INTO meter_reads (publisher_id, subject, period, article_id, read_at) \
           SELECT * FROM unnest($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING \
           RETURNING publisher_id, subject, period, article_id), \
         counters AS ( \
           INSERT INTO meter_counters (publisher_id, subject, period, used) \
           SELECT p, s, per, 0 FROM unnest($6, $7, $8) AS k(p, s, per) \
           ON CONFLICT (publisher_id, subject, period) \
           DO UPDATE SET used = meter_counters.used \
           RETURNING publisher_id, subject, period, used) \
         SELECT publisher_id, subject, period, article_id, NULL::integer AS used FROM new_reads \
         UNION ALL \
         SELECT publisher_id, subject, period, NULL::text, used FROM counters",
        )
        .bind::<Array<Text>, _>(&read_keys.publishers)
        .bind::<Array<Text>, _>(&read_keys.subjects)
        .bind::<Array<Text>, _>(&read_keys.periods)
        .bind::<Array<Text>, _>(&articles)
        .bind::<Array<Timestamp>, _>(&times)
        .bind::<Array<Text>, _>(&counter_keys.publishers)
        .bind::<Array<Text>, _>(&counter_keys.subjects)
        .bind::<Array<Text>, _>(&counter_keys.periods),
    )
    .load(conn)?;
    let mut new = HashSet::new();
    let mut used: HashMap<Pk, i32> = HashMap::new();
    for row in taken {
        let key = (row.publisher_id, row.subject, row.period);
        match (row.article_id, row.used) {
            (Some(article_id), _) => {
                new.insert((key, article_id));
            }
            (None, Some(count)) => {
                used.insert(key, count);
            }
            (None, None) => {}
        }
    }
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
    write_back(conn, &used, &before, &refused)?;
    Ok(outcomes)
}

/// Writes the counters that moved and removes the new reads a full meter
/// refused, in one statement (nothing at all when neither happened).
fn write_back(
    conn: &mut PgConnection,
    used: &HashMap<Pk, i32>,
    before: &HashMap<Pk, i32>,
    refused: &[&Read<'_>],
) -> QueryResult<()> {
    let (mut moved, mut values) = (Keys::default(), Vec::new());
    for (key, value) in used {
        if before.get(key) != Some(value) {
            moved.push(key);
            values.push(*value);
        }
    }
    let (mut gone, mut articles) = (Keys::default(), Vec::new());
    for read in refused {
        gone.push(&pk(read.key));
        articles.push(read.article_id.to_owned());
    }
    if values.is_empty() && articles.is_empty() {
        return Ok(());
    }
    Prepared(
        diesel::sql_query(
            "WITH refused AS ( \
           DELETE FROM meter_reads m USING unnest($5, $6, $7, $8) AS r(p, s, per, a) \
           WHERE m.publisher_id = r.p AND m.subject = r.s AND m.period = r.per \
             AND m.article_id = r.a) \
         UPDATE meter_counters c SET used = r.used \
         FROM unnest($1, $2, $3, $4) AS r(p, s, per, used) \
         WHERE c.publisher_id = r.p AND c.subject = r.s AND c.period = r.per \
         RETURNING c.used",
        )
        .bind::<Array<Text>, _>(&moved.publishers)
        .bind::<Array<Text>, _>(&moved.subjects)
        .bind::<Array<Text>, _>(&moved.periods)
        .bind::<Array<Integer>, _>(&values)
        .bind::<Array<Text>, _>(&gone.publishers)
        .bind::<Array<Text>, _>(&gone.subjects)
        .bind::<Array<Text>, _>(&gone.periods)
        .bind::<Array<Text>, _>(&articles),
    )
    // Loaded rather than executed: diesel's execute path never keeps a
    // raw statement prepared.
    .load::<Written>(conn)?;
    Ok(())
}

/// A raw statement whose text never changes: diesel keeps it prepared on
/// the connection (keyed by its SQL), so PostgreSQL parses and plans it
/// once per connection instead of once per batch. `sql_query` alone is
/// never cached, since its text could be built at run time.
struct Prepared<Q>(Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, C> RunQueryDsl<C> for Prepared<Q> {}
