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
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::db::signing_keys::{self, SigningKeyRow};
use crate::db::{write_transaction, Db, DbConnection};
use crate::domain::ids::new_id;
use crate::error::CoreError;

pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
pub const DECISION_TOKEN_TYPE: &str = "kiosk-decision+jwt";
pub const CHECK_TOKEN_TYPE: &str = "kiosk-check+jwt";
/// Longer than any token Kiosk issues; anything bigger is refused unread.
const MAX_TOKEN_LEN: usize = 4096;
/// How far a token's `iat` or `nbf` may lie ahead of Kiosk's clock (clock
/// skew between replicas and issuers).
const CLOCK_LEEWAY_SECS: i64 = 60;

/// Each kind of token Kiosk signs has its own `typ` and `aud`, so that no
/// verifier pinning both can take one kind for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The member's account credential (`/v1/me`, sign-out, checkout...).
    Access,
    /// An access decision, for a CDN edge or publisher backend to trust.
    Decision,
    /// What a publisher backend holds for a member: access checks at one
    /// publisher, nothing else.
    Check,
}

impl TokenKind {
    pub fn typ(self) -> &'static str {
        match self {
            Self::Access => ACCESS_TOKEN_TYPE,
            Self::Decision => DECISION_TOKEN_TYPE,
            Self::Check => CHECK_TOKEN_TYPE,
        }
    }

    /// The `aud` of this kind, from the configured access-token audience.
    pub fn audience(self, base: &str) -> String {
        match self {
            Self::Access => base.to_owned(),
            Self::Decision => format!("{base}:decision"),
            Self::Check => format!("{base}:check"),
        }
    }
}

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// A check token: lets a publisher backend ask about this member's access
/// at the publisher named in `pub`, and nothing more.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    /// The publisher's slug.
    #[serde(rename = "pub")]
    pub publisher: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// The time claims every verified token is checked on against Kiosk's
/// clock: (`iat`, `exp`, `nbf`).
trait TimeClaims {
    fn times(&self) -> (i64, i64, Option<i64>);
}

impl TimeClaims for AccessClaims {
    fn times(&self) -> (i64, i64, Option<i64>) {
        (self.iat, self.exp, self.nbf)
    }
}

impl TimeClaims for CheckClaims {
    fn times(&self) -> (i64, i64, Option<i64>) {
        (self.iat, self.exp, self.nbf)
    }
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

    pub async fn reload(&self, db: &Db, now: DateTime<Utc>) -> Result<(), CoreError> {
        let window = self.retired_visible;
        let keys = db
            .run(move |conn| load_keyset(conn, window, now).map_err(CoreError::internal))
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
    ) -> Result<String, CoreError> {
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: member_id.to_owned(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            jti: new_id("jti"),
            sid: family_id.to_owned(),
            nbf: None,
        };
        self.sign(ACCESS_TOKEN_TYPE, &claims)
    }

    /// A check token for `member_id` at the publisher `publisher_slug`.
    pub fn issue_check(
        &self,
        member_id: &str,
        publisher_slug: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<String, CoreError> {
        let claims = CheckClaims {
            iss: self.issuer.clone(),
            aud: TokenKind::Check.audience(&self.audience),
            sub: member_id.to_owned(),
            publisher: publisher_slug.to_owned(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            jti: new_id("chk"),
            nbf: None,
        };
        self.sign(CHECK_TOKEN_TYPE, &claims)
    }

    /// The `aud` decision tokens carry.
    pub fn decision_audience(&self) -> String {
        TokenKind::Decision.audience(&self.audience)
    }

    pub fn sign<C: Serialize>(&self, typ: &str, claims: &C) -> Result<String, CoreError> {
        let keys = self.keys();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.current_kid.clone());
        header.typ = Some(typ.to_owned());
        jsonwebtoken::encode(&header, claims, &keys.encoding).map_err(CoreError::internal)
    }

    /// Verifies an access token: see [`KeyStore::verify`].
    pub fn verify_access(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<AccessClaims, CoreError> {
        self.verify(token, TokenKind::Access, now)
    }

    /// Verifies a check token; which publisher it names is for the caller
    /// to compare.
    pub fn verify_check(&self, token: &str, now: DateTime<Utc>) -> Result<CheckClaims, CoreError> {
        self.verify(token, TokenKind::Check, now)
    }

    /// EdDSA only, the kind's own `typ`, a known `kid`, no key-fetching
    /// headers, exact issuer and the kind's own audience; `exp`, `iat` and
    /// `nbf` checked against Kiosk's clock.
    fn verify<C: DeserializeOwned + TimeClaims>(
        &self,
        token: &str,
        kind: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<C, CoreError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(CoreError::token_invalid());
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| CoreError::token_invalid())?;
        let foreign_key_hint = header.jku.is_some()
            || header.jwk.is_some()
            || header.x5u.is_some()
            || header.x5c.is_some()
            || header.crit.is_some();
        if header.alg != Algorithm::EdDSA
            || header.typ.as_deref() != Some(kind.typ())
            || foreign_key_hint
        {
            return Err(CoreError::token_invalid());
        }
        let keys = self.keys();
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| keys.decoding.get(kid))
            .ok_or_else(CoreError::token_invalid)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[kind.audience(&self.audience)]);
        // Times are checked below against Kiosk's clock, not the system's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<C>(token, key, &validation)
            .map_err(|_| CoreError::token_invalid())?
            .claims;
        let now = now.timestamp();
        let (iat, exp, nbf) = claims.times();
        if exp <= now {
            return Err(CoreError::token_expired());
        }
        let ahead = |t: i64| t > now + CLOCK_LEEWAY_SECS;
        if ahead(iat) || nbf.is_some_and(ahead) {
            return Err(CoreError::token_invalid());
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
