//! HTTP handlers, one file per resource, and the route table that both
//! registers them and is checked against `openapi.yaml`.

pub mod access;
pub mod admin;
pub mod articles;
pub mod billing;
pub mod grants;
pub mod head_limits;
pub mod health;
pub mod json;
pub mod me;
pub mod members;
pub mod metrics;
pub mod pagination;
pub mod plans;
pub mod sessions;
pub mod subscriptions;
pub mod trials;
mod unique_keys;
pub mod views;
pub mod webhooks;

use std::collections::BTreeMap;

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, ResponseError, Route};

use crate::error::ApiError;
use crate::error::ErrorCode;

/// One registered route: its method, its path as OpenAPI writes it, and how
/// to build the actix route.
pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    make: fn() -> Route,
}

macro_rules! route {
    ($method:ident, $path:expr, $handler:path) => {
        RouteDef {
            method: Method::$method,
            path: $path,
            make: || web::route().method(Method::$method).to($handler),
        }
    };
}

/// Every route Kiosk serves.
pub fn routes() -> Vec<RouteDef> {
    vec![
        route!(GET, "/healthz", health::healthz),
        route!(GET, "/readyz", health::readyz),
        route!(GET, "/.well-known/jwks.json", health::jwks),
        route!(POST, "/v1/members", members::sign_up),
        route!(POST, "/v1/sessions", sessions::sign_in),
        route!(POST, "/v1/sessions/refresh", sessions::refresh),
        route!(DELETE, "/v1/sessions/current", sessions::sign_out),
        route!(GET, "/v1/me", me::show),
        route!(POST, "/v1/me/check-tokens", me::check_token),
        route!(GET, "/v1/me/subscriptions", subscriptions::list),
        route!(
            POST,
            "/v1/me/subscriptions/{id}/cancel",
            subscriptions::cancel
        ),
        route!(
            POST,
            "/v1/me/subscriptions/{id}/resume",
            subscriptions::resume
        ),
        route!(POST, "/v1/me/trials", trials::start),
        route!(POST, "/v1/admin/members/{id}/grants", grants::create),
        route!(
            DELETE,
            "/v1/admin/members/{id}/grants/{subscription_id}",
            grants::revoke
        ),
        // Public catalogue and admin API.
        route!(GET, "/v1/plans", plans::list),
        route!(POST, "/v1/admin/publishers", admin::publishers::create),
        route!(GET, "/v1/admin/publishers", admin::publishers::list),
        route!(GET, "/v1/admin/publishers/{slug}", admin::publishers::show),
        route!(
            PATCH,
            "/v1/admin/publishers/{slug}",
            admin::publishers::update
        ),
        route!(
            POST,
            "/v1/admin/publishers/{slug}/keys",
            admin::publisher_keys::create
        ),
        route!(
            GET,
            "/v1/admin/publishers/{slug}/keys",
            admin::publisher_keys::list
        ),
        route!(
            POST,
            "/v1/admin/publishers/{slug}/keys/{key_id}/revoke",
            admin::publisher_keys::revoke
        ),
        route!(POST, "/v1/admin/plans", admin::plans::create),
        route!(GET, "/v1/admin/plans", admin::plans::list),
        route!(GET, "/v1/admin/plans/{code}", admin::plans::show),
        route!(PATCH, "/v1/admin/plans/{code}", admin::plans::update),
        route!(DELETE, "/v1/admin/plans/{code}", admin::plans::delete),
        route!(
            POST,
            "/v1/admin/plans/{code}/archive",
            admin::plans::archive
        ),
        route!(GET, "/v1/admin/members", admin::members::list),
        route!(GET, "/v1/admin/members/{id}", admin::members::show),
        route!(
            POST,
            "/v1/admin/members/{id}/disable",
            admin::members::disable
        ),
        route!(
            POST,
            "/v1/admin/members/{id}/enable",
            admin::members::enable
        ),
        route!(GET, "/v1/admin/audit", admin::audit::list),
        route!(POST, "/v1/me/checkout", billing::checkout),
        route!(POST, "/v1/me/billing-portal", billing::portal),
        route!(
            POST,
            "/v1/admin/plans/{code}/stripe-sync",
            billing::stripe_sync
        ),
        route!(POST, "/v1/webhooks/stripe", webhooks::stripe),
        route!(GET, "/metrics", metrics::render),
        route!(PUT, "/v1/articles/{article_id}", articles::put),
        route!(GET, "/v1/articles/{article_id}", articles::show),
        route!(DELETE, "/v1/articles/{article_id}", articles::delete),
        route!(POST, "/v1/articles/batch", articles::batch),
        route!(POST, "/v1/access/check", access::check),
        route!(POST, "/v1/access/check-batch", access::check_batch),
        route!(
            GET,
            "/v1/publishers/{slug}/articles/{article_id}/access",
            access::front_end
        ),
        route!(
            OPTIONS,
            "/v1/publishers/{slug}/articles/{article_id}/access",
            access::preflight
        ),
    ]
}

/// Registers the route table, answering 405 for a known path with another
/// method, plus the extractor error handlers that keep every error
/// problem+json. Bodies are read through `json::{Json, OptionalJson, Body}`
/// (never actix's `web::Json`/`web::Bytes`), so every body error is
/// problem+json too, and every body read is bounded in time (the Stripe
/// webhook reads its raw body itself, under `json::within`).
pub fn configure(
    cfg: &mut web::ServiceConfig,
    max_body_bytes: usize,
    body_read_timeout: std::time::Duration,
) {
    cfg.app_data(web::PayloadConfig::new(max_body_bytes))
        .app_data(json::BodyReadTimeout(body_read_timeout))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error));

    let mut by_path: BTreeMap<&'static str, Vec<RouteDef>> = BTreeMap::new();
    for def in routes() {
        by_path.entry(def.path).or_default().push(def);
    }
    for (path, defs) in by_path {
        let allow = defs
            .iter()
            .map(|def| def.method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut resource = web::resource(path);
        if let Some(limit) = larger_body_limit(path) {
            resource = resource.app_data(web::PayloadConfig::new(limit.max(max_body_bytes)));
        }
        for def in defs {
            resource = resource.route((def.make)());
        }
        cfg.service(resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move { method_not_allowed(&allow) }
        })));
    }
}

/// Routes whose legitimate bodies outgrow the general limit: a batch of
/// 1,000 articles with titles and sections runs to about a megabyte.
fn larger_body_limit(path: &str) -> Option<usize> {
    (path == "/v1/articles/batch").then_some(2 * 1024 * 1024)
}

/// 405 with the `Allow` header RFC 9110 requires.
fn method_not_allowed(allow: &str) -> actix_web::HttpResponse {
    let mut response = ApiError::new(
        ErrorCode::MethodNotAllowed,
        "This method is not allowed on this resource.",
    )
    .error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    response
}

pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found("No such route."))
}

fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        ErrorCode::InvalidPath,
        format!("The path is invalid: {err}"),
    )
    .into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        ErrorCode::ValidationFailed,
        format!("The query string is invalid: {err}"),
    )
    .into()
}
