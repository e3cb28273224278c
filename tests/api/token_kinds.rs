//! Each kind of token works only where it belongs: a publisher backend
//! holds check tokens, never the member's account credential; decision
//! tokens never pass for access tokens.

use serde_json::{json, Value};

use crate::both_backends;
use crate::forge::claims_of;
use crate::helpers::{check_token, post_bearer, problem_code, Backend};
use crate::paywall::{paywall, subscribe, PASSWORD};

async fn publisher_checks_refuse_the_members_access_token(backend: Backend) {
    let pw = paywall(backend).await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;

    let response = pw
        .check_response(json!({ "article_id": "x", "member_token": reader.access_token }))
        .await;

    assert_eq!(response.status(), 401);
    assert_eq!(problem_code(response).await, "token_invalid");
}

/// What a publisher holding a check token can do: checks at its own
/// publisher, nothing on the member's account, nothing elsewhere.
async fn a_check_token_opens_checks_at_its_publisher_only(backend: Backend) {
    let pw = paywall(backend).await;
    let other = pw.app.seed_publisher("the-other").await;
    let other_key = pw.app.publisher_key(&other).await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;
    let sub = subscribe(&pw.app, &reader.member_id, &pw.plan_id, "active", None).await;
    let token = pw.check_token(&reader.access_token).await;

    let check = pw
        .check(json!({ "article_id": "x", "member_token": token }))
        .await;
    let me = pw.app.get_bearer("/v1/me", &token).await;
    let cancel = post_bearer(
        &pw.app,
        &format!("/v1/me/subscriptions/{sub}/cancel"),
        &token,
        &json!({}),
    )
    .await;
    let sign_out = pw.app.sign_out_response(&token).await;
    let elsewhere = post_bearer(
        &pw.app,
        "/v1/access/check",
        &other_key,
        &json!({ "article_id": "x", "member_token": token }),
    )
    .await;
    let front_end_elsewhere = pw
        .app
        .get_bearer("/v1/publishers/the-other/articles/x/access", &token)
        .await;

    assert_eq!(check["allowed"], true);
    assert_eq!(check["member"]["id"], reader.member_id.as_str());
    for (case, response) in [
        ("/v1/me", me),
        ("cancel", cancel),
        ("sign-out", sign_out),
        ("another publisher's check", elsewhere),
        ("another publisher's front end", front_end_elsewhere),
    ] {
        assert_eq!(response.status(), 401, "{case}");
        assert_eq!(problem_code(response).await, "token_invalid", "{case}");
    }
    let me = pw.app.get_bearer("/v1/me", &reader.access_token).await;
    let me: Value = me.json().await.expect("json");
    assert_eq!(
        me["entitlements"].as_array().map(Vec::len),
        Some(1),
        "the subscription is untouched"
    );
}

async fn check_tokens_are_scoped_short_lived_and_typed(backend: Backend) {
    let pw = paywall(backend).await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;

    let response = post_bearer(
        &pw.app,
        "/v1/me/check-tokens",
        &reader.access_token,
        &json!({ "publisher": "the-daily" }),
    )
    .await;
    let unknown = post_bearer(
        &pw.app,
        "/v1/me/check-tokens",
        &reader.access_token,
        &json!({ "publisher": "nobody" }),
    )
    .await;
    let by_key = post_bearer(
        &pw.app,
        "/v1/me/check-tokens",
        &pw.key,
        &json!({ "publisher": "the-daily" }),
    )
    .await;

    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["publisher"], "the-daily");
    assert_eq!(body["expires_in"], 900);
    let token = body["check_token"].as_str().expect("check token");
    let header = jsonwebtoken::decode_header(token).expect("header");
    assert_eq!(header.typ.as_deref(), Some("kiosk-check+jwt"));
    let claims = claims_of(token);
    assert_eq!(claims["aud"], "kiosk:check");
    assert_eq!(claims["pub"], "the-daily");
    assert_eq!(claims["sub"], reader.member_id.as_str());
    assert_eq!(unknown.status(), 404);
    assert_eq!(by_key.status(), 403);
}

/// A visitor id shaped like a member id yields a decision token about a
/// visitor, never one naming that member.
async fn decision_tokens_name_visitors_in_their_own_namespace(backend: Backend) {
    let pw = paywall(backend).await;
    let victim = pw.app.sign_up("victim@example.com", PASSWORD).await;

    let response = pw
        .app
        .client
        .get(pw.app.url("/v1/publishers/the-daily/articles/x/access"))
        .header("Kiosk-Visitor-Id", victim.member_id.as_str())
        .send()
        .await
        .expect("get");

    let body: Value = response.json().await.expect("json");
    let claims = claims_of(body["decision_token"].as_str().expect("token"));
    assert_eq!(
        claims["sub"],
        format!("visitor:{}", victim.member_id).as_str()
    );
    assert_eq!(claims["aud"], "kiosk:decision");
    assert_eq!(body["member"], Value::Null);
}

/// A disabled member's check tokens stop working at once.
async fn a_disabled_members_check_tokens_stop_working(backend: Backend) {
    let pw = paywall(backend).await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;
    let token = check_token(&pw.app, &reader.access_token, "the-daily").await;
    pw.check(json!({ "article_id": "x", "member_token": token }))
        .await;

    crate::sessions::disable(&pw.app, &reader.member_id).await;
    pw.app
        .state
        .invalidator
        .member_changed(&reader.member_id)
        .await;
    let response = pw
        .check_response(json!({ "article_id": "x", "member_token": token }))
        .await;

    assert_eq!(response.status(), 401);
    assert_eq!(problem_code(response).await, "token_invalid");
}

both_backends!(
    publisher_checks_refuse_the_members_access_token,
    a_check_token_opens_checks_at_its_publisher_only,
    check_tokens_are_scoped_short_lived_and_typed,
    decision_tokens_name_visitors_in_their_own_namespace,
    a_disabled_members_check_tokens_stop_working
);
