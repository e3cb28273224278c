//! A JSON body extractor that answers every bad body the same way on every
//! route: not JSON → 415, over the size limit → 413, not well-formed (bad
//! syntax, invalid UTF-8, nested deeper than serde_json's limit of 128) →
//! 400 `malformed_json`, well-formed but not the expected shape (unknown,
//! missing or mistyped fields) → 422 `validation_failed`.
//!
//! `actix_web::web::Json` deserializes straight into the target type, so a
//! body that is both malformed and mistyped answers whichever the parser
//! meets first (a deeply nested array where a string belongs is a 422
//! there). Parsing into a `serde_json::Value` first makes well-formedness
//! decide before shape.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::mime;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Use in handlers exactly like `web::Json`.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = matches!(
            req.mime_type(),
            Ok(Some(mime)) if mime.type_() == mime::APPLICATION
                && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
        );
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "The request body must be application/json.",
                ));
            }
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "The request body is too large.",
                    )
                } else {
                    ApiError::bad_request("bad_request", "The request body could not be read.")
                }
            })?;
            let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
                ApiError::bad_request(
                    "malformed_json",
                    "The request body is not well-formed JSON.",
                )
            })?;
            serde_json::from_value(value).map(Json).map_err(|e| {
                ApiError::unprocessable(
                    "validation_failed",
                    format!("The request body is invalid: {e}"),
                )
            })
        })
    }
}
