//! A batch of metered reads. On PostgreSQL the whole batch is one call of
//! the server-side function `kiosk_record_reads` (one round trip and one
//! statement, whatever its size: each statement is a round trip and a
//! parse on the server, which cost more than the rows). On SQLite it is
//! recorded read by read in one transaction. Either way each read is
//! answered exactly as `meters::record` would answer it one at a time, in
//! batch order.

use chrono::NaiveDateTime;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, SmallInt, Text, Timestamp};

use super::meters::{self, MeterKey, Recorded};
use super::prepared::Prepared;
use super::{write_transaction, DbConnection};

/// One read to record.
pub struct Read<'a> {
    pub key: &'a MeterKey,
    pub article_id: &'a str,
    pub limit: i32,
    pub now: NaiveDateTime,
}

/// The function's answer: one outcome and count per read, in order.
#[derive(QueryableByName)]
struct Answers {
    #[diesel(sql_type = Array<SmallInt>)]
    outcomes: Vec<i16>,
    #[diesel(sql_type = Array<Integer>)]
    useds: Vec<i32>,
}

/// Records the reads, in order, and answers one outcome per read, exactly
/// as `meters::record` would one at a time. Atomic by itself: on
/// PostgreSQL the batch is one statement (a call of `kiosk_record_reads`,
/// so no `BEGIN`/`COMMIT` round trips); on SQLite, whose statements cost no
/// round trip, it is recorded read by read in one write transaction.
pub fn commit_batch(conn: &mut DbConnection, reads: &[Read<'_>]) -> QueryResult<Vec<Recorded>> {
    match conn {
        DbConnection::Pg(pg) => record_all(pg, reads),
        DbConnection::Sqlite(_) => write_transaction(conn, |c| {
            reads
                .iter()
                .map(|r| meters::record(c, r.key, r.article_id, r.limit, r.now))
                .collect()
        }),
    }
}

/// The PostgreSQL batch: one call of `kiosk_record_reads` (see its
/// migration), which creates or locks the counters, inserts the reads,
/// decides each outcome in order and writes the counters back, all on the
/// server.
fn record_all(conn: &mut PgConnection, reads: &[Read<'_>]) -> QueryResult<Vec<Recorded>> {
    let n = reads.len();
    let publishers: Vec<&str> = reads.iter().map(|r| r.key.publisher_id.as_str()).collect();
    let subjects: Vec<&str> = reads.iter().map(|r| r.key.subject.as_str()).collect();
    let periods: Vec<&str> = reads.iter().map(|r| r.key.period.as_str()).collect();
    let articles: Vec<&str> = reads.iter().map(|r| r.article_id).collect();
    let times: Vec<_> = reads.iter().map(|r| r.now).collect();
    let limits: Vec<_> = reads.iter().map(|r| r.limit).collect();
    let answers: Answers = Prepared(
        diesel::sql_query("SELECT outcomes, useds FROM kiosk_record_reads($1, $2, $3, $4, $5, $6)")
            .bind::<Array<Text>, _>(&publishers)
            .bind::<Array<Text>, _>(&subjects)
            .bind::<Array<Text>, _>(&periods)
            .bind::<Array<Text>, _>(&articles)
            .bind::<Array<Timestamp>, _>(&times)
            .bind::<Array<Integer>, _>(&limits),
    )
    .get_result(conn)?;
    if answers.outcomes.len() != n || answers.useds.len() != n {
        return Err(diesel::result::Error::DeserializationError(
            format!(
                "kiosk_record_reads answered {} of {n} reads",
                answers.outcomes.len()
            )
            .into(),
        ));
    }
    answers
        .outcomes
        .into_iter()
        .zip(answers.useds)
        .map(|(outcome, used)| match outcome {
            0 => Ok(Recorded::AlreadyRead { used }),
            1 => Ok(Recorded::Counted { used }),
            2 => Ok(Recorded::Exhausted { used }),
            other => Err(diesel::result::Error::DeserializationError(
                format!("kiosk_record_reads: unknown outcome {other}").into(),
            )),
        })
        .collect()
}
