use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

async fn healthz_and_readyz_answer(backend: Backend) {
    let app = spawn_app(backend).await;

    let health = app.get("/healthz").await;
    let ready = app.get("/readyz").await;

    assert_eq!(health.status(), 200);
    assert_eq!(ready.status(), 200);
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
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
    assert_eq!(crate::helpers::problem_code(missing).await, "not_found");
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(
        crate::helpers::problem_code(wrong_method).await,
        "method_not_allowed"
    );
}

both_backends!(
    healthz_and_readyz_answer,
    unknown_routes_and_methods_are_problems
);
