//! Defects found by contract fuzzing (`scripts/fuzz.sh`), each pinned here:
//! 405 answers without `Allow`, `null` accepted where the schema allows only
//! a value, and an empty audit time taken for no filter.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, Backend, TestApp};

async fn method_not_allowed_names_the_allowed_methods(backend: Backend) {
    let app = spawn_app(backend).await;

    for (method, path, allow) in [
        ("PUT", "/v1/members", "POST"),
        ("TRACE", "/healthz", "GET"),
        ("DELETE", "/v1/admin/publishers", "GET, POST"),
        ("POST", "/v1/admin/plans/monthly", "DELETE, GET, PATCH"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("request");

        assert_eq!(response.status(), 405, "{method} {path}");
        let mut named: Vec<String> = response.headers()["allow"]
            .to_str()
            .expect("ascii")
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect();
        named.sort();
        assert_eq!(named.join(", "), allow, "{method} {path}");
        assert_eq!(problem_code(response).await, "method_not_allowed");
    }
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn null_is_refused_where_a_value_is_required(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    let publisher_id = app.seed_publisher("daily").await;
    app.seed_plan("monthly", 0, &[publisher_id]).await;
    let (post, patch) = (reqwest::Method::POST, reqwest::Method::PATCH);

    let mut cases = Vec::new();
    for field in [
        "default_access",
        "meter_limit_anonymous",
        "meter_limit_registered",
        "meter_period",
        "allowed_origins",
    ] {
        let mut create = json!({"slug": "weekly", "name": "Weekly"});
        create[field] = serde_json::Value::Null;
        cases.push((post.clone(), "/v1/admin/publishers", create));
        cases.push((
            patch.clone(),
            "/v1/admin/publishers/daily",
            json!({ field: null }),
        ));
    }
    cases.push((
        patch.clone(),
        "/v1/admin/publishers/daily",
        json!({"name": null}),
    ));
    for field in [
        "name",
        "description",
        "price",
        "currency",
        "interval",
        "trial_days",
        "trial_requires_card",
        "publishers",
    ] {
        cases.push((
            patch.clone(),
            "/v1/admin/plans/monthly",
            json!({ field: null }),
        ));
    }

    for (method, path, body) in cases {
        let response = send(&app, method.clone(), path, &key, body.clone()).await;
        assert_eq!(response.status(), 422, "{method} {path} {body}");
        assert_eq!(problem_code(response).await, "validation_failed", "{body}");
    }
    let unchanged = app.get_bearer("/v1/admin/publishers/weekly", &key).await;
    assert_eq!(unchanged.status(), 404, "no publisher was created");
    // `stripe_price_id: null` stays the documented way to clear the price.
    let cleared = send(
        &app,
        patch,
        "/v1/admin/plans/monthly",
        &key,
        json!({"stripe_price_id": null}),
    )
    .await;
    assert_eq!(cleared.status(), 200);
}

async fn empty_audit_times_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;

    for field in ["since", "until"] {
        let response = app
            .get_bearer(&format!("/v1/admin/audit?{field}="), &key)
            .await;

        assert_eq!(response.status(), 422, "{field}");
        let body: serde_json::Value = response.json().await.expect("problem");
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["field"], field);
    }
}

both_backends!(
    method_not_allowed_names_the_allowed_methods,
    null_is_refused_where_a_value_is_required,
    empty_audit_times_are_refused
);
