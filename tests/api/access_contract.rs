//! Contract edges the fuzzer found on the access routes.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::post_bearer;
use crate::helpers::{problem_code, Backend};
use crate::paywall::paywall;

/// A full batch of 1,000 articles with long titles is over the general
/// body limit yet must be accepted; the route has a larger one.
async fn a_full_batch_with_titles_fits(backend: Backend) {
    let pw = paywall(backend).await;
    let articles: Vec<Value> = (0..1000)
        .map(|i| {
            json!({ "id": format!("article-{i}"), "access": "metered",
                    "title": "t".repeat(200), "section": "politics" })
        })
        .collect();
    let body = json!({ "articles": articles });
    assert!(body.to_string().len() > pw.app.state.settings.max_body_bytes);

    let response = post_bearer(&pw.app, "/v1/articles/batch", &pw.key, &body).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({ "created": 1000, "updated": 0 })
    );
}

/// `null` for the reader fields means an anonymous reader, as documented.
async fn null_reader_fields_mean_anonymous(backend: Backend) {
    let pw = paywall(backend).await;

    let decision = pw
        .check(json!({ "article_id": "scoop", "member_token": null, "visitor_id": null }))
        .await;
    let without = pw.check(json!({ "article_id": "scoop" })).await;
    let wrong_type = pw
        .check_response(json!({ "article_id": "scoop", "member_token": 42 }))
        .await;

    assert_eq!(decision["member"], Value::Null);
    assert_eq!(decision, without, "null answers like absent");
    assert_eq!(wrong_type.status(), 422);
}

async fn a_preflight_checks_the_article_id(backend: Backend) {
    let pw = paywall(backend).await;
    let long = "a".repeat(257);

    let response = pw
        .app
        .client
        .request(
            reqwest::Method::OPTIONS,
            pw.app
                .url(&format!("/v1/publishers/the-daily/articles/{long}/access")),
        )
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), 422);
    assert_eq!(problem_code(response).await, "validation_failed");
}

both_backends!(
    a_full_batch_with_titles_fits,
    null_reader_fields_mean_anonymous,
    a_preflight_checks_the_article_id,
);
