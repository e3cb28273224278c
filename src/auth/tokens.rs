//! Member access tokens and decision tokens: EdDSA JWTs signed with the
//! current key from the database and verified against every visible key.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::db::signing_keys::{self, SigningKeyRow};
use crate::db::{write_transaction, Db, DbConnection};
use crate::domain::ids::new_id;
use crate::error::ApiError;

pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
pub const DECISION_TOKEN_TYPE: &str = "kiosk-decision+jwt";
/// Longer than any token Kiosk issues; anything bigger is refused unread.
const MAX_TOKEN_LEN: usize = 4096;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The refresh-token family this token was issued with (for sign-out).
    pub sid: String,
}

struct KeySet {
    current_kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    jwks: serde_json::Value,
}

/// The signing keys in memory, reloaded from the database now and then so a
/// rotation made anywhere reaches this replica.
pub struct KeyStore {
    keys: RwLock<Arc<KeySet>>,
    issuer: String,
    audience: String,
    retired_visible: Duration,
}

impl KeyStore {
    pub fn load(
        conn: &mut DbConnection,
        issuer: &str,
        audience: &str,
        retired_visible: Duration,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let keys = load_keyset(conn, retired_visible, now)?;
        Ok(Self {
            keys: RwLock::new(Arc::new(keys)),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            retired_visible,
        })
    }

    pub async fn reload(&self, db: &Db, now: DateTime<Utc>) -> Result<(), ApiError> {
        let window = self.retired_visible;
        let keys = db
            .run(move |conn| load_keyset(conn, window, now).map_err(ApiError::internal))
            .await?;
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
        Ok(())
    }

    fn keys(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn jwks(&self) -> serde_json::Value {
        self.keys().jwks.clone()
    }

    pub fn issue_access(
        &self,
        member_id: &str,
        family_id: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<String, ApiError> {
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: member_id.to_owned(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            jti: new_id("jti"),
            sid: family_id.to_owned(),
        };
        self.sign(ACCESS_TOKEN_TYPE, &claims)
    }

    pub fn sign<C: Serialize>(&self, typ: &str, claims: &C) -> Result<String, ApiError> {
        let keys = self.keys();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.current_kid.clone());
        header.typ = Some(typ.to_owned());
        jsonwebtoken::encode(&header, claims, &keys.encoding).map_err(ApiError::internal)
    }

    /// Verifies an access token: EdDSA only, our `typ`, a known `kid`, no
    /// key-fetching headers, exact issuer and audience, and `exp` checked
    /// against Kiosk's clock.
    pub fn verify_access(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, ApiError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(ApiError::token_invalid());
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::token_invalid())?;
        let foreign_key_hint = header.jku.is_some()
            || header.jwk.is_some()
            || header.x5u.is_some()
            || header.x5c.is_some()
            || header.crit.is_some();
        if header.alg != Algorithm::EdDSA
            || header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE)
            || foreign_key_hint
        {
            return Err(ApiError::token_invalid());
        }
        let keys = self.keys();
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| keys.decoding.get(kid))
            .ok_or_else(ApiError::token_invalid)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.validate_exp = false;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
            .map_err(|_| ApiError::token_invalid())?;
        let claims = data.claims;
        if claims.exp <= now.timestamp() {
            return Err(ApiError::token_expired());
        }
        if claims.iat > now.timestamp() + 60 {
            return Err(ApiError::token_invalid());
        }
        Ok(claims)
    }
}

/// Makes sure a current key exists, then loads the visible ones.
fn load_keyset(
    conn: &mut DbConnection,
    retired_visible: Duration,
    now: DateTime<Utc>,
) -> anyhow::Result<KeySet> {
    let cutoff = (now - retired_visible).naive_utc();
    let mut rows = signing_keys::visible(conn, cutoff)?;
    if !rows.iter().any(|r| r.retired_at.is_none()) {
        let row = generate_key(now)?;
        write_transaction(conn, |c| signing_keys::insert(c, &row))?;
        rows = signing_keys::visible(conn, cutoff)?;
    }
    keyset_from_rows(&rows, now)
}

/// Adds a new current key and retires the others (they stay in the JWKS for
/// the configured window, so tokens they signed keep verifying).
pub fn rotate(conn: &mut DbConnection, now: DateTime<Utc>) -> anyhow::Result<String> {
    let row = generate_key(now)?;
    let kid = row.kid.clone();
    write_transaction(conn, |c| {
        signing_keys::insert(c, &row)?;
        signing_keys::retire_all_but(c, &kid, now.naive_utc())
    })?;
    Ok(kid)
}

fn generate_key(now: DateTime<Utc>) -> anyhow::Result<SigningKeyRow> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)?;
    let key = SigningKey::from_bytes(&seed);
    Ok(SigningKeyRow {
        kid: new_id("kid"),
        private_key: URL_SAFE_NO_PAD.encode(seed),
        public_key: URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()),
        created_at: now.naive_utc(),
        retired_at: None,
    })
}

/// A new key is published (JWKS, verification) at once but signs only once
/// it is older than this: longer than the 30 s reload interval, so every
/// replica knows a key before any replica signs with it.
pub const KEY_ACTIVATION_DELAY_SECS: i64 = 60;

/// The key to sign with: the newest one published long enough ago, or,
/// when none is (keys younger than the delay), the oldest: the one every
/// replica is likeliest to know.
fn signing_row(rows: &[SigningKeyRow], now: DateTime<Utc>) -> Option<&SigningKeyRow> {
    let active_before = (now - Duration::seconds(KEY_ACTIVATION_DELAY_SECS)).naive_utc();
    rows.iter()
        .filter(|r| r.created_at <= active_before)
        .max_by_key(|r| (r.created_at, r.kid.clone()))
        .or_else(|| rows.iter().min_by_key(|r| (r.created_at, r.kid.clone())))
}

fn keyset_from_rows(rows: &[SigningKeyRow], now: DateTime<Utc>) -> anyhow::Result<KeySet> {
    let current = signing_row(rows, now).ok_or_else(|| anyhow::anyhow!("no signing key"))?;
    let seed: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&current.private_key)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("signing key {} is not 32 bytes", current.kid))?;
    let der = SigningKey::from_bytes(&seed)
        .to_pkcs8_der()
        .map_err(|e| anyhow::anyhow!("encoding signing key: {e}"))?;
    let encoding = EncodingKey::from_ed_der(der.as_bytes());
    let mut decoding = HashMap::new();
    let mut jwks = Vec::new();
    for row in rows {
        decoding.insert(
            row.kid.clone(),
            DecodingKey::from_ed_components(&row.public_key)?,
        );
        jwks.push(serde_json::json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": row.kid,
            "x": row.public_key,
        }));
    }
    Ok(KeySet {
        current_kid: current.kid.clone(),
        encoding,
        decoding,
        jwks: serde_json::json!({ "keys": jwks }),
    })
}
