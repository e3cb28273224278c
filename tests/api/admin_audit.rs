use serde_json::json;

use crate::admin_support::{create_plan, create_publisher, get, json_of, patch, post, problem};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

fn key_id(key: &str) -> &str {
    &key["kiosk_admin_".len().."kiosk_admin_".len() + 36]
}

async fn every_write_is_audited_with_before_and_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    create_publisher(&app, &admin, "daily").await;
    app.clock.advance(chrono::Duration::minutes(1));
    patch(
        &app,
        &admin,
        "/v1/admin/publishers/daily",
        &json!({ "name": "Daily News" }),
    )
    .await;

    let page = json_of(get(&app, &admin, "/v1/admin/audit?target=daily").await, 200).await;

    let entries = page["data"].as_array().expect("data");
    assert_eq!(entries.len(), 2);
    let (update, create) = (&entries[0], &entries[1]);
    assert_eq!(update["action"], "publisher.update");
    assert_eq!(update["actor"], format!("admin_key:{}", key_id(&admin)));
    assert_eq!(update["target"], "daily");
    assert_eq!(update["at"], "2026-03-10T09:01:00Z");
    assert_eq!(update["details"]["before"]["name"], "The daily");
    assert_eq!(update["details"]["after"]["name"], "Daily News");
    assert_eq!(create["action"], "publisher.create");
    assert!(create["details"]["before"].is_null());
    assert_eq!(create["details"]["after"]["slug"], "daily");
}

async fn each_admin_write_names_its_action(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    create_publisher(&app, &admin, "daily").await;
    let key = json_of(
        post(
            &app,
            &admin,
            "/v1/admin/publishers/daily/keys",
            &json!({ "name": "cms" }),
        )
        .await,
        201,
    )
    .await;
    let key_path = format!(
        "/v1/admin/publishers/daily/keys/{}/revoke",
        key["id"].as_str().expect("id")
    );
    post(&app, &admin, &key_path, &json!({})).await;
    create_plan(&app, &admin, "basic", json!("*")).await;
    patch(
        &app,
        &admin,
        "/v1/admin/plans/basic",
        &json!({ "price": 500 }),
    )
    .await;
    post(&app, &admin, "/v1/admin/plans/basic/archive", &json!({})).await;
    app.client
        .delete(app.url("/v1/admin/plans/basic"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("delete");
    let member = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let member_path = format!("/v1/admin/members/{}", member.member_id);
    post(&app, &admin, &format!("{member_path}/disable"), &json!({})).await;
    post(&app, &admin, &format!("{member_path}/enable"), &json!({})).await;

    let page = json_of(get(&app, &admin, "/v1/admin/audit?limit=200").await, 200).await;

    let mut actions: Vec<&str> = page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "publisher.create",
            "publisher_key.create",
            "publisher_key.revoke",
            "plan.create",
            "plan.update",
            "plan.archive",
            "plan.delete",
            "member.disable",
            "member.enable",
        ]
    );
    assert!(!page
        .to_string()
        .contains(key["key"].as_str().expect("key text")));
}

async fn filters_and_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    let other = app.admin_key().await;
    for slug in ["a", "b", "c"] {
        create_publisher(&app, &admin, slug).await;
        app.clock.advance(chrono::Duration::hours(1));
    }
    create_publisher(&app, &other, "d").await;

    let by_other = format!("/v1/admin/audit?actor=admin_key:{}", key_id(&other));
    let by_other = json_of(get(&app, &admin, &by_other).await, 200).await;
    let window = "/v1/admin/audit?since=2026-03-10T10:00:00Z&until=2026-03-10T12:00:00Z";
    let window = json_of(get(&app, &admin, window).await, 200).await;
    let creates = json_of(
        get(
            &app,
            &admin,
            "/v1/admin/audit?action=publisher.create&limit=3",
        )
        .await,
        200,
    )
    .await;
    let cursor = creates["next_cursor"].as_str().expect("cursor").to_owned();
    let rest = json_of(
        get(
            &app,
            &admin,
            &format!("/v1/admin/audit?action=publisher.create&limit=3&after={cursor}"),
        )
        .await,
        200,
    )
    .await;

    let targets = |page: &serde_json::Value| -> Vec<String> {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|e| e["target"].as_str().expect("target").to_owned())
            .collect()
    };
    assert_eq!(targets(&by_other), ["d"]);
    assert_eq!(targets(&window), ["c", "b"]);
    assert_eq!(targets(&creates), ["d", "c", "b"]);
    assert_eq!(targets(&rest), ["a"]);
    assert!(rest["next_cursor"].is_null());
}

async fn bad_audit_queries_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;

    for (query, field) in [
        ("since=yesterday", Some("since")),
        ("until=2026-13-01T00:00:00Z", Some("until")),
        ("limit=0", Some("limit")),
        ("after=not%20a%20cursor", Some("after")),
        ("verb=create", None),
    ] {
        let response = get(&app, &admin, &format!("/v1/admin/audit?{query}")).await;
        let (status, _, got) = problem(response).await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(got.as_deref(), field, "{query}");
    }
}

both_backends!(
    every_write_is_audited_with_before_and_after,
    each_admin_write_names_its_action,
    filters_and_pages,
    bad_audit_queries_are_refused,
);
