//! Who is reading: a member (from a verified access token, cached until its
//! `exp`), a visitor id, or nobody in particular.

use std::sync::Arc;

use super::Access;
use crate::auth::tokens::CHECK_TOKEN_TYPE;
use crate::cache::members::{MemberEntry, VerifiedToken};
use crate::db::entitlements;
use crate::domain::article::VisitorId;
use crate::domain::decision::ReaderKind;
use crate::error::{CoreError, CoreResult, ErrorCode};

pub struct Reader {
    pub kind: ReaderKind,
    pub member_id: Option<Arc<str>>,
    pub member: Option<Arc<MemberEntry>>,
    pub visitor: Option<VisitorId>,
}

impl Reader {
    /// Whose meter counts this read: the member, else the visitor id
    /// (prefixed so that a visitor id can never pose as a member).
    pub fn meter_subject(&self) -> Option<String> {
        match (&self.member_id, &self.visitor) {
            (Some(id), _) => Some(id.to_string()),
            (None, Some(v)) => Some(format!("visitor:{}", v.as_str())),
            (None, None) => None,
        }
    }

    /// The decision token's `sub`: the member's id, or the visitor id in
    /// the same namespace the meter uses, so that a visitor id shaped like
    /// a member id never yields a token naming that member.
    pub fn token_subject(&self) -> String {
        match (&self.member_id, &self.visitor) {
            (Some(id), _) => id.to_string(),
            (None, Some(v)) => format!("visitor:{}", v.as_str()),
            (None, None) => "anonymous".to_owned(),
        }
    }
}

/// Which member tokens a route takes.
#[derive(Debug, Clone, Copy)]
pub enum TokenUse<'a> {
    /// A publisher backend's check: only a check token for this publisher
    /// (a publisher never holds the member's account credential).
    Check { publisher: &'a str },
    /// The reader's own browser asking Kiosk directly: the member's access
    /// token, or a check token for this publisher.
    FrontEnd { publisher: &'a str },
}

/// A member token wins over a visitor id. A token that is present but
/// malformed, expired, of a kind the route does not take, or whose member
/// is gone or disabled is an error (401), never an anonymous answer.
pub async fn resolve(
    state: &Access,
    member_token: Option<&str>,
    visitor: Option<VisitorId>,
    token_use: TokenUse<'_>,
) -> CoreResult<Reader> {
    let Some(token) = member_token else {
        let kind = if visitor.is_some() {
            ReaderKind::Visitor
        } else {
            ReaderKind::Anonymous
        };
        return Ok(Reader {
            kind,
            member_id: None,
            member: None,
            visitor,
        });
    };
    let member_id = verify(state, token, token_use)?;
    let member = member(state, &member_id).await?;
    if !member.active {
        return Err(CoreError::token_invalid());
    }
    Ok(Reader {
        kind: ReaderKind::Member,
        member_id: Some(member_id),
        member: Some(member),
        visitor,
    })
}

fn verify(state: &Access, token: &str, token_use: TokenUse<'_>) -> CoreResult<Arc<str>> {
    let now = state.now().timestamp();
    let verified = match state.caches.tokens.get(token) {
        Some(cached) if cached.exp <= now => return Err(CoreError::token_expired()),
        Some(cached) => cached,
        None => verify_uncached(state, token)?,
    };
    let (TokenUse::Check { publisher } | TokenUse::FrontEnd { publisher }) = token_use;
    match (&verified.publisher, token_use) {
        (Some(scope), _) if &**scope == publisher => Ok(verified.member_id),
        (Some(_), _) => Err(CoreError::new(
            ErrorCode::TokenInvalid,
            "This check token is for another publisher.",
        )),
        (None, TokenUse::FrontEnd { .. }) => Ok(verified.member_id),
        (None, TokenUse::Check { .. }) => Err(CoreError::new(
            ErrorCode::TokenInvalid,
            "Publisher backends take the member's check token (POST /v1/me/check-tokens), \
             never the member's access token.",
        )),
    }
}

/// Verifies an access or check token (its header says which it claims to
/// be) and remembers it until its `exp`.
fn verify_uncached(state: &Access, token: &str) -> CoreResult<VerifiedToken> {
    if token.starts_with("kiosk_") {
        return Err(CoreError::token_invalid());
    }
    let typ = jsonwebtoken::decode_header(token)
        .map_err(|_| CoreError::token_invalid())?
        .typ;
    let verified = if typ.as_deref() == Some(CHECK_TOKEN_TYPE) {
        let claims = state.keys.verify_check(token, state.now())?;
        VerifiedToken {
            member_id: Arc::from(claims.sub),
            exp: claims.exp,
            publisher: Some(Arc::from(claims.publisher)),
        }
    } else {
        let claims = state.keys.verify_access(token, state.now())?;
        VerifiedToken {
            member_id: Arc::from(claims.sub),
            exp: claims.exp,
            publisher: None,
        }
    };
    state
        .caches
        .tokens
        .insert(token.to_owned(), verified.clone());
    Ok(verified)
}

/// The member's entry, from the cache or (on a miss) the database.
async fn member(state: &Access, member_id: &str) -> CoreResult<Arc<MemberEntry>> {
    if let Some(entry) = state.caches.members.get(member_id) {
        return Ok(entry);
    }
    let epoch = state.caches.members.epoch();
    let id = member_id.to_owned();
    let snapshot = state
        .db
        .run(move |conn| Ok(entitlements::snapshot(conn, &id)?))
        .await?
        .ok_or_else(CoreError::token_invalid)?;
    let entry = Arc::new(MemberEntry::from(snapshot));
    state
        .caches
        .members
        .insert_if_current(member_id.to_owned(), entry.clone(), epoch);
    Ok(entry)
}
