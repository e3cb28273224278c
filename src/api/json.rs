//! Request body extractors that answer every bad body the same way on every
//! route: not JSON → 415, over the size limit → 413, not well-formed (bad
//! syntax, invalid UTF-8, nested deeper than serde_json's limit of 128) →
//! 400 `malformed_json`, an object naming a key twice → 400
//! `invalid_body` (see `unique_keys`), well-formed but not the expected
//! shape (unknown, missing or mistyped fields) → 422 `validation_failed`.
//! A body that has not wholly arrived within the configured read timeout
//! (`body_read_timeout_secs`) → 408 `request_timeout`: without it a client
//! that declares a length and stalls holds a connection and a worker's
//! attention for as long as it likes. All of them are problem+json.
//!
//! `actix_web::web::Json` deserializes straight into the target type, so a
//! body that is both malformed and mistyped answers whichever the parser
//! meets first (a deeply nested array where a string belongs is a 422
//! there). Parsing into a `serde_json::Value` first makes well-formedness
//! decide before shape.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::mime;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use super::unique_keys::{self, Refusal};
use crate::error::ApiError;
use crate::error::ErrorCode;

/// Use in handlers exactly like `web::Json`.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json(req);
        let bytes = Body::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(unsupported_media_type());
            }
            parse(&bytes.await?.0).map(Json)
        })
    }
}

/// A JSON body that may be left out: an empty (or all-whitespace) body
/// means `T::default()`; anything else answers exactly as [`Json`].
pub struct OptionalJson<T>(pub T);

impl<T> OptionalJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json(req);
        let bytes = Body::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?.0;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(T::default()));
            }
            if !is_json {
                return Err(unsupported_media_type());
            }
            parse(&bytes).map(OptionalJson)
        })
    }
}

/// The raw body, read up to the configured limit (`web::PayloadConfig`)
/// within the configured time ([`BodyReadTimeout`]); over the limit the
/// answer is a problem+json 413 (actix's own `web::Bytes` answers a
/// plain-text one), over the time a problem+json 408.
pub struct Body(pub web::Bytes);

impl FromRequest for Body {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let timeout = BodyReadTimeout::of(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(within(timeout, async move {
            bytes.await.map(Body).map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    payload_too_large()
                } else {
                    ApiError::new(ErrorCode::BadRequest, "The request body could not be read.")
                }
            })
        }))
    }
}

/// How long a request's whole body may take to arrive once reading starts
/// (app data, from `body_read_timeout_secs`).
#[derive(Debug, Clone, Copy)]
pub struct BodyReadTimeout(pub Duration);

impl BodyReadTimeout {
    /// Without the app data (a handler tested alone), the default setting.
    pub fn of(req: &HttpRequest) -> Duration {
        req.app_data::<Self>()
            .map_or(Duration::from_secs(10), |t| t.0)
    }
}

/// Runs a body read, answering 408 `request_timeout` when it has not
/// finished within `timeout`. The unread rest of the body makes actix
/// close the connection after the answer.
pub async fn within<T>(
    timeout: Duration,
    read: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::new(
                ErrorCode::RequestTimeout,
                "The request body did not arrive in time.",
            ))
        })
}

pub fn payload_too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        ErrorCode::UnsupportedMediaType,
        "The request body must be application/json.",
    )
}

/// `application/json` or any `application/*+json`.
fn is_json(req: &HttpRequest) -> bool {
    matches!(
        req.mime_type(),
        Ok(Some(mime)) if mime.type_() == mime::APPLICATION
            && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
    )
}

/// Well-formedness and unique keys first (400), then shape (422).
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = unique_keys::parse(bytes).map_err(|refusal| match refusal {
        Refusal::Malformed => ApiError::new(
            ErrorCode::MalformedJson,
            "The request body is not well-formed JSON.",
        ),
        Refusal::DuplicateKey => ApiError::new(
            ErrorCode::InvalidBody,
            "The request body has an object that names the same key twice.",
        ),
    })?;
    serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            ErrorCode::ValidationFailed,
            format!("The request body is invalid: {e}"),
        )
    })
}

/// For a body field that may be left out but not sent as `null` (the
/// schema gives it a type without `null`):
/// `#[serde(default, deserialize_with = "crate::api::json::not_null")]`.
pub fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}
