//! `/v1/admin/members`: find readers, see their subscriptions, disable and
//! enable them. Disabling revokes every session at once and drops cached
//! entitlements, so the member's tokens stop working at their next check.

use crate::domain::states::MemberStatus;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::api::pagination::{Page, PageRequest};
use crate::api::views::MemberView;
use crate::auth::api_keys::AdminAuth;
use crate::db::{members, plans, sessions, subscriptions, DbConnection};
use crate::domain::email::Email;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::views::SubscriptionView;
use super::{found, record, Admin};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Part of the email address (any case).
    pub email: Option<String>,
    pub limit: Option<i64>,
    pub after: Option<String>,
}

#[derive(Serialize)]
struct MemberDetail {
    #[serde(flatten)]
    member: MemberView,
    subscriptions: Vec<SubscriptionView>,
}

fn detail(conn: &mut DbConnection, id: &str) -> Result<MemberDetail, ApiError> {
    let member = found(members::find(conn, id)?, "member")?;
    let subs = subscriptions::for_member(conn, id)?;
    let mut codes: Vec<(String, String)> = Vec::new();
    for sub in &subs {
        if !codes.iter().any(|(plan_id, _)| *plan_id == sub.plan_id) {
            let code = plans::find(conn, &sub.plan_id)?.map_or_else(String::new, |p| p.code);
            codes.push((sub.plan_id.clone(), code));
        }
    }
    let subscriptions = subs
        .iter()
        .map(|sub| {
            let code = codes
                .iter()
                .find(|(plan_id, _)| *plan_id == sub.plan_id)
                .map_or("", |(_, code)| code.as_str());
            SubscriptionView::new(sub, code)
        })
        .collect();
    Ok(MemberDetail {
        member: MemberView::from(&member),
        subscriptions,
    })
}

pub async fn list(
    state: web::Data<AppState>,
    request: Admin<web::Query<SearchQuery>>,
) -> ApiResult<HttpResponse> {
    let SearchQuery {
        email,
        limit,
        after,
    } = request.inner.into_inner();
    let page = PageRequest::parse(limit, after)?;
    let email = email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty());
    if email
        .as_ref()
        .is_some_and(|e| e.len() > Email::MAX_LEN || e.chars().any(char::is_control))
    {
        return Err(ApiError::validation(
            "email",
            "The email search is too long or contains control characters.",
        ));
    }
    let rows = {
        let page = page.clone();
        state
            .db
            .run(move |conn| {
                Ok(members::search(
                    conn,
                    email.as_deref(),
                    page.after(),
                    page.fetch(),
                )?)
            })
            .await?
    };
    let page = Page::from_rows(rows, &page, |m| m.id.clone(), |m| MemberView::from(&m));
    Ok(HttpResponse::Ok().json(page))
}

pub async fn show(
    state: web::Data<AppState>,
    _auth: AdminAuth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let detail = state.db.run(move |conn| detail(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Sets a member's status; disabling also revokes all their sessions.
async fn set_status(
    state: web::Data<AppState>,
    auth: AdminAuth,
    id: String,
    status: MemberStatus,
) -> ApiResult<HttpResponse> {
    let now = state.now();
    let target = id.clone();
    let after = state
        .db
        .write(move |conn| {
            let current = found(members::find(conn, &id)?, "member")?;
            let disabling = status == MemberStatus::Disabled;
            members::set_status(conn, &id, status, now.naive_utc())?;
            if disabling {
                sessions::revoke_all_for_member(conn, &id, now.naive_utc())?;
            }
            let updated = found(members::find(conn, &id)?, "member")?;
            let (before, after) = (MemberView::from(&current), MemberView::from(&updated));
            let action = if disabling {
                "member.disable"
            } else {
                "member.enable"
            };
            record(conn, &auth, action, &id, Some(&before), Some(&after), now)?;
            Ok(after)
        })
        .await?;
    state.invalidator.member_changed(&target).await;
    Ok(HttpResponse::Ok().json(after))
}

pub async fn disable(
    state: web::Data<AppState>,
    auth: AdminAuth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    set_status(state, auth, id.into_inner(), MemberStatus::Disabled).await
}

pub async fn enable(
    state: web::Data<AppState>,
    auth: AdminAuth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    set_status(state, auth, id.into_inner(), MemberStatus::Active).await
}
