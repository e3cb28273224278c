//! The JWKS verifies access tokens offline; signing keys rotate without
//! breaking live tokens and are shared by every replica.

use chrono::Duration;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::both_backends;
use crate::forge::header_of;
use crate::helpers::{spawn_app, spawn_on, test_settings, Backend, ClockExt, TestApp};

async fn jwks(app: &TestApp) -> JwkSet {
    let response = app.get("/.well-known/jwks.json").await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("a JWK set")
}

fn kids(set: &JwkSet) -> Vec<String> {
    set.keys
        .iter()
        .filter_map(|k| k.common.key_id.clone())
        .collect()
}

/// What a publisher backend or CDN edge does: pick the key by `kid`, pin
/// EdDSA, check issuer and audience.
fn verify_offline(set: &JwkSet, token: &str) -> Value {
    let kid = header_of(token)["kid"].as_str().expect("kid").to_owned();
    let jwk = set.find(&kid).expect("the JWKS names the token's kid");
    let key = DecodingKey::from_jwk(jwk).expect("usable key");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&["kiosk"]);
    validation.set_audience(&["kiosk"]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // The test clock stands in the past; expiry is checked by Kiosk's tests.
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("the token verifies with the published key")
        .claims
}

async fn access_tokens_verify_offline_with_the_jwks(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;

    let raw: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .expect("json");
    let set = jwks(&app).await;
    let claims = verify_offline(&set, &tokens.access_token);

    let header = header_of(&tokens.access_token);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(claims["sub"], tokens.member_id.as_str());
    assert_eq!(
        claims["exp"]
            .as_i64()
            .zip(claims["iat"].as_i64())
            .map(|(e, i)| e - i),
        Some(900)
    );
    assert!(claims["jti"].is_string());
    let key = &raw["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    assert!(key.get("d").is_none(), "no private part is published");
}

async fn rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let old_kid = header_of(&before.access_token)["kid"]
        .as_str()
        .expect("kid")
        .to_owned();

    let now = app.clock.now_utc();
    let new_kid = app
        .with_conn(move |conn| kiosk::auth::tokens::rotate(conn, now).expect("rotate"))
        .await;
    app.state
        .keys
        .reload(&app.state.db, now)
        .await
        .expect("reload");
    let published = app
        .sign_in("reader@example.com", "correct horse battery")
        .await;
    let published_set = jwks(&app).await;
    // Past the activation delay, the new key signs.
    app.clock.advance(Duration::seconds(
        kiosk::auth::tokens::KEY_ACTIVATION_DELAY_SECS + 1,
    ));
    let active_at = app.clock.now_utc();
    app.state
        .keys
        .reload(&app.state.db, active_at)
        .await
        .expect("reload");
    let after = app
        .sign_in("reader@example.com", "correct horse battery")
        .await;
    let set = jwks(&app).await;

    assert_ne!(old_kid, new_kid);
    assert_eq!(
        header_of(&published.access_token)["kid"],
        old_kid.as_str(),
        "a new key is published before it signs"
    );
    assert!(kids(&published_set).contains(&new_kid));
    assert_eq!(header_of(&after.access_token)["kid"], new_kid.as_str());
    assert_eq!(
        app.get_bearer("/v1/me", &before.access_token)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get_bearer("/v1/me", &after.access_token).await.status(),
        200
    );
    let listed = kids(&set);
    assert!(
        listed.contains(&old_kid) && listed.contains(&new_kid),
        "{listed:?}"
    );
    verify_offline(&set, &before.access_token);
    verify_offline(&set, &after.access_token);

    // A day on, the retired key has left the JWKS.
    app.clock.advance(Duration::hours(25));
    let later = app.clock.now_utc();
    app.state
        .keys
        .reload(&app.state.db, later)
        .await
        .expect("reload");
    assert_eq!(kids(&jwks(&app).await), vec![new_kid]);
}

async fn replicas_share_signing_keys(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_on(first.database.share(), test_settings(&first.database.url)).await;
    let tokens = first
        .sign_up("reader@example.com", "correct horse battery")
        .await;

    let on_second = second.get_bearer("/v1/me", &tokens.access_token).await;
    let now = first.clock.now_utc();
    let new_kid = first
        .with_conn(move |conn| kiosk::auth::tokens::rotate(conn, now).expect("rotate"))
        .await;
    // What the periodic reloader does on every replica: the second replica
    // reloads once, right after the rotation, and learns the new key.
    second
        .state
        .keys
        .reload(&second.state.db, now)
        .await
        .expect("reload");
    // Later the first replica reloads past the activation delay and signs
    // with the new key; the second verifies it without reloading again.
    first.clock.advance(Duration::seconds(
        kiosk::auth::tokens::KEY_ACTIVATION_DELAY_SECS + 1,
    ));
    second.clock.advance(Duration::seconds(
        kiosk::auth::tokens::KEY_ACTIVATION_DELAY_SECS + 1,
    ));
    let later = first.clock.now_utc();
    first
        .state
        .keys
        .reload(&first.state.db, later)
        .await
        .expect("reload");
    let from_first = first
        .sign_in("reader@example.com", "correct horse battery")
        .await;
    let new_token_on_second = second.get_bearer("/v1/me", &from_first.access_token).await;

    assert_eq!(on_second.status(), 200);
    assert_eq!(header_of(&from_first.access_token)["kid"], new_kid.as_str());
    assert_eq!(new_token_on_second.status(), 200);
    assert!(kids(&jwks(&second).await).contains(&new_kid));
}

both_backends!(
    access_tokens_verify_offline_with_the_jwks,
    rotation_keeps_old_tokens_valid_and_signs_with_the_new_key,
    replicas_share_signing_keys
);
