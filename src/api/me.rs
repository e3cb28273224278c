use actix_web::{web, HttpResponse};

use crate::auth::extractors::MemberAuth;
use crate::db::members;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::views::MemberView;

/// The signed-in member. A token of a disabled or deleted member stops
/// working here at once.
pub async fn show(state: web::Data<AppState>, auth: MemberAuth) -> ApiResult<HttpResponse> {
    let id = auth.member_id().to_owned();
    let member = state
        .db
        .run(move |conn| Ok(members::find(conn, &id)?))
        .await?
        .filter(|m| m.is_active())
        .ok_or_else(ApiError::token_invalid)?;
    Ok(HttpResponse::Ok().json(MemberView::from(&member)))
}
