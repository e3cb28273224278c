//! Sign-in and sign-out.

use std::time::{Duration, Instant};

use crate::both_backends;
use crate::forge::claims_of;
use crate::helpers::{problem_code, spawn_app, Backend, ClockExt, TestApp};

const PASSWORD: &str = "correct horse battery";

/// Status, content type and exact body bytes of an answer.
async fn snapshot(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("text")
        .to_owned();
    (status, content_type, response.text().await.expect("body"))
}

pub async fn disable(app: &TestApp, member_id: &str) {
    let (id, now) = (member_id.to_owned(), app.clock.now_utc().naive_utc());
    let changed = app
        .with_conn(move |conn| kiosk::db::members::set_status(conn, &id, "disabled".into(), now))
        .await
        .expect("set status");
    assert_eq!(changed, 1);
}

async fn sign_in_normalises_the_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let signed_up = app.sign_up("Reader@Example.com", PASSWORD).await;

    let response = app
        .sign_in_response(" READER@example.COM\t", PASSWORD)
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["member"]["id"], signed_up.member_id.as_str());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().expect("access token");
    assert_eq!(app.get_bearer("/v1/me", token).await.status(), 200);
}

async fn unknown_email_wrong_password_and_disabled_answer_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_up("reader@example.com", PASSWORD).await;
    let disabled = app.sign_up("gone@example.com", PASSWORD).await;
    disable(&app, &disabled.member_id).await;

    let unknown = snapshot(app.sign_in_response("nobody@example.com", PASSWORD).await).await;
    let wrong = snapshot(
        app.sign_in_response("reader@example.com", "wrong horse battery")
            .await,
    )
    .await;
    let short = snapshot(app.sign_in_response("reader@example.com", "x").await).await;
    let gone = snapshot(app.sign_in_response("gone@example.com", PASSWORD).await).await;

    assert_eq!(unknown.0, 401);
    assert_eq!(unknown.1, "application/problem+json");
    let body: serde_json::Value = serde_json::from_str(&unknown.2).expect("json");
    assert_eq!(body["code"], "invalid_credentials");
    assert_eq!(
        wrong, unknown,
        "wrong password answers like an unknown email"
    );
    assert_eq!(
        short, unknown,
        "a short guess answers like any wrong password"
    );
    assert_eq!(
        gone, unknown,
        "a disabled member answers like an unknown email"
    );
}

/// An unknown email costs a hash verification too (against a dummy hash):
/// without it, it would answer many times faster than a wrong password.
async fn unknown_email_costs_as_much_as_a_wrong_password(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_up("reader@example.com", PASSWORD).await;
    let timed = |email: &'static str| {
        let app = &app;
        async move {
            let start = Instant::now();
            let response = app.sign_in_response(email, "wrong horse battery").await;
            assert_eq!(response.status(), 401);
            start.elapsed()
        }
    };
    let (mut unknown, mut wrong) = (Duration::MAX, Duration::MAX);

    for _ in 0..5 {
        unknown = unknown.min(timed("nobody@example.com").await);
        wrong = wrong.min(timed("reader@example.com").await);
    }

    assert!(
        unknown * 3 > wrong,
        "unknown email {unknown:?} vs wrong password {wrong:?}"
    );
}

async fn sign_out_revokes_only_its_own_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = app.sign_up("reader@example.com", PASSWORD).await;
    let laptop = app.sign_in("reader@example.com", PASSWORD).await;

    let signed_out = app.sign_out_response(&phone.access_token).await;
    let phone_refresh = app.refresh_response(&phone.refresh_token).await;
    let laptop_refresh = app.refresh_response(&laptop.refresh_token).await;

    assert_eq!(signed_out.status(), 204);
    assert_eq!(phone_refresh.status(), 401);
    assert_eq!(problem_code(phone_refresh).await, "token_invalid");
    assert_eq!(laptop_refresh.status(), 200, "the other session lives on");
    assert_ne!(
        claims_of(&phone.access_token)["sid"],
        claims_of(&laptop.access_token)["sid"]
    );
    // Documented: a signed-out access token lives until its exp (at most
    // 15 minutes); only its refresh token dies at once.
    assert_eq!(
        app.get_bearer("/v1/me", &phone.access_token).await.status(),
        200
    );
}

async fn sign_out_needs_a_member_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = app.sign_up("reader@example.com", PASSWORD).await;
    let delete = |token: Option<&str>| {
        let mut request = app.client.delete(app.url("/v1/sessions/current"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let anonymous = delete(None).await.expect("request");
    let with_refresh = delete(Some(&tokens.refresh_token)).await.expect("request");
    let twice = (
        delete(Some(&tokens.access_token)).await.expect("request"),
        delete(Some(&tokens.access_token)).await.expect("request"),
    );

    assert_eq!(anonymous.status(), 401);
    assert_eq!(problem_code(anonymous).await, "token_invalid");
    assert_eq!(with_refresh.status(), 401);
    assert_eq!(
        (twice.0.status().as_u16(), twice.1.status().as_u16()),
        (204, 204)
    );
    assert_eq!(
        app.refresh_response(&tokens.refresh_token).await.status(),
        401
    );
}

both_backends!(
    sign_in_normalises_the_email,
    unknown_email_wrong_password_and_disabled_answer_alike,
    unknown_email_costs_as_much_as_a_wrong_password,
    sign_out_revokes_only_its_own_family,
    sign_out_needs_a_member_token
);
