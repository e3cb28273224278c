//! Hand-built JWTs for the token tests: any header, any claims, signed by
//! Kiosk's real key, by a key Kiosk does not know, by HMAC, or not at all.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{ClockExt, TestApp};

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `header.claims` as a JWT signing input.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// Signs with an Ed25519 seed.
pub fn sign_ed25519(seed: &[u8; 32], header: &Value, claims: &Value) -> String {
    let input = signing_input(header, claims);
    let signature = SigningKey::from_bytes(seed).sign(input.as_bytes());
    format!("{input}.{}", b64(&signature.to_bytes()))
}

/// Signs with HMAC-SHA256 under `secret` (algorithm-confusion attempts).
pub fn sign_hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let input = signing_input(header, claims);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

/// An Ed25519 key Kiosk has never seen.
pub const STRANGER_SEED: [u8; 32] = [7u8; 32];

/// Kiosk's current signing key as stored: (kid, seed, public key `x`).
pub async fn current_key(app: &TestApp) -> (String, [u8; 32], String) {
    let row = app
        .with_conn(|conn| {
            let cutoff = chrono::DateTime::UNIX_EPOCH.naive_utc();
            kiosk::db::signing_keys::visible(conn, cutoff).expect("signing keys")
        })
        .await
        .into_iter()
        .find(|row| row.retired_at.is_none())
        .expect("a current key");
    let seed: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&row.private_key)
        .expect("seed is base64url")
        .try_into()
        .expect("seed is 32 bytes");
    (row.kid, seed, row.public_key)
}

/// The header Kiosk puts on access tokens, for this kid.
pub fn access_header(kid: &str) -> Value {
    json!({ "alg": "EdDSA", "typ": "at+jwt", "kid": kid })
}

/// Claims a valid access token for `member_id` carries, at the app's now.
pub fn access_claims(app: &TestApp, member_id: &str, family_id: &str) -> Value {
    let now = app.clock.now_utc().timestamp();
    json!({
        "iss": app.state.settings.issuer,
        "aud": app.state.settings.audience,
        "sub": member_id,
        "iat": now,
        "exp": now + 900,
        "jti": "jti_forged",
        "sid": family_id,
    })
}

/// The decoded claims of a token Kiosk issued (no verification).
pub fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json")
}

/// The decoded header of a token.
pub fn header_of(token: &str) -> Value {
    let header = token.split('.').next().expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("base64url")).expect("json")
}
