//! Where the lifecycle meets Stripe: members cancelling and resuming a
//! Stripe subscription reach Stripe first; Stripe's own changes record the
//! lifecycle events a local change would; members see Stripe subscriptions
//! like any other.

use serde_json::{json, Value};

use crate::billing_support::*;
use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, Backend, TestApp};
use crate::lifecycle_support::body;
use crate::stripe_fake::{form, idempotency_key};

/// A webhook-created `active` Stripe subscription `sub_1` of plan `gold`;
/// returns the member's token and Kiosk's id of the subscription.
async fn subscribed(app: &TestApp) -> (String, String) {
    let t = now_ts(app);
    let active = subscription("sub_1", "cus_A", "active", "price_gold", t + 30 * DAY);
    let (status, _) = deliver(
        app,
        &event("evt_c", "customer.subscription.created", t, active),
    )
    .await;
    assert_eq!(status, 200);
    let tokens = app.sign_in("reader@example.com", PASSWORD).await;
    let row = subscription_row(app, "sub_1").await.expect("row");
    (tokens.access_token, row.id)
}

async fn post(app: &TestApp, token: &str, id: &str, action: &str) -> reqwest::Response {
    let path = format!("/v1/me/subscriptions/{id}/{action}");
    post_bearer(app, &path, token, &json!({})).await
}

async fn cancel_and_resume_reach_stripe_first(backend: Backend) {
    // Arrange
    let (app, fake, member_id) = fixture(backend).await;
    let (token, id) = subscribed(&app).await;

    let t = now_ts(&app);
    let mut echo = subscription("sub_1", "cus_A", "active", "price_gold", t + 30 * DAY);
    echo["cancel_at_period_end"] = json!(true);

    // Act: cancel twice, Stripe's webhook for the change, then resume.
    let canceled = body(post(&app, &token, &id, "cancel").await, 200).await;
    let again = body(post(&app, &token, &id, "cancel").await, 200).await;
    let echoed = deliver(
        &app,
        &event("evt_echo", "customer.subscription.updated", t + 1, echo),
    )
    .await;
    let resumed = body(post(&app, &token, &id, "resume").await, 200).await;

    // Assert
    let sent = fake.requests("POST", "/v1/subscriptions/sub_1").await;
    assert_eq!(sent.len(), 2, "a repeated cancel changes nothing at Stripe");
    assert_eq!(form(&sent[0])["cancel_at_period_end"], "true");
    assert_eq!(form(&sent[1])["cancel_at_period_end"], "false");
    let keys: Vec<_> = sent.iter().map(idempotency_key).collect();
    assert!(keys.iter().all(Option::is_some), "{keys:?}");
    assert_ne!(keys[0], keys[1]);
    assert_eq!(canceled["cancel_at_period_end"], true);
    assert_eq!(canceled["entitled"], true);
    assert_eq!(again, canceled);
    assert_eq!(echoed.1["outcome"], "applied");
    assert_eq!(resumed["cancel_at_period_end"], false);
    assert_eq!(
        app.event_kinds(&member_id).await,
        ["subscription.canceled"],
        "the webhook echoing a Kiosk cancel records nothing more"
    );
}

async fn a_stripe_failure_changes_nothing(backend: Backend) {
    // Arrange
    let (app, fake, member_id) = fixture(backend).await;
    let (token, id) = subscribed(&app).await;
    fake.fail_next("/v1/subscriptions/sub_1", 500, 10).await;

    // Act
    let response = post(&app, &token, &id, "cancel").await;

    // Assert
    assert_eq!(response.status(), 502);
    assert_eq!(problem_code(response).await, "billing_unavailable");
    let row = subscription_row(&app, "sub_1").await.expect("row");
    assert!(!row.cancel_at_period_end);
    assert_eq!(row.canceled_at, None);
    assert!(app.event_kinds(&member_id).await.is_empty());
    assert!(!fake
        .requests("POST", "/v1/subscriptions/sub_1")
        .await
        .is_empty());
}

async fn without_stripe_only_stripe_subscriptions_are_refused(backend: Backend) {
    // Arrange
    let app = spawn_app(backend).await;
    let plan_id = app.seed_plan("gold", 14, &[]).await;
    let reader = app.sign_up("reader@example.com", PASSWORD).await;
    let token = reader.access_token.as_str();
    let trial = body(app.start_trial(token, "gold").await, 201).await;
    let paid = app
        .seed_paid(
            &reader.member_id,
            &plan_id,
            "active",
            chrono::Duration::days(9),
        )
        .await;

    // Act
    let stripe = post(&app, token, &paid, "cancel").await;
    let trial = post(&app, token, trial["id"].as_str().expect("id"), "cancel").await;

    // Assert
    assert_eq!(stripe.status(), 503);
    assert_eq!(problem_code(stripe).await, "billing_not_configured");
    assert_eq!(body(trial, 200).await["status"], "canceled");
    let rows = app.subscription_rows(&reader.member_id).await;
    let paid_row = rows.iter().find(|s| s.id == paid).expect("paid");
    assert!(!paid_row.cancel_at_period_end);
}

async fn stripe_cancellations_record_lifecycle_events_once(backend: Backend) {
    // Arrange: renewal switched off in the billing portal, the same state
    // reported twice, then the period's end; a second subscription Stripe
    // gives up on.
    let (app, _fake, member_id) = fixture(backend).await;
    subscribed(&app).await;
    let t = now_ts(&app);
    let mut ending = subscription("sub_1", "cus_A", "active", "price_gold", t + 30 * DAY);
    ending["cancel_at_period_end"] = json!(true);
    let mut ended = ending.clone();
    ended["status"] = json!("canceled");
    let late = subscription("sub_2", "cus_A", "past_due", "price_gold", t + DAY);
    let mut unpaid = late.clone();
    unpaid["status"] = json!("unpaid");
    let updated = "customer.subscription.updated";

    // Act
    for (id, kind, at, object) in [
        ("evt_1", updated, t + 1, ending.clone()),
        ("evt_2", updated, t + 2, ending),
        ("evt_3", "customer.subscription.deleted", t + 3, ended),
        ("evt_4", "customer.subscription.created", t + 1, late),
        ("evt_5", updated, t + 2, unpaid.clone()),
        ("evt_6", updated, t + 3, unpaid),
    ] {
        let (status, answer) = deliver(&app, &event(id, kind, at, object)).await;
        assert_eq!((status, &answer["outcome"]), (200, &json!("applied")));
    }

    // Assert
    let mut kinds = app.event_kinds(&member_id).await;
    kinds.sort();
    assert_eq!(kinds, ["subscription.canceled", "subscription.expired"]);
    assert_eq!(lifecycle_count(&app).await, 2);
}

async fn members_see_stripe_subscriptions_like_trials(backend: Backend) {
    // Arrange
    let (app, _fake, _) = fixture(backend).await;
    let (token, id) = subscribed(&app).await;

    // Act
    let me: Value = body(app.get_bearer("/v1/me", &token).await, 200).await;
    let list = app.get_bearer("/v1/me/subscriptions", &token).await;
    let list: Value = body(list, 200).await;

    // Assert
    let entitlement = &me["entitlements"][0];
    assert_eq!(entitlement["subscription_id"], id.as_str());
    assert_eq!(entitlement["plan"], "gold");
    assert_eq!(entitlement["source"], "stripe");
    assert_eq!(entitlement["grant"], "subscription");
    assert!(entitlement["ends_at"].is_string());
    let listed = &list["subscriptions"][0];
    assert_eq!(listed["id"], id.as_str());
    assert_eq!(listed["plan"], "gold");
    assert_eq!(listed["source"], "stripe");
    assert_eq!(listed["status"], "active");
    assert_eq!(listed["entitled"], true);
    assert_eq!(listed["ends_at"], entitlement["ends_at"]);
}

both_backends!(
    cancel_and_resume_reach_stripe_first,
    a_stripe_failure_changes_nothing,
    without_stripe_only_stripe_subscriptions_are_refused,
    stripe_cancellations_record_lifecycle_events_once,
    members_see_stripe_subscriptions_like_trials,
);
