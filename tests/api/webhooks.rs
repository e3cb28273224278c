//! `POST /v1/webhooks/stripe`: signatures, exactly-once delivery and
//! rollback.

use serde_json::json;

use crate::billing_support::*;
use crate::both_backends;
use crate::helpers::{problem_code, Backend, TestApp};
use crate::stripe_fake::WEBHOOK_SECRET;

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
    assert_eq!(row.source.as_str(), "stripe");
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
        1,
        "one trial.will_end per subscription, as the sweeper records it"
    );
    assert_eq!(stripe_event_count(&app).await, 3);
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
    assert_eq!(
        lifecycle_count(&app).await,
        2,
        "trial.will_end and subscription.canceled, once each"
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
    a_database_failure_mid_event_rolls_everything_back,
    malformed_events_are_400,
);
