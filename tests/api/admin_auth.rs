use serde_json::json;

use crate::admin_support::{create_publisher, post, problem, AdminClient};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend, ClockExt};

async fn bad_admin_keys_all_answer_invalid_api_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let real = app.admin_key().await;
    let unknown = format!("kiosk_admin_key_{}_{}", "0".repeat(32), "f".repeat(64));
    let wrong_secret = format!("{}{}", &real[..real.len() - 64], "0".repeat(64));

    for credential in [
        None,
        Some("Bearer nonsense".to_owned()),
        Some("Basic YWRtaW46YWRtaW4=".to_owned()),
        Some(format!("Bearer {unknown}")),
        Some(format!("Bearer {wrong_secret}")),
        Some(format!("Bearer {}", &real[..real.len() - 1])),
    ] {
        let mut request = app.client.get(app.url("/v1/admin/publishers"));
        if let Some(value) = &credential {
            request = request.header("Authorization", value);
        }
        let response = request.send().await.expect("request");
        let (status, code, _) = problem(response).await;
        assert_eq!(
            (status, code.as_str()),
            (401, "invalid_api_key"),
            "{credential:?}"
        );
    }
}

async fn the_key_is_checked_before_the_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let unknown = format!("kiosk_admin_key_{}_{}", "0".repeat(32), "f".repeat(64));

    let response = app
        .admin(reqwest::Method::POST, "/v1/admin/plans", &unknown)
        .json(&json!({ "price": -1 }))
        .send()
        .await
        .expect("request");

    assert_eq!(problem(response).await.1, "invalid_api_key");
}

async fn publisher_keys_and_member_tokens_are_forbidden(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    let publisher = create_publisher(&app, &admin, "daily").await;
    let publisher_key = app
        .publisher_key(publisher["id"].as_str().expect("publisher id"))
        .await;
    let member = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;

    for token in [publisher_key, member.access_token] {
        for path in [
            "/v1/admin/publishers",
            "/v1/admin/members",
            "/v1/admin/audit",
        ] {
            let response = app.get_bearer(path, &token).await;
            let (status, code, _) = problem(response).await;
            assert_eq!((status, code.as_str()), (403, "forbidden"), "{path}");
        }
        let write = post(
            &app,
            &token,
            "/v1/admin/publishers",
            &json!({"slug": "x", "name": "x"}),
        )
        .await;
        assert_eq!(problem(write).await.0, 403);
    }
}

async fn admin_key_use_is_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    let id = admin["kiosk_admin_".len().."kiosk_admin_".len() + 36].to_owned();

    let response = app.get_bearer("/v1/admin/publishers", &admin).await;

    assert_eq!(response.status(), 200);
    let stored = app
        .with_conn(move |conn| {
            kiosk::db::api_keys::find(conn, &id)
                .expect("query")
                .expect("row")
        })
        .await;
    assert_eq!(stored.last_used_at, Some(app.clock.now_utc().naive_utc()));
}

async fn bodies_must_be_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;

    let text = app
        .client
        .post(app.url("/v1/admin/publishers"))
        .bearer_auth(&key)
        .header("Content-Type", "text/plain")
        .body(r#"{"slug": "daily", "name": "Daily"}"#)
        .send()
        .await
        .expect("request");
    let broken = app
        .client
        .post(app.url("/v1/admin/publishers"))
        .bearer_auth(&key)
        .header("Content-Type", "application/json")
        .body(r#"{"slug": "daily", "#)
        .send()
        .await
        .expect("request");

    assert_eq!(problem(text).await.0, 415);
    assert_eq!(problem(broken).await.1, "malformed_json");
}

both_backends!(
    bodies_must_be_json,
    bad_admin_keys_all_answer_invalid_api_key,
    the_key_is_checked_before_the_body,
    publisher_keys_and_member_tokens_are_forbidden,
    admin_key_use_is_recorded,
);
