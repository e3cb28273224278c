use crate::domain::states::MemberStatus;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::sessions;
use crate::db::is_unique_violation;
use crate::db::members::{self, NewMember};
use crate::domain::email::Email;
use crate::domain::ids::new_id;
use crate::domain::password::Password;
use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::json::Json;
use super::views;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// Sign-up: a new member and their first session.
pub async fn sign_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<Credentials>,
) -> ApiResult<HttpResponse> {
    state.limit_address(&req, "sign_up")?;
    let Credentials { email, password } = body.into_inner();
    let email = Email::parse(&email)?;
    let password = Password::parse(password)?;
    let admission = state.passwords.admit().await?;
    let password_hash = state.passwords.hash(admission, password).await?;
    let now = state.now();
    let ttl = state.refresh_ttl();
    let (member, session) = state
        .db
        .write(move |conn| {
            let id = new_id("mem");
            let new = NewMember {
                id: &id,
                email: email.as_str(),
                password_hash: &password_hash,
                status: MemberStatus::Active,
                created_at: now.naive_utc(),
                updated_at: now.naive_utc(),
            };
            members::insert(conn, &new).map_err(|e| {
                if is_unique_violation(&e) {
                    ApiError::new(
                        ErrorCode::EmailTaken,
                        "An account with this email already exists.",
                    )
                    .with_field("email")
                } else {
                    e.into()
                }
            })?;
            let member = members::find(conn, &id)?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("member vanished")))?;
            let session = sessions::start(conn, &id, now, ttl)?;
            Ok((member, session))
        })
        .await?;
    tracing::info!(member_id = %member.id, "member signed up");
    views::tokens(&state, StatusCode::CREATED, &member, &session)
}
