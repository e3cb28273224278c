//! The free trial and Stripe together: a trial through Checkout is the
//! member's one trial, and a card-less trial never grants beside a running
//! paid subscription, whichever starts first, even at the same moment.

use serde_json::{json, Value};

use crate::billing_support::*;
use crate::both_backends;
use crate::helpers::{problem_code, Backend, TestApp};
use crate::lifecycle_support::{body, member};
use crate::paywall::{self, Paywall};
use crate::stripe_fake::{form, spawn_billing_app, FakeStripe};

/// The publisher `the-daily` with a premium article `story`, and the plan
/// `all-access` (a 14-day trial without a card) linked to `price_all`.
async fn paywall_with_stripe(backend: Backend) -> (Paywall, FakeStripe) {
    let fake = FakeStripe::start().await;
    let pw = paywall::on(spawn_billing_app(backend, &fake).await).await;
    price_plan(&pw.app, &pw.plan_id, "price_all").await;
    assert_eq!(pw.put_article("story", "premium").await.status(), 201);
    (pw, fake)
}

/// A member linked to the Stripe customer `customer`; their access token.
async fn customer(app: &TestApp, email: &str, customer: &str) -> String {
    let reader = member(app, email).await;
    link_customer(app, &reader.member_id, customer).await;
    reader.access_token
}

/// Sources of the member's entitlements now.
async fn granting(app: &TestApp, token: &str) -> Vec<String> {
    let me = body(app.get_bearer("/v1/me", token).await, 200).await;
    me["entitlements"]
        .as_array()
        .expect("entitlements")
        .iter()
        .map(|e| e["source"].as_str().expect("source").to_owned())
        .collect()
}

async fn a_trial_through_checkout_is_the_one_free_trial(backend: Backend) {
    // Arrange: the reader sees the trial offered (and cached), then runs a
    // trial through Checkout that ended a day ago without payment.
    let (pw, fake) = paywall_with_stripe(backend).await;
    let token = customer(&pw.app, "reader@example.com", "cus_A").await;
    let offered = pw.check_member("story", &token).await;
    let t = now_ts(&pw.app);
    let mut trialing = subscription("sub_1", "cus_A", "trialing", "price_all", t - DAY);
    trialing["trial_start"] = json!(t - 15 * DAY);
    trialing["trial_end"] = json!(t - DAY);
    let mut paused = trialing.clone();
    paused["status"] = json!("paused");
    for (id, kind, at, object) in [
        (
            "evt_1",
            "customer.subscription.created",
            t - 15 * DAY,
            trialing,
        ),
        ("evt_2", "customer.subscription.paused", t - DAY, paused),
    ] {
        let (status, answer) = deliver(&pw.app, &event(id, kind, at, object)).await;
        assert_eq!((status, &answer["outcome"]), (200, &json!("applied")));
    }

    // Act
    let decision = pw.check_member("story", &token).await;
    let second = pw.app.start_trial(&token, "all-access").await;
    let me = body(pw.app.get_bearer("/v1/me", &token).await, 200).await;
    let checkout_request = checkout_body("all-access");
    let checkout = post_bearer(&pw.app, "/v1/me/checkout", &token, &checkout_request).await;

    // Assert
    assert_eq!(offered["offer"]["action"], "start_trial");
    assert_eq!(decision["allowed"], false);
    assert_eq!(
        decision["offer"],
        json!({"action": "subscribe", "plan": "all-access", "trial_days": null})
    );
    assert_eq!(second.status(), 409);
    assert_eq!(problem_code(second).await, "trial_already_used");
    assert_eq!(me["trial_eligible"], false);
    assert_eq!(checkout.status(), 200);
    let sessions = fake.requests("POST", "/v1/checkout/sessions").await;
    let sent = form(&sessions[0]);
    assert!(!sent.contains_key("subscription_data[trial_period_days]"));
    assert!(!sent.contains_key("subscription_data[trial_end]"));
}

async fn no_card_less_trial_beside_a_running_paid_subscription(backend: Backend) {
    // Arrange: a reader whose paid subscription runs.
    let (pw, _fake) = paywall_with_stripe(backend).await;
    let token = customer(&pw.app, "reader@example.com", "cus_A").await;
    let t = now_ts(&pw.app);
    let active = subscription("sub_1", "cus_A", "active", "price_all", t + 30 * DAY);
    let created = event("evt_1", "customer.subscription.created", t, active);
    assert_eq!(deliver(&pw.app, &created).await.1["outcome"], "applied");

    // Act
    let trial = pw.app.start_trial(&token, "all-access").await;

    // Assert
    assert_eq!(trial.status(), 409);
    assert_eq!(problem_code(trial).await, "already_subscribed");
    assert_eq!(granting(&pw.app, &token).await, ["stripe"]);
    let me = body(pw.app.get_bearer("/v1/me", &token).await, 200).await;
    assert_eq!(me["trial_eligible"], false, "the trial is for later");
}

async fn a_trial_and_a_subscription_started_at_once_never_both_grant(backend: Backend) {
    // Arrange
    let (pw, _fake) = paywall_with_stripe(backend).await;
    let app = &pw.app;
    let t = now_ts(app);

    for round in 0..20 {
        let token = customer(
            app,
            &format!("r{round}@example.com"),
            &format!("cus_{round}"),
        )
        .await;
        let paid = subscription(
            &format!("sub_{round}"),
            &format!("cus_{round}"),
            "active",
            "price_all",
            t + 30 * DAY,
        );
        let created = event(
            &format!("evt_{round}"),
            "customer.subscription.created",
            t,
            paid,
        );

        // Act: the trial and Stripe's webhook at the same moment.
        let (trial, webhook) = tokio::join!(
            app.start_trial(&token, "all-access"),
            deliver(app, &created)
        );

        // Assert
        assert_eq!(
            webhook,
            (200, json!({"received": true, "outcome": "applied"}))
        );
        let trial: (u16, Value) = (trial.status().as_u16(), trial.json().await.expect("json"));
        assert!(
            trial.0 == 201 || (trial.0 == 409 && trial.1["code"] == "already_subscribed"),
            "round {round}: {trial:?}"
        );
        assert_eq!(granting(app, &token).await, ["stripe"], "round {round}");
    }
}

both_backends!(
    a_trial_through_checkout_is_the_one_free_trial,
    no_card_less_trial_beside_a_running_paid_subscription,
    a_trial_and_a_subscription_started_at_once_never_both_grant,
);
