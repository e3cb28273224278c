//! A subscription Stripe deletes has ended: access stops at its `ended_at`
//! (else at the event's time), whatever its period end says, whatever state
//! it was in before and in whatever order the events arrive.

use chrono::Duration;
use serde_json::{json, Value};

use crate::billing_support::*;
use crate::both_backends;
use crate::helpers::{Backend, TestApp};
use crate::lifecycle_support::body;

/// `sub` as Stripe reports it once ended at `ended_at` (none: field absent).
fn ended(mut sub: Value, ended_at: Option<i64>) -> Value {
    sub["status"] = json!("canceled");
    sub["canceled_at"] = json!(ended_at);
    if let Some(at) = ended_at {
        sub["ended_at"] = json!(at);
    }
    sub
}

/// The member's entitlements and the entitled flag of each subscription.
async fn access(app: &TestApp) -> (Value, Vec<Value>) {
    let tokens = app.sign_in("reader@example.com", PASSWORD).await;
    let me = body(app.get_bearer("/v1/me", &tokens.access_token).await, 200).await;
    let list = app
        .get_bearer("/v1/me/subscriptions", &tokens.access_token)
        .await;
    let list = body(list, 200).await;
    let entitled = list["subscriptions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["entitled"].clone())
        .collect();
    (me["entitlements"].clone(), entitled)
}

async fn applied(app: &TestApp, id: &str, kind: &str, at: i64, object: Value) {
    let (status, answer) = deliver(app, &event(id, kind, at, object)).await;
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("applied")),
        "{id}"
    );
}

async fn deleted_after_unpaid_gives_no_access_back(backend: Backend) {
    // Arrange: renewals failed until Stripe gave up (`unpaid`), an hour ago.
    let (app, _fake, _) = fixture(backend).await;
    let t = now_ts(&app) - 3600;
    let active = subscription("sub_1", "cus_A", "active", "price_gold", t + 30 * DAY);
    let mut unpaid = active.clone();
    unpaid["status"] = json!("unpaid");
    applied(
        &app,
        "evt_1",
        "customer.subscription.created",
        t,
        active.clone(),
    )
    .await;
    applied(
        &app,
        "evt_2",
        "customer.subscription.updated",
        t + 1,
        unpaid,
    )
    .await;
    let (while_unpaid, _) = access(&app).await;

    // Act: Stripe deletes the unpaid subscription.
    let deleted = ended(active, Some(t + 2));
    applied(
        &app,
        "evt_3",
        "customer.subscription.deleted",
        t + 2,
        deleted,
    )
    .await;

    // Assert
    assert_eq!(while_unpaid, json!([]));
    assert_eq!(access(&app).await, (json!([]), vec![json!(false)]));
    let row = subscription_row(&app, "sub_1").await.expect("row");
    assert_eq!(row.status.as_str(), "canceled");
    assert_eq!(
        row.current_period_end.map(|end| end.and_utc().timestamp()),
        Some(t + 2),
        "access ended when the subscription did"
    );
}

async fn an_immediate_cancel_ends_access_at_ended_at(backend: Backend) {
    // Arrange: two paid subscriptions with weeks left of their periods.
    let (app, _fake, _) = fixture(backend).await;
    let t = now_ts(&app);
    let first = subscription("sub_1", "cus_A", "active", "price_gold", t + 30 * DAY);
    let second = subscription("sub_2", "cus_A", "active", "price_gold", t + 30 * DAY);
    applied(
        &app,
        "evt_1",
        "customer.subscription.created",
        t,
        first.clone(),
    )
    .await;
    applied(
        &app,
        "evt_2",
        "customer.subscription.created",
        t,
        second.clone(),
    )
    .await;
    app.clock.advance(Duration::hours(1));
    let now = now_ts(&app);
    let (before, _) = access(&app).await;

    // Act: both cancelled at once in the Dashboard; Stripe's event for the
    // second carries no `ended_at`, so its own time stands for it.
    applied(
        &app,
        "evt_3",
        "customer.subscription.deleted",
        now,
        ended(first, Some(now)),
    )
    .await;
    applied(
        &app,
        "evt_4",
        "customer.subscription.deleted",
        now - 60,
        ended(second, None),
    )
    .await;

    // Assert
    assert_eq!(before.as_array().map(Vec::len), Some(2));
    assert_eq!(access(&app).await, (json!([]), vec![json!(false); 2]));
}

async fn late_events_do_not_revive_a_deleted_subscription(backend: Backend) {
    // Arrange: a subscription cancelled at once ten minutes after it began.
    let (app, _fake, _) = fixture(backend).await;
    let t = now_ts(&app) - 3600;
    let period_end = t + 30 * DAY;
    let active = subscription("sub_1", "cus_A", "active", "price_gold", period_end);
    applied(
        &app,
        "evt_1",
        "customer.subscription.created",
        t,
        active.clone(),
    )
    .await;
    let deleted = ended(active.clone(), Some(t + 600));
    applied(
        &app,
        "evt_2",
        "customer.subscription.deleted",
        t + 600,
        deleted,
    )
    .await;

    // Act: an older update, a newer one repeating the cancellation without
    // `ended_at`, and the period's invoice paid late.
    let older = deliver(
        &app,
        &event(
            "evt_3",
            "customer.subscription.updated",
            t + 300,
            active.clone(),
        ),
    )
    .await;
    let repeated = deliver(
        &app,
        &event(
            "evt_4",
            "customer.subscription.updated",
            t + 1200,
            ended(active, None),
        ),
    )
    .await;
    let invoice = json!({"id": "in_1", "object": "invoice", "subscription": "sub_1",
        "lines": {"data": [{"period": {"start": t, "end": period_end}}]}});
    let paid = deliver(&app, &event("evt_5", "invoice.paid", t + 1800, invoice)).await;

    // Assert
    assert_eq!(older.1["outcome"], "stale");
    assert_eq!(repeated.0, 200);
    assert_eq!(paid.1["outcome"], "stale");
    assert_eq!(access(&app).await, (json!([]), vec![json!(false)]));
    let row = subscription_row(&app, "sub_1").await.expect("row");
    assert_eq!(row.status.as_str(), "canceled");
    assert_eq!(
        row.current_period_end.map(|end| end.and_utc().timestamp()),
        Some(t + 600)
    );
}

both_backends!(
    deleted_after_unpaid_gives_no_access_back,
    an_immediate_cancel_ends_access_at_ended_at,
    late_events_do_not_revive_a_deleted_subscription,
);
