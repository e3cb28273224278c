//! A member's subscriptions: list, cancel, resume.

use crate::domain::states::{Source, SubscriptionStatus};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::auth::extractors::MemberAuth;
use crate::db::subscriptions::Subscription;
use crate::domain::entitlement::entitlement;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::{self, changes, overview};
use crate::state::AppState;

/// A subscription as members and admins see it, with whether it grants
/// access now and until when.
#[derive(Serialize)]
pub struct SubscriptionView {
    pub id: String,
    pub member_id: String,
    pub plan: String,
    pub source: Source,
    pub status: SubscriptionStatus,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub entitled: bool,
    pub ends_at: Option<DateTime<Utc>>,
}

impl SubscriptionView {
    pub fn new(sub: &Subscription, plan: &str, now: DateTime<Utc>, grace: Duration) -> Self {
        let granted = entitlement(sub.state(), now, grace);
        Self {
            id: sub.id.clone(),
            member_id: sub.member_id.clone(),
            plan: plan.to_owned(),
            source: sub.source.clone(),
            status: sub.status.clone(),
            trial_ends_at: sub.trial_ends_at.map(|t| t.and_utc()),
            current_period_end: sub.current_period_end.map(|t| t.and_utc()),
            cancel_at_period_end: sub.cancel_at_period_end,
            canceled_at: sub.canceled_at.map(|t| t.and_utc()),
            created_at: sub.created_at.and_utc(),
            entitled: granted.is_some(),
            ends_at: granted.and_then(|g| g.ends_at),
        }
    }

    pub fn of(state: &AppState, sub: &Subscription, plan: &str) -> Self {
        Self::new(sub, plan, state.now(), state.lifecycle.grace)
    }
}

#[derive(Serialize)]
struct SubscriptionList {
    subscriptions: Vec<SubscriptionView>,
}

/// The member's subscriptions, newest first (a member has few: no paging).
pub async fn list(state: web::Data<AppState>, auth: MemberAuth) -> ApiResult<HttpResponse> {
    let member_id = auth.member_id().to_owned();
    let held = state
        .db
        .run(move |conn| {
            lifecycle::active_member(conn, &member_id)?;
            Ok(overview::held(conn, &member_id)?)
        })
        .await?;
    let subscriptions = held
        .iter()
        .map(|h| SubscriptionView::of(&state, &h.subscription, &h.plan))
        .collect();
    Ok(HttpResponse::Ok().json(SubscriptionList { subscriptions }))
}

pub async fn cancel(
    state: web::Data<AppState>,
    auth: MemberAuth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let outcome = changes::cancel(&state.lifecycle, auth.member_id(), &id).await?;
    answer(&state, outcome).await
}

pub async fn resume(
    state: web::Data<AppState>,
    auth: MemberAuth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let outcome = changes::resume(&state.lifecycle, auth.member_id(), &id).await?;
    answer(&state, outcome).await
}

async fn answer(state: &AppState, outcome: changes::Outcome) -> ApiResult<HttpResponse> {
    if outcome.changed {
        state
            .invalidator
            .member_changed(&outcome.subscription.member_id)
            .await;
    }
    Ok(HttpResponse::Ok().json(SubscriptionView::of(
        state,
        &outcome.subscription,
        &outcome.plan,
    )))
}

/// A plan code as a request names it: trimmed, 1–64 characters.
pub fn plan_code(raw: &str) -> Result<String, ApiError> {
    let code = raw.trim();
    if code.is_empty() || code.chars().count() > 64 {
        return Err(ApiError::validation(
            "plan",
            "plan must be a plan code of 1 to 64 characters.",
        ));
    }
    Ok(code.to_owned())
}
