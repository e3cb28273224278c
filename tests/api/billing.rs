//! Checkout, billing portal and plan price sync against a local fake Stripe.

use chrono::Duration;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, Backend, ClockExt, TestApp};
use crate::stripe_fake::{form, idempotency_key, price_plan, spawn_billing_app, FakeStripe};

const PASSWORD: &str = "correct horse battery";

async fn post_bearer(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request")
}

fn checkout_body(plan: &str) -> Value {
    json!({
        "plan": plan,
        "success_url": "https://news.example/welcome?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://news.example/plans",
    })
}

/// A member and an active plan linked to `price_gold`.
async fn member_and_plan(app: &TestApp, trial_days: i32) -> (String, String) {
    let tokens = app.sign_up("reader@example.com", PASSWORD).await;
    let plan_id = app.seed_plan("gold", trial_days, &[]).await;
    price_plan(app, &plan_id, "price_gold").await;
    (tokens.member_id, tokens.access_token)
}

async fn checkout_url(app: &TestApp, token: &str) -> String {
    let response = post_bearer(app, "/v1/me/checkout", token, &checkout_body("gold")).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["url"].as_str().expect("url").to_owned()
}

async fn billing_is_503_without_stripe(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    let tokens = app.sign_up("reader@example.com", PASSWORD).await;
    let admin = app.admin_key().await;
    app.seed_plan("gold", 0, &[]).await;

    // Act
    let checkout = post_bearer(
        &app,
        "/v1/me/checkout",
        &tokens.access_token,
        &checkout_body("gold"),
    )
    .await;
    let portal = post_bearer(
        &app,
        "/v1/me/billing-portal",
        &tokens.access_token,
        &json!({}),
    )
    .await;
    let sync = post_bearer(&app, "/v1/admin/plans/gold/stripe-sync", &admin, &json!({})).await;
    let webhook = app
        .post_json("/v1/webhooks/stripe", &json!({"id": "evt_1"}))
        .await;

    // Assert
    for response in [checkout, portal, sync, webhook] {
        assert_eq!(response.status(), 503);
        assert_eq!(problem_code(response).await, "billing_not_configured");
    }
    assert_eq!(
        app.get_bearer("/v1/me", &tokens.access_token)
            .await
            .status(),
        200
    );
}

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

/// A running card-less trial as the trials feature writes it.
pub async fn start_local_trial(
    app: &TestApp,
    member_id: &str,
    ends: chrono::DateTime<chrono::Utc>,
) -> String {
    let now = app.clock.now_utc().naive_utc();
    let member_id = member_id.to_owned();
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use kiosk::db::schema::trial_ledger;
        let plan = kiosk::db::plans::find_by_code(conn, "gold")
            .expect("query")
            .expect("plan gold");
        let sub = kiosk::db::subscriptions::Subscription {
            id: kiosk::domain::ids::new_id("sub"),
            member_id: member_id.clone(),
            plan_id: plan.id.clone(),
            source: "trial".into(),
            status: "trialing".into(),
            trial_ends_at: Some(ends.naive_utc()),
            current_period_end: None,
            cancel_at_period_end: false,
            canceled_at: None,
            stripe_subscription_id: None,
            stripe_event_at: None,
            created_at: now,
            updated_at: now,
        };
        kiosk::db::subscriptions::insert(conn, &sub).expect("insert trial");
        diesel::insert_into(trial_ledger::table)
            .values((
                trial_ledger::member_id.eq(&member_id),
                trial_ledger::plan_id.eq(&plan.id),
                trial_ledger::subscription_id.eq(&sub.id),
                trial_ledger::started_at.eq(now),
            ))
            .execute(conn)
            .expect("insert ledger");
        sub.id
    })
    .await
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

async fn portal_needs_a_billing_account(backend: Backend) {
    // Arrange
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let (_, token) = member_and_plan(&app, 0).await;

    // Act
    let before = post_bearer(&app, "/v1/me/billing-portal", &token, &json!({})).await;
    checkout_url(&app, &token).await;
    let with_return = post_bearer(
        &app,
        "/v1/me/billing-portal",
        &token,
        &json!({"return_url": "https://news.example/account"}),
    )
    .await;
    let no_body = app
        .client
        .post(app.url("/v1/me/billing-portal"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    let bad = post_bearer(
        &app,
        "/v1/me/billing-portal",
        &token,
        &json!({"return_url": "nope"}),
    )
    .await;

    // Assert
    assert_eq!(before.status(), 409);
    assert_eq!(problem_code(before).await, "no_billing_account");
    assert_eq!(with_return.status(), 200);
    let body: Value = with_return.json().await.expect("json");
    assert!(body["url"]
        .as_str()
        .expect("url")
        .starts_with("https://billing.stripe.test/"));
    assert_eq!(no_body.status(), 200);
    assert_eq!(bad.status(), 422);
    let sessions = fake.requests("POST", "/v1/billing_portal/sessions").await;
    assert_eq!(sessions.len(), 2);
    assert_eq!(form(&sessions[0])["customer"], "cus_1");
    assert_eq!(
        form(&sessions[0])["return_url"],
        "https://news.example/account"
    );
    assert!(!form(&sessions[1]).contains_key("return_url"));
    assert!(sessions.iter().all(|s| idempotency_key(s).is_some()));
}

async fn stripe_sync_creates_product_and_price(backend: Backend) {
    // Arrange
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let admin = app.admin_key().await;
    app.seed_plan("gold", 0, &[]).await;

    // Act
    let empty = app
        .client
        .post(app.url("/v1/admin/plans/gold/stripe-sync"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("request");
    let again = post_bearer(&app, "/v1/admin/plans/gold/stripe-sync", &admin, &json!({})).await;

    // Assert
    assert_eq!(empty.status(), 200);
    let body: Value = empty.json().await.expect("json");
    assert_eq!(body["stripe_product_id"], "prod_1");
    assert_eq!(body["stripe_price_id"], "price_1");
    assert_eq!(again.status(), 200);
    assert_eq!(
        fake.requests("POST", "/v1/products").await.len(),
        1,
        "product reused"
    );
    let prices = fake.requests("POST", "/v1/prices").await;
    let sent = form(&prices[0]);
    assert_eq!(sent["currency"], "eur");
    assert_eq!(sent["unit_amount"], "999");
    assert_eq!(sent["recurring[interval]"], "month");
    assert_eq!(sent["product"], "prod_1");
    assert!(prices.iter().all(|p| idempotency_key(p).is_some()));
    let (plan, audits) = app
        .with_conn(|conn| {
            use diesel::prelude::*;
            use kiosk::db::schema::audit_log;
            let plan = kiosk::db::plans::find_by_code(conn, "gold").expect("query");
            let audits: i64 = audit_log::table
                .filter(audit_log::action.eq("plan.stripe_sync"))
                .filter(audit_log::target.eq("gold"))
                .count()
                .get_result(conn)
                .expect("count");
            (plan.expect("plan"), audits)
        })
        .await;
    assert_eq!(plan.stripe_price_id.as_deref(), Some("price_1"));
    assert_eq!(plan.stripe_product_id.as_deref(), Some("prod_1"));
    assert_eq!(audits, 2);
}

fn stripe_price(id: &str, currency: &str, amount: i64, interval: &str) -> Value {
    json!({
        "id": id, "object": "price", "product": "prod_existing", "active": true,
        "currency": currency, "unit_amount": amount, "type": "recurring",
        "recurring": {"interval": interval, "interval_count": 1},
    })
}

async fn stripe_sync_links_an_existing_price(backend: Backend) {
    // Arrange
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let admin = app.admin_key().await;
    let member = app.sign_up("reader@example.com", PASSWORD).await;
    app.seed_plan("gold", 0, &[]).await;
    fake.serve_price(stripe_price("price_good", "eur", 999, "month"))
        .await;
    fake.serve_price(stripe_price("price_yearly", "eur", 999, "year"))
        .await;
    fake.serve_price(stripe_price("price_usd", "usd", 999, "month"))
        .await;
    let sync = |body: Value| {
        let admin = admin.clone();
        let app = &app;
        async move { post_bearer(app, "/v1/admin/plans/gold/stripe-sync", &admin, &body).await }
    };

    // Act / Assert: the refusals first, then the link.
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"price_id": "price_missing"}),
            422,
            "unknown_stripe_price",
        ),
        (
            json!({"price_id": "price_yearly"}),
            422,
            "stripe_price_mismatch",
        ),
        (
            json!({"price_id": "price_usd"}),
            422,
            "stripe_price_mismatch",
        ),
        (json!({"price_id": "prod_x"}), 422, "validation_failed"),
        (
            json!({"price_id": "price_good", "extra": 1}),
            422,
            "validation_failed",
        ),
    ];
    for (body, status, code) in cases {
        let response = sync(body.clone()).await;
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(problem_code(response).await, code, "{body}");
    }
    let unknown_plan =
        post_bearer(&app, "/v1/admin/plans/nope/stripe-sync", &admin, &json!({})).await;
    assert_eq!(unknown_plan.status(), 404);
    let as_member = post_bearer(
        &app,
        "/v1/admin/plans/gold/stripe-sync",
        &member.access_token,
        &json!({}),
    )
    .await;
    assert_eq!(as_member.status(), 403);

    let linked = sync(json!({"price_id": "price_good"})).await;
    assert_eq!(linked.status(), 200);
    let plan = app
        .with_conn(|conn| kiosk::db::plans::find_by_code(conn, "gold").expect("query"))
        .await
        .expect("plan");
    assert_eq!(plan.stripe_price_id.as_deref(), Some("price_good"));
    assert_eq!(plan.stripe_product_id.as_deref(), Some("prod_existing"));
    assert!(fake.requests("POST", "/v1/prices").await.is_empty());
}

both_backends!(
    billing_is_503_without_stripe,
    checkout_creates_the_customer_once,
    checkout_carries_the_trial_only_when_eligible,
    checkout_rejects_bad_requests,
    stripe_outage_is_502_and_the_retry_makes_no_second_customer,
    unreachable_stripe_is_502,
    portal_needs_a_billing_account,
    stripe_sync_creates_product_and_price,
    stripe_sync_links_an_existing_price,
);
