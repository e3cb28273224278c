//! Billing without Stripe, the billing portal, and plan price sync against
//! a local fake Stripe.

use serde_json::{json, Value};

use crate::billing_support::*;
use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, Backend};
use crate::stripe_fake::{form, idempotency_key, spawn_billing_app, FakeStripe};

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
    // A secret key alone does not open the webhook.
    let keyed = crate::helpers::spawn_app_with(backend, |s| {
        s.stripe_secret_key = kiosk::config::Secret::new("sk_test_kiosk");
    })
    .await;
    let webhook = keyed
        .post_json("/v1/webhooks/stripe", &json!({"id": "evt_1"}))
        .await;
    assert_eq!(webhook.status(), 503);
    assert_eq!(problem_code(webhook).await, "billing_not_configured");
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
    portal_needs_a_billing_account,
    stripe_sync_creates_product_and_price,
    stripe_sync_links_an_existing_price,
);
