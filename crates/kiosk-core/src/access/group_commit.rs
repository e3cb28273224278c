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

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use tokio::sync::oneshot;

use crate::db::meters::{MeterKey, Recorded};
use crate::db::meters_batch;
use crate::db::{Backend, Db, DbConnection, PooledConnection};
use crate::error::{CoreError, CoreResult};

/// Reads recorded in one transaction at most.
const MAX_BATCH: usize = 256;

/// How often the SQLite checkpointer copies the log back (see `checkpoints`).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

struct ReadJob {
    key: MeterKey,
    article_id: String,
    limit: i32,
    now: NaiveDateTime,
    reply: oneshot::Sender<CoreResult<Recorded>>,
}

/// One writer thread per replica, on either backend: SQLite has one write
/// lock, and on PostgreSQL one writer, whose batches are bigger, used about
/// a third less server CPU per read than two for the same throughput
/// (docs/guide/performance.md).
pub struct MeterWriter {
    queue: Sender<ReadJob>,
    /// How long a check waits for its read's commit before answering 503.
    deadline: Duration,
    /// Dropped with the writer, which stops the SQLite checkpointer.
    _checkpointer: Option<Sender<()>>,
}

impl MeterWriter {
    /// Starts the writer thread, and on SQLite its checkpointer; both end
    /// with the writer.
    pub fn start(db: &Db, deadline: Duration) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel();
        let batches = Arc::new(AtomicU64::new(0));
        let (writer_db, written) = (db.clone(), batches.clone());
        std::thread::Builder::new()
            .name("kiosk-meter-writer".into())
            .spawn(move || write_loop(&writer_db, &jobs, &written))?;
        let checkpointer = match db.backend {
            Backend::Sqlite => {
                let (stop, stopped) = mpsc::channel();
                let db = db.clone();
                std::thread::Builder::new()
                    .name("kiosk-checkpointer".into())
                    .spawn(move || checkpoints(&db, &batches, &stopped))?;
                Some(stop)
            }
            Backend::Postgres => None,
        };
        Ok(Self {
            queue,
            deadline,
            _checkpointer: checkpointer,
        })
    }

    /// Records a read (see `meters::record`), committed before it answers.
    /// A read not committed within the deadline (a database that went away
    /// while earlier batches waited on it) answers 503; the writer then
    /// skips it if it has not started on it yet, and if it has, the read
    /// counts once and the reader's retry finds it already read.
    pub async fn record(
        &self,
        key: MeterKey,
        article_id: String,
        limit: i32,
        now: NaiveDateTime,
    ) -> CoreResult<Recorded> {
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
            .map_err(|_| CoreError::unavailable(anyhow::anyhow!("meter writer stopped")))?;
        match tokio::time::timeout(self.deadline, answer).await {
            Ok(answer) => answer.map_err(|_| {
                CoreError::unavailable(anyhow::anyhow!("meter writer dropped a read"))
            })?,
            Err(_) => Err(CoreError::unavailable(anyhow::anyhow!(
                "the meter writer did not commit the read within {:?}",
                self.deadline
            ))),
        }
    }
}

/// `batches` counts the batches written, for the checkpointer.
fn write_loop(db: &Db, queue: &Receiver<ReadJob>, batches: &AtomicU64) {
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
        // Checks that stopped waiting (past their deadline) were answered
        // 503: their reads are not recorded.
        batch.retain(|job| !job.reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        commit(db, &mut conn, batch);
        batches.fetch_add(1, Ordering::Release);
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
            match writer_connection(db) {
                Ok(fresh) => commit_or_each(conn.insert(fresh), &reads),
                Err(e) => {
                    let cause = e.to_string();
                    reads
                        .iter()
                        .map(|_| {
                            Err(CoreError::unavailable(anyhow::anyhow!(
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

/// A connection for the writer. On SQLite its commits never checkpoint:
/// a commit that finds the log past 1,000 pages (SQLite's default) copies
/// it back into the database file and syncs both, while every read waiting
/// for the next batch waits for it too (about a fifth of the writer's time
/// in `perf`). The checkpointer thread does it instead (`checkpoints`).
pub fn writer_connection(db: &Db) -> Result<PooledConnection, diesel::r2d2::PoolError> {
    let mut conn = db.pool.get()?;
    if let DbConnection::Sqlite(sqlite) = &mut *conn {
        if let Err(e) = sqlite.batch_execute("PRAGMA wal_autocheckpoint = 0") {
            tracing::warn!(error = %e, "the meter writer's commits may checkpoint");
        }
    }
    Ok(conn)
}

/// The SQLite checkpointer: every `CHECKPOINT_EVERY` in which the writer
/// wrote a batch, a passive checkpoint (it never blocks the writer, and the
/// writer starts the log afresh after one that copied everything), until
/// `stop` is dropped.
fn checkpoints(db: &Db, batches: &AtomicU64, stop: &Receiver<()>) {
    let mut checkpointed = 0;
    while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        let written = batches.load(Ordering::Acquire);
        if written == checkpointed {
            continue;
        }
        checkpointed = written;
        let done = db
            .pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| match &mut *conn {
                DbConnection::Sqlite(sqlite) => sqlite
                    .batch_execute("PRAGMA wal_checkpoint(PASSIVE)")
                    .map_err(|e| e.to_string()),
                DbConnection::Pg(_) => Ok(()),
            });
        if let Err(e) = done {
            tracing::warn!(error = %e, "checkpoint failed");
        }
    }
}

/// Commits the reads as one batch and answers each read's outcome; if the
/// batch fails as a whole, each read is committed on its own, so one bad
/// read cannot fail the others.
pub fn commit_or_each(
    conn: &mut DbConnection,
    reads: &[meters_batch::Read<'_>],
) -> Vec<CoreResult<Recorded>> {
    let answers: Vec<CoreResult<Recorded>> = match meters_batch::commit_batch(conn, reads) {
        Ok(outcomes) => return outcomes.into_iter().map(Ok).collect(),
        Err(e) if reads.len() == 1 => vec![Err(CoreError::from(e))],
        Err(_) => reads
            .iter()
            .map(|read| {
                let alone = meters_batch::commit_batch(conn, std::slice::from_ref(read))?;
                alone.into_iter().next().ok_or_else(|| {
                    CoreError::unavailable(anyhow::anyhow!("a read was answered with nothing"))
                })
            })
            .collect(),
    };
    // A failure on a connection that no longer answers is the database
    // going away, whatever words the driver found for it: a 503, not a 500.
    if answers
        .iter()
        .any(|a| a.as_ref().is_err_and(|e| e.is_server_fault()))
        && crate::db::ping(conn).is_err()
    {
        return answers
            .into_iter()
            .map(|answer| {
                answer.map_err(|e| {
                    if e.is_server_fault() {
                        CoreError::unavailable(anyhow::anyhow!("the database stopped answering"))
                    } else {
                        e
                    }
                })
            })
            .collect();
    }
    answers
}
