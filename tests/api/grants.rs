use chrono::Duration;
use diesel::prelude::*;
use kiosk::db::schema::audit_log;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{post_bearer, problem_code, spawn_app, Backend, TestApp};
use crate::lifecycle_support::{body, member, rfc3339, time};

async fn grant(app: &TestApp, key: &str, member_id: &str, body: Value) -> reqwest::Response {
    post_bearer(
        app,
        &format!("/v1/admin/members/{member_id}/grants"),
        key,
        &body,
    )
    .await
}

async fn audit_actions(app: &TestApp, target: &str) -> Vec<(String, String)> {
    let target = target.to_owned();
    app.with_conn(move |conn| {
        audit_log::table
            .filter(audit_log::target.eq(target))
            .order(audit_log::id)
            .select((audit_log::actor, audit_log::action))
            .load(conn)
            .expect("audit")
    })
    .await
}

async fn a_grant_with_an_end_gives_access_until_then(backend: Backend) {
    let app = spawn_app(backend).await;
    let daily = app.seed_publisher("daily").await;
    app.seed_plan("press-pass", 0, &[daily]).await;
    let reader = member(&app, "reader@example.com").await;
    let key = app.admin_key().await;
    let ends_at = app.now() + Duration::days(90);

    let granted = grant(
        &app,
        &key,
        &reader.member_id,
        json!({"plan": "press-pass", "ends_at": rfc3339(ends_at)}),
    )
    .await;
    let granted = body(granted, 201).await;
    let me = app.me("reader@example.com").await;
    app.clock.advance(Duration::days(90));
    let after = app.me("reader@example.com").await;

    assert_eq!(granted["source"], "complimentary");
    assert_eq!(granted["status"], "active");
    assert_eq!(time(&granted["current_period_end"]), ends_at);
    assert_eq!(me["entitlements"][0]["grant"], "complimentary");
    assert_eq!(me["entitlements"][0]["publishers"], json!(["daily"]));
    assert_eq!(time(&me["entitlements"][0]["ends_at"]), ends_at);
    assert_eq!(me["trial_eligible"], true, "a grant is not a trial");
    assert_eq!(after["entitlements"], json!([]));
    let audit = audit_actions(&app, &reader.member_id).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].1, "member.grant");
    assert!(audit[0].0.starts_with("admin_key:key_"));
}

async fn an_open_ended_grant_has_no_end(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 0, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let key = app.admin_key().await;

    let explicit = grant(
        &app,
        &key,
        &reader.member_id,
        json!({"plan": "all-access", "ends_at": null}),
    )
    .await;
    let omitted = grant(&app, &key, &reader.member_id, json!({"plan": "all-access"})).await;
    let explicit = body(explicit, 201).await;
    body(omitted, 201).await;
    app.clock.advance(Duration::days(3650));
    let me = app.me("reader@example.com").await;

    assert_eq!(explicit["current_period_end"], json!(null));
    assert_eq!(explicit["ends_at"], json!(null));
    assert_eq!(me["entitlements"].as_array().map(Vec::len), Some(2));
    assert_eq!(me["entitlements"][0]["ends_at"], json!(null));
}

async fn bad_grants_are_refused_and_write_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 0, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let key = app.admin_key().await;
    let past = rfc3339(app.now() - Duration::seconds(1));
    let now = rfc3339(app.now());

    let cases = [
        (
            reader.member_id.as_str(),
            json!({"plan": "all-access", "ends_at": past}),
            422,
            "validation_failed",
        ),
        (
            reader.member_id.as_str(),
            json!({"plan": "all-access", "ends_at": now}),
            422,
            "validation_failed",
        ),
        (
            reader.member_id.as_str(),
            json!({"plan": "all-access", "ends_at": "soon"}),
            422,
            "validation_failed",
        ),
        (
            reader.member_id.as_str(),
            json!({"plan": "nope"}),
            404,
            "not_found",
        ),
        (
            reader.member_id.as_str(),
            json!({"plan": "all-access", "status": "x"}),
            422,
            "validation_failed",
        ),
        (
            "mem_nobody",
            json!({"plan": "all-access"}),
            404,
            "not_found",
        ),
    ];
    for (member_id, request, status, code) in cases {
        let response = grant(&app, &key, member_id, request.clone()).await;
        assert_eq!(response.status(), status, "{request}");
        assert_eq!(problem_code(response).await, code, "{request}");
    }
    let as_member = grant(
        &app,
        &reader.access_token,
        &reader.member_id,
        json!({"plan": "all-access"}),
    )
    .await;
    let anonymous = app
        .post_json(
            &format!("/v1/admin/members/{}/grants", reader.member_id),
            &json!({"plan": "all-access"}),
        )
        .await;

    assert_eq!(as_member.status(), 403);
    assert_eq!(anonymous.status(), 401);
    assert_eq!(app.count_all_subscriptions().await, 0);
    assert!(audit_actions(&app, &reader.member_id).await.is_empty());
}

async fn revoking_ends_a_grant_now_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let key = app.admin_key().await;
    let granted = body(
        grant(&app, &key, &reader.member_id, json!({"plan": "all-access"})).await,
        201,
    )
    .await;
    let trial = body(
        app.start_trial(&reader.access_token, "all-access").await,
        201,
    )
    .await;
    let path = |id: &Value| {
        format!(
            "/v1/admin/members/{}/grants/{}",
            reader.member_id,
            id.as_str().expect("id")
        )
    };

    let first = body(app.delete_bearer(&path(&granted["id"]), &key).await, 200).await;
    let second = body(app.delete_bearer(&path(&granted["id"]), &key).await, 200).await;
    let not_a_grant = app.delete_bearer(&path(&trial["id"]), &key).await;
    let other_member = app
        .delete_bearer(
            &format!(
                "/v1/admin/members/mem_x/grants/{}",
                granted["id"].as_str().unwrap_or("")
            ),
            &key,
        )
        .await;
    let me = app.me("reader@example.com").await;

    assert_eq!(first["status"], "canceled");
    assert_eq!(first["entitled"], false);
    assert_eq!(time(&first["current_period_end"]), app.now());
    assert_eq!(first, second);
    assert_eq!(not_a_grant.status(), 404);
    assert_eq!(other_member.status(), 404);
    let held: Vec<_> = me["entitlements"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["source"].clone())
        .collect();
    assert_eq!(held, [json!("trial")]);
    let actions: Vec<_> = audit_actions(&app, &reader.member_id)
        .await
        .into_iter()
        .map(|a| a.1)
        .collect();
    assert_eq!(actions, ["member.grant", "member.revoke_grant"]);
}

both_backends!(
    a_grant_with_an_end_gives_access_until_then,
    an_open_ended_grant_has_no_end,
    bad_grants_are_refused_and_write_nothing,
    revoking_ends_a_grant_now_once,
);
