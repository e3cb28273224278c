//! Two servers on one PostgreSQL database: a change made through one is
//! seen through the other within a second (LISTEN/NOTIFY).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{check_token, post_bearer};
use crate::helpers::{spawn_app, spawn_on, test_settings, Backend, ClockExt, TestApp};
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
    let token = check_token(&a.app, &reader.access_token, "the-daily").await;
    let body = json!({ "article_id": "story", "member_token": token });
    let allowed_on_b = || async { check(&b, &a.key, &body).await["allowed"] == true };
    assert!(allowed_on_b().await, "B caches the entitlement");

    set_status(&a.app, &reader.member_id, &sub, "expired").await;

    within_a_second(|| async { !allowed_on_b().await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn article_and_catalogue_changes_reach_the_other_replica() {
    let a = on(spawn_app(Backend::Postgres).await).await;
    let b = spawn_on(a.app.database.share(), test_settings(&a.app.database.url)).await;
    put_article(&a.app, &a.key, "story", "premium").await;
    let (on_b, key) = (&b, a.key.as_str());
    let access_on_b = move |article_id: &'static str| async move {
        check(on_b, key, &json!({ "article_id": article_id })).await["access"].clone()
    };
    assert_eq!(access_on_b("story").await, "premium");

    put_article(&a.app, &a.key, "story", "free").await;
    within_a_second(|| async { access_on_b("story").await == "free" }).await;

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
    a.app.state.invalidator.catalogue_changed().await;
    within_a_second(|| async { access_on_b("never-registered").await == "registered" }).await;
}

/// A check through `app` with the publisher key `key`; it must answer 200.
async fn check(app: &TestApp, key: &str, body: &Value) -> Value {
    let response = post_bearer(app, "/v1/access/check", key, body).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// A publisher key revoked through one replica, and an admin key revoked
/// from the command line, stop working on the other replica within a
/// second, not after its key cache's ten seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_anywhere_stops_working_on_every_replica() {
    let a = on(spawn_app(Backend::Postgres).await).await;
    let b = spawn_on(a.app.database.share(), test_settings(&a.app.database.url)).await;
    let admin = a.app.admin_key().await;
    let created: Value = post_bearer(
        &a.app,
        "/v1/admin/publishers/the-daily/keys",
        &admin,
        &json!({ "name": "web" }),
    )
    .await
    .json()
    .await
    .expect("json");
    let (text, id) = (
        created["key"].as_str().expect("key").to_owned(),
        created["id"].as_str().expect("id").to_owned(),
    );
    let check_on_b = || async {
        post_bearer(
            &b,
            "/v1/access/check",
            &text,
            &json!({ "article_id": "story" }),
        )
        .await
        .status()
    };
    assert_eq!(check_on_b().await, 200, "B caches the key");

    let revoke = format!("/v1/admin/publishers/the-daily/keys/{id}/revoke");
    let revoked = post_bearer(&a.app, &revoke, &admin, &json!({})).await;
    assert_eq!(revoked.status(), 200);
    within_a_second(|| async { check_on_b().await == 401 }).await;

    let now = a.app.clock.now_utc();
    let (ops, ops_text) = a
        .app
        .with_conn(move |conn| kiosk::auth::admin_keys::create(conn, "ops", now).expect("create"))
        .await;
    let audit_on_b = || async { b.get_bearer("/v1/admin/audit", &ops_text).await.status() };
    assert_eq!(audit_on_b().await, 200, "B caches the key");
    a.app
        .with_conn(move |conn| kiosk::auth::admin_keys::revoke(conn, &ops.id, now).expect("revoke"))
        .await;
    within_a_second(|| async { audit_on_b().await == 401 }).await;
}
