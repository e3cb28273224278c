//! Billing routes: Checkout, the billing portal, and linking plans to Stripe
//! prices. The Stripe work lives in `crate::billing`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::api_keys::AdminAuth;
use crate::auth::extractors::MemberAuth;
use crate::billing::{catalogue, checkout};
use crate::domain::billing::{parse_price_id, ReturnUrl};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::json::{Json, OptionalJson};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutBody {
    plan: String,
    success_url: String,
    cancel_url: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PortalBody {
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    return_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StripeSyncBody {
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    price_id: Option<String>,
}

/// `POST /v1/me/checkout`: a Stripe Checkout URL for the plan.
pub async fn checkout(
    state: web::Data<AppState>,
    auth: MemberAuth,
    body: Json<CheckoutBody>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let input = checkout::CheckoutInput {
        plan_code: body.plan,
        success_url: return_url("success_url", &body.success_url)?,
        cancel_url: return_url("cancel_url", &body.cancel_url)?,
    };
    state.billing.api()?;
    let url = checkout::start(&state.billing, auth.member_id(), input).await?;
    Ok(HttpResponse::Ok().json(json!({ "url": url })))
}

/// `POST /v1/me/billing-portal`: a Stripe billing-portal URL.
pub async fn portal(
    state: web::Data<AppState>,
    auth: MemberAuth,
    body: OptionalJson<PortalBody>,
) -> ApiResult<HttpResponse> {
    let url = body
        .into_inner()
        .return_url
        .as_deref()
        .map(|raw| return_url("return_url", raw))
        .transpose()?;
    state.billing.api()?;
    let url = checkout::portal(&state.billing, auth.member_id(), url).await?;
    Ok(HttpResponse::Ok().json(json!({ "url": url })))
}

/// `POST /v1/admin/plans/{code}/stripe-sync`: link the plan to an existing
/// price (`{"price_id"}`) or create product and price (empty body, `{}`).
pub async fn stripe_sync(
    state: web::Data<AppState>,
    auth: AdminAuth,
    code: web::Path<String>,
    body: OptionalJson<StripeSyncBody>,
) -> ApiResult<HttpResponse> {
    let how = match body.into_inner().price_id {
        Some(raw) => catalogue::Sync::Link(
            parse_price_id(&raw)
                .map_err(|d| ApiError::validation("price_id", format!("price_id {d}")))?
                .to_owned(),
        ),
        None => catalogue::Sync::Create,
    };
    state.billing.api()?;
    let ids = catalogue::sync_plan(&state.billing, auth.actor(), &code, how).await?;
    Ok(HttpResponse::Ok().json(ids))
}

fn return_url(field: &'static str, raw: &str) -> ApiResult<ReturnUrl> {
    ReturnUrl::parse(raw).map_err(|d| ApiError::validation(field, format!("{field} {d}")))
}
