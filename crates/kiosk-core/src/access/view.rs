//! The decision as clients read it, and the decision token that lets a CDN
//! edge or publisher backend trust it offline.

use crate::domain::states::Source;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::auth::tokens::KeyStore;
use crate::auth::tokens::DECISION_TOKEN_TYPE;
use crate::domain::access::AccessLevel;
use crate::domain::decision::Offer;
use crate::domain::ids::new_id;
use crate::error::CoreResult;

#[derive(Debug, Serialize)]
pub struct DecisionView {
    pub allowed: bool,
    pub reason: &'static str,
    pub access: AccessLevel,
    pub article: ArticleRef,
    pub member: Option<MemberRef>,
    pub entitlement: Option<EntitlementView>,
    pub meter: Option<MeterView>,
    pub offer: Option<Offer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_token: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ArticleRef {
    pub publisher: String,
    pub id: String,
}

#[derive(Debug, Serialize)]
pub struct MemberRef {
    pub id: String,
}

#[derive(Debug, Serialize)]
pub struct EntitlementView {
    pub plan: String,
    pub source: Source,
    pub ends_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct MeterView {
    pub used: i32,
    pub limit: i32,
    pub remaining: i32,
    pub resets_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct DecisionClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    #[serde(rename = "pub")]
    publisher: &'a str,
    art: &'a str,
    access: AccessLevel,
    allowed: bool,
    reason: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
}

impl DecisionView {
    /// Signs the decision (an Ed25519 signature: made only when asked for)
    /// for `subject`, valid from `now` for `ttl`.
    pub fn sign(
        &mut self,
        keys: &KeyStore,
        issuer: &str,
        ttl: Duration,
        now: DateTime<Utc>,
        subject: &str,
    ) -> CoreResult<()> {
        let audience = keys.decision_audience();
        let claims = DecisionClaims {
            iss: issuer,
            aud: &audience,
            sub: subject,
            publisher: &self.article.publisher,
            art: &self.article.id,
            access: self.access,
            allowed: self.allowed,
            reason: self.reason,
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            jti: new_id("dec"),
        };
        self.decision_token = Some(keys.sign(DECISION_TOKEN_TYPE, &claims)?);
        Ok(())
    }
}
