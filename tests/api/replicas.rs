//! Two servers on one PostgreSQL database: a change made through one is
//! seen through the other within a second (LISTEN/NOTIFY).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_on, test_settings, Backend};
use crate::paywall::{on, put_article, set_status, subscribe, PASSWORD};

/// Polls `probe` until it holds, for at most a second; answers how long it took.
async fn within_a_second<F, Fut>(mut probe: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(1) {
        if probe().await {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not seen on the other replica within a second");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_through_one_replica_is_seen_through_the_other() {
    let a = on(spawn_app(Backend::Postgres).await).await;
    let b = spawn_on(a.app.database.share(), test_settings(&a.app.database.url)).await;
    let reader = a.app.sign_up("reader@example.com", PASSWORD).await;
    let sub = subscribe(&a.app, &reader.member_id, &a.plan_id, "active", None).await;
    let check = |app: &crate::helpers::TestApp| {
        let body = json!({ "article_id": "story", "member_token": reader.access_token });
        let (client, url, key) = (
            app.client.clone(),
            app.url("/v1/access/check"),
            a.key.clone(),
        );
        async move {
            let response = client
                .post(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .expect("check");
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.expect("json")
        }
    };
    assert_eq!(check(&b).await["allowed"], true, "B caches the entitlement");

    set_status(&a.app, &reader.member_id, &sub, "expired").await;

    within_a_second(|| {
        let answer = check(&b);
        async move { answer.await["allowed"] == false }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn article_and_catalogue_changes_reach_the_other_replica() {
    let a = on(spawn_app(Backend::Postgres).await).await;
    let b = spawn_on(a.app.database.share(), test_settings(&a.app.database.url)).await;
    put_article(&a.app, &a.key, "story", "premium").await;
    let access = |app: &crate::helpers::TestApp| {
        let (client, url, key) = (
            app.client.clone(),
            app.url("/v1/access/check"),
            a.key.clone(),
        );
        async move { post_with_key_raw(client, url, key).await }
    };
    assert_eq!(access(&b).await["access"], "premium");

    put_article(&a.app, &a.key, "story", "free").await;
    within_a_second(|| {
        let answer = access(&b);
        async move { answer.await["access"] == "free" }
    })
    .await;

    let publisher_id = a.publisher_id.clone();
    a.app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use kiosk::db::schema::publishers;
            diesel::update(publishers::table.find(publisher_id))
                .set(publishers::default_access.eq("registered"))
                .execute(conn)
                .expect("update publisher")
        })
        .await;
    a.app.state.catalogue_changed().await;
    within_a_second(|| {
        let (client, url, key) = (b.client.clone(), b.url("/v1/access/check"), a.key.clone());
        async move {
            let answer: Value = client
                .post(url)
                .bearer_auth(key)
                .json(&json!({ "article_id": "never-registered" }))
                .send()
                .await
                .expect("check")
                .json()
                .await
                .expect("json");
            answer["access"] == "registered"
        }
    })
    .await;
}

async fn post_with_key_raw(client: reqwest::Client, url: String, key: String) -> Value {
    client
        .post(url)
        .bearer_auth(key)
        .json(&json!({ "article_id": "story" }))
        .send()
        .await
        .expect("check")
        .json()
        .await
        .expect("json")
}
