//! A body that stalls is answered 408 `request_timeout` once the read
//! timeout has passed, and its connection closed, on every kind of route
//! that reads a body. Nothing here is stored, so SQLite alone serves.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::raw_http::{connect, exchange};

const TIMEOUT_SECS: u64 = 1;

async fn app() -> TestApp {
    spawn_app_with(Backend::Sqlite, |s| {
        s.body_read_timeout_secs = TIMEOUT_SECS;
        s.stripe_webhook_secret = kiosk::config::Secret::new("whsec_test");
    })
    .await
}

/// A head promising 1000 bytes of body, and the first 10 of them.
fn stalled(path: &str, credential: Option<&str>) -> Vec<u8> {
    let authorization = credential
        .map(|c| format!("Authorization: Bearer {c}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: kiosk\r\n{authorization}\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"email\":"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_408_and_the_connection_closed() {
    let app = app().await;
    let publisher_id = app.seed_publisher("daily").await;
    let key = app.publisher_key(&publisher_id).await;

    for (path, credential) in [
        ("/v1/members", None),
        ("/v1/access/check", Some(key.as_str())),
        ("/v1/webhooks/stripe", None),
    ] {
        let response = exchange(&app, &stalled(path, credential), Duration::from_secs(6)).await;

        assert_eq!(response.status, 408, "{path}: {response:?}");
        assert_eq!(response.problem_code(), "request_timeout", "{path}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert!(
            response.took >= Duration::from_secs(TIMEOUT_SECS)
                && response.took < Duration::from_secs(TIMEOUT_SECS + 3),
            "{path} answered after {:?}",
            response.took
        );
        assert!(response.closed, "{path}: the connection stays open");
    }
}

/// The timeout bounds the whole body, not each read: a body trickled in
/// pieces, each well within the timeout, still ends at it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_408_at_the_timeout() {
    let app = app().await;
    let (mut reader, mut writer) = connect(&app).await.into_split();
    let started = Instant::now();
    writer
        .write_all(&stalled("/v1/members", None))
        .await
        .expect("head");
    let trickle = tokio::spawn(async move {
        for _ in 0..25 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });

    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(4), async {
        while let Ok(n @ 1..) = reader.read(&mut chunk).await {
            answer.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    trickle.abort();

    assert!(read.is_ok(), "the connection stays open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(TIMEOUT_SECS + 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_arrives_in_time_is_read() {
    let app = app().await;
    let body = br#"{"email":"reader@example.com","password":"correct horse battery"}"#;
    let head = format!(
        "POST /v1/members HTTP/1.1\r\nHost: kiosk\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = connect(&app).await;
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&body[..10]).await.expect("start");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(&body[10..]).await.expect("rest");

    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), async {
        let _ = stream.read_to_end(&mut answer).await;
    })
    .await
    .expect("an answer");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}
