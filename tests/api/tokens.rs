use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, Backend};

async fn me_needs_a_valid_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;

    let me = app.get_bearer("/v1/me", &tokens.access_token).await;
    let garbage = app.get_bearer("/v1/me", "not-a-token").await;

    assert_eq!(me.status(), 200);
    assert_eq!(garbage.status(), 401);
    assert_eq!(problem_code(garbage).await, "token_invalid");
}

both_backends!(me_needs_a_valid_token);
