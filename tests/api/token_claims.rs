//! Access tokens signed with Kiosk's own key but with the wrong time, claims
//! or type, and tokens that are not JWTs at all.

use chrono::Duration;
use serde_json::json;

use crate::both_backends;
use crate::forge::{self, access_claims, access_header, current_key};
use crate::helpers::{problem_code, spawn_app, Backend, TestApp};

async fn assert_refused(app: &TestApp, token: &str, code: &str, case: &str) {
    let response = app.get_bearer("/v1/me", token).await;
    assert_eq!(response.status(), 401, "{case}");
    assert_eq!(problem_code(response).await, code, "{case}");
}

async fn signed_up(app: &TestApp) -> (String, String, String) {
    let tokens = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let family = forge::claims_of(&tokens.access_token)["sid"]
        .as_str()
        .expect("sid")
        .to_owned();
    (tokens.access_token, tokens.member_id, family)
}

async fn access_token_expires_after_fifteen_minutes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = signed_up(&app).await;

    app.clock.advance(Duration::seconds(15 * 60 - 1));
    let just_before = app.get_bearer("/v1/me", &token).await;
    app.clock.advance(Duration::seconds(2));

    assert_eq!(just_before.status(), 200);
    assert_refused(&app, &token, "token_expired", "past exp").await;
}

async fn missing_or_future_time_claims_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, member_id, family) = signed_up(&app).await;
    let (kid, seed, _) = current_key(&app).await;
    let valid = access_claims(&app, &member_id, &family);
    let now = valid["iat"].as_i64().expect("iat");
    let mut cases = Vec::new();
    for claim in ["exp", "iss", "aud", "sub"] {
        let mut claims = valid.clone();
        claims.as_object_mut().expect("object").remove(claim);
        cases.push((format!("missing {claim}"), claims));
    }
    let mut from_future = valid.clone();
    from_future["iat"] = json!(now + 3600);
    from_future["exp"] = json!(now + 4500);
    cases.push(("issued in the future".into(), from_future));
    let mut not_yet_valid = valid.clone();
    not_yet_valid["nbf"] = json!(now + 3600);
    cases.push(("valid only in an hour".into(), not_yet_valid));
    let mut text_nbf = valid.clone();
    text_nbf["nbf"] = json!("soon");
    cases.push(("nbf as text".into(), text_nbf));
    let mut text_exp = valid.clone();
    text_exp["exp"] = json!("tomorrow");
    cases.push(("exp as text".into(), text_exp));

    for (case, claims) in cases {
        let token = forge::sign_ed25519(&seed, &access_header(&kid), &claims);
        assert_refused(&app, &token, "token_invalid", &case).await;
    }
    let mut within_leeway = valid.clone();
    within_leeway["nbf"] = json!(now + 30);
    let token = forge::sign_ed25519(&seed, &access_header(&kid), &within_leeway);
    assert_eq!(
        app.get_bearer("/v1/me", &token).await.status(),
        200,
        "a little clock skew is allowed"
    );
}

async fn wrong_audience_issuer_or_type_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, member_id, family) = signed_up(&app).await;
    let (kid, seed, _) = current_key(&app).await;
    let valid = access_claims(&app, &member_id, &family);
    let with = |name: &str, value: serde_json::Value| {
        let mut claims = valid.clone();
        claims[name] = value;
        forge::sign_ed25519(&seed, &access_header(&kid), &claims)
    };
    let typed = |typ: Option<&str>| {
        let mut header = access_header(&kid);
        match typ {
            Some(typ) => header["typ"] = json!(typ),
            None => {
                header.as_object_mut().expect("object").remove("typ");
            }
        }
        forge::sign_ed25519(&seed, &header, &valid)
    };
    let cases = [
        ("wrong aud", with("aud", json!("another-service"))),
        ("aud list without kiosk", with("aud", json!(["a", "b"]))),
        ("wrong iss", with("iss", json!("https://evil.example"))),
        ("typ JWT", typed(Some("JWT"))),
        ("typ decision", typed(Some("kiosk-decision+jwt"))),
        ("no typ", typed(None)),
    ];

    for (case, token) in cases {
        assert_refused(&app, &token, "token_invalid", case).await;
    }
}

async fn refresh_and_decision_tokens_are_not_access_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let claims = forge::claims_of(&tokens.access_token);
    let decision_claims = json!({
        "iss": claims["iss"], "aud": claims["aud"], "sub": tokens.member_id,
        "iat": claims["iat"], "exp": claims["exp"], "pub": "pub_x", "art": "a1",
        "access": "premium", "allowed": true, "reason": "subscription",
    });
    let decision = app
        .state
        .keys
        .sign(kiosk::auth::tokens::DECISION_TOKEN_TYPE, &decision_claims)
        .expect("sign decision");
    let decision_typed_access = app
        .state
        .keys
        .sign(kiosk::auth::tokens::DECISION_TOKEN_TYPE, &claims)
        .expect("sign");

    assert_refused(
        &app,
        &tokens.refresh_token,
        "token_invalid",
        "refresh token",
    )
    .await;
    assert_refused(&app, &decision, "token_invalid", "decision token").await;
    assert_refused(
        &app,
        &decision_typed_access,
        "token_invalid",
        "decision typ",
    )
    .await;
}

async fn malformed_tokens_are_401_never_500(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = signed_up(&app).await;
    let parts: Vec<&str> = token.split('.').collect();
    let cases = [
        ("truncated", token[..token.len() - 10].to_owned()),
        ("no signature", format!("{}.{}.", parts[0], parts[1])),
        ("two parts", format!("{}.{}", parts[0], parts[1])),
        ("four parts", format!("{token}.{}", parts[2])),
        (
            "not base64url",
            format!("{}.{}!!.{}", parts[0], parts[1], parts[2]),
        ),
        (
            "padded base64",
            format!("{}==.{}.{}", parts[0], parts[1], parts[2]),
        ),
        ("dots only", "..".to_owned()),
        (
            "header not json",
            format!("{}.{}.{}", forge::b64(b"{{{"), parts[1], parts[2]),
        ),
        ("5 KB", format!("{token}{}", "A".repeat(5 * 1024))),
        ("base64 parts, not a JWT", "Zm9v.YmFy.YmF6".to_owned()),
    ];
    for (case, bad) in cases {
        assert_refused(&app, &bad, "token_invalid", case).await;
    }

    let huge = format!(
        "{}.{}.{}",
        "A".repeat(50_000),
        "B".repeat(50_000),
        "C".repeat(2_000)
    );
    let response = app.get_bearer("/v1/me", &huge).await;
    assert!(
        [401, 431].contains(&response.status().as_u16()),
        "100 KB token: {}",
        response.status()
    );
}

async fn authorization_header_must_be_a_bearer_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = signed_up(&app).await;
    let send = |value: reqwest::header::HeaderValue| {
        app.client
            .get(app.url("/v1/me"))
            .header(reqwest::header::AUTHORIZATION, value)
            .send()
    };
    let cases = [
        format!("Basic {token}"),
        "Bearer".to_owned(),
        "Bearer    ".to_owned(),
        token.clone(),
    ];

    for value in cases {
        let response = send(value.parse().expect("header")).await.expect("request");
        assert_eq!(response.status(), 401, "{value:.20}");
        assert_eq!(problem_code(response).await, "token_invalid");
    }
    let not_utf8 = reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").expect("bytes");
    let response = send(not_utf8).await.expect("request");
    assert_eq!(response.status(), 401);
    let lower = send(format!("bearer {token}").parse().expect("header"))
        .await
        .expect("request");
    assert_eq!(lower.status(), 200, "the scheme is case-insensitive");
    let admin_key = app.admin_key().await;
    let with_key = app.get_bearer("/v1/me", &admin_key).await;
    assert_eq!(
        with_key.status(),
        403,
        "an API key is the wrong kind of credential"
    );
    assert_eq!(problem_code(with_key).await, "forbidden");
}

both_backends!(
    access_token_expires_after_fifteen_minutes,
    missing_or_future_time_claims_are_refused,
    wrong_audience_issuer_or_type_is_refused,
    refresh_and_decision_tokens_are_not_access_tokens,
    malformed_tokens_are_401_never_500,
    authorization_header_must_be_a_bearer_token
);
