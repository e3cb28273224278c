//! Every route that reads a body answers bad bodies the same way, whoever
//! the caller is: wrong content type 415, malformed or too deeply nested
//! JSON 400 `malformed_json`, oversized 413 — all problem+json. Regression:
//! admin, trial, grant and billing routes used actix's `web::Json` (deep
//! nesting inside a field answered 422) and the optional-body billing
//! routes `web::Bytes` (oversized bodies answered a plain-text 413).

use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, spawn_app_with, Backend, TestApp};

/// (method, path, credential) for every authenticated body route.
async fn body_routes(app: &TestApp) -> Vec<(reqwest::Method, String, String)> {
    let publisher_id = app.seed_publisher("daily").await;
    let publisher = app.publisher_key(&publisher_id).await;
    app.seed_plan("monthly", 14, &[publisher_id]).await;
    let admin = app.admin_key().await;
    let tokens = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let (member, member_id) = (tokens.access_token, tokens.member_id);
    let (post, patch, put) = (
        reqwest::Method::POST,
        reqwest::Method::PATCH,
        reqwest::Method::PUT,
    );
    vec![
        (put, "/v1/articles/budget-day".into(), publisher.clone()),
        (post.clone(), "/v1/articles/batch".into(), publisher.clone()),
        (post.clone(), "/v1/access/check".into(), publisher.clone()),
        (post.clone(), "/v1/access/check-batch".into(), publisher),
        (post.clone(), "/v1/me/trials".into(), member.clone()),
        (post.clone(), "/v1/me/checkout".into(), member.clone()),
        (post.clone(), "/v1/me/billing-portal".into(), member),
        (
            post.clone(),
            format!("/v1/admin/members/{member_id}/grants"),
            admin.clone(),
        ),
        (post.clone(), "/v1/admin/publishers".into(), admin.clone()),
        (
            patch.clone(),
            "/v1/admin/publishers/daily".into(),
            admin.clone(),
        ),
        (
            post.clone(),
            "/v1/admin/publishers/daily/keys".into(),
            admin.clone(),
        ),
        (post.clone(), "/v1/admin/plans".into(), admin.clone()),
        (patch, "/v1/admin/plans/monthly".into(), admin.clone()),
        (post, "/v1/admin/plans/monthly/stripe-sync".into(), admin),
    ]
}

async fn send(
    app: &TestApp,
    (method, path, token): &(reqwest::Method, String, String),
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.client
        .request(method.clone(), app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request")
}

async fn deep_nesting_is_400_on_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let depth = 10_000;
    // Nested where a string field belongs: web::Json answered 422 here.
    let nested = format!(r#"{{"name":{}{}}}"#, "[".repeat(depth), "]".repeat(depth));

    for route in body_routes(&app).await {
        let response = send(&app, &route, "application/json", nested.clone().into()).await;
        assert_eq!(response.status(), 400, "{} {}", route.0, route.1);
        assert_eq!(
            problem_code(response).await,
            "malformed_json",
            "{}",
            route.1
        );
    }
}

async fn oversized_body_is_problem_413_on_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    // Over every route's limit, the article batch's 2 MiB included.
    let body = format!(r#"{{"name":"{}"}}"#, "x".repeat(3 * 1024 * 1024));

    for route in body_routes(&app).await {
        let response = send(&app, &route, "application/json", body.clone().into()).await;
        assert_eq!(response.status(), 413, "{} {}", route.0, route.1);
        assert_eq!(
            problem_code(response).await,
            "payload_too_large",
            "{}",
            route.1
        );
    }
}

async fn wrong_content_type_is_415_on_every_route(backend: Backend) {
    let app = spawn_app(backend).await;

    for route in body_routes(&app).await {
        let response = send(&app, &route, "text/plain", br#"{"name":"x"}"#.to_vec()).await;
        assert_eq!(response.status(), 415, "{} {}", route.0, route.1);
        assert_eq!(
            problem_code(response).await,
            "unsupported_media_type",
            "{}",
            route.1
        );
    }
}

async fn oversized_webhook_is_problem_413(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.stripe_webhook_secret = kiosk::config::Secret::new("whsec_test");
    })
    .await;
    let body = vec![b' '; 2 * 1024 * 1024];

    let response = app
        .client
        .post(app.url("/v1/webhooks/stripe"))
        .header("content-type", "application/json")
        .header("Stripe-Signature", "t=1,v1=00")
        .body(body)
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), 413);
    assert_eq!(problem_code(response).await, "payload_too_large");
}

async fn duplicate_keys_are_400_on_every_route(backend: Backend) {
    let app = spawn_app(backend).await;

    for route in body_routes(&app).await {
        for body in [
            r#"{"name":"a","name":"b"}"#,
            r#"{"name":{"a":[{"b":1,"b":1}]}}"#,
        ] {
            let response = send(&app, &route, "application/json", body.into()).await;
            assert_eq!(response.status(), 400, "{} {} {body}", route.0, route.1);
            assert_eq!(problem_code(response).await, "invalid_body", "{}", route.1);
        }
    }
}

both_backends!(
    duplicate_keys_are_400_on_every_route,
    deep_nesting_is_400_on_every_route,
    oversized_body_is_problem_413_on_every_route,
    wrong_content_type_is_415_on_every_route,
    oversized_webhook_is_problem_413
);
