//! Liveness and readiness, and answers when the database is out of reach.

use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::both_backends;
use crate::helpers::{pg_server_url, problem_code, spawn_app, spawn_app_with, Backend, TestApp};

async fn healthz_and_readyz_answer(backend: Backend) {
    let app = spawn_app(backend).await;

    let health = app.get("/healthz").await;
    let ready = app.get("/readyz").await;

    assert_eq!(health.status(), 200);
    assert_eq!(ready.status(), 200);
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["status"], "ready");
}

async fn unknown_routes_and_methods_are_problems(backend: Backend) {
    let app = spawn_app(backend).await;

    let missing = app.get("/v1/nothing-here").await;
    let wrong_method = app
        .client
        .put(app.url("/v1/members"))
        .send()
        .await
        .expect("request");

    assert_eq!(missing.status(), 404);
    assert_eq!(problem_code(missing).await, "not_found");
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(problem_code(wrong_method).await, "method_not_allowed");
}

/// Polls `/readyz` until it answers `status`, for at most ten seconds.
async fn await_readyz(app: &TestApp, status: u16) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = app.get("/readyz").await;
        if response.status() == status || Instant::now() > deadline {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn assert_unavailable(response: reqwest::Response) {
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let text = response.text().await.expect("body");
    let body: serde_json::Value = serde_json::from_str(&text).expect("problem json");
    assert_eq!(body["code"], "service_unavailable");
    for internal in ["pool", "connection", "database", "sqlite", "postgres"] {
        assert!(
            !body["detail"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase()
                .contains(internal),
            "{text}"
        );
    }
}

/// Every pooled connection taken: readiness answers 503 within the bounded
/// wait instead of hanging, and recovers as soon as connections return.
async fn readyz_is_503_while_no_connection_can_be_had(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.db_timeout_ms = 1_000).await;
    let pool = app.state.db.pool.clone();
    let size = pool.max_size();
    let held = tokio::task::spawn_blocking(move || {
        (0..size)
            .map(|_| pool.get().expect("connection"))
            .collect::<Vec<_>>()
    })
    .await
    .expect("hold connections");

    let started = Instant::now();
    let busy = app.get("/readyz").await;
    let waited = started.elapsed();
    let sign_up = app
        .sign_up_response("reader@example.com", "correct horse battery")
        .await;
    drop(held);
    let recovered = await_readyz(&app, 200).await;

    assert_unavailable(busy).await;
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
    assert_unavailable(sign_up).await;
    assert_eq!(recovered.status(), 200);
}

/// The PostgreSQL database disappears under a running Kiosk, then comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_when_the_postgres_database_is_dropped() {
    let app = spawn_app_with(Backend::Postgres, |s| s.db_timeout_ms = 500).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let name = app
        .database
        .url
        .rsplit('/')
        .next()
        .expect("name")
        .to_owned();
    let admin_sql = |sql: String| async move {
        tokio::task::spawn_blocking(move || {
            let mut admin = PgConnection::establish(&format!("{}/postgres", pg_server_url()))
                .expect("admin connection");
            diesel::sql_query(sql)
                .execute(&mut admin)
                .expect("admin statement");
        })
        .await
        .expect("admin task");
    };

    admin_sql(format!("DROP DATABASE {name} WITH (FORCE)")).await;
    let gone = await_readyz(&app, 503).await;
    admin_sql(format!("CREATE DATABASE {name}")).await;
    let back = await_readyz(&app, 200).await;

    assert_unavailable(gone).await;
    assert_eq!(back.status(), 200, "recovers without a restart");
}

both_backends!(
    healthz_and_readyz_answer,
    unknown_routes_and_methods_are_problems,
    readyz_is_503_while_no_connection_can_be_had
);
