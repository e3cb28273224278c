use chrono::Duration;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::Backend;
use crate::paywall::{paywall, paywall_with, subscribe, Paywall, PASSWORD};

async fn a_visitor_reads_up_to_the_limit_and_rereads_free(backend: Backend) {
    let pw = paywall(backend).await;
    for id in ["m1", "m2", "m3", "m4"] {
        pw.put_article(id, "metered").await;
    }

    let mut answers = Vec::new();
    for id in ["m1", "m2", "m3", "m4", "m1"] {
        answers.push(pw.check_visitor(id, "visitor-1").await);
    }
    let other_visitor = pw.check_visitor("m4", "visitor-2").await;

    let remaining: Vec<&Value> = answers.iter().map(|a| &a["meter"]["remaining"]).collect();
    assert_eq!(
        remaining,
        [&json!(2), &json!(1), &json!(0), &json!(0), &json!(0)]
    );
    assert_eq!(answers[2]["allowed"], true);
    assert_eq!(answers[3]["allowed"], false);
    assert_eq!(answers[3]["reason"], "meter_exhausted");
    assert_eq!(answers[3]["offer"]["action"], "start_trial");
    assert_eq!(answers[4]["allowed"], true, "re-reading costs nothing");
    assert_eq!(answers[4]["meter"]["used"], 3);
    assert_eq!(answers[0]["meter"]["resets_at"], "2026-04-01T00:00:00Z");
    assert_eq!(other_visitor["allowed"], true, "meters are per visitor");
}

async fn members_get_the_registered_limit_and_subscribers_no_meter(backend: Backend) {
    let pw = paywall(backend).await;
    let member = pw.app.sign_up("reader@example.com", PASSWORD).await;
    let subscriber = pw.app.sign_up("sub@example.com", PASSWORD).await;
    subscribe(&pw.app, &subscriber.member_id, &pw.plan_id, "active", None).await;
    pw.put_article("m0", "metered").await;

    let first = pw.check_member("m0", &member.access_token).await;
    let paid = pw.check_member("m0", &subscriber.access_token).await;
    let anonymous = pw.check(json!({ "article_id": "m0" })).await;

    assert_eq!(first["meter"]["limit"], 5);
    assert_eq!(first["meter"]["used"], 1);
    assert_eq!(first["reason"], "metered");
    assert_eq!(paid["reason"], "subscription");
    assert_eq!(paid["meter"], Value::Null);
    assert_eq!(anonymous["reason"], "registration_required");
    assert_eq!(anonymous["offer"]["action"], "sign_up");
}

async fn the_meter_resets_with_the_period(backend: Backend) {
    let pw = paywall(backend).await;
    pw.set_meter(1, 1, "week").await;
    pw.put_article("m1", "metered").await;
    pw.put_article("m2", "metered").await;

    let first = pw.check_visitor("m1", "v").await;
    let full = pw.check_visitor("m2", "v").await;
    pw.app.clock.advance(Duration::days(7));
    let next_week = pw.check_visitor("m2", "v").await;

    assert_eq!(first["meter"]["resets_at"], "2026-03-16T00:00:00Z");
    assert_eq!(full["allowed"], false);
    assert_eq!(next_week["allowed"], true);
    assert_eq!(next_week["meter"]["used"], 1);
    assert_eq!(next_week["meter"]["resets_at"], "2026-03-23T00:00:00Z");
}

async fn a_zero_limit_meter_allows_nothing(backend: Backend) {
    let pw = paywall(backend).await;
    pw.set_meter(0, 0, "month").await;

    let answer = pw
        .check(json!({ "article_id": "z", "visitor_id": "v" }))
        .await;
    pw.put_article("z", "metered").await;
    let metered = pw
        .check(json!({ "article_id": "z", "visitor_id": "v" }))
        .await;

    assert_eq!(answer["reason"], "subscription_required");
    assert_eq!(metered["reason"], "meter_exhausted");
    assert_eq!(metered["meter"]["remaining"], 0);
}

async fn parallel_new_reads_at_the_limit_let_exactly_one_through(backend: Backend) {
    exactly_one_through(paywall(backend).await).await;
}

async fn without_group_commit_too(backend: Backend) {
    exactly_one_through(paywall_with(backend, |s| s.meter_group_commit = false).await).await;
}

async fn exactly_one_through(pw: Paywall) {
    pw.set_meter(3, 5, "month").await;
    for i in 0..12 {
        pw.put_article(&format!("m{i}"), "metered").await;
    }
    pw.check_visitor("m0", "v").await;
    pw.check_visitor("m1", "v").await;

    let answers = futures_util::future::join_all(
        (2..12).map(|i| pw.check(json!({ "article_id": format!("m{i}"), "visitor_id": "v" }))),
    )
    .await;
    let publisher_id = pw.publisher_id.clone();
    let (reads, used) = pw
        .app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use kiosk::db::schema::{meter_counters, meter_reads};
            let reads: i64 = meter_reads::table
                .filter(meter_reads::publisher_id.eq(&publisher_id))
                .count()
                .get_result(conn)
                .expect("count");
            let used: i32 = meter_counters::table
                .filter(meter_counters::publisher_id.eq(&publisher_id))
                .select(meter_counters::used)
                .first(conn)
                .expect("counter");
            (reads, used)
        })
        .await;

    let allowed = answers.iter().filter(|a| a["allowed"] == true).count();
    assert_eq!(allowed, 1, "{answers:?}");
    assert_eq!(reads, 3);
    assert_eq!(used, 3);
}

async fn many_visitors_in_parallel_each_stop_at_their_limit(backend: Backend) {
    let pw = paywall(backend).await;
    pw.set_meter(3, 5, "month").await;
    for i in 0..4 {
        pw.put_article(&format!("m{i}"), "metered").await;
    }
    let visitors: Vec<String> = (0..8).map(|v| format!("visitor-{v}")).collect();
    let reads: Vec<(String, &str)> = visitors
        .iter()
        .flat_map(|v| ["m0", "m1", "m0", "m2", "m3"].map(|a| (v.clone(), a)))
        .collect();

    let answers = futures_util::future::join_all(
        reads
            .iter()
            .map(|(v, a)| pw.check(json!({ "article_id": a, "visitor_id": v }))),
    )
    .await;
    let publisher_id = pw.publisher_id.clone();
    let stored = pw
        .app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use kiosk::db::schema::{meter_counters, meter_reads};
            let reads: Vec<String> = meter_reads::table
                .filter(meter_reads::publisher_id.eq(&publisher_id))
                .select(meter_reads::subject)
                .load(conn)
                .expect("reads");
            let used: Vec<(String, i32)> = meter_counters::table
                .filter(meter_counters::publisher_id.eq(&publisher_id))
                .select((meter_counters::subject, meter_counters::used))
                .load(conn)
                .expect("counters");
            (reads, used)
        })
        .await;

    for visitor in &visitors {
        let allowed: std::collections::HashSet<&str> = reads
            .iter()
            .zip(&answers)
            .filter(|((v, _), answer)| v == visitor && answer["allowed"] == true)
            .map(|((_, a), _)| *a)
            .collect();
        assert_eq!(allowed.len(), 3, "{visitor}: {answers:?}");
        let subject = format!("visitor:{visitor}");
        assert_eq!(stored.0.iter().filter(|s| **s == subject).count(), 3);
        assert!(stored.1.contains(&(subject, 3)), "{:?}", stored.1);
    }
}

both_backends!(
    a_visitor_reads_up_to_the_limit_and_rereads_free,
    members_get_the_registered_limit_and_subscribers_no_meter,
    the_meter_resets_with_the_period,
    a_zero_limit_meter_allows_nothing,
    parallel_new_reads_at_the_limit_let_exactly_one_through,
    without_group_commit_too,
    many_visitors_in_parallel_each_stop_at_their_limit,
);
