//! Complimentary access for a member, granted and revoked by admins.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::api_keys::AdminAuth;
use crate::error::ApiResult;
use crate::lifecycle::grants;
use crate::state::AppState;

use super::json::Json;
use super::subscriptions::{plan_code, SubscriptionView};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    pub plan: String,
    /// RFC 3339; absent or null for open-ended access.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
}

pub async fn create(
    state: web::Data<AppState>,
    admin: AdminAuth,
    member_id: web::Path<String>,
    body: Json<GrantRequest>,
) -> ApiResult<HttpResponse> {
    let GrantRequest { plan, ends_at } = body.into_inner();
    let plan = plan_code(&plan)?;
    let (actor, member_id, now) = (admin.actor(), member_id.into_inner(), state.now());
    let (sub, code) = state
        .db
        .write(move |conn| {
            Ok(grants::grant(
                conn, &actor, &member_id, &plan, ends_at, now,
            )?)
        })
        .await?;
    state.invalidator.member_changed(&sub.member_id).await;
    Ok(HttpResponse::Created().json(SubscriptionView::of(&state, &sub, &code)))
}

pub async fn revoke(
    state: web::Data<AppState>,
    admin: AdminAuth,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (member_id, subscription_id) = path.into_inner();
    let (actor, now) = (admin.actor(), state.now());
    let (sub, code) = state
        .db
        .write(move |conn| {
            Ok(grants::revoke(
                conn,
                &actor,
                &member_id,
                &subscription_id,
                now,
            )?)
        })
        .await?;
    state.invalidator.member_changed(&sub.member_id).await;
    Ok(HttpResponse::Ok().json(SubscriptionView::of(&state, &sub, &code)))
}
