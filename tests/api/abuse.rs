//! Brute force: limits per client address and per account.

use crate::both_backends;
use crate::helpers::{problem_code, spawn_app_with, Backend};

async fn sign_ins_over_the_address_limit_get_429(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.rate_limit_per_address = 3).await;
    app.sign_up("reader@example.com", "correct horse battery")
        .await;

    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            app.sign_in_response("reader@example.com", "wrong password")
                .await,
        );
    }
    let last = statuses.pop().expect("four answers");

    assert!(statuses.iter().all(|r| r.status() == 401));
    assert_eq!(last.status(), 429);
    let retry_after: u64 = last.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(problem_code(last).await, "rate_limited");
}

async fn limits_reset_after_the_window(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.rate_limit_per_address = 1).await;
    app.sign_up("reader@example.com", "correct horse battery")
        .await;
    let first = app
        .sign_in_response("reader@example.com", "correct horse battery")
        .await;
    let over = app
        .sign_in_response("reader@example.com", "correct horse battery")
        .await;

    app.clock.advance(chrono::Duration::seconds(61));
    let later = app
        .sign_in_response("reader@example.com", "correct horse battery")
        .await;

    assert_eq!(first.status(), 200, "sign-up and sign-in are counted apart");
    assert_eq!(over.status(), 429);
    assert_eq!(later.status(), 200);
}

/// `times` sign-ins with a wrong password, each answered 401.
async fn fail_sign_ins(app: &crate::helpers::TestApp, email: &str, times: usize) {
    for _ in 0..times {
        let failed = app.sign_in_response(email, "wrong password").await;
        assert_eq!(failed.status(), 401);
    }
}

async fn a_locked_account_answers_like_a_wrong_password(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.lockout_failures = 3).await;
    app.sign_up("reader@example.com", "correct horse battery")
        .await;
    fail_sign_ins(&app, "reader@example.com", 3).await;
    let wrong: serde_json::Value = app
        .sign_in_response("reader@example.com", "wrong password")
        .await
        .json()
        .await
        .expect("json");

    let locked = app
        .sign_in_response("reader@example.com", "correct horse battery")
        .await;
    let locked_status = locked.status();
    let locked_body: serde_json::Value = locked.json().await.expect("json");
    app.clock.advance(chrono::Duration::minutes(16));
    let unlocked = app
        .sign_in_response("reader@example.com", "correct horse battery")
        .await;

    assert_eq!(locked_status, 401);
    assert_eq!(
        locked_body, wrong,
        "a lock is indistinguishable from a wrong password"
    );
    assert_eq!(unlocked.status(), 200);
}

/// Failed sign-ins for many made-up emails, past the limiter's size: the
/// real account's lockout holds.
async fn a_flood_of_unknown_emails_does_not_lift_a_lockout(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.lockout_failures = 3;
        s.rate_limit_max_keys = 20;
    })
    .await;
    app.sign_up("reader@example.com", "correct horse battery")
        .await;
    fail_sign_ins(&app, "reader@example.com", 3).await;

    for i in 0..60 {
        let flood = app
            .sign_in_response(&format!("nobody-{i}@example.com"), "wrong password")
            .await;
        assert_eq!(flood.status(), 401);
    }
    let locked = app
        .sign_in_response("reader@example.com", "correct horse battery")
        .await;

    assert_eq!(locked.status(), 401, "the lockout outlived the flood");
}

async fn sign_ups_and_refreshes_are_limited_too(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.rate_limit_per_address = 2).await;
    let tokens = app
        .sign_up("one@example.com", "correct horse battery")
        .await;
    app.sign_up("two@example.com", "correct horse battery")
        .await;

    let third = app
        .sign_up_response("three@example.com", "correct horse battery")
        .await;
    let refresh1 = app.refresh_response(&tokens.refresh_token).await;
    let refresh2 = app.refresh_response("anything").await;
    let refresh3 = app.refresh_response("anything").await;

    assert_eq!(third.status(), 429);
    assert_eq!(refresh1.status(), 200);
    assert_eq!(refresh2.status(), 401);
    assert_eq!(refresh3.status(), 429);
}

both_backends!(
    a_flood_of_unknown_emails_does_not_lift_a_lockout,
    sign_ins_over_the_address_limit_get_429,
    limits_reset_after_the_window,
    a_locked_account_answers_like_a_wrong_password,
    sign_ups_and_refreshes_are_limited_too,
);
