use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::access::publishers;
use crate::auth::extractors::MemberAuth;
use crate::domain::member_entitlements::MemberEntitlement;
use crate::error::ApiResult;
use crate::lifecycle::{self, overview};
use crate::state::AppState;

use super::json::Json;
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
    let (now, grace) = (state.now(), state.lifecycle.grace);
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckTokenRequest {
    /// The slug of the publisher whose backend will check this member.
    publisher: String,
}

#[derive(Serialize)]
struct CheckTokenView {
    check_token: String,
    publisher: String,
    expires_in: i64,
}

/// A check token: what the member's front end hands to one publisher's
/// backend so that it can ask about this member's access there. It works
/// for access checks at that publisher only, never on the member's account.
pub async fn check_token(
    state: web::Data<AppState>,
    auth: MemberAuth,
    body: Json<CheckTokenRequest>,
) -> ApiResult<HttpResponse> {
    let slug = body.into_inner().publisher;
    let publisher = publishers::by_slug(&state.access.db, &state.access.caches, &slug).await?;
    let id = auth.member_id().to_owned();
    state
        .db
        .run(move |conn| Ok(lifecycle::active_member(conn, &id).map(|_| ())?))
        .await?;
    let ttl = Duration::seconds(state.settings.check_token_ttl_secs);
    let check_token =
        state
            .keys
            .issue_check(auth.member_id(), &publisher.slug, state.now(), ttl)?;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((header::PRAGMA, "no-cache"))
        .json(CheckTokenView {
            check_token,
            publisher: publisher.slug.clone(),
            expires_in: ttl.num_seconds(),
        }))
}
