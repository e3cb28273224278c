//! Limits on the request head that Kiosk answers itself, as problem+json
//! with the security headers, before any route runs: a request target
//! (path and query) over [`MAX_TARGET_BYTES`] is 414 `uri_too_long`;
//! header fields over [`MAX_HEADER_BYTES`] in all are 431
//! `headers_too_large`.
//!
//! Both sit under actix-http's own limits (a URI of 64 KiB, a head of
//! 128 KiB or 96 header fields), which refuse a request before any of
//! Kiosk's code can see it, with a bare status; SECURITY.md lists those.
//! No route needs more: the longest legitimate query is a list page's
//! cursor, the largest header an access token.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::ResponseError;

use crate::error::ApiError;
use crate::error::ErrorCode;

/// Path and query, as sent.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;

/// Every header field's name and value, plus the `": "` and CRLF that
/// frame each on the wire.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

pub async fn refuse_oversized(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some(refusal) = refusal(&req) {
        return Ok(req
            .into_response(refusal.error_response())
            .map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

fn refusal(req: &ServiceRequest) -> Option<ApiError> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_TARGET_BYTES {
        return Some(ApiError::new(
            ErrorCode::UriTooLong,
            format!("The request target (path and query) is longer than {MAX_TARGET_BYTES} bytes."),
        ));
    }
    let mut header_bytes = 0;
    for (name, value) in req.headers() {
        header_bytes += name.as_str().len() + value.len() + 4;
        if header_bytes > MAX_HEADER_BYTES {
            return Some(ApiError::new(
                ErrorCode::HeadersTooLarge,
                format!("The request's header fields are larger than {MAX_HEADER_BYTES} bytes."),
            ));
        }
    }
    None
}
