//! Extractors that make a handler require a credential.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::auth::tokens::AccessClaims;
use crate::error::ApiError;
use crate::error::ErrorCode;
use crate::state::AppState;

/// The `Authorization: Bearer` credential, if any. A header that is present
/// but not a Bearer credential is an error, not an absence.
pub fn bearer(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::token_invalid())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(ApiError::token_invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::token_invalid());
    }
    Ok(Some(token.trim()))
}

pub fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

/// A signed-in member: a valid access token. Whether the member is still
/// active is for the handler to check where it reads the member anyway.
#[derive(Debug, Clone)]
pub struct MemberAuth(pub AccessClaims);

impl MemberAuth {
    pub fn member_id(&self) -> &str {
        &self.0.sub
    }
}

impl FromRequest for MemberAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(member_from_request(req))
    }
}

fn member_from_request(req: &HttpRequest) -> Result<MemberAuth, ApiError> {
    let state = app_state(req)?;
    let token = bearer(req)?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::TokenInvalid,
            "This route needs a member access token.",
        )
    })?;
    if token.starts_with("kiosk_") {
        return Err(ApiError::forbidden("API keys cannot call member routes."));
    }
    Ok(state
        .keys
        .verify_access(token, state.now())
        .map(MemberAuth)?)
}
