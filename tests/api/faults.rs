//! Faults: the database out of reach or saturated, and failures mid-write.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::both_backends;
use crate::helpers::{
    problem_code, spawn_app_with, spawn_on, test_settings, Backend, TestDatabase,
};

/// A TCP relay to PostgreSQL that a test can cut and restore, standing in
/// for a database that goes away and comes back.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropping the socket refuses the client
                }
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                links2.lock().expect("links").push(link);
            }
        });
        Self { port, up, links }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn pg_host_port() -> String {
    let url = crate::helpers::pg_server_url();
    url.rsplit('@')
        .next()
        .unwrap_or("127.0.0.1:5432")
        .trim_end_matches('/')
        .to_owned()
}

/// A server on a fresh PostgreSQL database reached through a relay the test
/// can cut, with a 1 s bound on database waits.
async fn behind_a_relay() -> (crate::helpers::TestApp, Relay) {
    let database = tokio::task::spawn_blocking(|| TestDatabase::create(Backend::Postgres))
        .await
        .expect("database");
    let relay = Relay::start(pg_host_port()).await;
    let relayed_url = database
        .url
        .replace(&pg_host_port(), &format!("127.0.0.1:{}", relay.port));
    let mut settings = test_settings(&relayed_url);
    settings.db_timeout_ms = 1_000;
    (spawn_on(database, settings).await, relay)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_answers_503_then_recovers_without_restart() {
    let (app, relay) = behind_a_relay().await;
    let tokens = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;

    relay.cut();
    let started = Instant::now();
    let ready = app.get("/readyz").await;
    let me = app.get_bearer("/v1/me", &tokens.access_token).await;
    let sign_in = app
        .sign_in_response("reader@example.com", "correct horse battery")
        .await;
    let waited = started.elapsed();
    relay.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/readyz").await.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let me_again = app.get_bearer("/v1/me", &tokens.access_token).await;

    assert_eq!(ready.status(), 503);
    assert!(ready.headers().contains_key("retry-after"));
    assert_eq!(problem_code(ready).await, "service_unavailable");
    assert_eq!(me.status(), 503);
    assert_eq!(sign_in.status(), 503);
    assert!(
        waited < Duration::from_secs(15),
        "answers come within a bound: {waited:?}"
    );
    assert!(recovered, "readyz recovers once the database is back");
    assert_eq!(me_again.status(), 200);
}

/// Metered checks (the meter writer's path) running while the database is
/// cut off and comes back: each answers 200 or 503 with Retry-After, never
/// 500, within the configured bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metered_checks_across_an_outage_answer_200_or_503_within_the_bound() {
    let (app, relay) = behind_a_relay().await;
    let pw = crate::paywall::on(app).await;
    pw.put_article("metered", "metered").await;
    pw.set_meter(1_000_000, 1_000_000, "month").await;

    for cut in 0..4 {
        let running = AtomicBool::new(true);
        let reader = |lane: usize| {
            let (pw, running) = (&pw, &running);
            async move {
                let mut answers = Vec::new();
                let mut n = 0;
                while running.load(Ordering::SeqCst) {
                    n += 1;
                    let visitor = format!("v{cut}-{lane}-{n}");
                    let body =
                        serde_json::json!({ "article_id": "metered", "visitor_id": visitor });
                    let started = Instant::now();
                    let response = pw.check_response(body).await;
                    let status = response.status().as_u16();
                    let retry_after = response.headers().contains_key("retry-after");
                    answers.push((status, retry_after, started.elapsed()));
                }
                answers
            }
        };
        let outage = async {
            tokio::time::sleep(Duration::from_millis(150 + 40 * cut)).await;
            relay.cut();
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            relay.restore();
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            running.store(false, Ordering::SeqCst);
        };
        let (_, a, b, c) = tokio::join!(outage, reader(0), reader(1), reader(2));

        let answers: Vec<_> = a.into_iter().chain(b).chain(c).collect();
        assert!(
            answers.iter().any(|(status, ..)| *status == 503),
            "cut {cut}: the outage was seen"
        );
        for (status, retry_after, waited) in answers {
            assert!(
                status == 200 || status == 503,
                "cut {cut}: answered {status}"
            );
            assert!(status == 200 || retry_after, "a 503 says when to retry");
            assert!(
                waited < Duration::from_secs(3),
                "cut {cut}: an answer within the bound: {waited:?}"
            );
        }
    }
}

async fn an_exhausted_pool_answers_503_with_retry_after(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.db_pool_size = 1;
        s.db_timeout_ms = 1_000;
    })
    .await;
    let pool = app.state.db.pool.clone();
    let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
    let (held_tx, held_rx) = tokio::sync::oneshot::channel();
    let holder = tokio::task::spawn_blocking(move || {
        let _conn = pool.get().expect("the one connection");
        let _ = held_tx.send(());
        let _ = hold_rx.recv();
    });
    held_rx.await.expect("connection held");

    let starved = app.get("/readyz").await;
    let starved_status = starved.status();
    let retry_after = starved.headers().contains_key("retry-after");
    let code = problem_code(starved).await;
    hold_tx.send(()).expect("release");
    holder.await.expect("holder");
    let fed = app.get("/readyz").await;

    assert_eq!(starved_status, 503);
    assert!(retry_after);
    assert_eq!(code, "service_unavailable");
    assert_eq!(fed.status(), 200);
}

/// A failure in the middle of sign-up (the session insert) leaves no member
/// behind, and the 500 shows nothing of the cause.
async fn a_failure_mid_write_leaves_nothing_written(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let trigger = match backend {
        Backend::Sqlite => {
            "CREATE TRIGGER fail_sessions BEFORE INSERT ON sessions \
                            BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
        }
        Backend::Postgres => {
            "CREATE FUNCTION fail_insert() RETURNS trigger AS $$ \
                              BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql; \
                              CREATE TRIGGER fail_sessions BEFORE INSERT ON sessions \
                              FOR EACH ROW EXECUTE FUNCTION fail_insert();"
        }
    };
    app.with_conn(move |conn| conn.batch_execute(trigger).expect("install fault"))
        .await;

    let response = app
        .sign_up_response("reader@example.com", "correct horse battery")
        .await;
    let status = response.status();
    let body = response.text().await.expect("body");
    let members: i64 = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            kiosk::db::schema::members::table
                .count()
                .get_result(conn)
                .expect("count")
        })
        .await;

    assert_eq!(status, 500);
    assert!(body.contains("internal_error"), "{body}");
    assert!(!body.contains("injected"), "no internals in a 5xx: {body}");
    assert_eq!(
        members, 0,
        "the member insert was rolled back with the session insert"
    );
}

both_backends!(
    an_exhausted_pool_answers_503_with_retry_after,
    a_failure_mid_write_leaves_nothing_written,
);
