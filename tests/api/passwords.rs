//! The bounded password-hashing pool.

use crate::both_backends;
use crate::helpers::{problem_code, spawn_app_with, Backend};
use crate::members::member_count;

/// One hash at a time and no waiting line: a burst of sign-ups gets 503 with
/// Retry-After for those that find the pool busy, and nothing half-written.
async fn full_hashing_pool_answers_503_with_retry_after(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.hash_concurrency = 1;
        s.hash_queue = 0;
        // About ten times the usual work, so the burst meets a busy pool.
        s.argon2_iterations = 20;
    })
    .await;

    let emails: Vec<String> = (0..8).map(|i| format!("reader{i}@example.com")).collect();
    let answers = futures_util::future::join_all(
        emails
            .iter()
            .map(|email| app.sign_up_response(email, "correct horse battery")),
    )
    .await;

    let (mut created, mut refused) = (0, 0);
    for response in answers {
        match response.status().as_u16() {
            201 => created += 1,
            503 => {
                refused += 1;
                assert_eq!(response.headers()["retry-after"], "1");
                assert_eq!(problem_code(response).await, "service_unavailable");
            }
            other => panic!("sign-up answered {other}"),
        }
    }
    assert!(refused >= 1, "no sign-up met a full pool");
    assert!(created >= 1, "the pool serves someone");
    assert_eq!(member_count(&app).await, created);
}

/// While the one hashing slot is taken, an oversized password is still
/// answered 422/413, not 503: it was refused before it asked for a hash.
async fn oversized_passwords_never_reach_the_hashing_pool(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.hash_concurrency = 1;
        s.hash_queue = 0;
    })
    .await;
    // Holding the only admission keeps the hashing line full until dropped.
    let hold = app.state.passwords.admit().await.expect("the one slot");

    let busy = app
        .sign_in_response("reader@example.com", "wrong horse")
        .await;
    let two_kb = app
        .sign_up_response("long@example.com", &"p".repeat(2048))
        .await;
    let megabyte = app
        .sign_in_response("reader@example.com", &"p".repeat(1024 * 1024))
        .await;
    drop(hold);
    let after = app
        .sign_up_response("reader@example.com", "correct horse battery")
        .await;

    assert_eq!(busy.status(), 503, "the pool is full");
    assert_eq!(two_kb.status(), 422);
    assert_eq!(problem_code(two_kb).await, "password_too_long");
    assert_eq!(megabyte.status(), 413);
    assert_eq!(after.status(), 201, "the slot is free again");
}

/// A sign-in that finds the hashing line full waits a moment for a place:
/// it gets in when one frees within the wait, and is answered 503 only
/// after the whole wait, so a flood's connections are held back.
async fn a_full_line_is_waited_on_briefly(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.hash_concurrency = 1;
        s.hash_queue = 0;
    })
    .await;
    let wait = kiosk::auth::passwords::ADMISSION_WAIT;

    let hold = app.state.passwords.admit().await.expect("the one slot");
    let started = std::time::Instant::now();
    let refused = app
        .sign_in_response("reader@example.com", "wrong horse")
        .await;
    assert_eq!(refused.status(), 503);
    assert!(
        started.elapsed() >= wait,
        "answered before the wait was over"
    );
    let metrics = app
        .get_bearer("/metrics", crate::helpers::METRICS_TOKEN)
        .await
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("kiosk_requests_shed_total{reason=\"password_hashing\"}"),
        "{metrics}"
    );

    let waiting = app.sign_in_response("reader@example.com", "wrong horse");
    let release = async {
        tokio::time::sleep(wait / 3).await;
        drop(hold);
    };
    let (admitted, ()) = tokio::join!(waiting, release);
    assert_eq!(admitted.status(), 401, "the freed place was taken");
    assert_eq!(problem_code(admitted).await, "invalid_credentials");
}

both_backends!(
    full_hashing_pool_answers_503_with_retry_after,
    oversized_passwords_never_reach_the_hashing_pool,
    a_full_line_is_waited_on_briefly,
);
