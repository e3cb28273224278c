use chrono::Duration;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{check_token, post_bearer, METRICS_TOKEN};
use crate::helpers::{problem_code, Backend, ClockExt};
use crate::paywall::{paywall, set_source, set_status, subscribe, use_trial, PASSWORD};

async fn anonymous_readers_get_each_level_and_its_offer(backend: Backend) {
    let pw = paywall(backend).await;
    pw.put_article("free-one", "free").await;
    pw.put_article("reg-one", "registered").await;
    pw.put_article("paid-one", "premium").await;

    let free = pw.check(json!({ "article_id": "free-one" })).await;
    let registered = pw.check(json!({ "article_id": "reg-one" })).await;
    let premium = pw.check(json!({ "article_id": "paid-one" })).await;
    let unknown = pw.check(json!({ "article_id": "never-registered" })).await;

    assert_eq!(free["allowed"], true);
    assert_eq!(free["reason"], "free_article");
    assert_eq!(free["offer"], Value::Null);
    assert_eq!(free["member"], Value::Null);
    assert_eq!(
        free["article"],
        json!({ "publisher": "the-daily", "id": "free-one" })
    );
    assert!(
        free.get("decision_token").is_none(),
        "made only when asked for"
    );
    assert_eq!(registered["allowed"], false);
    assert_eq!(registered["reason"], "registration_required");
    assert_eq!(registered["offer"]["action"], "sign_up");
    assert_eq!(premium["reason"], "subscription_required");
    assert_eq!(
        premium["offer"],
        json!({ "action": "start_trial", "plan": "all-access", "trial_days": 14 })
    );
    assert_eq!(unknown["access"], "premium");
    assert_eq!(unknown["allowed"], false);
}

async fn members_get_what_their_subscription_covers(backend: Backend) {
    let pw = paywall(backend).await;
    pw.put_article("paid-one", "premium").await;
    pw.put_article("reg-one", "registered").await;
    let subscriber = pw.app.sign_up("sub@example.com", PASSWORD).await;
    let newcomer = pw.app.sign_up("new@example.com", PASSWORD).await;
    let lapsed = pw.app.sign_up("lapsed@example.com", PASSWORD).await;
    let period_end = pw.app.clock.now_utc() + Duration::days(20);
    subscribe(
        &pw.app,
        &subscriber.member_id,
        &pw.plan_id,
        "active",
        Some(period_end),
    )
    .await;
    use_trial(&pw.app, &lapsed.member_id, &pw.plan_id).await;

    let paid = pw.check_member("paid-one", &subscriber.access_token).await;
    let registered = pw.check_member("reg-one", &newcomer.access_token).await;
    let new_paid = pw.check_member("paid-one", &newcomer.access_token).await;
    let lapsed_paid = pw.check_member("paid-one", &lapsed.access_token).await;

    assert_eq!(paid["allowed"], true);
    assert_eq!(paid["reason"], "subscription");
    assert_eq!(paid["member"]["id"], subscriber.member_id.as_str());
    assert_eq!(paid["entitlement"]["plan"], "all-access");
    assert_eq!(paid["entitlement"]["source"], "stripe");
    assert_eq!(paid["entitlement"]["ends_at"], "2026-03-30T09:00:00Z");
    assert_eq!(registered["reason"], "registered");
    assert_eq!(registered["allowed"], true);
    assert_eq!(new_paid["offer"]["action"], "start_trial");
    assert_eq!(
        lapsed_paid["offer"],
        json!({ "action": "subscribe", "plan": "all-access", "trial_days": null })
    );
}

async fn a_plans_scope_decides_which_publishers_it_opens(backend: Backend) {
    let pw = paywall(backend).await;
    let other = pw.app.seed_publisher("the-other").await;
    let other_key = pw.app.publisher_key(&other).await;
    let only_daily = pw
        .app
        .seed_plan("daily-only", 0, std::slice::from_ref(&pw.publisher_id))
        .await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;
    subscribe(&pw.app, &reader.member_id, &only_daily, "active", None).await;
    let at_daily = pw.check_token(&reader.access_token).await;
    let at_other = check_token(&pw.app, &reader.access_token, "the-other").await;

    let daily = pw
        .check(json!({ "article_id": "x", "member_token": at_daily }))
        .await;
    let elsewhere = post_bearer(
        &pw.app,
        "/v1/access/check",
        &other_key,
        &json!({ "article_id": "x", "member_token": at_other }),
    )
    .await;
    let elsewhere: Value = elsewhere.json().await.expect("json");

    assert_eq!(daily["allowed"], true);
    assert_eq!(daily["entitlement"]["plan"], "daily-only");
    assert_eq!(elsewhere["allowed"], false);
    assert_eq!(elsewhere["article"]["publisher"], "the-other");
    assert_eq!(
        elsewhere["offer"]["plan"], "all-access",
        "the aggregator plan covers it"
    );
}

async fn a_subscription_change_is_seen_at_once(backend: Backend) {
    let pw = paywall(backend).await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;
    let sub = subscribe(&pw.app, &reader.member_id, &pw.plan_id, "active", None).await;
    let before = pw.check_member("x", &reader.access_token).await;

    set_status(&pw.app, &reader.member_id, &sub, "unpaid").await;
    let after = pw.check_member("x", &reader.access_token).await;

    assert_eq!(before["allowed"], true);
    assert_eq!(after["allowed"], false);
    assert_eq!(after["reason"], "subscription_required");
}

async fn a_stored_status_or_source_kiosk_cannot_read_grants_nothing(backend: Backend) {
    let pw = paywall(backend).await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;
    let sub = subscribe(&pw.app, &reader.member_id, &pw.plan_id, "active", None).await;
    let before = pw.check_member("x", &reader.access_token).await;

    set_status(&pw.app, &reader.member_id, &sub, "on_hold").await;
    let unknown_status = pw.check_member("x", &reader.access_token).await;
    let listed = pw
        .app
        .get_bearer("/v1/me/subscriptions", &reader.access_token)
        .await;
    set_status(&pw.app, &reader.member_id, &sub, "active").await;
    set_source(&pw.app, &reader.member_id, &sub, "gift").await;
    let unknown_source = pw.check_member("x", &reader.access_token).await;

    assert_eq!(before["allowed"], true);
    assert_eq!(unknown_status["allowed"], false, "{unknown_status}");
    assert_eq!(unknown_status["reason"], "subscription_required");
    let listed: Value = listed.json().await.expect("json");
    let listed = &listed["subscriptions"][0];
    assert_eq!(listed["status"], "on_hold", "kept as stored: {listed}");
    assert_eq!(listed["entitled"], false);
    assert_eq!(unknown_source["allowed"], false, "{unknown_source}");
}

async fn a_member_status_kiosk_cannot_read_is_disabled(backend: Backend) {
    let pw = paywall(backend).await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;
    let check = pw.check_token(&reader.access_token).await;
    let id = reader.member_id.clone();
    let now = pw.app.clock.now_utc().naive_utc();
    pw.app
        .with_conn(move |conn| kiosk::db::members::set_status(conn, &id, "suspended".into(), now))
        .await
        .expect("set status");
    pw.app
        .state
        .invalidator
        .member_changed(&reader.member_id)
        .await;

    let checked = pw
        .check_response(json!({ "article_id": "x", "member_token": check }))
        .await;
    let me = pw.app.get_bearer("/v1/me", &reader.access_token).await;
    let signed_in = pw
        .app
        .sign_in_response("reader@example.com", PASSWORD)
        .await;

    assert_eq!(checked.status(), 401);
    assert_eq!(me.status(), 401);
    assert_eq!(signed_in.status(), 401);
}

async fn bad_member_tokens_are_401_not_anonymous(backend: Backend) {
    let pw = paywall(backend).await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;
    let gone = pw.app.sign_up("gone@example.com", PASSWORD).await;
    let (reader_check, gone_check) = (
        pw.check_token(&reader.access_token).await,
        pw.check_token(&gone.access_token).await,
    );
    pw.check_member("x", &reader.access_token).await;
    let gone_id = gone.member_id.clone();
    let now = pw.app.clock.now_utc().naive_utc();
    pw.app
        .with_conn(move |conn| {
            kiosk::db::members::set_status(conn, &gone_id, "disabled".into(), now)
        })
        .await
        .expect("disable");
    pw.app
        .state
        .invalidator
        .member_changed(&gone.member_id)
        .await;

    let garbage = pw
        .check_response(json!({ "article_id": "x", "member_token": "x.y.z" }))
        .await;
    let key_as_token = pw
        .check_response(json!({ "article_id": "x", "member_token": pw.key }))
        .await;
    let disabled = pw
        .check_response(json!({ "article_id": "x", "member_token": gone_check }))
        .await;
    pw.app.clock.advance(Duration::minutes(16));
    let expired = pw
        .check_response(json!({ "article_id": "x", "member_token": reader_check }))
        .await;

    assert_eq!(garbage.status(), 401);
    assert_eq!(problem_code(garbage).await, "token_invalid");
    assert_eq!(key_as_token.status(), 401);
    assert_eq!(disabled.status(), 401);
    assert_eq!(problem_code(disabled).await, "token_invalid");
    assert_eq!(expired.status(), 401);
    assert_eq!(problem_code(expired).await, "token_expired");
}

async fn bad_check_input_is_422(backend: Backend) {
    let pw = paywall(backend).await;
    let cases = [
        json!({ "article_id": "a".repeat(257) }),
        json!({ "article_id": "" }),
        json!({ "article_id": "tab\there" }),
        json!({ "article_id": "x", "visitor_id": "v".repeat(257) }),
        json!({ "article_id": "x", "visitor_id": "" }),
        json!({ "article_id": "x", "member_id": "mem_x" }),
        json!({ "visitor_id": "v1" }),
        json!({ "article_id": 7 }),
    ];
    for body in cases {
        let response = pw.check_response(body.clone()).await;
        assert_eq!(response.status(), 422, "{body}");
        assert_eq!(problem_code(response).await, "validation_failed");
    }
}

async fn the_decision_token_verifies_with_the_jwks(backend: Backend) {
    let pw = paywall(backend).await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;

    let token = pw.check_token(&reader.access_token).await;
    let decision = pw
        .check(json!({ "article_id": "x", "member_token": token, "with_token": true }))
        .await;
    let jwks: Value = pw
        .app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("jwks");

    let token = decision["decision_token"].as_str().expect("decision token");
    let header = jsonwebtoken::decode_header(token).expect("header");
    assert_eq!(header.typ.as_deref(), Some("kiosk-decision+jwt"));
    let kid = header.kid.expect("kid");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid in the JWKS");
    let key =
        jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().expect("x")).expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["kiosk:decision"]);
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("verifies")
        .claims;
    let mut as_access = validation.clone();
    as_access.set_audience(&["kiosk"]);
    assert!(
        jsonwebtoken::decode::<Value>(token, &key, &as_access).is_err(),
        "a verifier expecting access tokens refuses it"
    );
    assert_eq!(claims["sub"], reader.member_id.as_str());
    assert_eq!(claims["pub"], "the-daily");
    assert_eq!(claims["art"], "x");
    assert_eq!(claims["access"], "premium");
    assert_eq!(claims["allowed"], false);
    assert_eq!(claims["reason"], "subscription_required");
    assert_eq!(
        claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat"),
        300
    );
    assert!(claims["jti"].is_string());
    assert_eq!(claims["iss"], "kiosk");
}

async fn check_batch_answers_a_listing_without_counting(backend: Backend) {
    let pw = paywall(backend).await;
    pw.put_article("m1", "metered").await;
    pw.put_article("f1", "free").await;
    let pw_ref = &pw;
    let batch = |body: Value| async move {
        post_bearer(&pw_ref.app, "/v1/access/check-batch", &pw_ref.key, &body).await
    };
    let ids: Vec<String> = (0..101).map(|i| format!("a{i}")).collect();

    let first = batch(json!({ "article_ids": ["m1", "f1", "p1"], "visitor_id": "v1" })).await;
    batch(json!({ "article_ids": ["m1"], "visitor_id": "v1" })).await;
    let single = pw.check_visitor("m1", "v1").await;
    let too_many = batch(json!({ "article_ids": ids })).await;
    let empty = batch(json!({ "article_ids": [] })).await;
    let bad_id = batch(json!({ "article_ids": ["ok", ""] })).await;

    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.expect("json");
    let decisions = first["decisions"].as_array().expect("decisions");
    assert_eq!(decisions.len(), 3);
    assert_eq!(decisions[0]["reason"], "metered");
    assert_eq!(decisions[0]["meter"]["used"], 0, "a preview counts nothing");
    assert_eq!(decisions[1]["reason"], "free_article");
    assert_eq!(decisions[2]["reason"], "subscription_required");
    assert!(decisions[0].get("decision_token").is_none());
    assert_eq!(single["meter"]["used"], 1, "only the real check counted");
    assert_eq!(too_many.status(), 422);
    assert_eq!(empty.status(), 422);
    assert_eq!(bad_id.status(), 422);
}

async fn decisions_are_counted_on_metrics(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let slug = format!("metrics-{}", uuid::Uuid::now_v7().simple());
    let id = app.seed_publisher(&slug).await;
    let key = app.publisher_key(&id).await;
    let count = |text: &str| -> u64 {
        text.lines()
            .find(|l| {
                l.starts_with("kiosk_access_decisions_total")
                    && l.contains(&format!("publisher=\"{slug}\""))
                    && l.contains("reason=\"subscription_required\"")
                    && l.contains("allowed=\"false\"")
            })
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0)
    };
    let before = count(
        &app.get_bearer("/metrics", METRICS_TOKEN)
            .await
            .text()
            .await
            .expect("text"),
    );

    for _ in 0..2 {
        post_bearer(
            &app,
            "/v1/access/check",
            &key,
            &json!({ "article_id": "x" }),
        )
        .await;
    }
    let metrics = app.get_bearer("/metrics", METRICS_TOKEN).await;

    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("text");
    assert_eq!(count(&text), before + 2, "{text}");
}

async fn metrics_need_the_metrics_token(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let off = crate::helpers::spawn_app_with(backend, |s| {
        s.metrics_token = kiosk::config::Secret::default();
    })
    .await;

    let anonymous = app.get("/metrics").await;
    let wrong = app.get_bearer("/metrics", "guess").await;
    let right = app.get_bearer("/metrics", METRICS_TOKEN).await;
    let not_configured = off.get_bearer("/metrics", "").await;

    assert_eq!(anonymous.status(), 401);
    assert_eq!(problem_code(anonymous).await, "token_invalid");
    assert_eq!(wrong.status(), 401);
    assert_eq!(right.status(), 200);
    assert_eq!(not_configured.status(), 404);
}

both_backends!(
    anonymous_readers_get_each_level_and_its_offer,
    members_get_what_their_subscription_covers,
    a_plans_scope_decides_which_publishers_it_opens,
    a_subscription_change_is_seen_at_once,
    a_stored_status_or_source_kiosk_cannot_read_grants_nothing,
    a_member_status_kiosk_cannot_read_is_disabled,
    bad_member_tokens_are_401_not_anonymous,
    bad_check_input_is_422,
    the_decision_token_verifies_with_the_jwks,
    check_batch_answers_a_listing_without_counting,
    decisions_are_counted_on_metrics,
    metrics_need_the_metrics_token,
);
