use serde_json::json;

use crate::admin_support::{
    audit_count, create_publisher, get, json_of, patch, post, problem, publisher_body,
};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

async fn create_then_read_a_publisher(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    // Sub-microsecond time: the answer must match what the database keeps.
    app.clock
        .advance(chrono::Duration::nanoseconds(123_456_789));

    let response = post(
        &app,
        &key,
        "/v1/admin/publishers",
        &json!({
            "slug": "the-independent",
            "name": "  The Independent ",
            "default_access": "metered",
            "meter_limit_anonymous": 2,
            "meter_limit_registered": 10,
            "meter_period": "week",
            "allowed_origins": ["https://www.Independent.co.uk", "http://localhost:3000"],
        }),
    )
    .await;

    let created = json_of(response, 201).await;
    assert_eq!(created["slug"], "the-independent");
    assert_eq!(created["name"], "The Independent");
    assert_eq!(created["default_access"], "metered");
    assert_eq!(created["meter_limit_anonymous"], 2);
    assert_eq!(created["meter_limit_registered"], 10);
    assert_eq!(created["meter_period"], "week");
    assert_eq!(
        created["allowed_origins"],
        json!(["http://localhost:3000", "https://www.independent.co.uk"])
    );
    let read = json_of(
        get(&app, &key, "/v1/admin/publishers/the-independent").await,
        200,
    )
    .await;
    assert_eq!(read, created);
}

async fn defaults_fill_what_the_body_leaves_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;

    let created = create_publisher(&app, &key, "daily").await;

    assert_eq!(created["default_access"], "premium");
    assert_eq!(created["meter_limit_anonymous"], 3);
    assert_eq!(created["meter_limit_registered"], 5);
    assert_eq!(created["meter_period"], "month");
    assert_eq!(created["allowed_origins"], json!([]));
}

async fn bad_publisher_input_is_refused_with_its_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    let with = |field: &str, value: serde_json::Value| {
        let mut body = publisher_body("daily");
        body[field] = value;
        body
    };
    let cases = [
        (with("slug", json!("Daily News")), Some("slug")),
        (with("slug", json!("a".repeat(65))), Some("slug")),
        (with("name", json!("")), Some("name")),
        (with("name", json!("n".repeat(201))), Some("name")),
        (
            with("default_access", json!("secret")),
            Some("default_access"),
        ),
        (
            with("meter_limit_anonymous", json!(-1)),
            Some("meter_limit_anonymous"),
        ),
        (
            with("meter_limit_registered", json!(10_001)),
            Some("meter_limit_registered"),
        ),
        (with("meter_period", json!("year")), Some("meter_period")),
        (
            with("allowed_origins", json!(["https://a.com/path"])),
            Some("allowed_origins"),
        ),
        (
            with("allowed_origins", json!(["*"])),
            Some("allowed_origins"),
        ),
        (with("id", json!("pub_mine")), None),
        (with("created_at", json!("2020-01-01T00:00:00Z")), None),
        (with("meter_limit_anonymous", json!("3")), None),
    ];

    for (body, field) in cases {
        let (status, code, got_field) =
            problem(post(&app, &key, "/v1/admin/publishers", &body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (422, "validation_failed"),
            "{body}"
        );
        assert_eq!(got_field.as_deref(), field, "{body}");
    }
    let listed = json_of(get(&app, &key, "/v1/admin/publishers").await, 200).await;
    assert_eq!(listed["data"], json!([]));
    assert_eq!(audit_count(&app).await, 0);
}

async fn duplicate_slug_is_a_conflict_and_audits_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    create_publisher(&app, &key, "daily").await;
    let audited = audit_count(&app).await;

    let again = post(&app, &key, "/v1/admin/publishers", &publisher_body("daily")).await;

    let (status, code, field) = problem(again).await;
    assert_eq!((status, code.as_str()), (409, "slug_taken"));
    assert_eq!(field.as_deref(), Some("slug"));
    assert_eq!(audit_count(&app).await, audited);
}

async fn patch_changes_only_the_given_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    let before = create_publisher(&app, &key, "daily").await;
    app.clock.advance(chrono::Duration::minutes(1));

    let response = patch(
        &app,
        &key,
        "/v1/admin/publishers/daily",
        &json!({ "meter_limit_anonymous": 0, "allowed_origins": ["https://daily.example"] }),
    )
    .await;

    let after = json_of(response, 200).await;
    assert_eq!(after["meter_limit_anonymous"], 0);
    assert_eq!(after["allowed_origins"], json!(["https://daily.example"]));
    assert_eq!(after["name"], before["name"]);
    assert_eq!(
        after["meter_limit_registered"],
        before["meter_limit_registered"]
    );
    assert_ne!(after["updated_at"], before["updated_at"]);
}

async fn patch_refuses_bad_values_slug_changes_and_unknown_publishers(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    create_publisher(&app, &key, "daily").await;
    let audited = audit_count(&app).await;

    let bad = patch(
        &app,
        &key,
        "/v1/admin/publishers/daily",
        &json!({ "meter_period": "hour" }),
    )
    .await;
    let rename = patch(
        &app,
        &key,
        "/v1/admin/publishers/daily",
        &json!({ "slug": "weekly" }),
    )
    .await;
    let missing = patch(
        &app,
        &key,
        "/v1/admin/publishers/nope",
        &json!({ "name": "x" }),
    )
    .await;

    assert_eq!(problem(bad).await.2.as_deref(), Some("meter_period"));
    assert_eq!(problem(rename).await.0, 422);
    assert_eq!(problem(missing).await.1, "not_found");
    assert_eq!(audit_count(&app).await, audited);
    let unchanged = json_of(get(&app, &key, "/v1/admin/publishers/daily").await, 200).await;
    assert_eq!(unchanged["meter_period"], "month");
}

async fn unknown_publisher_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;

    for path in [
        "/v1/admin/publishers/nope",
        "/v1/admin/publishers/NOT%20A%20SLUG",
    ] {
        let (status, code, _) = problem(get(&app, &key, path).await).await;
        assert_eq!((status, code.as_str()), (404, "not_found"), "{path}");
    }
}

async fn list_pages_with_a_cursor(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    for slug in ["a", "b", "c", "d", "e"] {
        create_publisher(&app, &key, slug).await;
    }

    let mut seen = Vec::new();
    let mut path = "/v1/admin/publishers?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = json_of(get(&app, &key, &path).await, 200).await;
        pages += 1;
        let data = page["data"].as_array().expect("data");
        assert!(data.len() <= 2);
        seen.extend(
            data.iter()
                .map(|p| p["slug"].as_str().expect("slug").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/admin/publishers?limit=2&after={cursor}"),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }

    assert_eq!(pages, 3);
    assert_eq!(seen, ["a", "b", "c", "d", "e"]);
    for bad in [
        "?limit=0",
        "?limit=201",
        "?limit=x",
        "?after=%27%20OR%201%3D1",
        "?colour=red",
    ] {
        let response = get(&app, &key, &format!("/v1/admin/publishers{bad}")).await;
        assert_eq!(problem(response).await.0, 422, "{bad}");
    }
}

async fn parallel_creates_of_one_slug_make_one_publisher(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.admin_key().await;
    let body = publisher_body("daily");

    let answers = futures_util::future::join_all(
        (0..10).map(|_| post(&app, &key, "/v1/admin/publishers", &body)),
    )
    .await;

    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses[0], 201);
    assert!(statuses[1..].iter().all(|s| *s == 409), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1);
    assert_eq!(audit_count(&app).await, 1);
}

both_backends!(
    parallel_creates_of_one_slug_make_one_publisher,
    create_then_read_a_publisher,
    defaults_fill_what_the_body_leaves_out,
    bad_publisher_input_is_refused_with_its_field,
    duplicate_slug_is_a_conflict_and_audits_nothing,
    patch_changes_only_the_given_fields,
    patch_refuses_bad_values_slug_changes_and_unknown_publishers,
    unknown_publisher_is_not_found,
    list_pages_with_a_cursor,
);
