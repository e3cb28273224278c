use serde_json::json;

use crate::admin_support::{audit_count, get, insert_trial, json_of, post, problem};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

const PASSWORD: &str = "correct horse battery";

async fn search_by_email_part_with_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    for email in [
        "ann@example.com",
        "bob@example.com",
        "anna@news.example",
        "jo_anne@example.com",
        "joXanne@example.com",
    ] {
        app.sign_up(email, PASSWORD).await;
    }

    let first = json_of(
        get(&app, &admin, "/v1/admin/members?email=ANN&limit=2").await,
        200,
    )
    .await;
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    let second = json_of(
        get(
            &app,
            &admin,
            &format!("/v1/admin/members?email=ann&limit=2&after={cursor}"),
        )
        .await,
        200,
    )
    .await;
    let underscore = json_of(get(&app, &admin, "/v1/admin/members?email=o_a").await, 200).await;

    let emails = |page: &serde_json::Value| -> Vec<String> {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|m| m["email"].as_str().expect("email").to_owned())
            .collect()
    };
    assert_eq!(emails(&first), ["ann@example.com", "anna@news.example"]);
    assert_eq!(
        emails(&second),
        ["jo_anne@example.com", "joxanne@example.com"]
    );
    assert!(second["next_cursor"].is_null());
    assert_eq!(emails(&underscore), ["jo_anne@example.com"]);
    let everyone = json_of(get(&app, &admin, "/v1/admin/members").await, 200).await;
    assert_eq!(everyone["data"].as_array().map(Vec::len), Some(5));
    assert!(everyone["data"][0].get("password_hash").is_none());
}

async fn a_member_is_shown_with_subscriptions(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    let member = app.sign_up("reader@example.com", PASSWORD).await;
    let plan_id = app.seed_plan("all-access", 14, &[]).await;
    insert_trial(&app, &member.member_id, &plan_id).await;

    let path = format!("/v1/admin/members/{}", member.member_id);
    let shown = json_of(get(&app, &admin, &path).await, 200).await;

    assert_eq!(shown["email"], "reader@example.com");
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["subscriptions"][0]["plan"], "all-access");
    assert_eq!(shown["subscriptions"][0]["status"], "trialing");
    assert_eq!(
        shown["subscriptions"][0]["trial_ends_at"],
        "2026-03-24T09:00:00Z"
    );
    let missing = get(&app, &admin, "/v1/admin/members/mem_nobody").await;
    assert_eq!(problem(missing).await.1, "not_found");
}

async fn disabling_a_member_ends_their_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    let member = app.sign_up("reader@example.com", PASSWORD).await;
    let path = format!("/v1/admin/members/{}/disable", member.member_id);

    let disabled = json_of(post(&app, &admin, &path, &json!({})).await, 200).await;

    assert_eq!(disabled["status"], "disabled");
    let refresh = app.refresh_response(&member.refresh_token).await;
    assert_eq!(refresh.status(), 401);
    let me = app.get_bearer("/v1/me", &member.access_token).await;
    assert_eq!(me.status(), 401);
    let open_sessions = {
        let id = member.member_id.clone();
        app.with_conn(move |conn| {
            use diesel::prelude::*;
            use kiosk::db::schema::sessions::dsl as s;
            s::sessions
                .filter(s::member_id.eq(id))
                .filter(s::revoked_at.is_null())
                .count()
                .get_result::<i64>(conn)
                .expect("count")
        })
        .await
    };
    assert_eq!(open_sessions, 0);
}

async fn enabling_a_member_lets_them_sign_in_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    let member = app.sign_up("reader@example.com", PASSWORD).await;
    let base = format!("/v1/admin/members/{}", member.member_id);
    json_of(
        post(&app, &admin, &format!("{base}/disable"), &json!({})).await,
        200,
    )
    .await;

    let enabled = json_of(
        post(&app, &admin, &format!("{base}/enable"), &json!({})).await,
        200,
    )
    .await;

    assert_eq!(enabled["status"], "active");
    let tokens = app.sign_in("reader@example.com", PASSWORD).await;
    assert_eq!(
        app.get_bearer("/v1/me", &tokens.access_token)
            .await
            .status(),
        200
    );
}

async fn disabling_nobody_is_not_found_and_audits_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;

    let response = post(
        &app,
        &admin,
        "/v1/admin/members/mem_nobody/disable",
        &json!({}),
    )
    .await;

    assert_eq!(problem(response).await.1, "not_found");
    assert_eq!(audit_count(&app).await, 0);
}

async fn bad_search_queries_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;

    for query in [
        format!("email={}", "a".repeat(300)),
        "email=%00".to_owned(),
        "limit=1000".to_owned(),
        "status=active".to_owned(),
    ] {
        let response = get(&app, &admin, &format!("/v1/admin/members?{query}")).await;
        assert_eq!(problem(response).await.0, 422, "{query}");
    }
}

both_backends!(
    search_by_email_part_with_pages,
    a_member_is_shown_with_subscriptions,
    disabling_a_member_ends_their_sessions,
    enabling_a_member_lets_them_sign_in_again,
    disabling_nobody_is_not_found_and_audits_nothing,
    bad_search_queries_are_refused,
);
