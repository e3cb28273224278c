use actix_web::test as actix_test;
use actix_web::FromRequest;
use serde_json::{json, Value};

use crate::admin_support::{create_publisher, get, json_of, post, problem};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend, TestApp};
use kiosk::auth::api_keys::PublisherAuth;

/// Runs the publisher-key extractor against the server's own state (and
/// key cache), as a publisher route would.
async fn publisher_auth(app: &TestApp, key: &str) -> Result<PublisherAuth, String> {
    let req = actix_test::TestRequest::default()
        .insert_header(("Authorization", format!("Bearer {key}")))
        .app_data(app.state.clone())
        .to_http_request();
    PublisherAuth::from_request(&req, &mut actix_web::dev::Payload::None)
        .await
        .map_err(|e| e.code.as_str().to_owned())
}

async fn create_key(app: &TestApp, admin: &str, slug: &str) -> Value {
    let path = format!("/v1/admin/publishers/{slug}/keys");
    json_of(
        post(app, admin, &path, &json!({ "name": "cms" })).await,
        201,
    )
    .await
}

async fn a_publisher_key_is_shown_once_and_stored_hashed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    create_publisher(&app, &admin, "daily").await;

    let response = post(
        &app,
        &admin,
        "/v1/admin/publishers/daily/keys",
        &json!({ "name": "cms" }),
    )
    .await;

    assert_eq!(response.headers()["cache-control"], "no-store");
    let created = json_of(response, 201).await;
    let text = created["key"].as_str().expect("key").to_owned();
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(text.starts_with(&format!("kiosk_pub_{id}_")), "{text}");
    assert_eq!(created["publisher"], "daily");
    assert_eq!(created["name"], "cms");
    let secret = text.rsplit('_').next().expect("secret").to_owned();
    let stored = app
        .with_conn(move |conn| {
            kiosk::db::api_keys::find(conn, &id)
                .expect("query")
                .expect("row")
        })
        .await;
    assert_eq!(
        stored.secret_hash,
        kiosk::auth::secrets::sha256_hex(&secret)
    );
    assert!(!stored.secret_hash.contains(&secret));
    let listed = json_of(
        get(&app, &admin, "/v1/admin/publishers/daily/keys").await,
        200,
    )
    .await;
    let listed_text = listed.to_string();
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    assert!(listed["data"][0].get("key").is_none());
    assert!(!listed_text.contains(&secret) && !listed_text.contains(&stored.secret_hash));
}

async fn a_used_key_shows_when_it_was_last_used(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    create_publisher(&app, &admin, "daily").await;
    let created = create_key(&app, &admin, "daily").await;
    assert!(created["last_used_at"].is_null());

    let auth = publisher_auth(&app, created["key"].as_str().expect("key")).await;

    assert!(auth.is_ok());
    let listed = json_of(
        get(&app, &admin, "/v1/admin/publishers/daily/keys").await,
        200,
    )
    .await;
    assert_eq!(listed["data"][0]["last_used_at"], "2026-03-10T09:00:00Z");
}

async fn a_revoked_publisher_key_stops_working_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    create_publisher(&app, &admin, "daily").await;
    let created = create_key(&app, &admin, "daily").await;
    let (text, id) = (
        created["key"].as_str().expect("key"),
        created["id"].as_str().expect("id"),
    );
    assert!(publisher_auth(&app, text).await.is_ok(), "works before");

    let path = format!("/v1/admin/publishers/daily/keys/{id}/revoke");
    let revoked = json_of(post(&app, &admin, &path, &json!({})).await, 200).await;

    assert_eq!(revoked["revoked_at"], "2026-03-10T09:00:00Z");
    assert_eq!(
        publisher_auth(&app, text).await.err().as_deref(),
        Some("invalid_api_key")
    );
    let again = json_of(post(&app, &admin, &path, &json!({})).await, 200).await;
    assert_eq!(again["revoked_at"], revoked["revoked_at"]);
}

async fn keys_belong_to_their_publisher(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    create_publisher(&app, &admin, "daily").await;
    create_publisher(&app, &admin, "weekly").await;
    let created = create_key(&app, &admin, "daily").await;
    let id = created["id"].as_str().expect("id");

    let cross = post(
        &app,
        &admin,
        &format!("/v1/admin/publishers/weekly/keys/{id}/revoke"),
        &json!({}),
    )
    .await;
    let ghost = post(
        &app,
        &admin,
        "/v1/admin/publishers/ghost/keys",
        &json!({ "name": "x" }),
    )
    .await;
    let nameless = post(
        &app,
        &admin,
        "/v1/admin/publishers/daily/keys",
        &json!({ "name": " " }),
    )
    .await;

    assert_eq!(problem(cross).await.1, "not_found");
    assert_eq!(problem(ghost).await.1, "not_found");
    assert_eq!(problem(nameless).await.2.as_deref(), Some("name"));
    let weekly = json_of(
        get(&app, &admin, "/v1/admin/publishers/weekly/keys").await,
        200,
    )
    .await;
    assert_eq!(weekly["data"], json!([]));
    assert!(publisher_auth(&app, created["key"].as_str().expect("key"))
        .await
        .is_ok());
}

both_backends!(
    a_publisher_key_is_shown_once_and_stored_hashed,
    a_used_key_shows_when_it_was_last_used,
    a_revoked_publisher_key_stops_working_at_once,
    keys_belong_to_their_publisher,
);
