//! Who is reading: a member (from a verified access token, cached until its
//! `exp`), a visitor id, or nobody in particular.

use std::sync::Arc;

use crate::cache::members::{MemberEntry, VerifiedToken};
use crate::db::entitlements;
use crate::domain::article::VisitorId;
use crate::domain::decision::ReaderKind;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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

    /// The decision token's `sub`.
    pub fn token_subject(&self) -> String {
        match (&self.member_id, &self.visitor) {
            (Some(id), _) => id.to_string(),
            (None, Some(v)) => v.as_str().to_owned(),
            (None, None) => "anonymous".to_owned(),
        }
    }
}

/// A member token wins over a visitor id. A token that is present but
/// malformed, expired, or whose member is gone or disabled is an error
/// (401), never an anonymous answer.
pub async fn resolve(
    state: &AppState,
    member_token: Option<&str>,
    visitor: Option<VisitorId>,
) -> ApiResult<Reader> {
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
    let member_id = verify(state, token)?;
    let member = member(state, &member_id).await?;
    if !member.active {
        return Err(ApiError::token_invalid());
    }
    Ok(Reader {
        kind: ReaderKind::Member,
        member_id: Some(member_id),
        member: Some(member),
        visitor,
    })
}

fn verify(state: &AppState, token: &str) -> ApiResult<Arc<str>> {
    let now = state.now().timestamp();
    if let Some(cached) = state.caches.tokens.get(token) {
        if cached.exp <= now {
            return Err(ApiError::token_expired());
        }
        return Ok(cached.member_id);
    }
    if token.starts_with("kiosk_") {
        return Err(ApiError::token_invalid());
    }
    let claims = state.keys.verify_access(token, state.now())?;
    let member_id: Arc<str> = Arc::from(claims.sub);
    state.caches.tokens.insert(
        token.to_owned(),
        VerifiedToken {
            member_id: member_id.clone(),
            exp: claims.exp,
        },
    );
    Ok(member_id)
}

/// The member's entry, from the cache or (on a miss) the database.
async fn member(state: &AppState, member_id: &str) -> ApiResult<Arc<MemberEntry>> {
    if let Some(entry) = state.caches.members.get(member_id) {
        return Ok(entry);
    }
    let epoch = state.caches.members.epoch();
    let id = member_id.to_owned();
    let snapshot = state
        .db
        .run(move |conn| Ok(entitlements::snapshot(conn, &id)?))
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let entry = Arc::new(MemberEntry::from(snapshot));
    state
        .caches
        .members
        .insert_if_current(member_id.to_owned(), entry.clone(), epoch);
    Ok(entry)
}
