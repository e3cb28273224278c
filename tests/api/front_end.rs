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

async fn front_end_get(
    pw: &crate::paywall::Paywall,
    article: &str,
    visitor: &str,
    extra: Option<(&str, &str)>,
) -> reqwest::Response {
    let url = pw.app.url(&format!(
        "/v1/publishers/the-daily/articles/{article}/access"
    ));
    let mut request = pw.app.client.get(&url).header("Kiosk-Visitor-Id", visitor);
    if let Some((name, value)) = extra {
        request = request.header(name, value);
    }
    request.send().await.expect("get")
}

/// A browser prefetching or prerendering a metered article gets the
/// decision, unsigned, and spends nothing of the meter.
async fn a_prefetch_spends_no_free_article(backend: Backend) {
    let pw = paywall(backend).await;
    for id in ["a", "b", "c", "d"] {
        pw.put_article(id, "metered").await;
    }
    let hints = [
        ("Sec-Purpose", "prefetch"),
        ("Sec-Purpose", "prefetch;prerender"),
        ("Purpose", "prefetch"),
        ("X-Moz", "prefetch"),
    ];

    for (article, hint) in ["a", "b", "c", "d"].into_iter().zip(hints) {
        let response = front_end_get(&pw, article, "reader", Some(hint)).await;
        assert_eq!(response.status(), 200, "{hint:?}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["allowed"], true, "{hint:?}");
        assert_eq!(body["meter"]["used"], 0, "{hint:?}: nothing counted");
        assert_eq!(body.get("decision_token"), None, "{hint:?}: nothing signed");
    }
    let mut reasons = Vec::new();
    for article in ["a", "b", "c", "d"] {
        let body: Value = front_end_get(&pw, article, "reader", None)
            .await
            .json()
            .await
            .expect("json");
        reasons.push(body["reason"].as_str().map(str::to_owned));
    }

    let reasons: Vec<_> = reasons.iter().map(|r| r.as_deref()).collect();
    assert_eq!(
        reasons,
        [
            Some("metered"),
            Some("metered"),
            Some("metered"),
            Some("meter_exhausted")
        ],
        "the three free articles were still there after the prefetches"
    );
}

/// One client inventing visitor ids on the public route is limited in the
/// new reads it can make; a publisher backend is not.
async fn new_reads_are_limited_per_address_on_the_public_route(backend: Backend) {
    let pw = crate::paywall::paywall_with(backend, |s| s.new_reads_per_address = 5).await;
    pw.put_article("story", "metered").await;

    for i in 0..5 {
        let response = front_end_get(&pw, "story", &format!("made-up-{i}"), None).await;
        assert_eq!(response.status(), 200);
    }
    let over = front_end_get(&pw, "story", "made-up-5", None).await;
    let mut backend_statuses = Vec::new();
    for i in 0..10 {
        let response = pw
            .check_response(
                serde_json::json!({ "article_id": "story", "visitor_id": format!("known-{i}") }),
            )
            .await;
        backend_statuses.push(response.status().as_u16());
    }

    assert_eq!(over.status(), 429);
    assert!(over.headers().contains_key("retry-after"));
    assert_eq!(problem_code(over).await, "rate_limited");
    assert!(
        backend_statuses.iter().all(|s| *s == 200),
        "{backend_statuses:?}"
    );
    assert_eq!(meter_reads(&pw).await, 15);
}

async fn meter_reads(pw: &crate::paywall::Paywall) -> i64 {
    pw.app
        .with_conn(|conn| {
            use diesel::prelude::*;
            kiosk::db::schema::meter_reads::table
                .count()
                .get_result::<i64>(conn)
                .expect("count")
        })
        .await
}

/// With `registered_articles_only`, made-up article ids answer 404 and
/// cost no write; registered articles answer as before.
async fn registered_articles_only_refuses_made_up_articles(backend: Backend) {
    let pw = paywall(backend).await;
    pw.put_article("story", "metered").await;
    let admin = pw.app.admin_key().await;
    let patched = pw
        .app
        .client
        .patch(pw.app.url("/v1/admin/publishers/the-daily"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "registered_articles_only": true }))
        .send()
        .await
        .expect("patch");
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.expect("json");
    assert_eq!(patched["registered_articles_only"], true);

    let made_up = front_end_get(&pw, "made-up", "v1", None).await;
    let by_backend = pw
        .check_response(serde_json::json!({ "article_id": "made-up", "visitor_id": "v2" }))
        .await;
    let registered = front_end_get(&pw, "story", "v1", None).await;

    assert_eq!(made_up.status(), 404);
    assert_eq!(problem_code(made_up).await, "not_found");
    assert_eq!(by_backend.status(), 404);
    assert_eq!(registered.status(), 200);
    assert_eq!(
        meter_reads(&pw).await,
        1,
        "only the registered article's read"
    );
}

both_backends!(
    a_prefetch_spends_no_free_article,
    new_reads_are_limited_per_address_on_the_public_route,
    registered_articles_only_refuses_made_up_articles,
    front_ends_get_a_signed_decision,
    front_end_bad_input,
    cors_only_for_the_publishers_origins,
);
