use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::auth::extractors::MemberAuth;
use crate::domain::member_entitlements::MemberEntitlement;
use crate::error::ApiResult;
use crate::lifecycle::{self, overview};
use crate::state::AppState;

use super::views::MemberView;

#[derive(Serialize)]
struct MeView {
    #[serde(flatten)]
    member: MemberView,
    /// What the member may read now, the longest-lasting first.
    entitlements: Vec<MemberEntitlement>,
    /// Whether `POST /v1/me/trials` can still succeed for this member.
    trial_eligible: bool,
}

/// The signed-in member with their entitlements. A token of a disabled or
/// deleted member stops working here at once.
pub async fn show(state: web::Data<AppState>, auth: MemberAuth) -> ApiResult<HttpResponse> {
    let id = auth.member_id().to_owned();
    let (now, grace) = (state.now(), lifecycle::grace(&state.settings));
    let (member, overview) = state
        .db
        .run(move |conn| {
            let member = lifecycle::active_member(conn, &id)?;
            let overview = overview::load(conn, &member, now, grace)?;
            Ok((member, overview))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MeView {
        member: MemberView::from(&member),
        entitlements: overview.entitlements,
        trial_eligible: overview.trial_eligible,
    }))
}
