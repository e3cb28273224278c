//! `POST /v1/webhooks/stripe`: signatures, exactly-once, ordering,
//! reconciliation and rollback.

use chrono::Duration;
use serde_json::json;

use crate::billing::start_local_trial;
use crate::both_backends;
use crate::helpers::{problem_code, Backend, ClockExt, TestApp};
use crate::stripe_fake::{
    deliver, event, link_customer, post_webhook, price_plan, spawn_billing_app, stripe_event_count,
    stripe_event_row, stripe_signature, subscription, subscription_row, v1_signature, FakeStripe,
    WEBHOOK_SECRET,
};

const DAY: i64 = 86_400;

/// A member linked to customer `cus_A` and plan `gold` priced `price_gold`;
/// returns the app and the member id.
async fn fixture(backend: Backend) -> (TestApp, FakeStripe, String) {
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let member = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let plan_id = app.seed_plan("gold", 14, &[]).await;
    price_plan(&app, &plan_id, "price_gold").await;
    link_customer(&app, &member.member_id, "cus_A").await;
    (app, fake, member.member_id)
}

fn now_ts(app: &TestApp) -> i64 {
    app.clock.now_utc().timestamp()
}

async fn lifecycle_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        kiosk::db::schema::lifecycle_events::table
            .count()
            .get_result::<i64>(conn)
            .expect("count")
    })
    .await
}

async fn every_bad_signature_is_400_and_writes_nothing(backend: Backend) {
    // Arrange
    let (app, _fake, _) = fixture(backend).await;
    let t = now_ts(&app);
    let body = event(
        "evt_sig",
        "customer.subscription.created",
        t,
        subscription("sub_1", "cus_A", "active", "price_gold", t + 30 * DAY),
    )
    .to_string();
    let right = v1_signature(WEBHOOK_SECRET, t, &body);
    let wrong = v1_signature("whsec_someone_else", t, &body);
    let stale_t = t - 301;
    let stale = v1_signature(WEBHOOK_SECRET, stale_t, &body);
    let cases: Vec<(Option<String>, String)> = vec![
        (None, body.clone()),
        (Some("garbage".into()), body.clone()),
        (Some(format!("t={t},v1=zz")), body.clone()),
        (Some(format!("t={t},v1={wrong}")), body.clone()),
        (Some(format!("t={t},v0={right}")), body.clone()),
        (Some(format!("t={stale_t},v1={stale}")), body.clone()),
        (Some(format!("v1={right}")), body.clone()),
        (
            Some(format!("t={t},v1={right}")),
            body.replace("active", "canceled"),
        ),
    ];

    for (header, sent) in cases {
        // Act
        let response = post_webhook(&app, &sent, header.as_deref()).await;

        // Assert
        assert_eq!(response.status(), 400, "{header:?}");
        assert_eq!(problem_code(response).await, "invalid_signature");
    }
    assert_eq!(stripe_event_count(&app).await, 0);
    assert!(subscription_row(&app, "sub_1").await.is_none());
}

async fn one_of_two_v1_signatures_is_enough(backend: Backend) {
    // Arrange: a secret roll, the old secret's signature first.
    let (app, _fake, member_id) = fixture(backend).await;
    let t = now_ts(&app);
    let body = event(
        "evt_roll",
        "customer.subscription.created",
        t,
        subscription("sub_1", "cus_A", "active", "price_gold", t + 30 * DAY),
    )
    .to_string();
    let header = format!(
        "t={t},v1={},v1={}",
        v1_signature("whsec_old_secret", t, &body),
        v1_signature(WEBHOOK_SECRET, t, &body)
    );

    // Act
    let response = post_webhook(&app, &body, Some(&header)).await;

    // Assert
    assert_eq!(response.status(), 200);
    let row = subscription_row(&app, "sub_1").await.expect("subscription");
    assert_eq!(
        (row.member_id.as_str(), row.status.as_str()),
        (member_id.as_str(), "active")
    );
    assert_eq!(row.source, "stripe");
    assert_eq!(
        row.current_period_end.map(|t| t.and_utc().timestamp()),
        Some(t + 30 * DAY),
        "period end read from the subscription items"
    );
    assert_eq!(
        stripe_event_row(&app, "evt_roll")
            .await
            .expect("row")
            .outcome,
        "applied"
    );
}

async fn the_same_event_applies_once_even_concurrently(backend: Backend) {
    // Arrange
    let (app, _fake, _) = fixture(backend).await;
    let t = now_ts(&app);
    let mut trialing = subscription("sub_1", "cus_A", "trialing", "price_gold", t + 3 * DAY);
    trialing["trial_end"] = json!(t + 3 * DAY);
    deliver(
        &app,
        &event(
            "evt_c",
            "customer.subscription.created",
            t,
            trialing.clone(),
        ),
    )
    .await;
    let will_end = |id: &str| {
        event(
            id,
            "customer.subscription.trial_will_end",
            t + 1,
            trialing.clone(),
        )
    };

    // Act
    let first = deliver(&app, &will_end("evt_w1")).await;
    let again = deliver(&app, &will_end("evt_w1")).await;
    let twin = will_end("evt_w2");
    let (a, b) = tokio::join!(deliver(&app, &twin), deliver(&app, &twin));

    // Assert
    assert_eq!(
        first,
        (200, json!({"received": true, "outcome": "applied"}))
    );
    assert_eq!(
        again,
        (200, json!({"received": true, "outcome": "duplicate"}))
    );
    assert_eq!((a.0, b.0), (200, 200));
    let mut outcomes = [a.1["outcome"].clone(), b.1["outcome"].clone()];
    outcomes.sort_by_key(|o| o.to_string());
    assert_eq!(outcomes, [json!("applied"), json!("duplicate")]);
    assert_eq!(
        lifecycle_count(&app).await,
        2,
        "one lifecycle event per event id"
    );
    assert_eq!(stripe_event_count(&app).await, 3);
}

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

async fn rename_table(app: &TestApp, from: &'static str, to: &'static str) {
    app.with_conn(move |conn| {
        use diesel::RunQueryDsl;
        diesel::sql_query(format!("ALTER TABLE {from} RENAME TO {to}"))
            .execute(conn)
            .expect("rename")
    })
    .await;
}

async fn a_database_failure_mid_event_rolls_everything_back(backend: Backend) {
    // Arrange: a trialing subscription, and the lifecycle table (written
    // last by `trial_will_end`) out of reach.
    let (app, _fake, _) = fixture(backend).await;
    let t = now_ts(&app);
    let mut trialing = subscription("sub_1", "cus_A", "trialing", "price_gold", t + 3 * DAY);
    trialing["trial_end"] = json!(t + 3 * DAY);
    deliver(
        &app,
        &event(
            "evt_c",
            "customer.subscription.created",
            t,
            trialing.clone(),
        ),
    )
    .await;
    let mut canceling = trialing.clone();
    canceling["cancel_at_period_end"] = json!(true);
    let will_end = event(
        "evt_w",
        "customer.subscription.trial_will_end",
        t + 5,
        canceling,
    );
    rename_table(&app, "lifecycle_events", "lifecycle_events_away").await;

    // Act
    let failed = deliver(&app, &will_end).await;
    let untouched = subscription_row(&app, "sub_1").await.expect("row");
    let recorded = stripe_event_row(&app, "evt_w").await;
    rename_table(&app, "lifecycle_events_away", "lifecycle_events").await;
    let retried = deliver(&app, &will_end).await;
    let again = deliver(&app, &will_end).await;

    // Assert
    assert!(failed.0 >= 500, "a failure is not acknowledged: {failed:?}");
    assert!(recorded.is_none(), "no dedupe row survives a rollback");
    assert!(!untouched.cancel_at_period_end);
    assert_eq!(untouched.stripe_event_at, Some(t));
    assert_eq!(retried.1["outcome"], "applied");
    assert_eq!(again.1["outcome"], "duplicate");
    let row = subscription_row(&app, "sub_1").await.expect("row");
    assert!(row.cancel_at_period_end);
    assert_eq!(lifecycle_count(&app).await, 1);
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
    assert_eq!(placeholder.status, "trialing");
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
    assert_eq!(trial.status, "expired");
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
    assert_eq!(past_due.status, "past_due");
    let row = subscription_row(&app, "sub_1").await.expect("row");
    assert_eq!(row.status, "active");
    assert_eq!(
        row.current_period_end.map(|t| t.and_utc().timestamp()),
        Some(next_end)
    );
}

async fn malformed_events_are_400(backend: Backend) {
    // Arrange
    let (app, _fake, _) = fixture(backend).await;
    let body = r#"{"id": "evt_1", "type": "invoice.paid"}"#;

    // Act
    let response = post_webhook(&app, body, Some(&stripe_signature(&app, body))).await;

    // Assert
    assert_eq!(response.status(), 400);
    assert_eq!(problem_code(response).await, "malformed_event");
    assert_eq!(stripe_event_count(&app).await, 0);
}

both_backends!(
    every_bad_signature_is_400_and_writes_nothing,
    one_of_two_v1_signatures_is_enough,
    the_same_event_applies_once_even_concurrently,
    out_of_order_events_keep_the_newest_state,
    unknown_types_and_customers_answer_2xx,
    a_database_failure_mid_event_rolls_everything_back,
    checkout_completion_links_the_customer_and_ends_the_trial,
    invoices_move_the_status,
    malformed_events_are_400,
);
