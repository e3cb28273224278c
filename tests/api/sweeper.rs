use chrono::Duration;
use kiosk::lifecycle::sweeper::{sweep_once, SweepReport};
use serde_json::json;

use crate::both_backends;
use crate::helpers::{post_bearer, spawn_app_with, Backend, TestApp};
use crate::lifecycle_support::{body, member};
use crate::stripe_fake::FakeStripe;

async fn quiet_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.sweep_interval_secs = 0).await
}

async fn sweep(app: &TestApp) -> SweepReport {
    sweep_once(&app.state.lifecycle, app.now())
        .await
        .expect("sweep")
}

async fn a_trial_is_announced_three_days_ahead_then_expired_once(backend: Backend) {
    let app = quiet_app(backend).await;
    app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    body(
        app.start_trial(&reader.access_token, "all-access").await,
        201,
    )
    .await;

    app.clock.advance(Duration::days(11) - Duration::seconds(1));
    let too_early = sweep(&app).await;
    app.clock.advance(Duration::seconds(1));
    let warned = sweep(&app).await;
    let warned_again = sweep(&app).await;
    app.clock.advance(Duration::days(3));
    let ended = sweep(&app).await;
    let ended_again = sweep(&app).await;

    assert_eq!(too_early, SweepReport::default());
    assert_eq!(
        warned,
        SweepReport {
            expired: 0,
            events: 1
        }
    );
    assert_eq!(warned_again, SweepReport::default());
    assert_eq!(
        ended,
        SweepReport {
            expired: 1,
            events: 1
        }
    );
    assert_eq!(ended_again, SweepReport::default());
    assert_eq!(
        app.subscription_rows(&reader.member_id).await[0]
            .status
            .as_str(),
        "expired"
    );
    assert_eq!(
        app.event_kinds(&reader.member_id).await,
        ["trial.started", "trial.will_end", "trial.ended"]
    );
}

async fn two_sweeps_at_once_record_each_event_once(backend: Backend) {
    let fake = FakeStripe::start().await;
    let base = fake.server.uri();
    let app = spawn_app_with(backend, move |s| {
        s.sweep_interval_secs = 0;
        s.stripe_secret_key = kiosk::config::Secret::new("sk_test_kiosk");
        s.stripe_api_base = base;
    })
    .await;
    let plan_id = app.seed_plan("all-access", 14, &[]).await;
    let key = app.admin_key().await;
    let mut members = Vec::new();
    for n in 0..4 {
        let reader = member(&app, &format!("reader{n}@example.com")).await;
        body(
            app.start_trial(&reader.access_token, "all-access").await,
            201,
        )
        .await;
        let path = format!("/v1/admin/members/{}/grants", reader.member_id);
        let ends = (app.now() + Duration::days(20)).to_rfc3339();
        body(
            post_bearer(
                &app,
                &path,
                &key,
                &json!({"plan": "all-access", "ends_at": ends}),
            )
            .await,
            201,
        )
        .await;
        let paid = app
            .seed_paid(&reader.member_id, &plan_id, "active", Duration::days(5))
            .await;
        body(app.cancel(&reader.access_token, &paid).await, 200).await;
        members.push(reader.member_id);
    }
    app.clock.advance(Duration::days(30));

    let (a, b) = tokio::join!(sweep(&app), sweep(&app));
    let third = sweep(&app).await;

    assert_eq!(a.expired + b.expired, 12, "{a:?} {b:?}");
    assert_eq!(a.events + b.events, 12, "{a:?} {b:?}");
    assert_eq!(third, SweepReport::default());
    for member_id in &members {
        let mut kinds = app.event_kinds(member_id).await;
        kinds.sort();
        assert_eq!(
            kinds,
            [
                "subscription.canceled",
                "subscription.expired",
                "subscription.expired",
                "trial.ended",
                "trial.started"
            ]
        );
        let rows = app.subscription_rows(member_id).await;
        assert!(
            rows.iter().all(|s| s.status.as_str() == "expired"),
            "{rows:?}"
        );
    }
}

async fn the_server_sweeps_on_its_own(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.sweep_interval_secs = 1).await;
    app.seed_plan("all-access", 1, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    body(
        app.start_trial(&reader.access_token, "all-access").await,
        201,
    )
    .await;
    app.clock.advance(Duration::days(2));

    let mut status = String::new();
    for _ in 0..100 {
        status = app.subscription_rows(&reader.member_id).await[0]
            .status
            .to_string();
        if status == "expired" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    assert_eq!(status, "expired");
}

async fn past_due_keeps_access_for_the_configured_grace(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.sweep_interval_secs = 0;
        s.grace_days = 2;
    })
    .await;
    let plan_id = app.seed_plan("all-access", 0, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    app.seed_paid(&reader.member_id, &plan_id, "past_due", Duration::zero())
        .await;

    let in_grace = app.me("reader@example.com").await;
    let early = sweep(&app).await;
    app.clock.advance(Duration::days(2));
    let after = app.me("reader@example.com").await;
    let swept = sweep(&app).await;

    assert_eq!(in_grace["entitlements"][0]["grant"], "grace_period");
    assert_eq!(early, SweepReport::default());
    assert_eq!(after["entitlements"], json!([]));
    assert_eq!(
        swept,
        SweepReport {
            expired: 1,
            events: 1
        }
    );
    assert_eq!(
        app.event_kinds(&reader.member_id).await,
        ["subscription.expired"]
    );
}

both_backends!(
    past_due_keeps_access_for_the_configured_grace,
    a_trial_is_announced_three_days_ahead_then_expired_once,
    two_sweeps_at_once_record_each_event_once,
    the_server_sweeps_on_its_own,
);
