//! Billing routes: Checkout, the billing portal, and linking plans to Stripe
//! prices. The Stripe work lives in `crate::billing`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use crate::auth::api_keys::AdminAuth;
use crate::auth::extractors::MemberAuth;
use crate::billing::{self, catalogue, checkout};
use crate::domain::billing::{parse_price_id, ReturnUrl};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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
    return_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StripeSyncBody {
    price_id: Option<String>,
}

/// `POST /v1/me/checkout`: a Stripe Checkout URL for the plan.
pub async fn checkout(
    state: web::Data<AppState>,
    auth: MemberAuth,
    body: web::Json<CheckoutBody>,
) -> ApiResult<HttpResponse> {
    billing::api(&state)?;
    let body = body.into_inner();
    let input = checkout::CheckoutInput {
        plan_code: body.plan,
        success_url: return_url("success_url", &body.success_url)?,
        cancel_url: return_url("cancel_url", &body.cancel_url)?,
    };
    let url = checkout::start(&state, auth.member_id(), input).await?;
    Ok(HttpResponse::Ok().json(json!({ "url": url })))
}

/// `POST /v1/me/billing-portal`: a Stripe billing-portal URL.
pub async fn portal(
    state: web::Data<AppState>,
    auth: MemberAuth,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    billing::api(&state)?;
    let body = read_body(payload, state.settings.max_body_bytes).await?;
    let body: PortalBody = optional_json(&req, &body)?;
    let url = body
        .return_url
        .as_deref()
        .map(|raw| return_url("return_url", raw))
        .transpose()?;
    let url = checkout::portal(&state, auth.member_id(), url).await?;
    Ok(HttpResponse::Ok().json(json!({ "url": url })))
}

/// `POST /v1/admin/plans/{code}/stripe-sync`: link the plan to an existing
/// price (`{"price_id"}`) or create product and price (empty body, `{}`).
pub async fn stripe_sync(
    state: web::Data<AppState>,
    auth: AdminAuth,
    code: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    billing::api(&state)?;
    let body = read_body(payload, state.settings.max_body_bytes).await?;
    let body: StripeSyncBody = optional_json(&req, &body)?;
    let how = match body.price_id {
        Some(raw) => catalogue::Sync::Link(
            parse_price_id(&raw)
                .map_err(|d| ApiError::validation("price_id", format!("price_id {d}")))?
                .to_owned(),
        ),
        None => catalogue::Sync::Create,
    };
    let ids = catalogue::sync_plan(&state, auth.actor(), &code, how).await?;
    Ok(HttpResponse::Ok().json(ids))
}

fn return_url(field: &'static str, raw: &str) -> ApiResult<ReturnUrl> {
    ReturnUrl::parse(raw).map_err(|d| ApiError::validation(field, format!("{field} {d}")))
}

/// The body, up to `limit` bytes; more is a problem+json 413 like every
/// other route's (a bare `web::Bytes` answers its own plain-text 413).
async fn read_body(mut payload: web::Payload, limit: usize) -> ApiResult<web::BytesMut> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request("bad_request", "The request body could not be read.")
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is too large.",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A JSON body that may be left out: empty means the defaults. Errors
/// answer as `web::Json` would (415, 400 `malformed_json`, 422).
fn optional_json<T: DeserializeOwned + Default>(req: &HttpRequest, body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The request body must be application/json.",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            ApiError::unprocessable(
                "validation_failed",
                format!("The request body is invalid: {e}"),
            )
        } else {
            ApiError::bad_request(
                "malformed_json",
                "The request body is not well-formed JSON.",
            )
        }
    })
}
