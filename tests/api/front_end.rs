use serde_json::Value;

use crate::both_backends;
use crate::helpers::{problem_code, Backend};
use crate::paywall::{paywall, subscribe, PASSWORD};

const PATH: &str = "/v1/publishers/the-daily/articles/story/access";

async fn front_ends_get_a_signed_decision(backend: Backend) {
    let pw = paywall(backend).await;
    pw.put_article("story", "metered").await;
    let reader = pw.app.sign_up("reader@example.com", PASSWORD).await;
    subscribe(&pw.app, &reader.member_id, &pw.plan_id, "active", None).await;
    let url = pw.app.url(PATH);

    let member = pw.app.get_bearer(PATH, &reader.access_token).await;
    let visitor = pw
        .app
        .client
        .get(&url)
        .header("Kiosk-Visitor-Id", "cookie-1")
        .send()
        .await
        .expect("get");
    let nobody = pw.app.get(PATH).await;

    assert_eq!(member.status(), 200);
    let member: Value = member.json().await.expect("json");
    assert_eq!(member["reason"], "subscription");
    assert_eq!(member["meter"], Value::Null);
    assert!(member["decision_token"].is_string());
    let visitor: Value = visitor.json().await.expect("json");
    assert_eq!(visitor["reason"], "metered");
    assert_eq!(visitor["meter"]["used"], 1);
    assert_eq!(visitor["meter"]["remaining"], 2);
    assert!(visitor["decision_token"].is_string());
    let nobody: Value = nobody.json().await.expect("json");
    assert_eq!(
        nobody["reason"], "registration_required",
        "metered needs someone to count"
    );
    assert_eq!(nobody["offer"]["action"], "sign_up");
}

async fn front_end_bad_input(backend: Backend) {
    let pw = paywall(backend).await;
    let url = pw.app.url(PATH);
    let long = format!(
        "/v1/publishers/the-daily/articles/{}/access",
        "a".repeat(257)
    );

    let unknown = pw
        .app
        .get("/v1/publishers/nobody/articles/story/access")
        .await;
    let garbage = pw.app.get_bearer(PATH, "not-a-token").await;
    let basic = pw
        .app
        .client
        .get(&url)
        .header("Authorization", "Basic abc")
        .send()
        .await
        .expect("get");
    let empty_visitor = pw
        .app
        .client
        .get(&url)
        .header("Kiosk-Visitor-Id", "")
        .send()
        .await
        .expect("get");
    let too_long = pw.app.get(&long).await;

    assert_eq!(unknown.status(), 404);
    assert_eq!(problem_code(unknown).await, "not_found");
    assert_eq!(garbage.status(), 401);
    assert_eq!(problem_code(garbage).await, "token_invalid");
    assert_eq!(basic.status(), 401);
    assert_eq!(empty_visitor.status(), 422);
    assert_eq!(too_long.status(), 422);
}

async fn cors_only_for_the_publishers_origins(backend: Backend) {
    let pw = paywall(backend).await;
    pw.set_origins(&["https://daily.example"]).await;
    let url = pw.app.url(PATH);
    let get = |origin: &'static str| pw.app.client.get(&url).header("Origin", origin).send();
    let preflight = |origin: &'static str| {
        pw.app
            .client
            .request(reqwest::Method::OPTIONS, &url)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let acao = |r: &reqwest::Response| {
        r.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap_or_default().to_owned())
    };

    let allowed = get("https://daily.example").await.expect("get");
    let foreign = get("https://evil.example").await.expect("get");
    let allowed_error = pw
        .app
        .client
        .get(&url)
        .header("Origin", "https://daily.example")
        .bearer_auth("garbage")
        .send()
        .await
        .expect("get");
    let pre_ok = preflight("https://daily.example").await.expect("options");
    let pre_foreign = preflight("https://evil.example").await.expect("options");

    assert_eq!(allowed.status(), 200);
    assert_eq!(acao(&allowed).as_deref(), Some("https://daily.example"));
    assert_eq!(foreign.status(), 200);
    assert_eq!(acao(&foreign), None);
    assert_eq!(allowed_error.status(), 401);
    assert_eq!(
        acao(&allowed_error).as_deref(),
        Some("https://daily.example")
    );
    assert_eq!(pre_ok.status(), 204);
    assert_eq!(acao(&pre_ok).as_deref(), Some("https://daily.example"));
    let allow_headers = pre_ok.headers()["access-control-allow-headers"]
        .to_str()
        .expect("text");
    assert!(allow_headers.contains("Authorization"));
    assert_eq!(pre_foreign.status(), 204);
    assert_eq!(acao(&pre_foreign), None);
}

both_backends!(
    front_ends_get_a_signed_decision,
    front_end_bad_input,
    cors_only_for_the_publishers_origins,
);
