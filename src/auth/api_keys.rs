//! The API-key extractors: a handler that takes `AdminAuth` or
//! `PublisherAuth` runs only for a valid, unrevoked key of that kind.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

pub use kiosk_core::auth::api_keys::*;

use crate::auth::extractors::{app_state, bearer};
use crate::db::api_keys::ApiKey;
use crate::error::ApiError;

async fn key_from_request(req: HttpRequest, expected: KeyKind) -> Result<ApiKey, ApiError> {
    let state = app_state(&req)?.clone();
    let raw = bearer(&req)
        .map_err(|_| ApiError::invalid_api_key())?
        .ok_or_else(ApiError::invalid_api_key)?
        .to_owned();
    if !raw.starts_with("kiosk_") {
        return Err(refuse_other_credential(&state.keys, state.now(), &raw).into());
    }
    let key = authenticate(
        &state.db,
        &state.caches.api_keys,
        state.now(),
        &raw,
        expected,
    );
    Ok(key.await?)
}

/// An admin API key.
#[derive(Debug, Clone)]
pub struct AdminAuth {
    pub key_id: String,
}

impl AdminAuth {
    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        format!("admin_key:{}", self.key_id)
    }
}

impl FromRequest for AdminAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let key = key_from_request(req, KeyKind::Admin).await?;
            Ok(AdminAuth { key_id: key.id })
        })
    }
}

/// A publisher backend's API key; every publisher route acts for this
/// publisher only.
#[derive(Debug, Clone)]
pub struct PublisherAuth {
    pub key_id: String,
    pub publisher_id: String,
}

impl FromRequest for PublisherAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let key = key_from_request(req, KeyKind::Publisher).await?;
            let publisher_id = key.publisher_id.ok_or_else(ApiError::invalid_api_key)?;
            Ok(PublisherAuth {
                key_id: key.id,
                publisher_id,
            })
        })
    }
}
