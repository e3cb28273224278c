use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, Backend};

async fn refresh_rotates_and_reuse_revokes_the_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;

    let second = app.refresh(&first.refresh_token).await;
    app.clock.advance(chrono::Duration::seconds(11));
    let reuse = app.refresh_response(&first.refresh_token).await;
    let newest = app.refresh_response(&second.refresh_token).await;

    assert_ne!(first.refresh_token, second.refresh_token);
    assert_eq!(reuse.status(), 401);
    assert_eq!(problem_code(reuse).await, "refresh_reused");
    assert_eq!(newest.status(), 401, "the family's newest token dies too");
}

both_backends!(refresh_rotates_and_reuse_revokes_the_family);
