//! Response bodies shared by several handlers.

use crate::domain::states::MemberStatus;
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::sessions::NewSession;
use crate::db::members::Member;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize)]
pub struct MemberView {
    pub id: String,
    pub email: String,
    pub status: MemberStatus,
    pub created_at: DateTime<Utc>,
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        Self {
            id: m.id.clone(),
            email: m.email.clone(),
            status: m.status.clone(),
            created_at: m.created_at.and_utc(),
        }
    }
}

#[derive(Serialize)]
struct TokenResponse<'a> {
    member: MemberView,
    access_token: String,
    refresh_token: &'a str,
    token_type: &'static str,
    expires_in: i64,
}

/// The answer to sign-up, sign-in and refresh: a fresh access token and the
/// session's refresh token, never cached.
pub fn tokens(
    state: &AppState,
    status: StatusCode,
    member: &Member,
    session: &NewSession,
) -> Result<HttpResponse, ApiError> {
    let ttl = state.access_ttl();
    let access_token = state
        .keys
        .issue_access(&member.id, &session.family_id, state.now(), ttl)?;
    let body = TokenResponse {
        member: member.into(),
        access_token,
        refresh_token: &session.refresh_token,
        token_type: "Bearer",
        expires_in: ttl.num_seconds(),
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body))
}
