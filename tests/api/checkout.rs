//! `POST /v1/me/checkout` against a local fake Stripe.

use chrono::Duration;
use serde_json::{json, Value};

use crate::billing_support::*;
use crate::both_backends;
use crate::helpers::{problem_code, Backend, ClockExt};
use crate::stripe_fake::{form, idempotency_key, spawn_billing_app, FakeStripe};

async fn checkout_creates_the_customer_once(backend: Backend) {
    // Arrange
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let (member_id, token) = member_and_plan(&app, 0).await;

    // Act
    let first = checkout_url(&app, &token).await;
    app.clock.advance(Duration::minutes(10));
    let second = checkout_url(&app, &token).await;

    // Assert
    assert!(
        first.starts_with("https://checkout.stripe.test/"),
        "{first}"
    );
    assert_ne!(first, second, "a later checkout is a new session");
    let customers = fake.requests("POST", "/v1/customers").await;
    assert_eq!(customers.len(), 1);
    assert_eq!(
        idempotency_key(&customers[0]).as_deref(),
        Some(format!("kiosk-customer-{member_id}").as_str())
    );
    assert_eq!(form(&customers[0])["metadata[member_id]"], member_id);
    let sessions = fake.requests("POST", "/v1/checkout/sessions").await;
    assert_eq!(sessions.len(), 2);
    let sent = form(&sessions[0]);
    assert!(idempotency_key(&sessions[0]).is_some());
    assert_eq!(sent["mode"], "subscription");
    assert_eq!(sent["customer"], "cus_1");
    assert_eq!(sent["client_reference_id"], member_id);
    assert_eq!(sent["line_items[0][price]"], "price_gold");
    assert_eq!(sent["line_items[0][quantity]"], "1");
    assert_eq!(sent["metadata[member_id]"], member_id);
    assert_eq!(sent["metadata[plan]"], "gold");
    assert_eq!(sent["subscription_data[metadata][member_id]"], member_id);
    assert_eq!(
        sent["success_url"],
        "https://news.example/welcome?session={CHECKOUT_SESSION_ID}"
    );
    assert!(!sent.contains_key("subscription_data[trial_period_days]"));
    let stored = app
        .with_conn(move |conn| kiosk::db::members::find(conn, &member_id).expect("query"))
        .await
        .and_then(|m| m.stripe_customer_id);
    assert_eq!(stored.as_deref(), Some("cus_1"));
}

async fn checkout_carries_the_trial_only_when_eligible(backend: Backend) {
    // Arrange
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let (member_id, token) = member_and_plan(&app, 14).await;

    // Act: a first checkout, then one after a card-less trial started
    // (10 days left), then one after that trial ended.
    checkout_url(&app, &token).await;
    let trial_end = app.clock.now_utc() + Duration::days(10);
    start_local_trial(&app, &member_id, trial_end).await;
    checkout_url(&app, &token).await;
    app.clock.advance(Duration::days(11));
    let token = app
        .sign_in("reader@example.com", PASSWORD)
        .await
        .access_token;
    checkout_url(&app, &token).await;

    // Assert
    let sessions = fake.requests("POST", "/v1/checkout/sessions").await;
    let sent: Vec<_> = sessions.iter().map(form).collect();
    assert_eq!(sent[0]["subscription_data[trial_period_days]"], "14");
    assert_eq!(
        sent[1]["subscription_data[trial_end]"],
        trial_end.timestamp().to_string()
    );
    assert!(!sent[1].contains_key("subscription_data[trial_period_days]"));
    assert!(!sent[2].contains_key("subscription_data[trial_period_days]"));
    assert!(!sent[2].contains_key("subscription_data[trial_end]"));
}

async fn checkout_rejects_bad_requests(backend: Backend) {
    // Arrange
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let (_, token) = member_and_plan(&app, 0).await;
    app.seed_plan("unpriced", 0, &[]).await;
    let archived = app.seed_plan("old", 0, &[]).await;
    price_plan(&app, &archived, "price_old").await;
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use kiosk::db::schema::plans;
        diesel::update(plans::table.find(archived))
            .set(plans::status.eq("archived"))
            .execute(conn)
            .expect("archive")
    })
    .await;
    let with_url = |field: &str, url: &str| {
        let mut body = checkout_body("gold");
        body[field] = json!(url);
        body
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (checkout_body("nope"), 404, "not_found"),
        (checkout_body("unpriced"), 422, "plan_not_purchasable"),
        (checkout_body("old"), 422, "plan_not_purchasable"),
        (
            with_url("success_url", "/relative"),
            422,
            "validation_failed",
        ),
        (
            with_url("cancel_url", "javascript:alert(1)"),
            422,
            "validation_failed",
        ),
        (
            with_url("success_url", "ftp://files.example/"),
            422,
            "validation_failed",
        ),
        (json!({"plan": "gold"}), 422, "validation_failed"),
    ];

    for (body, status, code) in cases {
        // Act
        let response = post_bearer(&app, "/v1/me/checkout", &token, &body).await;

        // Assert
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(problem_code(response).await, code, "{body}");
    }
    let anonymous = app
        .post_json("/v1/me/checkout", &checkout_body("gold"))
        .await;
    assert_eq!(anonymous.status(), 401);
    assert!(fake
        .requests("POST", "/v1/checkout/sessions")
        .await
        .is_empty());
}

async fn stripe_outage_is_502_and_the_retry_makes_no_second_customer(backend: Backend) {
    // Arrange
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let (member_id, token) = member_and_plan(&app, 0).await;
    fake.fail_next("/v1/customers", 500, 1).await;

    // Act
    let failed = post_bearer(&app, "/v1/me/checkout", &token, &checkout_body("gold")).await;
    let retried = post_bearer(&app, "/v1/me/checkout", &token, &checkout_body("gold")).await;

    // Assert
    assert_eq!(failed.status(), 502);
    assert_eq!(problem_code(failed).await, "billing_unavailable");
    assert_eq!(retried.status(), 200);
    let customers = fake.requests("POST", "/v1/customers").await;
    assert_eq!(customers.len(), 2);
    let keys: Vec<_> = customers.iter().map(idempotency_key).collect();
    assert_eq!(keys[0], keys[1], "the retry reuses the idempotency key");
    assert_eq!(keys[0], Some(format!("kiosk-customer-{member_id}")));
    // A third checkout does not ask Stripe for a customer at all.
    checkout_url(&app, &token).await;
    assert_eq!(fake.requests("POST", "/v1/customers").await.len(), 2);
}

async fn unreachable_stripe_is_502(backend: Backend) {
    // Arrange: a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let app = crate::helpers::spawn_app_with(backend, move |s| {
        s.stripe_secret_key = kiosk::config::Secret::new("sk_test_kiosk");
        s.stripe_api_base = base;
    })
    .await;
    let (_, token) = member_and_plan(&app, 0).await;

    // Act
    let response = post_bearer(&app, "/v1/me/checkout", &token, &checkout_body("gold")).await;

    // Assert
    assert_eq!(response.status(), 502);
    assert_eq!(problem_code(response).await, "billing_unavailable");
}

async fn concurrent_checkouts_share_one_customer(backend: Backend) {
    // Arrange
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let (member_id, token) = member_and_plan(&app, 0).await;

    // Act
    let (a, b) = tokio::join!(checkout_url(&app, &token), checkout_url(&app, &token));

    // Assert
    assert!(a.starts_with("https://checkout.stripe.test/") && b.starts_with("https://"));
    let sessions = fake.requests("POST", "/v1/checkout/sessions").await;
    let customers: std::collections::BTreeSet<_> = sessions
        .iter()
        .map(|s| form(s)["customer"].clone())
        .collect();
    assert_eq!(customers.len(), 1, "both sessions use one customer");
    let stored = app
        .with_conn(move |conn| kiosk::db::members::find(conn, &member_id).expect("query"))
        .await
        .and_then(|m| m.stripe_customer_id);
    assert_eq!(stored, customers.into_iter().next());
}

both_backends!(
    checkout_creates_the_customer_once,
    concurrent_checkouts_share_one_customer,
    checkout_carries_the_trial_only_when_eligible,
    checkout_rejects_bad_requests,
    stripe_outage_is_502_and_the_retry_makes_no_second_customer,
    unreachable_stripe_is_502,
);
