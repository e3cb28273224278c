//! Access tokens: every forgery and malformation answers 401, never 500.

use serde_json::json;

use crate::both_backends;
use crate::forge::{self, access_claims, access_header, current_key, STRANGER_SEED};
use crate::helpers::{problem_code, spawn_app, Backend, TestApp, Tokens};

/// `/v1/me` with this token must answer 401 with this code.
async fn assert_refused(app: &TestApp, token: &str, code: &str, case: &str) {
    let response = app.get_bearer("/v1/me", token).await;
    assert_eq!(response.status(), 401, "{case}");
    assert_eq!(problem_code(response).await, code, "{case}");
}

async fn member(app: &TestApp) -> (Tokens, String) {
    let tokens = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let family = forge::claims_of(&tokens.access_token)["sid"]
        .as_str()
        .expect("sid")
        .to_owned();
    (tokens, family)
}

async fn me_needs_a_valid_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let (tokens, _) = member(&app).await;

    let me = app.get_bearer("/v1/me", &tokens.access_token).await;
    let missing = app.get("/v1/me").await;

    assert_eq!(me.status(), 200);
    let body: serde_json::Value = me.json().await.expect("json");
    assert_eq!(body["id"], tokens.member_id.as_str());
    assert_eq!(body["email"], "reader@example.com");
    assert_eq!(body["status"], "active");
    assert!(body.get("password_hash").is_none());
    assert_eq!(missing.status(), 401);
    assert_eq!(problem_code(missing).await, "token_invalid");
}

/// The forging helpers make tokens Kiosk accepts when nothing is wrong, so
/// each refusal below is caused by the one thing changed.
async fn a_correct_hand_made_token_is_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (tokens, family) = member(&app).await;
    let (kid, seed, _) = current_key(&app).await;

    let token = forge::sign_ed25519(
        &seed,
        &access_header(&kid),
        &access_claims(&app, &tokens.member_id, &family),
    );

    assert_eq!(app.get_bearer("/v1/me", &token).await.status(), 200);
}

async fn alg_none_and_other_algorithms_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (tokens, family) = member(&app).await;
    let (kid, seed, public_x) = current_key(&app).await;
    let claims = access_claims(&app, &tokens.member_id, &family);
    let public_bytes = base64_decode(&public_x);
    let jwks_text = app
        .get("/.well-known/jwks.json")
        .await
        .text()
        .await
        .expect("jwks");

    let header = |alg: &str| json!({ "alg": alg, "typ": "at+jwt", "kid": kid });
    let none = format!("{}.", forge::signing_input(&header("none"), &claims));
    let none_upper = format!("{}.", forge::signing_input(&header("NONE"), &claims));
    let real_sig = forge::sign_ed25519(&seed, &access_header(&kid), &claims);
    let sig = real_sig.rsplit('.').next().expect("signature");
    let mut cases = vec![
        ("alg none", none),
        ("alg NONE", none_upper),
        (
            "HS256 with the public x as secret",
            forge::sign_hs256(public_x.as_bytes(), &header("HS256"), &claims),
        ),
        (
            "HS256 with the raw public key",
            forge::sign_hs256(&public_bytes, &header("HS256"), &claims),
        ),
        (
            "HS256 with the JWKS document",
            forge::sign_hs256(jwks_text.as_bytes(), &header("HS256"), &claims),
        ),
    ];
    for alg in [
        "RS256", "ES256", "PS256", "HS512", "ES384", "eddsa", "Ed25519",
    ] {
        let input = forge::signing_input(&header(alg), &claims);
        cases.push(("other algorithm", format!("{input}.{sig}")));
    }

    for (case, token) in cases {
        assert_refused(&app, &token, "token_invalid", case).await;
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64url")
}

async fn unknown_or_injected_kid_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (tokens, family) = member(&app).await;
    let (kid, seed, _) = current_key(&app).await;
    let claims = access_claims(&app, &tokens.member_id, &family);
    let with_kid = |kid: serde_json::Value| json!({ "alg": "EdDSA", "typ": "at+jwt", "kid": kid });

    let cases = [
        (
            "stranger key under the real kid",
            forge::sign_ed25519(&STRANGER_SEED, &access_header(&kid), &claims),
        ),
        (
            "stranger key, its own kid",
            forge::sign_ed25519(&STRANGER_SEED, &access_header("kid_attacker"), &claims),
        ),
        (
            "real key, unknown kid",
            forge::sign_ed25519(&seed, &access_header("kid_unknown"), &claims),
        ),
        (
            "no kid",
            forge::sign_ed25519(&seed, &json!({ "alg": "EdDSA", "typ": "at+jwt" }), &claims),
        ),
        (
            "SQL in kid",
            forge::sign_ed25519(
                &seed,
                &with_kid(json!(format!("{kid}' OR '1'='1"))),
                &claims,
            ),
        ),
        (
            "path in kid",
            forge::sign_ed25519(&seed, &with_kid(json!("../../../../dev/null")), &claims),
        ),
        (
            "kid not a string",
            forge::sign_ed25519(&seed, &with_kid(json!({ "kid": kid })), &claims),
        ),
    ];

    for (case, token) in cases {
        assert_refused(&app, &token, "token_invalid", case).await;
    }
}

async fn key_fetching_headers_are_refused_and_nothing_is_fetched(backend: Backend) {
    let app = spawn_app(backend).await;
    let (tokens, family) = member(&app).await;
    let (kid, seed, x) = current_key(&app).await;
    let claims = access_claims(&app, &tokens.member_id, &family);
    let trap = std::net::TcpListener::bind("127.0.0.1:0").expect("trap listener");
    trap.set_nonblocking(true).expect("non-blocking");
    let trap_url = format!(
        "http://127.0.0.1:{}/jwks.json",
        trap.local_addr().expect("addr").port()
    );
    let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid });
    let extra = [
        ("jku", json!(trap_url)),
        ("x5u", json!(trap_url)),
        ("jwk", jwk),
        ("x5c", json!(["MIIBfake"])),
        ("crit", json!(["exp"])),
    ];

    for (name, value) in extra {
        let mut header = access_header(&kid);
        header[name] = value;
        let token = forge::sign_ed25519(&seed, &header, &claims);
        assert_refused(&app, &token, "token_invalid", name).await;
    }

    let fetched = trap.accept();
    assert!(
        matches!(&fetched, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "Kiosk fetched a key URL from a token header"
    );
}

both_backends!(
    me_needs_a_valid_token,
    a_correct_hand_made_token_is_accepted,
    alg_none_and_other_algorithms_are_refused,
    unknown_or_injected_kid_is_refused,
    key_fetching_headers_are_refused_and_nothing_is_fetched
);
