//! Group commit for new metered reads. Concurrent checks hand their read to
//! a writer thread, which records everything waiting in one transaction and
//! answers each check once it is committed: the read is still durable
//! before the answer, but a burst of readers costs one commit, and SQLite
//! writers never queue on its file lock.
//!
//! Each read keeps its own outcome (counted, already read, meter full), the
//! one it would have had if the batch's reads had been recorded one at a
//! time in arrival order (`meters_batch`). On PostgreSQL a batch is one
//! call of a server-side function: one round trip and one transaction,
//! rather than two statements per read. If the batch fails as a whole,
//! each read is retried on its own, so one bad read cannot fail the
//! others.

use std::sync::mpsc::{self, Receiver, Sender};

use chrono::NaiveDateTime;
use tokio::sync::oneshot;

use crate::db::meters::{MeterKey, Recorded};
use crate::db::meters_batch;
use crate::db::{Db, DbConnection, PooledConnection};
use crate::error::{ApiError, ApiResult};

/// Reads recorded in one transaction at most.
const MAX_BATCH: usize = 256;

struct ReadJob {
    key: MeterKey,
    article_id: String,
    limit: i32,
    now: NaiveDateTime,
    reply: oneshot::Sender<ApiResult<Recorded>>,
}

/// One writer thread per replica, on either backend: SQLite has one write
/// lock, and on PostgreSQL one writer, whose batches are bigger, used about
/// a third less server CPU per read than two for the same throughput
/// (README, performance).
pub struct MeterWriter {
    queue: Sender<ReadJob>,
}

impl MeterWriter {
    /// Starts the writer thread; it ends with the writer.
    pub fn start(db: &Db) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel();
        let db = db.clone();
        std::thread::Builder::new()
            .name("kiosk-meter-writer".into())
            .spawn(move || write_loop(&db, &jobs))?;
        Ok(Self { queue })
    }

    /// Records a read (see `meters::record`), committed before it answers.
    pub async fn record(
        &self,
        key: MeterKey,
        article_id: String,
        limit: i32,
        now: NaiveDateTime,
    ) -> ApiResult<Recorded> {
        let (reply, answer) = oneshot::channel();
        let job = ReadJob {
            key,
            article_id,
            limit,
            now,
            reply,
        };
        self.queue
            .send(job)
            .map_err(|_| ApiError::unavailable(anyhow::anyhow!("meter writer stopped")))?;
        answer
            .await
            .map_err(|_| ApiError::unavailable(anyhow::anyhow!("meter writer dropped a read")))?
    }
}

fn write_loop(db: &Db, queue: &Receiver<ReadJob>) {
    // The writer keeps its connection between batches: taking one from the
    // pool tests it with a query first, a round trip per batch on
    // PostgreSQL. After a failed batch it takes a fresh (tested) one.
    let mut conn = None;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit(db, &mut conn, batch);
    }
}

fn commit(db: &Db, conn: &mut Option<PooledConnection>, batch: Vec<ReadJob>) {
    // In arrival order: the PostgreSQL function takes its locks in key
    // order itself, and SQLite has one writer.
    let reads: Vec<_> = batch
        .iter()
        .map(|job| meters_batch::Read {
            key: &job.key,
            article_id: &job.article_id,
            limit: job.limit,
            now: job.now,
        })
        .collect();
    let answers = match conn.as_mut().map(|c| meters_batch::commit_batch(c, &reads)) {
        Some(Ok(outcomes)) => outcomes.into_iter().map(Ok).collect(),
        // No connection yet, or the batch failed (the connection may be
        // the cause): a fresh one, the batch on it, and if it fails again
        // each read on its own.
        _ => {
            *conn = None;
            match db.pool.get() {
                Ok(fresh) => commit_or_each(conn.insert(fresh), &reads),
                Err(e) => {
                    let cause = e.to_string();
                    reads
                        .iter()
                        .map(|_| {
                            Err(ApiError::unavailable(anyhow::anyhow!(
                                "no database connection: {cause}"
                            )))
                        })
                        .collect()
                }
            }
        }
    };
    for (job, answer) in batch.into_iter().zip(answers) {
        let _ = job.reply.send(answer);
    }
}

/// Commits the reads as one batch and answers each read's outcome; if the
/// batch fails as a whole, each read is committed on its own, so one bad
/// read cannot fail the others.
pub fn commit_or_each(
    conn: &mut DbConnection,
    reads: &[meters_batch::Read<'_>],
) -> Vec<ApiResult<Recorded>> {
    match meters_batch::commit_batch(conn, reads) {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(e) if reads.len() == 1 => vec![Err(ApiError::from(e))],
        Err(_) => reads
            .iter()
            .map(|read| {
                let alone = meters_batch::commit_batch(conn, std::slice::from_ref(read))?;
                alone.into_iter().next().ok_or_else(|| {
                    ApiError::unavailable(anyhow::anyhow!("a read was answered with nothing"))
                })
            })
            .collect(),
    }
}
