//! A plan's Stripe price after an admin changes what the plan charges, and
//! the billing routes' answer to an oversized body.

use serde_json::{json, Value};

use crate::admin_support::{get, json_of, patch, post, problem};
use crate::billing_support::*;
use crate::both_backends;
use crate::helpers::{problem_code, Backend};

async fn plan_view(app: &crate::helpers::TestApp, key: &str) -> Value {
    json_of(get(app, key, "/v1/admin/plans/gold").await, 200).await
}

async fn changing_the_price_unlinks_the_stripe_price(backend: Backend) {
    // Arrange
    let (app, _fake, _) = fixture(backend).await;
    let key = app.admin_key().await;
    let tokens = app.sign_in("reader@example.com", PASSWORD).await;

    // Act
    let renamed = patch(&app, &key, "/v1/admin/plans/gold", &json!({"name": "Gold"})).await;
    let renamed = json_of(renamed, 200).await;
    let same_price = json!({"price": renamed["price"].clone()});
    let unchanged = json_of(
        patch(&app, &key, "/v1/admin/plans/gold", &same_price).await,
        200,
    )
    .await;
    app.clock.advance(chrono::Duration::minutes(1));
    let repriced = patch(&app, &key, "/v1/admin/plans/gold", &json!({"price": 1299})).await;
    let repriced = json_of(repriced, 200).await;
    let checkout = post_bearer(
        &app,
        "/v1/me/checkout",
        &tokens.access_token,
        &checkout_body("gold"),
    )
    .await;
    let audit = get(
        &app,
        &key,
        "/v1/admin/audit?target=gold&action=plan.update&limit=1",
    )
    .await;
    let audit = json_of(audit, 200).await;

    // Assert
    assert_eq!(renamed["stripe_price_id"], "price_gold");
    assert!(renamed.get("stripe_price_unlinked").is_none());
    assert_eq!(unchanged["stripe_price_id"], "price_gold");
    assert_eq!(repriced["price"], 1299);
    assert_eq!(repriced["stripe_price_id"], Value::Null);
    assert_eq!(repriced["stripe_price_unlinked"], "price_gold");
    assert_eq!(plan_view(&app, &key).await["stripe_price_id"], Value::Null);
    assert_eq!(checkout.status(), 422);
    assert_eq!(problem_code(checkout).await, "plan_not_purchasable");
    let after = &audit["data"][0]["details"]["after"];
    assert_eq!(after["stripe_price_unlinked"], "price_gold");
    assert_eq!(
        audit["data"][0]["details"]["before"]["stripe_price_id"],
        "price_gold"
    );
}

async fn a_new_price_in_the_same_patch_is_kept_and_sync_relinks(backend: Backend) {
    // Arrange
    let (app, fake, _) = fixture(backend).await;
    let key = app.admin_key().await;

    // Act
    let relinked = json!({"interval": "year", "price": 9900, "stripe_price_id": "price_yearly"});
    let relinked = json_of(
        patch(&app, &key, "/v1/admin/plans/gold", &relinked).await,
        200,
    )
    .await;
    let moved = json!({"currency": "usd"});
    let moved = json_of(patch(&app, &key, "/v1/admin/plans/gold", &moved).await, 200).await;
    let synced = post(&app, &key, "/v1/admin/plans/gold/stripe-sync", &json!({})).await;
    let synced = json_of(synced, 200).await;

    // Assert
    assert_eq!(relinked["stripe_price_id"], "price_yearly");
    assert!(relinked.get("stripe_price_unlinked").is_none());
    assert_eq!(moved["stripe_price_unlinked"], "price_yearly");
    let created = fake.requests("POST", "/v1/prices").await;
    assert_eq!(created.len(), 1);
    let sent = crate::stripe_fake::form(&created[0]);
    assert_eq!(sent["currency"], "usd");
    assert_eq!(sent["unit_amount"], "9900");
    assert_eq!(sent["recurring[interval]"], "year");
    assert_eq!(
        plan_view(&app, &key).await["stripe_price_id"],
        synced["stripe_price_id"]
    );
}

async fn oversized_billing_bodies_are_problem_413(backend: Backend) {
    // Arrange
    let (app, fake, _) = fixture(backend).await;
    let key = app.admin_key().await;
    let tokens = app.sign_in("reader@example.com", PASSWORD).await;
    let padding = "x".repeat(1024 * 1024);
    let body = format!(r#"{{"return_url":"https://news.example/{padding}"}}"#);
    let send = |path: &str, token: &str| {
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
    };

    // Act
    let portal = send("/v1/me/billing-portal", &tokens.access_token)
        .await
        .expect("send");
    let sync = send("/v1/admin/plans/gold/stripe-sync", &key)
        .await
        .expect("send");

    // Assert
    for response in [portal, sync] {
        let (status, code, _) = problem(response).await;
        assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    }
    assert!(fake
        .server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty());
}

both_backends!(
    changing_the_price_unlinks_the_stripe_price,
    a_new_price_in_the_same_patch_is_kept_and_sync_relinks,
    oversized_billing_bodies_are_problem_413,
);
