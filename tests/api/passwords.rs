//! The bounded password-hashing pool.

use crate::both_backends;
use crate::helpers::{spawn_app_with, Backend};
use crate::members::member_count;

/// One hash at a time and no waiting line: a burst of sign-ups gets 503 with
/// Retry-After for those that find the pool busy, and nothing half-written.
async fn full_hashing_pool_answers_503_with_retry_after(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.hash_concurrency = 1;
        s.hash_queue = 0;
        // About ten times the usual work, so the burst meets a busy pool.
        s.argon2_iterations = 20;
    })
    .await;

    let emails: Vec<String> = (0..8).map(|i| format!("reader{i}@example.com")).collect();
    let answers = futures_util::future::join_all(
        emails
            .iter()
            .map(|email| app.sign_up_response(email, "correct horse battery")),
    )
    .await;

    let (mut created, mut refused) = (0, 0);
    for response in answers {
        match response.status().as_u16() {
            201 => created += 1,
            503 => {
                refused += 1;
                assert_eq!(response.headers()["retry-after"], "1");
                assert_eq!(
                    crate::helpers::problem_code(response).await,
                    "service_unavailable"
                );
            }
            other => panic!("sign-up answered {other}"),
        }
    }
    assert!(refused >= 1, "no sign-up met a full pool");
    assert!(created >= 1, "the pool serves someone");
    assert_eq!(member_count(&app).await, created);
}

both_backends!(full_hashing_pool_answers_503_with_retry_after);
