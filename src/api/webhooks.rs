//! `POST /v1/webhooks/stripe`: Stripe's events, verified against the raw
//! body before anything is read from it, then applied exactly once.

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use super::json;
use crate::billing::webhooks::{self, WebhookError};
use crate::billing::{events, signature};
use crate::db::write_transaction;
use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Stripe's events stay well below this; it bounds what an unsigned caller
/// can make the server read.
const MAX_EVENT_BYTES: usize = 1024 * 1024;

pub async fn stripe(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let secret = state.billing.webhook_secret()?;
    let raw = json::within(json::BodyReadTimeout::of(&req), read_body(payload)).await?;
    let header = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|v| v.to_str().ok());
    signature::verify(header, &raw, secret, state.now()).map_err(|reason| {
        tracing::warn!(%reason, "rejected a Stripe webhook");
        ApiError::new(
            ErrorCode::InvalidSignature,
            "The Stripe-Signature header does not verify this body.",
        )
    })?;
    let event = events::parse(&raw).map_err(|d| ApiError::new(ErrorCode::MalformedEvent, d))?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let now = state.now();
    let (id, kind) = (event.id.clone(), event.kind.clone());
    let result = state
        .db
        .run(move |conn| {
            Ok(write_transaction(conn, |conn| {
                webhooks::process(conn, &event, &text, now)
            }))
        })
        .await?;
    let outcome = match result {
        Ok(processed) => {
            if let Some(member_id) = &processed.member_id {
                state.invalidator.member_changed(member_id).await;
            }
            processed.outcome.as_str()
        }
        Err(WebhookError::Duplicate) => "duplicate",
        Err(WebhookError::Failed(e)) => return Err(e.into()),
    };
    tracing::info!(event_id = %id, event_type = %kind, outcome, "Stripe event");
    Ok(HttpResponse::Ok().json(json!({ "received": true, "outcome": outcome })))
}

async fn read_body(mut payload: web::Payload) -> ApiResult<web::BytesMut> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::new(ErrorCode::BadRequest, "The request body could not be read.")
        })?;
        if body.len() + chunk.len() > MAX_EVENT_BYTES {
            return Err(json::payload_too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
