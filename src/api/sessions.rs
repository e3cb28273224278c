use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use serde::Deserialize;

use crate::auth::extractors::MemberAuth;
use crate::auth::sessions::{self, RefreshOutcome};
use crate::db::members;
use crate::domain::email::Email;
use crate::domain::password::Password;
use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::json::Json;
use super::members::Credentials;
use super::views;

fn invalid_credentials() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "The email or password is wrong.",
    )
}

/// Sign-in. An unknown email, a wrong password, a disabled account and a
/// locked one all answer alike, after the same amount of hashing work.
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<Credentials>,
) -> ApiResult<HttpResponse> {
    state.limit_address(&req, "sign_in")?;
    let Credentials { email, password } = body.into_inner();
    let email = Email::parse(&email)?;
    let password = Password::for_sign_in(password)?;
    // Before the database read: a full hashing line turns a flood away here.
    let admission = state.passwords.admit().await?;
    let account = format!("account:{email}");
    let locked = state
        .limits
        .failures_per_account
        .is_exhausted(&account, state.now());
    let member = state
        .db
        .run(move |conn| Ok(members::find_by_email(conn, email.as_str())?))
        .await?;
    let stored = member.as_ref().map(|m| m.password_hash.clone());
    let matched = state.passwords.verify(admission, password, stored).await?;
    let member = match member {
        Some(m) if matched && m.is_active() && !locked => m,
        _ => {
            if !matched && member.is_some() {
                // Only accounts that exist can be locked: failures for
                // unknown emails would only crowd out live lockouts.
                // Over the limit is fine here: the account is locked already.
                let _ = state.limits.failures_per_account.hit(&account, state.now());
            }
            return Err(invalid_credentials());
        }
    };
    state.limits.failures_per_account.clear(&account);
    let now = state.now();
    let ttl = state.refresh_ttl();
    let member_id = member.id.clone();
    let session = state
        .db
        .write(move |conn| Ok(sessions::start(conn, &member_id, now, ttl)?))
        .await?;
    views::tokens(&state, StatusCode::OK, &member, &session)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    state.limit_address(&req, "refresh")?;
    let presented = body.into_inner().refresh_token;
    let now = state.now();
    let ttl = state.refresh_ttl();
    let grace = Duration::seconds(state.settings.refresh_grace_secs);
    let outcome = state
        .db
        .write(move |conn| {
            let outcome = sessions::refresh(conn, &presented, now, ttl, grace)?;
            let member = match &outcome {
                RefreshOutcome::Rotated(s) => members::find(conn, &s.member_id)?,
                RefreshOutcome::Reused => None,
            };
            Ok((outcome, member))
        })
        .await?;
    match outcome {
        (RefreshOutcome::Rotated(session), Some(member)) => {
            views::tokens(&state, StatusCode::OK, &member, &session)
        }
        (RefreshOutcome::Reused, _) => {
            tracing::warn!("a rotated refresh token was reused; its family is revoked");
            Err(ApiError::new(
                ErrorCode::RefreshReused,
                "This refresh token was already used; sign in again.",
            ))
        }
        (RefreshOutcome::Rotated(_), None) => Err(ApiError::token_invalid()),
    }
}

/// Sign-out: revokes the refresh-token family the access token belongs to.
pub async fn sign_out(state: web::Data<AppState>, auth: MemberAuth) -> ApiResult<HttpResponse> {
    let (member_id, family) = (auth.0.sub.clone(), auth.0.sid.clone());
    let now = state.now();
    state
        .db
        .write(move |conn| Ok(sessions::revoke_family(conn, &member_id, &family, now)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
