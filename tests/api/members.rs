use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, Backend};

async fn sign_up_returns_member_and_tokens(backend: Backend) {
    let app = spawn_app(backend).await;

    let response = app
        .sign_up_response("  Reader@Example.COM ", "correct horse battery")
        .await;

    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["member"]["email"], "reader@example.com");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["member"]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("mem_")));
}

async fn taken_email_in_any_case_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_up("reader@example.com", "correct horse battery")
        .await;

    let again = app
        .sign_up_response(" READER@example.com", "another password")
        .await;

    assert_eq!(again.status(), 409);
    assert_eq!(problem_code(again).await, "email_taken");
}

both_backends!(
    sign_up_returns_member_and_tokens,
    taken_email_in_any_case_is_a_conflict
);
