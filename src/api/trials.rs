//! `POST /v1/me/trials`: the member's one free trial.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::extractors::MemberAuth;
use crate::error::ApiResult;
use crate::lifecycle::trials;
use crate::state::AppState;

use super::json::Json;
use super::subscriptions::{plan_code, SubscriptionView};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialRequest {
    pub plan: String,
}

pub async fn start(
    state: web::Data<AppState>,
    auth: MemberAuth,
    body: Json<TrialRequest>,
) -> ApiResult<HttpResponse> {
    let plan = plan_code(&body.plan)?;
    let member_id = auth.member_id().to_owned();
    let now = state.now();
    let (sub, code) = state
        .db
        .write(move |conn| Ok(trials::start(conn, &member_id, &plan, now)?))
        .await?;
    tracing::info!(member_id = %sub.member_id, subscription_id = %sub.id, "trial started");
    state.invalidator.member_changed(&sub.member_id).await;
    Ok(HttpResponse::Created().json(SubscriptionView::of(&state, &sub, &code)))
}
