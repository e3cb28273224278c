//! Access checks: publisher backends (`POST /v1/access/check`,
//! `/check-batch`) and front ends (`GET /v1/publishers/{slug}/articles/
//! {article_id}/access`, with CORS for the publisher's allowed origins).
//!
//! A request naming no reader (no member token, no visitor id) is answered
//! for an anonymous reader; a member token that is present but bad is a 401.

use crate::access::view::DecisionView;
use crate::api::metrics::record_decision;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;

use crate::access::reader::TokenUse;
use crate::access::Caller;
use crate::access::{self, publishers, reader};
use crate::api::json::Json;
use crate::auth::api_keys::PublisherAuth;
use crate::auth::extractors::bearer;
use crate::cache::catalogue::PublisherInfo;
use crate::domain::article::{ArticleId, VisitorId};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const MAX_BATCH_CHECK: usize = 100;
pub const VISITOR_HEADER: &str = "Kiosk-Visitor-Id";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    pub article_id: String,
    pub member_token: Option<String>,
    pub visitor_id: Option<String>,
    #[serde(default)]
    pub with_token: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchCheckRequest {
    pub article_ids: Vec<String>,
    pub member_token: Option<String>,
    pub visitor_id: Option<String>,
}

fn visitor(raw: Option<&str>, field: &'static str) -> ApiResult<Option<VisitorId>> {
    Ok(raw.map(|v| VisitorId::parse(v, field)).transpose()?)
}

pub async fn check(
    state: web::Data<AppState>,
    auth: PublisherAuth,
    body: Json<CheckRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let article_id = ArticleId::parse(&body.article_id, "article_id")?;
    let visitor = visitor(body.visitor_id.as_deref(), "visitor_id")?;
    let access = &state.access;
    let publisher = publishers::by_id(&access.db, &access.caches, &auth.publisher_id).await?;
    let token_use = TokenUse::Check {
        publisher: &publisher.slug,
    };
    let reader = reader::resolve(access, body.member_token.as_deref(), visitor, token_use).await?;
    let mut view =
        access::check(access, &publisher, &article_id, &reader, Caller::Publisher).await?;
    record_decision(&publisher.slug, view.reason, view.allowed);
    if body.with_token {
        sign(&state, &mut view, &reader)?;
    }
    Ok(HttpResponse::Ok().json(view))
}

/// Up to 100 articles (a listing page); records no reads.
pub async fn check_batch(
    state: web::Data<AppState>,
    auth: PublisherAuth,
    body: Json<BatchCheckRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    if body.article_ids.is_empty() || body.article_ids.len() > MAX_BATCH_CHECK {
        return Err(ApiError::validation(
            "article_ids",
            format!("Ask about 1 to {MAX_BATCH_CHECK} articles at once."),
        ));
    }
    let ids = body
        .article_ids
        .iter()
        .map(|id| ArticleId::parse(id, "article_ids"))
        .collect::<Result<Vec<_>, _>>()?;
    let visitor = visitor(body.visitor_id.as_deref(), "visitor_id")?;
    let access = &state.access;
    let publisher = publishers::by_id(&access.db, &access.caches, &auth.publisher_id).await?;
    let token_use = TokenUse::Check {
        publisher: &publisher.slug,
    };
    let reader = reader::resolve(access, body.member_token.as_deref(), visitor, token_use).await?;
    let decisions = access::preview(access, &publisher, &ids, &reader).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "decisions": decisions })))
}

/// The front-end check: always signed, answered with CORS headers when the
/// request comes from one of the publisher's allowed origins.
pub async fn front_end(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, article_id) = path.into_inner();
    let publisher = publishers::by_slug(&state.access.db, &state.access.caches, &slug).await?;
    let answer = front_end_decision(&state, &req, &publisher, &article_id).await;
    let mut response = match answer {
        Ok(response) => response,
        Err(e) => e.error_response(),
    };
    allow_origin(&req, &publisher, &mut response);
    Ok(response)
}

async fn front_end_decision(
    state: &AppState,
    req: &HttpRequest,
    publisher: &std::sync::Arc<PublisherInfo>,
    article_id: &str,
) -> ApiResult<HttpResponse> {
    let article_id = ArticleId::parse(article_id, "article_id")?;
    let visitor_header = match req.headers().get(VISITOR_HEADER) {
        Some(value) => Some(value.to_str().map_err(|_| {
            ApiError::validation(VISITOR_HEADER, "The visitor id must be visible ASCII.")
        })?),
        None => None,
    };
    let visitor = visitor(visitor_header, VISITOR_HEADER)?;
    let token_use = TokenUse::FrontEnd {
        publisher: &publisher.slug,
    };
    let access = &state.access;
    let reader = reader::resolve(access, bearer(req)?, visitor, token_use).await?;
    if is_prefetch(req) {
        // Fetched ahead of a visit that may never happen: what the check
        // would answer, with nothing recorded and nothing signed (a signed
        // "allowed" for a read never counted would open the article free).
        let preview = access::preview(
            access,
            publisher,
            std::slice::from_ref(&article_id),
            &reader,
        );
        let view = preview.await?.into_iter().next();
        let view = view.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no preview")))?;
        return Ok(HttpResponse::Ok().json(view));
    }
    let address = state.client_address(req);
    let caller = Caller::Public { address: &address };
    let mut view = access::check(access, publisher, &article_id, &reader, caller).await?;
    record_decision(&publisher.slug, view.reason, view.allowed);
    sign(state, &mut view, &reader)?;
    Ok(HttpResponse::Ok().json(view))
}

/// Signs the decision for the reader, as the access service's keys do.
fn sign(state: &AppState, view: &mut DecisionView, reader: &reader::Reader) -> ApiResult<()> {
    let access = &state.access;
    let (ttl, now) = (access.decision_token_ttl, state.now());
    let subject = reader.token_subject();
    Ok(view.sign(&access.keys, &access.issuer, ttl, now, &subject)?)
}

/// A browser's prefetch or prerender (`Sec-Purpose: prefetch` or
/// `prefetch;prerender`, the older `Purpose: prefetch`, `X-Purpose:
/// preview` and `X-Moz: prefetch`), not a reader opening the article.
fn is_prefetch(req: &HttpRequest) -> bool {
    let says = |name: &str, word: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split([';', ',', ' '])
                    .any(|part| part.trim().eq_ignore_ascii_case(word))
            })
    };
    says("sec-purpose", "prefetch")
        || says("purpose", "prefetch")
        || says("x-purpose", "preview")
        || says("x-moz", "prefetch")
}

/// CORS preflight for the front-end check.
pub async fn preflight(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, article_id) = path.into_inner();
    ArticleId::parse(&article_id, "article_id")?;
    let publisher = publishers::by_slug(&state.access.db, &state.access.caches, &slug).await?;
    let mut response = HttpResponse::NoContent().finish();
    if allow_origin(&req, &publisher, &mut response) {
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization, Kiosk-Visitor-Id"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    Ok(response)
}

/// Adds `Access-Control-Allow-Origin` when the request's origin is one the
/// publisher allows; answers whether it did.
fn allow_origin(req: &HttpRequest, publisher: &PublisherInfo, response: &mut HttpResponse) -> bool {
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return false;
    };
    let allowed = origin
        .to_str()
        .is_ok_and(|origin| publisher.allows_origin(origin));
    if allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    }
    allowed
}
