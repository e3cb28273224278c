use serde_json::json;

use crate::admin_support::{
    audit_count, create_plan, create_publisher, delete, get, insert_trial, json_of, patch,
    plan_body, post, problem,
};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

async fn create_a_fourteen_day_trial_plan(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;

    let mut body = plan_body("all-access", json!("*"));
    body["currency"] = json!("eur");
    body["stripe_price_id"] = json!("price_123abc");
    let created = json_of(post(&app, &key, "/v1/admin/plans", &body).await, 201).await;

    assert_eq!(created["code"], "all-access");
    assert_eq!(created["price"], 999);
    assert_eq!(created["currency"], "EUR");
    assert_eq!(created["interval"], "month");
    assert_eq!(created["trial_days"], 14);
    assert_eq!(created["trial_requires_card"], false);
    assert_eq!(created["publishers"], "*");
    assert_eq!(created["status"], "active");
    assert_eq!(created["stripe_price_id"], "price_123abc");
    let read = json_of(get(&app, &key, "/v1/admin/plans/all-access").await, 200).await;
    assert_eq!(read, created);
    let (interval, all): (String, bool) = app
        .with_conn(|conn| {
            let plan = kiosk::db::plans::find_by_code(conn, "all-access")
                .expect("query")
                .expect("plan");
            (plan.billing_interval, plan.all_publishers)
        })
        .await;
    assert_eq!((interval.as_str(), all), ("month", true));
}

async fn a_plan_scoped_to_publishers_lists_their_slugs(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    create_publisher(&app, &key, "daily").await;
    create_publisher(&app, &key, "weekly").await;

    let created = create_plan(&app, &key, "bundle", json!(["weekly", "daily", "daily"])).await;
    let narrowed = patch(
        &app,
        &key,
        "/v1/admin/plans/bundle",
        &json!({ "publishers": ["weekly"] }),
    )
    .await;

    assert_eq!(created["publishers"], json!(["daily", "weekly"]));
    assert_eq!(
        json_of(narrowed, 200).await["publishers"],
        json!(["weekly"])
    );
    let widened = patch(
        &app,
        &key,
        "/v1/admin/plans/bundle",
        &json!({ "publishers": "*" }),
    )
    .await;
    assert_eq!(json_of(widened, 200).await["publishers"], "*");
}

async fn bad_plan_input_is_refused_with_its_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    let with = |field: &str, value: serde_json::Value| {
        let mut body = plan_body("basic", json!("*"));
        body[field] = value;
        body
    };
    let cases = [
        (with("price", json!(-1)), Some("price")),
        (with("price", json!(100_000_000)), Some("price")),
        (with("currency", json!("XYZ")), Some("currency")),
        (with("currency", json!("EURO")), Some("currency")),
        (with("trial_days", json!(731)), Some("trial_days")),
        (with("trial_days", json!(-1)), Some("trial_days")),
        (with("interval", json!("week")), Some("interval")),
        (with("code", json!("All Access")), Some("code")),
        (with("name", json!("n".repeat(201))), Some("name")),
        (
            with("description", json!("d".repeat(2001))),
            Some("description"),
        ),
        (with("publishers", json!([])), Some("publishers")),
        (with("publishers", json!("all")), Some("publishers")),
        (
            with("stripe_price_id", json!("price 1")),
            Some("stripe_price_id"),
        ),
        (with("status", json!("archived")), None),
        (with("price", json!(9.99)), None),
    ];

    for (body, field) in cases {
        let (status, code, got_field) =
            problem(post(&app, &key, "/v1/admin/plans", &body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (422, "validation_failed"),
            "{body}"
        );
        assert_eq!(got_field.as_deref(), field, "{body}");
    }
    assert_eq!(audit_count(&app).await, 0);
}

async fn unknown_publisher_in_scope_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    create_publisher(&app, &key, "daily").await;

    let response = post(
        &app,
        &key,
        "/v1/admin/plans",
        &plan_body("bundle", json!(["daily", "ghost"])),
    )
    .await;

    let (status, code, field) = problem(response).await;
    assert_eq!((status, code.as_str()), (422, "unknown_publisher"));
    assert_eq!(field.as_deref(), Some("publishers"));
    let missing = get(&app, &key, "/v1/admin/plans/bundle").await;
    assert_eq!(missing.status(), 404);
}

async fn duplicate_code_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    create_plan(&app, &key, "basic", json!("*")).await;
    let audited = audit_count(&app).await;

    let again = post(
        &app,
        &key,
        "/v1/admin/plans",
        &plan_body("basic", json!("*")),
    )
    .await;

    let (status, code, field) = problem(again).await;
    assert_eq!((status, code.as_str()), (409, "code_taken"));
    assert_eq!(field.as_deref(), Some("code"));
    assert_eq!(audit_count(&app).await, audited);
}

async fn patch_changes_terms_and_clears_the_price_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    let mut body = plan_body("basic", json!("*"));
    body["stripe_price_id"] = json!("price_1");
    json_of(post(&app, &key, "/v1/admin/plans", &body).await, 201).await;

    let changed = patch(
        &app,
        &key,
        "/v1/admin/plans/basic",
        &json!({ "price": 0, "interval": "year", "trial_days": 730, "stripe_price_id": null }),
    )
    .await;
    let refused = patch(
        &app,
        &key,
        "/v1/admin/plans/basic",
        &json!({ "trial_days": 731 }),
    )
    .await;
    let renamed = patch(
        &app,
        &key,
        "/v1/admin/plans/basic",
        &json!({ "code": "other" }),
    )
    .await;

    let changed = json_of(changed, 200).await;
    assert_eq!(changed["price"], 0);
    assert_eq!(changed["interval"], "year");
    assert_eq!(changed["trial_days"], 730);
    assert_eq!(changed["stripe_price_id"], serde_json::Value::Null);
    assert_eq!(changed["name"], "All access");
    assert_eq!(problem(refused).await.2.as_deref(), Some("trial_days"));
    assert_eq!(problem(renamed).await.0, 422);
}

async fn archived_plans_leave_the_public_catalogue(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    create_plan(&app, &key, "basic", json!("*")).await;
    create_plan(&app, &key, "premium", json!("*")).await;

    let archived = post(&app, &key, "/v1/admin/plans/basic/archive", &json!({})).await;

    assert_eq!(json_of(archived, 200).await["status"], "archived");
    let public = json_of(app.get("/v1/plans").await, 200).await;
    let codes: Vec<&str> = public["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["premium"]);
    let admin = json_of(get(&app, &key, "/v1/admin/plans").await, 200).await;
    assert_eq!(admin["data"].as_array().map(Vec::len), Some(2));
}

async fn a_plan_in_use_cannot_be_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    create_plan(&app, &key, "basic", json!("*")).await;
    let member = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let plan_id = app
        .with_conn(|conn| {
            kiosk::db::plans::find_by_code(conn, "basic")
                .expect("query")
                .expect("plan")
                .id
        })
        .await;
    insert_trial(&app, &member.member_id, &plan_id).await;
    let audited = audit_count(&app).await;

    let response = delete(&app, &key, "/v1/admin/plans/basic").await;

    let (status, code, _) = problem(response).await;
    assert_eq!((status, code.as_str()), (409, "plan_in_use"));
    assert_eq!(get(&app, &key, "/v1/admin/plans/basic").await.status(), 200);
    assert_eq!(audit_count(&app).await, audited);
}

async fn an_unused_plan_is_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    create_publisher(&app, &key, "daily").await;
    create_plan(&app, &key, "basic", json!(["daily"])).await;

    let response = delete(&app, &key, "/v1/admin/plans/basic").await;

    assert_eq!(response.status(), 204);
    assert_eq!(get(&app, &key, "/v1/admin/plans/basic").await.status(), 404);
    let again = delete(&app, &key, "/v1/admin/plans/basic").await;
    assert_eq!(problem(again).await.1, "not_found");
}

async fn public_catalogue_needs_no_credential_and_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    for code in ["a", "b", "c"] {
        create_plan(&app, &key, code, json!("*")).await;
    }

    let first = json_of(app.get("/v1/plans?limit=2").await, 200).await;
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    let second = json_of(
        app.get(&format!("/v1/plans?limit=2&after={cursor}")).await,
        200,
    )
    .await;

    assert_eq!(first["data"][0]["code"], "a");
    assert_eq!(first["data"][0]["trial_days"], 14);
    assert_eq!(second["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["data"][0]["code"], "c");
    assert!(second["next_cursor"].is_null());
}

both_backends!(
    create_a_fourteen_day_trial_plan,
    a_plan_scoped_to_publishers_lists_their_slugs,
    bad_plan_input_is_refused_with_its_field,
    unknown_publisher_in_scope_is_refused,
    duplicate_code_is_a_conflict,
    patch_changes_terms_and_clears_the_price_id,
    archived_plans_leave_the_public_catalogue,
    a_plan_in_use_cannot_be_deleted,
    an_unused_plan_is_deleted,
    public_catalogue_needs_no_credential_and_pages,
);
