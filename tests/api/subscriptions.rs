use chrono::Duration;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{post_bearer, problem_code, spawn_app, Backend};
use crate::lifecycle_support::{body, member, time};
use crate::stripe_fake::{spawn_billing_app, FakeStripe};

async fn the_list_shows_every_subscription_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let plan_id = app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let paid = app
        .seed_paid(&reader.member_id, &plan_id, "unpaid", Duration::days(3))
        .await;
    let trial = body(
        app.start_trial(&reader.access_token, "all-access").await,
        201,
    )
    .await;

    let list = app
        .get_bearer("/v1/me/subscriptions", &reader.access_token)
        .await;
    let list = body(list, 200).await;

    let subs = list["subscriptions"].as_array().expect("list");
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0]["id"], trial["id"]);
    assert_eq!(subs[0]["entitled"], true);
    assert_eq!(subs[1]["id"], paid.as_str());
    assert_eq!(subs[1]["status"], "unpaid");
    assert_eq!(subs[1]["source"], "stripe");
    assert_eq!(subs[1]["entitled"], false);
    assert_eq!(subs[1]["ends_at"], json!(null));
    for field in [
        "plan",
        "current_period_end",
        "cancel_at_period_end",
        "created_at",
    ] {
        assert!(subs[1].get(field).is_some(), "{field} listed");
    }
}

async fn cancelling_a_trial_ends_it_now_and_twice_is_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let trial = body(
        app.start_trial(&reader.access_token, "all-access").await,
        201,
    )
    .await;
    let id = trial["id"].as_str().expect("id");

    let first = body(app.cancel(&reader.access_token, id).await, 200).await;
    let second = body(app.cancel(&reader.access_token, id).await, 200).await;
    let me = app.me("reader@example.com").await;

    assert_eq!(first["status"], "canceled");
    assert_eq!(first["entitled"], false);
    assert_eq!(time(&first["trial_ends_at"]), app.now());
    assert_eq!(first, second);
    assert_eq!(me["entitlements"], json!([]));
    assert_eq!(me["trial_eligible"], false);
    let kinds = app.event_kinds(&reader.member_id).await;
    assert_eq!(kinds, ["trial.started", "subscription.canceled"]);
}

async fn a_cancelled_paid_subscription_runs_to_its_period_end(backend: Backend) {
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let plan_id = app.seed_plan("all-access", 0, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let id = app
        .seed_paid(&reader.member_id, &plan_id, "active", Duration::days(30))
        .await;
    let period_end = app.now() + Duration::days(30);

    let first = body(app.cancel(&reader.access_token, &id).await, 200).await;
    let second = body(app.cancel(&reader.access_token, &id).await, 200).await;
    app.clock.advance(Duration::days(30) - Duration::seconds(1));
    let last_second = app.me("reader@example.com").await;
    app.clock.advance(Duration::seconds(1));
    let after = app.me("reader@example.com").await;

    assert_eq!(first["status"], "active");
    assert_eq!(first["cancel_at_period_end"], true);
    assert_eq!(first["entitled"], true);
    assert_eq!(time(&first["ends_at"]), period_end);
    assert_eq!(first, second);
    assert_eq!(last_second["entitlements"][0]["grant"], "subscription");
    assert_eq!(after["entitlements"], json!([]));
}

async fn someone_elses_subscription_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 14, &[]).await;
    let owner = member(&app, "owner@example.com").await;
    let intruder = member(&app, "intruder@example.com").await;
    let trial = body(
        app.start_trial(&owner.access_token, "all-access").await,
        201,
    )
    .await;
    let id = trial["id"].as_str().expect("id");

    let cancel = app.cancel(&intruder.access_token, id).await;
    let resume = app.resume(&intruder.access_token, id).await;
    let unknown = app.cancel(&owner.access_token, "sub_nope").await;

    assert_eq!(cancel.status(), 404);
    assert_eq!(problem_code(cancel).await, "not_found");
    assert_eq!(resume.status(), 404);
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        app.subscription_rows(&owner.member_id).await[0]
            .status
            .as_str(),
        "trialing"
    );
}

async fn resume_undoes_a_cancel_before_the_end_only(backend: Backend) {
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let plan_id = app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let token = reader.access_token.as_str();
    let trial = body(app.start_trial(token, "all-access").await, 201).await;
    let paid = app
        .seed_paid(&reader.member_id, &plan_id, "active", Duration::hours(1))
        .await;
    let trial_id = trial["id"].as_str().expect("id");
    body(app.cancel(token, &paid).await, 200).await;
    body(app.cancel(token, trial_id).await, 200).await;

    let resumed = body(app.resume(token, &paid).await, 200).await;
    let again = body(app.resume(token, &paid).await, 200).await;
    let trial_resume = app.resume(token, trial_id).await;
    body(app.cancel(token, &paid).await, 200).await;
    app.clock.advance(Duration::hours(1));
    let fresh = app
        .sign_in("reader@example.com", crate::lifecycle_support::PASSWORD)
        .await;
    let too_late = app.resume(&fresh.access_token, &paid).await;

    assert_eq!(resumed["cancel_at_period_end"], false);
    assert_eq!(resumed["canceled_at"], json!(null));
    assert_eq!(resumed, again);
    assert_eq!(trial_resume.status(), 422);
    assert_eq!(problem_code(trial_resume).await, "not_resumable");
    assert_eq!(too_late.status(), 422);
    assert_eq!(problem_code(too_late).await, "not_resumable");
}

async fn a_member_can_give_up_complimentary_access(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 0, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let key = app.admin_key().await;
    let path = format!("/v1/admin/members/{}/grants", reader.member_id);
    let ends = (app.now() + Duration::days(10)).to_rfc3339();
    let open = post_bearer(&app, &path, &key, &json!({"plan": "all-access"})).await;
    let dated = post_bearer(
        &app,
        &path,
        &key,
        &json!({"plan": "all-access", "ends_at": ends}),
    )
    .await;
    let open = body(open, 201).await;
    let dated = body(dated, 201).await;

    let open = app
        .cancel(&reader.access_token, open["id"].as_str().expect("id"))
        .await;
    let dated = app
        .cancel(&reader.access_token, dated["id"].as_str().expect("id"))
        .await;
    let (open, dated) = (body(open, 200).await, body(dated, 200).await);

    assert_eq!(open["status"], "canceled");
    assert_eq!(open["entitled"], false);
    assert_eq!(dated["status"], "active");
    assert_eq!(dated["cancel_at_period_end"], true);
    assert_eq!(dated["entitled"], true);
    assert_eq!(time(&dated["ends_at"]), app.now() + Duration::days(10));
}

both_backends!(
    a_member_can_give_up_complimentary_access,
    the_list_shows_every_subscription_newest_first,
    cancelling_a_trial_ends_it_now_and_twice_is_once,
    a_cancelled_paid_subscription_runs_to_its_period_end,
    someone_elses_subscription_is_not_found,
    resume_undoes_a_cancel_before_the_end_only,
);
