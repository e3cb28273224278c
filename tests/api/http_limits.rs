//! Request heads too large for Kiosk's limits are answered like every
//! other error: problem+json with the security headers. Heads actix-http
//! refuses before any of Kiosk's code runs are answered bare, as SECURITY.md
//! says; the last test keeps that account true. Nothing here is stored, so
//! SQLite alone serves.

use std::time::Duration;

use crate::helpers::{problem_code, spawn_app, Backend};
use crate::raw_http::exchange;

fn assert_security_headers(response: &reqwest::Response) {
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_target_over_8_kib_is_414() {
    let app = spawn_app(Backend::Sqlite).await;
    let target = |length: usize| {
        let prefix = "/healthz?pad=";
        format!("{prefix}{}", "a".repeat(length - prefix.len()))
    };

    let longest = app.get(&target(8 * 1024)).await;
    let too_long = app.get(&target(8 * 1024 + 1)).await;
    let far_too_long = app.get(&target(60 * 1024)).await;

    assert_eq!(longest.status(), 200);
    for response in [too_long, far_too_long] {
        assert_eq!(response.status(), 414);
        assert_security_headers(&response);
        assert_eq!(problem_code(response).await, "uri_too_long");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_fields_over_16_kib_are_431() {
    let app = spawn_app(Backend::Sqlite).await;
    let send = |pad: usize, fields: usize| {
        let mut request = app.client.get(app.url("/healthz"));
        for i in 0..fields {
            request = request.header(format!("x-pad-{i}"), "p".repeat(pad));
        }
        request.send()
    };

    let within = send(4 * 1024, 3).await.expect("request");
    let one_large = send(20 * 1024, 1).await.expect("request");
    let several = send(6 * 1024, 3).await.expect("request");
    let token = format!("{}.{}.{}", "A".repeat(50_000), "B".repeat(50_000), "C");
    let huge_token = app.get_bearer("/v1/me", &token).await;

    assert_eq!(within.status(), 200);
    for response in [one_large, several, huge_token] {
        assert_eq!(response.status(), 431);
        assert_security_headers(&response);
        assert_eq!(problem_code(response).await, "headers_too_large");
    }
}

/// What actix-http answers itself, before routing or middleware: a bare
/// status, no body, none of Kiosk's headers, and the connection closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_heads_are_answered_by_actix_as_documented() {
    let app = spawn_app(Backend::Sqlite).await;
    let head = |target: &str, fields: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: kiosk\r\n{fields}\r\n").into_bytes()
    };
    let many_fields: String = (0..100).map(|i| format!("x-f{i}: 1\r\n")).collect();
    let cases = [
        (
            "a malformed header line",
            head("/healthz", "this is not a header\r\n"),
            400,
        ),
        (
            "a request line without a version",
            b"GET /healthz\r\n\r\n".to_vec(),
            400,
        ),
        (
            "Content-Length beside Transfer-Encoding",
            b"POST /v1/members HTTP/1.1\r\nHost: kiosk\r\nContent-Length: 4\r\n\
              Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                .to_vec(),
            400,
        ),
        ("no Host", b"GET /healthz HTTP/1.1\r\n\r\n".to_vec(), 400),
        (
            "a 100 KB query string",
            head(&format!("/healthz?q={}", "a".repeat(100 * 1024)), ""),
            400,
        ),
        (
            "a 1 MB header",
            head(
                "/healthz",
                &format!("x-pad: {}\r\n", "p".repeat(1024 * 1024)),
            ),
            431,
        ),
        ("100 header fields", head("/healthz", &many_fields), 431),
    ];

    for (case, request, status) in cases {
        let response = exchange(&app, &request, Duration::from_secs(5)).await;

        assert_eq!(response.status, status, "{case}");
        assert!(response.body.is_empty(), "{case}: {response:?}");
        assert_eq!(response.header("x-content-type-options"), None, "{case}");
        assert!(response.closed, "{case}");
    }
}
