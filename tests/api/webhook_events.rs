//! What Stripe's events do to subscriptions: ordering, reconciliation,
//! checkout completion and invoices.

use chrono::Duration;
use serde_json::json;

use crate::billing_support::*;
use crate::both_backends;
use crate::helpers::{Backend, ClockExt};
use crate::stripe_fake::{spawn_billing_app, FakeStripe};

async fn out_of_order_events_keep_the_newest_state(backend: Backend) {
    // Arrange
    let (app, _fake, _) = fixture(backend).await;
    let t = now_ts(&app);
    let end = t + 30 * DAY;
    let sub = |id: &str, status: &str| subscription(id, "cus_A", status, "price_gold", end);

    // Act: a cancellation overtakes the creation…
    let canceled = deliver(
        &app,
        &event(
            "evt_1",
            "customer.subscription.updated",
            t + 20,
            sub("sub_1", "canceled"),
        ),
    )
    .await;
    let created = deliver(
        &app,
        &event(
            "evt_2",
            "customer.subscription.created",
            t + 10,
            sub("sub_1", "active"),
        ),
    )
    .await;
    // …and a late `updated: active` arrives after the deletion, once older
    // and once (wrongly) newer.
    deliver(
        &app,
        &event(
            "evt_3",
            "customer.subscription.created",
            t + 10,
            sub("sub_2", "active"),
        ),
    )
    .await;
    deliver(
        &app,
        &event(
            "evt_4",
            "customer.subscription.deleted",
            t + 30,
            sub("sub_2", "canceled"),
        ),
    )
    .await;
    let late = deliver(
        &app,
        &event(
            "evt_5",
            "customer.subscription.updated",
            t + 20,
            sub("sub_2", "active"),
        ),
    )
    .await;
    let revive = deliver(
        &app,
        &event(
            "evt_6",
            "customer.subscription.updated",
            t + 40,
            sub("sub_2", "active"),
        ),
    )
    .await;

    // Assert
    assert_eq!(canceled.1["outcome"], "applied");
    assert_eq!(created.1["outcome"], "stale");
    assert_eq!(late.1["outcome"], "stale");
    assert_eq!(revive.1["outcome"], "stale");
    let first = subscription_row(&app, "sub_1").await.expect("sub_1");
    assert_eq!(
        (first.status.as_str(), first.stripe_event_at),
        ("canceled", Some(t + 20))
    );
    let second = subscription_row(&app, "sub_2").await.expect("sub_2");
    assert_eq!(
        (second.status.as_str(), second.stripe_event_at),
        ("canceled", Some(t + 30))
    );
}

async fn unknown_types_and_customers_answer_2xx(backend: Backend) {
    // Arrange
    let (app, _fake, _) = fixture(backend).await;
    let t = now_ts(&app);
    let stranger = subscription("sub_x", "cus_unknown", "active", "price_gold", t + DAY);

    // Act
    let unknown_type = deliver(
        &app,
        &event("evt_t", "charge.refunded", t, json!({"id": "ch_1"})),
    )
    .await;
    let unknown_customer = deliver(
        &app,
        &event("evt_u", "customer.subscription.created", t, stranger),
    )
    .await;
    let orphan_invoice = deliver(
        &app,
        &event(
            "evt_i",
            "invoice.paid",
            t,
            json!({"id": "in_1", "subscription": "sub_none"}),
        ),
    )
    .await;

    // Assert
    assert_eq!(
        unknown_type,
        (200, json!({"received": true, "outcome": "ignored"}))
    );
    assert_eq!(unknown_customer.0, 200);
    assert_eq!(unknown_customer.1["outcome"], "unmatched");
    assert_eq!(orphan_invoice.1["outcome"], "unmatched");
    let ignored = stripe_event_row(&app, "evt_t").await.expect("row");
    assert_eq!(
        (ignored.outcome.as_str(), ignored.payload),
        ("ignored", None)
    );
    let kept = stripe_event_row(&app, "evt_u").await.expect("row");
    assert_eq!(kept.outcome, "unmatched");
    assert!(kept.payload.expect("payload kept").contains("cus_unknown"));
    assert!(subscription_row(&app, "sub_x").await.is_none());
}

async fn checkout_completion_links_the_customer_and_ends_the_trial(backend: Backend) {
    // Arrange: a member without a customer, on a card-less trial.
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let member = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let plan_id = app.seed_plan("gold", 14, &[]).await;
    price_plan(&app, &plan_id, "price_gold").await;
    let trial_end = app.clock.now_utc() + Duration::days(10);
    let trial_id = start_local_trial(&app, &member.member_id, trial_end).await;
    let t = now_ts(&app);
    let session = json!({
        "id": "cs_1", "object": "checkout.session", "mode": "subscription",
        "customer": "cus_new", "subscription": "sub_new",
        "client_reference_id": member.member_id,
        "metadata": {"member_id": member.member_id, "plan": "gold"},
        "payment_status": "no_payment_required",
    });
    let mut created = subscription(
        "sub_new",
        "cus_new",
        "trialing",
        "price_gold",
        trial_end.timestamp(),
    );
    created["trial_end"] = json!(trial_end.timestamp());

    // Act
    let completed = deliver(
        &app,
        &event("evt_cs", "checkout.session.completed", t, session),
    )
    .await;
    let placeholder = subscription_row(&app, "sub_new")
        .await
        .expect("placeholder");
    let applied = deliver(
        &app,
        &event("evt_sc", "customer.subscription.created", t - 1, created),
    )
    .await;

    // Assert
    assert_eq!(completed.1["outcome"], "applied");
    assert_eq!(placeholder.status.as_str(), "trialing");
    assert_eq!(placeholder.trial_ends_at, Some(trial_end.naive_utc()));
    assert_eq!(
        applied.1["outcome"], "applied",
        "Stripe's own state replaces the placeholder"
    );
    let (customer, trial) = app
        .with_conn(move |conn| {
            let member = kiosk::db::members::find(conn, &member.member_id)
                .expect("q")
                .expect("m");
            let trial = kiosk::db::subscriptions::find(conn, &trial_id)
                .expect("q")
                .expect("t");
            (member.stripe_customer_id, trial)
        })
        .await;
    assert_eq!(customer.as_deref(), Some("cus_new"));
    assert_eq!(trial.status.as_str(), "expired");
    let row = subscription_row(&app, "sub_new").await.expect("row");
    assert_eq!(
        (row.status.as_str(), row.stripe_event_at),
        ("trialing", Some(t - 1))
    );
}

async fn invoices_move_the_status(backend: Backend) {
    // Arrange
    let (app, _fake, _) = fixture(backend).await;
    let t = now_ts(&app);
    let first_end = t + 30 * DAY;
    let next_end = t + 60 * DAY;
    let active = subscription("sub_1", "cus_A", "active", "price_gold", first_end);
    deliver(
        &app,
        &event("evt_c", "customer.subscription.created", t, active),
    )
    .await;
    let failed = json!({"id": "in_1", "object": "invoice", "subscription": "sub_1"});
    let paid = json!({"id": "in_2", "object": "invoice",
        "parent": {"subscription_details": {"subscription": "sub_1"}},
        "lines": {"data": [{"period": {"start": first_end, "end": next_end}}]}});

    // Act
    deliver(
        &app,
        &event("evt_f", "invoice.payment_failed", t + 10, failed),
    )
    .await;
    let past_due = subscription_row(&app, "sub_1").await.expect("row");
    deliver(&app, &event("evt_p", "invoice.paid", t + 20, paid)).await;

    // Assert
    assert_eq!(past_due.status.as_str(), "past_due");
    let row = subscription_row(&app, "sub_1").await.expect("row");
    assert_eq!(row.status.as_str(), "active");
    assert_eq!(
        row.current_period_end.map(|t| t.and_utc().timestamp()),
        Some(next_end)
    );
}

both_backends!(
    out_of_order_events_keep_the_newest_state,
    unknown_types_and_customers_answer_2xx,
    checkout_completion_links_the_customer_and_ends_the_trial,
    invoices_move_the_status,
);
