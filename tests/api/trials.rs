use chrono::Duration;
use diesel::prelude::*;
use kiosk::db::schema::trial_ledger;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{post_bearer, problem_code, spawn_app, spawn_app_with, Backend};
use crate::lifecycle_support::{body, member, time};
use crate::paywall::paywall;

async fn a_trial_starts_at_once_and_shows_on_me(backend: Backend) {
    let app = spawn_app(backend).await;
    let daily = app.seed_publisher("daily").await;
    app.seed_plan("daily-plus", 14, &[daily]).await;
    let reader = member(&app, "reader@example.com").await;
    let before = app.me("reader@example.com").await;

    let trial = body(
        app.start_trial(&reader.access_token, "daily-plus").await,
        201,
    )
    .await;
    let me = app.me("reader@example.com").await;

    assert_eq!(before["trial_eligible"], true);
    assert_eq!(before["entitlements"], json!([]));
    assert_eq!(trial["status"], "trialing");
    assert_eq!(trial["source"], "trial");
    assert_eq!(trial["plan"], "daily-plus");
    assert_eq!(trial["entitled"], true);
    assert_eq!(
        time(&trial["trial_ends_at"]),
        app.now() + Duration::days(14)
    );
    assert_eq!(me["email"], "reader@example.com");
    assert_eq!(me["status"], "active");
    assert_eq!(me["trial_eligible"], false);
    let entitlement = &me["entitlements"][0];
    assert_eq!(entitlement["plan"], "daily-plus");
    assert_eq!(entitlement["publishers"], json!(["daily"]));
    assert_eq!(entitlement["source"], "trial");
    assert_eq!(entitlement["grant"], "trial");
    assert_eq!(entitlement["subscription_id"], trial["id"]);
    assert_eq!(
        time(&entitlement["ends_at"]),
        app.now() + Duration::days(14)
    );
    assert_eq!(app.event_kinds(&reader.member_id).await, ["trial.started"]);
}

async fn access_ends_at_trial_end_with_no_sweep(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.sweep_interval_secs = 0).await;
    app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    body(
        app.start_trial(&reader.access_token, "all-access").await,
        201,
    )
    .await;

    app.clock.advance(Duration::days(14) - Duration::seconds(1));
    let last_second = app.me("reader@example.com").await;
    app.clock.advance(Duration::seconds(1));
    let after = app.me("reader@example.com").await;
    let rows = app.subscription_rows(&reader.member_id).await;

    assert_eq!(last_second["entitlements"][0]["publishers"], "*");
    assert_eq!(after["entitlements"], json!([]));
    assert_eq!(
        rows[0].status.as_str(),
        "trialing",
        "no sweep ran; time alone decided"
    );
}

async fn twenty_concurrent_starts_make_exactly_one_trial(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;

    let attempts = (0..20).map(|_| app.start_trial(&reader.access_token, "all-access"));
    let responses = futures_util::future::join_all(attempts).await;

    let mut created = 0;
    let mut codes = Vec::new();
    for response in responses {
        if response.status() == 201 {
            created += 1;
        } else {
            assert_eq!(response.status(), 409);
            codes.push(problem_code(response).await);
        }
    }
    assert_eq!(created, 1);
    assert_eq!(codes, vec!["trial_already_used"; 19]);
    assert_eq!(app.count_all_subscriptions().await, 1);
}

async fn one_trial_per_member_across_plans(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("daily", 14, &[]).await;
    app.seed_plan("weekly", 30, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let first = body(app.start_trial(&reader.access_token, "daily").await, 201).await;
    let id = first["id"].as_str().expect("id");
    body(app.cancel(&reader.access_token, id).await, 200).await;

    let same = app.start_trial(&reader.access_token, "daily").await;
    let other = app.start_trial(&reader.access_token, "weekly").await;

    assert_eq!(same.status(), 409);
    assert_eq!(problem_code(same).await, "trial_already_used");
    assert_eq!(other.status(), 409);
    assert_eq!(problem_code(other).await, "trial_already_used");
    assert_eq!(app.subscription_rows(&reader.member_id).await.len(), 1);
}

async fn plans_without_a_free_trial_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("no-trial", 0, &[]).await;
    app.seed_plan("card-trial", 14, &[]).await;
    app.set_plan("card-trial", 14, true, "active").await;
    app.seed_plan("old", 14, &[]).await;
    app.set_plan("old", 14, false, "archived").await;
    let reader = member(&app, "reader@example.com").await;
    let token = reader.access_token.as_str();

    let cases = [
        ("nope", 404, "not_found"),
        ("old", 404, "not_found"),
        ("no-trial", 422, "trial_not_available"),
        ("card-trial", 422, "checkout_required"),
        ("  ", 422, "validation_failed"),
    ];
    for (plan, status, code) in cases {
        let response = app.start_trial(token, plan).await;
        assert_eq!(response.status(), status, "plan {plan:?}");
        assert_eq!(problem_code(response).await, code, "plan {plan:?}");
    }
    let card = app.start_trial(token, "card-trial").await;
    let detail: serde_json::Value = card.json().await.expect("json");
    assert!(detail["detail"]
        .as_str()
        .is_some_and(|d| d.contains("/v1/me/checkout")));
    assert_eq!(app.count_all_subscriptions().await, 0);
    assert_eq!(app.me("reader@example.com").await["trial_eligible"], true);
}

async fn bad_bodies_and_credentials_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let admin = app.admin_key().await;
    let token = reader.access_token.as_str();

    let mass = post_bearer(
        &app,
        "/v1/me/trials",
        token,
        &json!({"plan": "all-access", "status": "active"}),
    )
    .await;
    let missing = post_bearer(&app, "/v1/me/trials", token, &json!({})).await;
    let number = post_bearer(&app, "/v1/me/trials", token, &json!({"plan": 7})).await;
    let anonymous = app
        .post_json("/v1/me/trials", &json!({"plan": "all-access"}))
        .await;
    let with_key = app.start_trial(&admin, "all-access").await;

    assert_eq!(mass.status(), 422);
    assert_eq!(missing.status(), 422);
    assert_eq!(number.status(), 422);
    assert_eq!(anonymous.status(), 401);
    assert_eq!(problem_code(anonymous).await, "token_invalid");
    assert_eq!(with_key.status(), 403);
    assert_eq!(app.count_all_subscriptions().await, 0);
}

async fn a_disabled_member_cannot_start_or_see_a_trial(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    let other = member(&app, "other@example.com").await;
    body(
        app.start_trial(&other.access_token, "all-access").await,
        201,
    )
    .await;
    app.disable_member(&reader.member_id).await;
    app.disable_member(&other.member_id).await;

    let start = app.start_trial(&reader.access_token, "all-access").await;
    let me = app.get_bearer("/v1/me", &other.access_token).await;
    let list = app
        .get_bearer("/v1/me/subscriptions", &other.access_token)
        .await;

    assert_eq!(start.status(), 401);
    assert_eq!(problem_code(start).await, "token_invalid");
    assert_eq!(me.status(), 401);
    assert_eq!(list.status(), 401);
    assert_eq!(app.count_all_subscriptions().await, 1);
}

async fn archiving_a_plan_keeps_running_trials(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 14, &[]).await;
    let reader = member(&app, "reader@example.com").await;
    body(
        app.start_trial(&reader.access_token, "all-access").await,
        201,
    )
    .await;

    app.set_plan("all-access", 14, false, "archived").await;
    let me = app.me("reader@example.com").await;

    assert_eq!(me["entitlements"][0]["plan"], "all-access");
    assert_eq!(me["entitlements"][0]["grant"], "trial");
}

/// Plus-tagged addresses of one inbox are separate accounts, but share
/// the one free trial: the ledger is keyed by the mailbox too.
async fn one_mailbox_gets_one_trial(backend: Backend) {
    let pw = paywall(backend).await;
    let app = &pw.app;
    pw.put_article("paid-one", "premium").await;
    let first = member(app, "reader+one@example.com").await;
    let second = member(app, "reader+two@example.com").await;
    let untagged = member(app, "Reader@example.com").await;
    let elsewhere = member(app, "reader+one@example.org").await;

    body(
        app.start_trial(&first.access_token, "all-access").await,
        201,
    )
    .await;
    let tagged_again = app.start_trial(&second.access_token, "all-access").await;
    let plain = app.start_trial(&untagged.access_token, "all-access").await;

    assert_eq!(tagged_again.status(), 409);
    assert_eq!(problem_code(tagged_again).await, "trial_already_used");
    assert_eq!(plain.status(), 409);
    assert_eq!(problem_code(plain).await, "trial_already_used");
    assert_eq!(
        app.me("reader+two@example.com").await["trial_eligible"],
        false
    );
    let offer = pw.check_member("paid-one", &second.access_token).await["offer"].clone();
    assert_eq!(offer["action"], "subscribe", "{offer}");
    assert_eq!(app.count_all_subscriptions().await, 1);
    body(
        app.start_trial(&elsewhere.access_token, "all-access").await,
        201,
    )
    .await;
}

async fn members_of_one_mailbox_starting_at_once_get_one_trial(backend: Backend) {
    let app = spawn_app(backend).await;
    app.seed_plan("all-access", 14, &[]).await;
    let mut readers = Vec::new();
    for i in 0..8 {
        readers.push(member(&app, &format!("reader+{i}@example.com")).await);
    }

    let attempts = readers
        .iter()
        .map(|reader| app.start_trial(&reader.access_token, "all-access"));
    let responses = futures_util::future::join_all(attempts).await;

    let mut created = 0;
    for response in responses {
        if response.status() == 201 {
            created += 1;
        } else {
            assert_eq!(response.status(), 409);
            assert_eq!(problem_code(response).await, "trial_already_used");
        }
    }
    assert_eq!(created, 1);
    assert_eq!(app.count_all_subscriptions().await, 1);
}

/// Ledger rows written before the ledger knew mailboxes get one from the
/// member's address: its mailbox where no earlier row holds that, else the
/// address itself, so the migration never collides.
async fn earlier_ledger_rows_are_keyed_by_mailbox_without_collisions(backend: Backend) {
    let app = spawn_app(backend).await;
    let plan_id = app.seed_plan("all-access", 14, &[]).await;
    let emails = [
        "x+2@example.com",
        "x+1@example.com",
        "x@example.com",
        "y+1@example.com",
        "y+2@example.com",
        "+z@example.com",
    ];
    let mut ids = Vec::new();
    for email in emails {
        ids.push(member(&app, email).await.member_id);
    }
    let later_tag = member(&app, "y+3@example.com").await;
    let rows = ids.clone();

    let mailboxes = app
        .with_conn(move |conn| {
            revert_mailbox_migration(conn);
            for (minute, id) in rows.iter().enumerate() {
                diesel::sql_query(format!(
                    "INSERT INTO trial_ledger (member_id, plan_id, subscription_id, started_at) \
                     VALUES ('{id}', '{plan_id}', 'sub_{minute}', '2026-03-01 09:{minute:02}:00')"
                ))
                .execute(conn)
                .expect("insert ledger row");
            }
            migrate(conn);
            trial_ledger::table
                .select((trial_ledger::member_id, trial_ledger::mailbox))
                .load::<(String, String)>(conn)
                .expect("ledger")
        })
        .await;

    let mailbox_of = |id: &str| {
        mailboxes
            .iter()
            .find(|(member, _)| member == id)
            .map(|(_, mailbox)| mailbox.as_str())
    };
    assert_eq!(mailbox_of(&ids[0]), Some("x+2@example.com"));
    assert_eq!(mailbox_of(&ids[1]), Some("x+1@example.com"));
    assert_eq!(mailbox_of(&ids[2]), Some("x@example.com"));
    assert_eq!(mailbox_of(&ids[3]), Some("y@example.com"));
    assert_eq!(mailbox_of(&ids[4]), Some("y+2@example.com"));
    assert_eq!(mailbox_of(&ids[5]), Some("+z@example.com"));
    let refused = app.start_trial(&later_tag.access_token, "all-access").await;
    assert_eq!(refused.status(), 409);
    assert_eq!(problem_code(refused).await, "trial_already_used");
}

/// Undoes the migration that added `trial_ledger.mailbox` and every later
/// one, as a database written before it would be.
fn revert_mailbox_migration(conn: &mut kiosk::db::DbConnection) {
    use diesel_migrations::MigrationHarness;
    loop {
        let reverted = match &mut *conn {
            kiosk::db::DbConnection::Pg(pg) => pg
                .revert_last_migration(kiosk::db::PG_MIGRATIONS)
                .map(|v| v.to_string()),
            kiosk::db::DbConnection::Sqlite(lite) => lite
                .revert_last_migration(kiosk::db::SQLITE_MIGRATIONS)
                .map(|v| v.to_string()),
        }
        .expect("revert");
        assert!(reverted.as_str() >= MAILBOX_MIGRATION, "reverted past it");
        if reverted == MAILBOX_MIGRATION {
            return;
        }
    }
}

const MAILBOX_MIGRATION: &str = "20261130000001";

fn migrate(conn: &mut kiosk::db::DbConnection) {
    use diesel_migrations::MigrationHarness;
    let applied = match conn {
        kiosk::db::DbConnection::Pg(pg) => pg.run_pending_migrations(kiosk::db::PG_MIGRATIONS),
        kiosk::db::DbConnection::Sqlite(lite) => {
            lite.run_pending_migrations(kiosk::db::SQLITE_MIGRATIONS)
        }
    }
    .expect("migrate")
    .iter()
    .map(ToString::to_string)
    .collect::<Vec<_>>();
    assert_eq!(applied.first().map(String::as_str), Some(MAILBOX_MIGRATION));
}

both_backends!(
    earlier_ledger_rows_are_keyed_by_mailbox_without_collisions,
    one_mailbox_gets_one_trial,
    members_of_one_mailbox_starting_at_once_get_one_trial,
    a_trial_starts_at_once_and_shows_on_me,
    access_ends_at_trial_end_with_no_sweep,
    twenty_concurrent_starts_make_exactly_one_trial,
    one_trial_per_member_across_plans,
    plans_without_a_free_trial_are_refused,
    bad_bodies_and_credentials_are_refused,
    a_disabled_member_cannot_start_or_see_a_trial,
    archiving_a_plan_keeps_running_trials,
);
