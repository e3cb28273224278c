//! A batch of metered reads. On PostgreSQL the whole batch is one call of
//! the server-side function `kiosk_add_reads` (one round trip and one
//! statement, whatever its size: each statement is a round trip and a
//! parse on the server, which cost more than the rows). On SQLite it is
//! recorded read by read in one transaction. Either way each read is
//! answered exactly as `meters::record` would answer it one at a time, in
//! batch order.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chrono::NaiveDateTime;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Integer, Text, Timestamp};

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

/// The function's answer, one element per read, in order: whether the call
/// inserted the read's row, and its meter's count with the call's new
/// reads added.
#[derive(QueryableByName)]
struct Added {
    #[diesel(sql_type = Array<Bool>)]
    inserted: Vec<bool>,
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

/// One call of `kiosk_add_reads` (see its migration), which inserts the
/// reads, adds each meter's new reads to its counter and takes back what a
/// full meter refuses, all on the server; the outcomes follow from its
/// answer.
fn count_reads(conn: &mut PgConnection, reads: &[Read<'_>]) -> QueryResult<Vec<Recorded>> {
    let n = reads.len();
    let publishers: Vec<&str> = reads.iter().map(|r| r.key.publisher_id.as_str()).collect();
    let subjects: Vec<&str> = reads.iter().map(|r| r.key.subject.as_str()).collect();
    let periods: Vec<&str> = reads.iter().map(|r| r.key.period.as_str()).collect();
    let articles: Vec<&str> = reads.iter().map(|r| r.article_id).collect();
    let times: Vec<_> = reads.iter().map(|r| r.now).collect();
    let limits: Vec<_> = reads.iter().map(|r| r.limit).collect();
    let added: Added = Prepared(
        diesel::sql_query("SELECT inserted, useds FROM kiosk_add_reads($1, $2, $3, $4, $5, $6)")
            .bind::<Array<Text>, _>(&publishers)
            .bind::<Array<Text>, _>(&subjects)
            .bind::<Array<Text>, _>(&periods)
            .bind::<Array<Text>, _>(&articles)
            .bind::<Array<Timestamp>, _>(&times)
            .bind::<Array<Integer>, _>(&limits),
    )
    .get_result(conn)?;
    if added.inserted.len() != n || added.useds.len() != n {
        return Err(diesel::result::Error::DeserializationError(
            format!(
                "kiosk_add_reads answered {} of {n} reads",
                added.inserted.len()
            )
            .into(),
        ));
    }
    let counts = counts_before(reads, &added.inserted, &added.useds);
    Ok(outcomes(reads, &added.inserted, counts))
}

/// Each meter's count before the batch: its count with the batch's new
/// reads added (`useds`, per read), less its new reads (the distinct
/// articles the batch inserted for it).
fn counts_before<'a>(
    reads: &[Read<'a>],
    inserted: &[bool],
    useds: &[i32],
) -> HashMap<&'a MeterKey, i32> {
    let mut counts = HashMap::new();
    let mut new_reads = HashSet::new();
    for ((read, &inserted), &used) in reads.iter().zip(inserted).zip(useds) {
        let count = counts.entry(read.key).or_insert(used);
        if inserted && new_reads.insert((read.key, read.article_id)) {
            *count -= 1;
        }
    }
    counts
}

/// Each read's outcome, in order, from what the batch did, as the reads one
/// at a time would have it: walking the batch, the first occurrence of a
/// read the batch inserted is counted while its meter has room and refused
/// once it is full (the function removed those); a later occurrence
/// answers as the first did; a read not inserted is a re-read. `counts`
/// holds each meter's count before the batch.
fn outcomes<'a>(
    reads: &[Read<'a>],
    inserted: &[bool],
    mut counts: HashMap<&'a MeterKey, i32>,
) -> Vec<Recorded> {
    // Whether each new read was counted the first time it came.
    let mut first: HashMap<(&MeterKey, &str), bool> = HashMap::new();
    reads
        .iter()
        .zip(inserted)
        .map(|(read, &inserted)| {
            let count = counts.entry(read.key).or_insert(0);
            let used = *count;
            if !inserted {
                return Recorded::AlreadyRead { used };
            }
            match first.entry((read.key, read.article_id)) {
                Entry::Occupied(counted) if *counted.get() => Recorded::AlreadyRead { used },
                Entry::Occupied(_) => Recorded::Exhausted { used },
                Entry::Vacant(slot) => {
                    let counted = read.limit > 0 && used < read.limit;
                    slot.insert(counted);
                    if counted {
                        *count += 1;
                        Recorded::Counted { used }
                    } else {
                        Recorded::Exhausted { used }
                    }
                }
            }
        })
        .collect()
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

    #[test]
    fn counts_before_take_away_each_meters_distinct_new_reads() {
        let (x, y) = (key("x"), key("y"));
        // x had 2 and gains a and b (a twice in the batch); y only re-reads.
        let reads = [
            read(&x, "a", 9),
            read(&y, "old", 9),
            read(&x, "a", 9),
            read(&x, "old", 9),
            read(&x, "b", 9),
        ];
        let inserted = [true, false, true, false, true];
        let useds = [4, 7, 4, 4, 4];
        assert_eq!(
            counts_before(&reads, &inserted, &useds),
            HashMap::from([(&x, 2), (&y, 7)])
        );
    }

    #[test]
    fn outcomes_follow_the_batch_in_order() {
        let (x, y) = (key("x"), key("y"));
        // x has room for one more, y none.
        let reads = [
            read(&x, "a", 3),
            read(&x, "b", 3),
            read(&x, "a", 3),
            read(&x, "b", 3),
            read(&x, "old", 3),
            read(&y, "a", 1),
            read(&y, "a", 1),
        ];
        let inserted = [true, true, true, true, false, true, true];
        let counts = HashMap::from([(&x, 2), (&y, 1)]);
        assert_eq!(
            outcomes(&reads, &inserted, counts),
            [
                Recorded::Counted { used: 2 },
                Recorded::Exhausted { used: 3 },
                Recorded::AlreadyRead { used: 3 },
                Recorded::Exhausted { used: 3 },
                Recorded::AlreadyRead { used: 3 },
                Recorded::Exhausted { used: 1 },
                Recorded::Exhausted { used: 1 },
            ]
        );
    }
}
