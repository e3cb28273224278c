//! The meter's writes, probed in the database itself: batches against
//! reads one at a time, connections cut under the writer, plans and scan
//! counts, a replica racing another, the SQLite log's checkpoints.

use crate::both_backends;
use crate::helpers::{Backend, ClockExt};
use crate::paywall::{paywall, Paywall};

/// The meter of `subject` (`visitor:…` or `member:…`) at the paywall's
/// publisher in March 2026, for probes that record reads directly.
fn meter(pw: &Paywall, subject: &str) -> kiosk::db::meters::MeterKey {
    kiosk::db::meters::MeterKey {
        publisher_id: pw.publisher_id.clone(),
        subject: subject.to_owned(),
        period: "2026-03".to_owned(),
    }
}

/// A group-commit batch (set-wise on PostgreSQL) answers each read exactly
/// as the same reads recorded one at a time: repeats of a counted read are
/// re-reads, repeats of a refused one stay refused, reads from an earlier
/// batch are re-reads.
async fn a_batch_answers_as_reads_one_at_a_time(backend: Backend) {
    use kiosk::db::meters::{self, MeterKey};
    use kiosk::db::meters_batch::{commit_batch, Read};
    use kiosk::db::write_transaction;

    let pw = paywall(backend).await;
    let publisher_id = pw.publisher_id.clone();
    let now = pw.app.clock.now_utc().naive_utc();
    // Two visitors' reads interleaved, so a batch holds several meters.
    let batches: [&[(&str, &str)]; 3] = [
        &[
            ("x", "a"),
            ("y", "a"),
            ("x", "b"),
            ("x", "a"),
            ("y", "b"),
            ("x", "c"),
            ("x", "d"),
            ("y", "a"),
            ("x", "d"),
            ("x", "a"),
            ("x", "e"),
            ("x", "c"),
        ],
        &[
            ("x", "d"),
            ("y", "c"),
            ("x", "a"),
            ("y", "d"),
            ("x", "f"),
            ("x", "f"),
        ],
        &[("x", "b"), ("y", "e"), ("x", "b"), ("y", "a")],
    ];
    let (batched, one_at_a_time, prepared) = pw
        .app
        .with_conn(move |conn| {
            let key = |subject: String| MeterKey {
                publisher_id: publisher_id.clone(),
                subject,
                period: "2026-03".to_owned(),
            };
            let (mut batched, mut one_at_a_time) = (Vec::new(), Vec::new());
            for batch in batches {
                let keys: Vec<_> = batch
                    .iter()
                    .map(|(visitor, _)| key(format!("visitor:together-{visitor}")))
                    .collect();
                let reads: Vec<Read<'_>> = batch
                    .iter()
                    .zip(&keys)
                    .map(|((_, article_id), key)| Read {
                        key,
                        article_id,
                        limit: 3,
                        now,
                    })
                    .collect();
                let outcomes = commit_batch(conn, &reads).expect("batch");
                batched.extend(outcomes);
                for (visitor, article_id) in batch {
                    let alone = key(format!("visitor:alone-{visitor}"));
                    let outcome =
                        write_transaction(conn, |c| meters::record(c, &alone, article_id, 3, now))
                            .expect("one read");
                    one_at_a_time.push(outcome);
                }
            }
            // On PostgreSQL the batch is one call, kept prepared on the
            // connection: parsed and planned once, not once per batch.
            let prepared: i64 = match conn {
                kiosk::db::DbConnection::Pg(pg) => {
                    use diesel::prelude::*;
                    diesel::dsl::sql::<diesel::sql_types::BigInt>(
                        "SELECT count(*) FROM pg_prepared_statements \
                         WHERE statement LIKE '%kiosk_add_reads%'",
                    )
                    .get_result::<i64>(pg)
                    .expect("prepared statements")
                }
                kiosk::db::DbConnection::Sqlite(_) => -1,
            };
            (batched, one_at_a_time, prepared)
        })
        .await;
    if backend == Backend::Postgres {
        assert_eq!(prepared, 1, "the batch's one statement, prepared once");
    }
    assert_eq!(batched, one_at_a_time);
    let counted = batched
        .iter()
        .filter(|o| matches!(o, kiosk::db::meters::Recorded::Counted { .. }))
        .count();
    assert_eq!(counted, 6, "three for each visitor: {batched:?}");
}

/// Generated batches (a fixed pseudo-random sequence: three visitors, two
/// periods, eight articles, limits from 0 to 5 that change between and
/// within batches) answer every read, and leave the same reads and
/// counters stored, as the same reads recorded one at a time.
async fn generated_batches_answer_and_store_as_reads_one_at_a_time(backend: Backend) {
    use diesel::prelude::*;
    use kiosk::db::meters::{self, MeterKey};
    use kiosk::db::meters_batch::{commit_batch, Read};
    use kiosk::db::schema::{meter_counters, meter_reads};
    use kiosk::db::write_transaction;

    let pw = paywall(backend).await;
    let publisher_id = pw.publisher_id.clone();
    let now = pw.app.clock.now_utc().naive_utc();
    let (batched, one_at_a_time, stored, limit_changed_within) = pw
        .app
        .with_conn(move |conn| {
            let mut seed: u64 = 0x5eed;
            let mut next = |below: u64| {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (seed >> 33) % below
            };
            let key = |way: &str, visitor: u64, period: u64| MeterKey {
                publisher_id: publisher_id.clone(),
                subject: format!("visitor:{way}-{visitor}"),
                period: format!("2026-0{}", 3 + period),
            };
            let articles = ["a", "b", "c", "d", "e", "f", "g", "h"];
            let (mut batched, mut one_at_a_time) = (Vec::new(), Vec::new());
            let mut limits = [3_i32; 3];
            // Batches in which one meter's limit changed (cut on PostgreSQL).
            let mut limit_changed_within = 0;
            for _ in 0..150 {
                let reads: Vec<(u64, u64, &str, i32)> = (0..1 + next(12))
                    .map(|_| {
                        let visitor = next(3);
                        if next(8) == 0 {
                            limits[visitor as usize] = next(6) as i32;
                        }
                        let article = articles[next(8) as usize];
                        (visitor, next(2), article, limits[visitor as usize])
                    })
                    .collect();
                let changed = reads.iter().enumerate().any(|(i, a)| {
                    reads[..i]
                        .iter()
                        .any(|b| (a.0, a.1) == (b.0, b.1) && a.3 != b.3)
                });
                limit_changed_within += usize::from(changed);
                let keys: Vec<MeterKey> = reads
                    .iter()
                    .map(|&(visitor, period, _, _)| key("together", visitor, period))
                    .collect();
                let batch: Vec<Read<'_>> = reads
                    .iter()
                    .zip(&keys)
                    .map(|(&(_, _, article_id, limit), key)| Read {
                        key,
                        article_id,
                        limit,
                        now,
                    })
                    .collect();
                batched.extend(commit_batch(conn, &batch).expect("batch"));
                for &(visitor, period, article_id, limit) in &reads {
                    let alone = key("alone", visitor, period);
                    one_at_a_time.push(
                        write_transaction(conn, |c| {
                            meters::record(c, &alone, article_id, limit, now)
                        })
                        .expect("one read"),
                    );
                }
            }
            let counters: Vec<(String, String, i32)> = meter_counters::table
                .select((
                    meter_counters::subject,
                    meter_counters::period,
                    meter_counters::used,
                ))
                .load(conn)
                .expect("counters");
            let reads: Vec<(String, String, String)> = meter_reads::table
                .select((
                    meter_reads::subject,
                    meter_reads::period,
                    meter_reads::article_id,
                ))
                .load(conn)
                .expect("reads");
            (
                batched,
                one_at_a_time,
                (counters, reads),
                limit_changed_within,
            )
        })
        .await;
    assert!(limit_changed_within > 0, "no batch changed a meter's limit");
    assert_eq!(batched, one_at_a_time);
    let (counters, reads) = stored;
    let stored_by = |way: &str| {
        let prefix = format!("visitor:{way}-");
        let mut counters: Vec<_> = counters
            .iter()
            .filter_map(|(subject, period, used)| {
                Some((subject.strip_prefix(&prefix)?, period.as_str(), *used))
            })
            .collect();
        let mut reads: Vec<_> = reads
            .iter()
            .filter_map(|(subject, period, article)| {
                Some((
                    subject.strip_prefix(&prefix)?,
                    period.as_str(),
                    article.as_str(),
                ))
            })
            .collect();
        counters.sort();
        reads.sort();
        (counters, reads)
    };
    let (together, alone) = (stored_by("together"), stored_by("alone"));
    assert!(together.1.len() > 20, "reads were stored: {together:?}");
    assert_eq!(together, alone);
    for outcome in ["Counted", "AlreadyRead", "Exhausted"] {
        assert!(
            batched
                .iter()
                .any(|o| format!("{o:?}").starts_with(outcome)),
            "no {outcome} among {batched:?}"
        );
    }
}

/// A batch that fails as a whole is committed read by read, so one bad
/// read fails alone. PostgreSQL refuses a NUL byte in text, which fails
/// the batch's one statement; SQLite stores it, so there all three count.
async fn one_bad_read_does_not_fail_its_batch(backend: Backend) {
    use kiosk::access::group_commit::commit_or_each;
    use kiosk::db::meters::{MeterKey, Recorded};
    use kiosk::db::meters_batch::Read;

    let pw = paywall(backend).await;
    let publisher_id = pw.publisher_id.clone();
    let now = pw.app.clock.now_utc().naive_utc();
    let answers = pw
        .app
        .with_conn(move |conn| {
            let key = MeterKey {
                publisher_id,
                subject: "visitor:batch".to_owned(),
                period: "2026-03".to_owned(),
            };
            let articles = ["a", "bad\0byte", "b"];
            let reads: Vec<Read<'_>> = articles
                .iter()
                .map(|article_id| Read {
                    key: &key,
                    article_id,
                    limit: 5,
                    now,
                })
                .collect();
            commit_or_each(conn, &reads)
        })
        .await;
    assert!(
        matches!(answers[0], Ok(Recorded::Counted { used: 0 })),
        "{answers:?}"
    );
    match backend {
        Backend::Postgres => {
            assert!(answers[1].is_err(), "{answers:?}");
            assert!(
                matches!(answers[2], Ok(Recorded::Counted { used: 1 })),
                "{answers:?}"
            );
        }
        Backend::Sqlite => {
            assert!(
                matches!(answers[1], Ok(Recorded::Counted { used: 1 })),
                "{answers:?}"
            );
            assert!(
                matches!(answers[2], Ok(Recorded::Counted { used: 2 })),
                "{answers:?}"
            );
        }
    }
}

/// The meter writer keeps its database connection between batches; when
/// that connection is lost (here PostgreSQL ends every session of the
/// test's database), the next read is still recorded, once, on a fresh
/// one. SQLite has no server to lose: there the same reads simply count.
async fn the_writer_recovers_from_a_lost_connection(backend: Backend) {
    let pw = paywall(backend).await;
    pw.put_article("m1", "metered").await;
    pw.put_article("m2", "metered").await;
    let first = pw.check_visitor("m1", "v").await;
    if backend == Backend::Postgres {
        let ended: Vec<bool> = pw
            .app
            .with_conn(|conn| {
                use diesel::prelude::*;
                use diesel::sql_types::Bool;
                #[derive(QueryableByName)]
                struct Ended {
                    #[diesel(sql_type = Bool)]
                    ended: bool,
                }
                diesel::sql_query(
                    "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .load::<Ended>(conn)
                .expect("terminate")
                .into_iter()
                .map(|e| e.ended)
                .collect()
            })
            .await;
        assert!(ended.contains(&true), "the writer's session was ended");
    }

    let second = pw.check_visitor("m2", "v").await;
    let again = pw.check_visitor("m2", "v").await;

    assert_eq!(first["meter"]["used"], 1);
    assert_eq!(second["allowed"], true, "{second}");
    assert_eq!(second["meter"]["used"], 2, "{second}");
    assert_eq!(again["meter"]["used"], 2, "counted once: {again}");
}

/// Commits `reads` as one batch. On PostgreSQL the batch runs inside a
/// transaction with `probe` run just before and just after it, and both
/// answers come back; SQLite has nothing to probe (`None`).
fn commit_probed<T>(
    conn: &mut kiosk::db::DbConnection,
    reads: &[kiosk::db::meters_batch::Read<'_>],
    probe: impl Fn(&mut kiosk::db::DbConnection) -> diesel::QueryResult<T>,
) -> (Vec<kiosk::db::meters::Recorded>, Option<(T, T)>) {
    use diesel::Connection;
    use kiosk::db::meters_batch::commit_batch;
    use kiosk::db::DbConnection;

    match conn {
        DbConnection::Pg(_) => conn
            .transaction(|conn| {
                let before = probe(conn)?;
                let outcomes = commit_batch(conn, reads)?;
                let after = probe(conn)?;
                Ok::<_, diesel::result::Error>((outcomes, Some((before, after))))
            })
            .expect("batch"),
        DbConnection::Sqlite(_) => (commit_batch(conn, reads).expect("batch"), None),
    }
}

/// A batch never scans a meter table, even when the statistics say the
/// tables are tiny: its inserts reach rows through their indexes, and
/// taking back what a full meter refuses (the reads removed, the counter
/// set back) goes by tuple id. A plan cached while the tables were tiny (a
/// new database, or the first minutes of a period) once scanned the whole
/// counters table in every batch as it grew. Here the tables are analyzed
/// with two rows each, then a batch counts a read, refuses one and looks
/// up the count of a meter it only re-reads.
async fn a_batch_never_scans_a_meter_table(backend: Backend) {
    use diesel::prelude::*;
    use kiosk::db::meters::Recorded;
    use kiosk::db::meters_batch::{commit_batch, Read};
    use kiosk::db::DbConnection;

    /// Sequential scans of the meter tables this session has made and not
    /// yet reported (so the same view read twice gives what lies between).
    fn seq_scans(conn: &mut DbConnection) -> QueryResult<i64> {
        diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "SELECT coalesce(sum(seq_scan), 0)::bigint FROM pg_stat_xact_user_tables \
             WHERE relname IN ('meter_counters', 'meter_reads')",
        )
        .get_result(conn)
    }

    let pw = paywall(backend).await;
    // `other` only re-reads in the second batch: its count is looked up.
    let (key, other) = (meter(&pw, "visitor:small"), meter(&pw, "visitor:other"));
    let now = pw.app.clock.now_utc().naive_utc();
    let (outcomes, seq_scans) = pw
        .app
        .with_conn(move |conn| {
            let read = |key, article_id| Read {
                key,
                article_id,
                limit: 2,
                now,
            };
            let first =
                commit_batch(conn, &[read(&key, "a"), read(&other, "a")]).expect("first batch");
            if matches!(conn, DbConnection::Pg(_)) {
                diesel::sql_query("ANALYZE meter_counters, meter_reads")
                    .execute(conn)
                    .expect("analyze");
            }
            let second_batch = [read(&key, "b"), read(&key, "c"), read(&other, "a")];
            // SQLite has no planner statistics to mislead it.
            let (second, scans) = commit_probed(conn, &second_batch, seq_scans);
            let seq_scans = scans.map_or(0, |(before, after)| after - before);
            ([first, second].concat(), seq_scans)
        })
        .await;
    assert_eq!(
        outcomes,
        [
            Recorded::Counted { used: 0 },
            Recorded::Counted { used: 0 },
            Recorded::Counted { used: 1 },
            Recorded::Exhausted { used: 2 },
            Recorded::AlreadyRead { used: 1 },
        ]
    );
    assert_eq!(seq_scans, 0, "the batch scanned a meter table");
}

/// A batch whose reads are all re-reads answers each with its meter's
/// count and writes nothing: the counters stay as they were, and on
/// PostgreSQL the batch's transaction never took a transaction id (no row
/// written, so its commit waits for no disk).
async fn a_batch_of_rereads_writes_nothing(backend: Backend) {
    use diesel::prelude::*;
    use kiosk::db::meters::Recorded;
    use kiosk::db::meters_batch::{commit_batch, Read};
    use kiosk::db::schema::meter_counters;

    let pw = paywall(backend).await;
    let (x, y) = (meter(&pw, "visitor:x"), meter(&pw, "visitor:y"));
    let now = pw.app.clock.now_utc().naive_utc();
    let (again, counters, wrote) = pw
        .app
        .with_conn(move |conn| {
            let read = |key, article_id| Read {
                key,
                article_id,
                limit: 3,
                now,
            };
            commit_batch(conn, &[read(&x, "a"), read(&x, "b"), read(&y, "a")]).expect("reads");
            let rereads = [read(&y, "a"), read(&x, "b"), read(&x, "a"), read(&x, "b")];
            let (again, xact_id) = commit_probed(conn, &rereads, |conn| {
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "SELECT pg_current_xact_id_if_assigned() IS NOT NULL",
                )
                .get_result::<bool>(conn)
            });
            let wrote = xact_id.is_some_and(|(_, after)| after);
            let counters: Vec<(String, i32)> = meter_counters::table
                .select((meter_counters::subject, meter_counters::used))
                .order(meter_counters::subject)
                .load(conn)
                .expect("counters");
            (again, counters, wrote)
        })
        .await;
    assert_eq!(
        again,
        [
            Recorded::AlreadyRead { used: 1 },
            Recorded::AlreadyRead { used: 2 },
            Recorded::AlreadyRead { used: 2 },
            Recorded::AlreadyRead { used: 2 },
        ]
    );
    assert_eq!(
        counters,
        [("visitor:x".to_owned(), 2), ("visitor:y".to_owned(), 1)]
    );
    assert!(!wrote, "a batch of re-reads wrote a row");
}

/// On PostgreSQL, a batch that re-reads an article while another replica's
/// batch is inserting that same read waits for it, and once that commits
/// answers the re-read with the meter's count including the read. (Looked
/// up in the batch's first statement, the count would be as it was before
/// the wait: no counter yet, so 0.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_reread_raced_by_another_replica_sees_its_count() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use kiosk::db::meters::Recorded;
    use kiosk::db::meters_batch::{commit_batch, Read};

    let pw = paywall(Backend::Postgres).await;
    let key = meter(&pw, "visitor:racer");
    let now = pw.app.clock.now_utc().naive_utc();
    let pool = pw.app.state.db.pool.clone();
    let (theirs, ours) = tokio::task::spawn_blocking(move || {
        let mut other = pool.get().expect("the other replica's connection");
        let mut conn = pool.get().expect("this replica's connection");
        let read = [Read {
            key: &key,
            article_id: "a",
            limit: 3,
            now,
        }];
        other.batch_execute("BEGIN").expect("begin");
        let theirs = commit_batch(&mut other, &read).expect("their batch");
        std::thread::scope(|scope| {
            let ours = scope.spawn(|| commit_batch(&mut conn, &read).expect("our batch"));
            // Commit only once our batch waits on their uncommitted read.
            let waiting = (0..200).any(|_| {
                std::thread::sleep(std::time::Duration::from_millis(25));
                diesel::dsl::sql::<diesel::sql_types::BigInt>(
                    "SELECT count(*) FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .get_result::<i64>(&mut *other)
                .expect("activity")
                    == 1
            });
            assert!(waiting, "our batch never waited for theirs");
            other.batch_execute("COMMIT").expect("commit");
            (theirs, ours.join().expect("our batch's thread"))
        })
    })
    .await
    .expect("blocking task");
    assert_eq!(theirs, [Recorded::Counted { used: 0 }]);
    assert_eq!(ours, [Recorded::AlreadyRead { used: 1 }]);
}

/// On SQLite the meter writer's commits never checkpoint (a checkpoint
/// there held up every read waiting for the next batch); a thread of its
/// own copies the log back every 50 ms, after which the writer starts the
/// log afresh. So the log file stops growing: rounds of new reads, each
/// followed by a pause, leave it the size the first round left it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_checkpoints_run_beside_the_meter_writer() {
    use diesel::prelude::*;
    use diesel::sql_types::Integer;
    use kiosk::access::group_commit::writer_connection;

    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Integer)]
        wal_autocheckpoint: i32,
    }

    let pw = paywall(Backend::Sqlite).await;
    for n in 0..20 {
        pw.put_article(&format!("m{n}"), "metered").await;
    }
    let db = pw.app.state.db.0.clone();
    let writer_setting = tokio::task::spawn_blocking(move || {
        let mut conn = writer_connection(&db).expect("writer connection");
        diesel::sql_query("PRAGMA wal_autocheckpoint")
            .get_result::<Setting>(&mut *conn)
            .expect("setting")
            .wal_autocheckpoint
    })
    .await
    .expect("setting");
    assert_eq!(writer_setting, 0, "the writer's commits never checkpoint");

    let wal = format!(
        "{}-wal",
        pw.app.database.url.trim_start_matches("sqlite://")
    );
    let mut sizes = Vec::new();
    for round in 0..6 {
        for n in 0..20 {
            let answer = pw
                .check_visitor(&format!("m{n}"), &format!("v-{round}-{n}"))
                .await;
            assert_eq!(answer["allowed"], true, "{answer}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        sizes.push(std::fs::metadata(&wal).expect("the log").len());
    }
    // Without the checkpointer each round adds its frames (some 20 commits
    // of a few pages each) to the file.
    assert!(
        sizes[5] <= sizes[1],
        "the log grew round after round: {sizes:?}"
    );
}

both_backends!(
    a_batch_answers_as_reads_one_at_a_time,
    generated_batches_answer_and_store_as_reads_one_at_a_time,
    one_bad_read_does_not_fail_its_batch,
    the_writer_recovers_from_a_lost_connection,
    a_batch_never_scans_a_meter_table,
    a_batch_of_rereads_writes_nothing,
);
