//! Tenant isolation: one publisher's key never reads or spends another's
//! articles or meters.

use serde_json::json;

use crate::both_backends;
use crate::helpers::post_bearer;
use crate::helpers::Backend;
use crate::paywall::{paywall, put_article};

async fn meters_and_articles_belong_to_one_publisher(backend: Backend) {
    let daily = paywall(backend).await;
    let weekly_id = daily.app.seed_publisher("the-weekly").await;
    let weekly_key = daily.app.publisher_key(&weekly_id).await;
    for id in ["m1", "m2", "m3", "m4"] {
        daily.put_article(id, "metered").await;
        put_article(&daily.app, &weekly_key, id, "metered").await;
    }
    daily.put_article("scoop", "free").await;

    // A visitor spends the daily's whole meter.
    for id in ["m1", "m2", "m3"] {
        assert_eq!(daily.check_visitor(id, "visitor-1").await["allowed"], true);
    }
    let daily_exhausted = daily.check_visitor("m4", "visitor-1").await;
    let weekly_answer = post_bearer(
        &daily.app,
        "/v1/access/check",
        &weekly_key,
        &json!({ "article_id": "m4", "visitor_id": "visitor-1" }),
    )
    .await
    .json::<serde_json::Value>()
    .await
    .expect("decision");
    // The weekly's key cannot see the daily's free article: to it the id is
    // an unregistered article of its own.
    let foreign_get = daily
        .app
        .client
        .get(daily.app.url("/v1/articles/scoop"))
        .bearer_auth(&weekly_key)
        .send()
        .await
        .expect("request");
    let foreign_delete = daily
        .app
        .client
        .delete(daily.app.url("/v1/articles/scoop"))
        .bearer_auth(&weekly_key)
        .send()
        .await
        .expect("request");
    let still_free = daily.check_visitor("scoop", "visitor-2").await;

    assert_eq!(daily_exhausted["reason"], "meter_exhausted");
    assert_eq!(
        weekly_answer["allowed"], true,
        "the weekly's meter is untouched"
    );
    assert_eq!(weekly_answer["meter"]["used"], 1);
    assert_eq!(weekly_answer["article"]["publisher"], "the-weekly");
    assert_eq!(foreign_get.status(), 404);
    assert_eq!(foreign_delete.status(), 404);
    assert_eq!(still_free["reason"], "free_article");
}

both_backends!(meters_and_articles_belong_to_one_publisher);
