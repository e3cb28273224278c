//! Two servers on one PostgreSQL database: a change made through one is
//! seen through the other within a second (LISTEN/NOTIFY).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_on, test_settings, Backend, ClockExt};
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

/// A publisher key revoked through one replica, and an admin key revoked
/// from the command line, stop working on the other replica within a
/// second, not after its key cache's ten seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_anywhere_stops_working_on_every_replica() {
    let a = on(spawn_app(Backend::Postgres).await).await;
    let b = spawn_on(a.app.database.share(), test_settings(&a.app.database.url)).await;
    let admin = a.app.admin_key().await;
    let created: Value = a
        .app
        .client
        .post(a.app.url("/v1/admin/publishers/the-daily/keys"))
        .bearer_auth(&admin)
        .json(&json!({ "name": "web" }))
        .send()
        .await
        .expect("create key")
        .json()
        .await
        .expect("json");
    let (text, id) = (
        created["key"].as_str().expect("key").to_owned(),
        created["id"].as_str().expect("id").to_owned(),
    );
    let status_on_b = |key: String| {
        let (client, url) = (b.client.clone(), b.url("/v1/access/check"));
        async move {
            client
                .post(url)
                .bearer_auth(key)
                .json(&json!({ "article_id": "story" }))
                .send()
                .await
                .expect("check")
                .status()
        }
    };
    assert_eq!(status_on_b(text.clone()).await, 200, "B caches the key");

    let revoked = a
        .app
        .client
        .post(
            a.app
                .url(&format!("/v1/admin/publishers/the-daily/keys/{id}/revoke")),
        )
        .bearer_auth(&admin)
        .json(&json!({}))
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 200);
    within_a_second(|| {
        let status = status_on_b(text.clone());
        async move { status.await == 401 }
    })
    .await;

    let now = a.app.clock.now_utc();
    let (ops, ops_text) = a
        .app
        .with_conn(move |conn| kiosk::auth::admin_keys::create(conn, "ops", now).expect("create"))
        .await;
    let audit_on_b = |key: String| {
        let (client, url) = (b.client.clone(), b.url("/v1/admin/audit"));
        async move {
            client
                .get(url)
                .bearer_auth(key)
                .send()
                .await
                .expect("audit")
                .status()
        }
    };
    assert_eq!(audit_on_b(ops_text.clone()).await, 200, "B caches the key");
    a.app
        .with_conn(move |conn| kiosk::auth::admin_keys::revoke(conn, &ops.id, now).expect("revoke"))
        .await;
    within_a_second(|| {
        let status = audit_on_b(ops_text.clone());
        async move { status.await == 401 }
    })
    .await;
}
