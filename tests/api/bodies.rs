//! Request bodies that are not the JSON a route expects: wrong type,
//! malformed, not UTF-8, too deep, too big. Each is a clear 4xx problem.

use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, Backend, TestApp};
use crate::members::member_count;

const BODY_ROUTES: [&str; 3] = ["/v1/members", "/v1/sessions", "/v1/sessions/refresh"];

async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = app.client.post(app.url(path)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.expect("request")
}

async fn assert_answer(
    app: &TestApp,
    content_type: Option<&str>,
    body: &[u8],
    status: u16,
    code: &str,
) {
    for path in BODY_ROUTES {
        let response = post_raw(app, path, content_type, body.to_vec()).await;
        assert_eq!(
            response.status(),
            status,
            "{path} {content_type:?} {:.60}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(problem_code(response).await, code, "{path}");
    }
}

const GOOD: &[u8] = br#"{"email":"reader@example.com","password":"correct horse battery"}"#;

async fn wrong_content_type_is_415(backend: Backend) {
    let app = spawn_app(backend).await;

    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/xml"),
        None,
    ] {
        assert_answer(&app, content_type, GOOD, 415, "unsupported_media_type").await;
    }
    assert_eq!(member_count(&app).await, 0);
}

async fn malformed_json_is_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let json = Some("application/json");

    for body in [
        &b""[..],
        b"{",
        b"{\"email\": \"reader@example.com\",",
        b"{'email': 'reader@example.com'}",
        b"{\"email\": \"reader@example.com\" \"password\": \"x\"}",
        b"email=reader@example.com&password=correct",
        b"{\"email\":\"reader@example.com\",\"password\":\"correct horse battery\"} trailing",
    ] {
        assert_answer(&app, json, body, 400, "malformed_json").await;
    }
    assert_eq!(member_count(&app).await, 0);
}

/// For each body route, a body whose first field holds `value` (raw JSON
/// bytes), so that the value is parsed before anything else is decided.
fn with_first_value(value: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut credentials = br#"{"email":"reader@example.com","password":"#.to_vec();
    credentials.extend_from_slice(value);
    credentials.push(b'}');
    let mut refresh = br#"{"refresh_token":"#.to_vec();
    refresh.extend_from_slice(value);
    refresh.push(b'}');
    vec![
        ("/v1/members", credentials.clone()),
        ("/v1/sessions", credentials),
        ("/v1/sessions/refresh", refresh),
    ]
}

async fn assert_each_malformed(app: &TestApp, value: &[u8], case: &str) {
    for (path, body) in with_first_value(value) {
        let response = post_raw(app, path, Some("application/json"), body).await;
        assert_eq!(response.status(), 400, "{case} on {path}");
        assert_eq!(
            problem_code(response).await,
            "malformed_json",
            "{case} on {path}"
        );
    }
}

async fn invalid_utf8_is_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut raw_bytes = b"\"correct ".to_vec();
    raw_bytes.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    raw_bytes.extend_from_slice(b" battery\"");

    assert_each_malformed(&app, &raw_bytes, "invalid UTF-8 bytes").await;
    assert_each_malformed(&app, br#""correct \ud800 battery""#, "lone surrogate").await;
    let mut key = b"{\"".to_vec();
    key.extend_from_slice(&[0xff, 0xfe]);
    key.extend_from_slice(b"\":1}");
    assert_answer(&app, Some("application/json"), &key, 400, "malformed_json").await;
    assert_eq!(member_count(&app).await, 0);
}

async fn deeply_nested_json_is_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let depth = 10_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));

    assert_answer(
        &app,
        Some("application/json"),
        arrays.as_bytes(),
        400,
        "malformed_json",
    )
    .await;
    assert_each_malformed(&app, arrays.as_bytes(), "nested arrays").await;
    assert_each_malformed(&app, objects.as_bytes(), "nested objects").await;
    assert_eq!(member_count(&app).await, 0);
}

async fn oversized_body_is_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let padding = "x".repeat(1024 * 1024);
    let body = format!(
        r#"{{"email":"reader@example.com","password":"correct horse battery","pad":"{padding}"}}"#
    );

    assert_answer(
        &app,
        Some("application/json"),
        body.as_bytes(),
        413,
        "payload_too_large",
    )
    .await;
    assert_eq!(member_count(&app).await, 0);
}

/// A proxy or firewall that reads the first of two equal keys must see the
/// request Kiosk acts on: bodies repeating a key in any object are refused.
async fn duplicate_keys_are_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let json = Some("application/json");

    for body in [
        &br#"{"email":"reader@example.com","email":"other@example.com","password":"correct horse battery"}"#[..],
        br#"{"email":"reader@example.com","\u0065mail":"other@example.com","password":"correct horse battery"}"#,
        br#"{"email":"reader@example.com","password":"correct horse battery","x":{"a":1,"a":1}}"#,
        br#"{"email":"reader@example.com","password":"correct horse battery","x":[[{"a":{"b":1,"c":{},"b":2}}]]}"#,
    ] {
        assert_answer(&app, json, body, 400, "invalid_body").await;
    }
    assert_eq!(member_count(&app).await, 0);
}

async fn equal_keys_in_different_objects_are_not_duplicates(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = br#"{"email":"reader@example.com","password":"correct horse battery","x":[{"email":1},{"email":2}]}"#;

    // Well-formed, so the answer is about its shape: `x` is unknown.
    assert_answer(
        &app,
        Some("application/json"),
        body,
        422,
        "validation_failed",
    )
    .await;
}

both_backends!(
    duplicate_keys_are_400,
    equal_keys_in_different_objects_are_not_duplicates,
    wrong_content_type_is_415,
    malformed_json_is_400,
    invalid_utf8_is_400,
    deeply_nested_json_is_400,
    oversized_body_is_413
);
