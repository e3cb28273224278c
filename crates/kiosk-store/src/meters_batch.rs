//! A batch of metered reads. On PostgreSQL the whole batch is one call of
//! the server-side function `kiosk_add_reads` (one round trip and one
//! statement, whatever its size: each statement is a round trip and a
//! parse on the server, which cost more than the rows). On SQLite it is
//! recorded read by read in one transaction. Either way each read is
//! answered exactly as `meters::record` would answer it one at a time, in
//! batch order.

use std::collections::HashMap;
use std::ops::Range;

use chrono::NaiveDateTime;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Text, Timestamp};

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

/// The function's answer, one element per read, in order: what recording
/// it did and the meter's count before it.
#[derive(QueryableByName)]
struct Answered {
    #[diesel(sql_type = Array<Text>)]
    outcomes: Vec<String>,
    #[diesel(sql_type = Array<Integer>)]
    useds: Vec<i32>,
}

/// Records the reads, in order, and answers one outcome per read, exactly
/// as `meters::record` would one at a time. Atomic by itself: on
/// PostgreSQL the batch is one statement (a call of `kiosk_add_reads`,
/// so no `BEGIN`/`COMMIT` round trips) unless a meter's limit changes
/// within it; on SQLite, whose statements cost no round trip, it is
/// recorded read by read in one write transaction.
pub fn commit_batch(conn: &mut DbConnection, reads: &[Read<'_>]) -> QueryResult<Vec<Recorded>> {
    match conn {
        DbConnection::Pg(pg) => match same_limit_runs(reads).as_slice() {
            [_] => count_reads(pg, reads),
            runs => pg.transaction(|pg| {
                let mut outcomes = Vec::with_capacity(reads.len());
                for run in runs {
                    outcomes.extend(count_reads(pg, &reads[run.clone()])?);
                }
                Ok(outcomes)
            }),
        },
        DbConnection::Sqlite(_) => write_transaction(conn, |c| {
            reads
                .iter()
                .map(|r| meters::record(c, r.key, r.article_id, r.limit, r.now))
                .collect()
        }),
    }
}

/// The batch cut where a meter's limit changes (a publisher changed its
/// limits while the batch gathered), since the function takes one limit
/// per meter: runs in which every meter has one limit, in order.
fn same_limit_runs(reads: &[Read<'_>]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut limits: HashMap<&MeterKey, i32> = HashMap::new();
    for (i, read) in reads.iter().enumerate() {
        if *limits.entry(read.key).or_insert(read.limit) != read.limit {
            runs.push(start..i);
            start = i;
            limits.clear();
            limits.insert(read.key, read.limit);
        }
    }
    runs.push(start..reads.len());
    runs
}

/// One call of `kiosk_add_reads` (see its migration), which records the
/// reads and answers each one's outcome, all on the server.
fn count_reads(conn: &mut PgConnection, reads: &[Read<'_>]) -> QueryResult<Vec<Recorded>> {
    let n = reads.len();
    let publishers: Vec<&str> = reads.iter().map(|r| r.key.publisher_id.as_str()).collect();
    let subjects: Vec<&str> = reads.iter().map(|r| r.key.subject.as_str()).collect();
    let periods: Vec<&str> = reads.iter().map(|r| r.key.period.as_str()).collect();
    let articles: Vec<&str> = reads.iter().map(|r| r.article_id).collect();
    let times: Vec<_> = reads.iter().map(|r| r.now).collect();
    let limits: Vec<_> = reads.iter().map(|r| r.limit).collect();
    let answered: Answered = Prepared(
        diesel::sql_query("SELECT outcomes, useds FROM kiosk_add_reads($1, $2, $3, $4, $5, $6)")
            .bind::<Array<Text>, _>(&publishers)
            .bind::<Array<Text>, _>(&subjects)
            .bind::<Array<Text>, _>(&periods)
            .bind::<Array<Text>, _>(&articles)
            .bind::<Array<Timestamp>, _>(&times)
            .bind::<Array<Integer>, _>(&limits),
    )
    .get_result(conn)?;
    if answered.outcomes.len() != n || answered.useds.len() != n {
        return Err(unreadable(format!(
            "kiosk_add_reads answered {} of {n} reads",
            answered.outcomes.len()
        )));
    }
    answered
        .outcomes
        .iter()
        .zip(answered.useds)
        .map(|(outcome, used)| match outcome.as_str() {
            "read" => Ok(Recorded::AlreadyRead { used }),
            "counted" => Ok(Recorded::Counted { used }),
            "exhausted" => Ok(Recorded::Exhausted { used }),
            other => Err(unreadable(format!(
                "kiosk_add_reads answered an unknown outcome {other:?}"
            ))),
        })
        .collect()
}

fn unreadable(message: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(subject: &str) -> MeterKey {
        MeterKey {
            publisher_id: "pub".to_owned(),
            subject: subject.to_owned(),
            period: "2026-11".to_owned(),
        }
    }

    fn read<'a>(key: &'a MeterKey, article_id: &'a str, limit: i32) -> Read<'a> {
        Read {
            key,
            article_id,
            limit,
            now: NaiveDateTime::default(),
        }
    }

    #[test]
    fn a_batch_is_cut_only_where_a_meters_limit_changes() {
        let (x, y) = (key("x"), key("y"));
        let reads = [
            read(&x, "a", 3),
            read(&y, "a", 5),
            read(&x, "b", 3),
            read(&x, "c", 4),
            read(&y, "b", 5),
            read(&y, "c", 2),
        ];
        assert_eq!(same_limit_runs(&reads), [0..3, 3..5, 5..6]);
        assert_eq!(same_limit_runs(&reads[..3]).len(), 1, "one run");
    }
}
