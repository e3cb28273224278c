//! The admin API under `/v1/admin/`: publishers and their keys, plans,
//! members and the audit log. Every write and its audit entry commit in one
//! transaction.

pub mod audit;
pub mod members;
pub mod plan_input;
pub mod plans;
pub mod publisher_input;
pub mod publisher_keys;
pub mod publishers;
pub mod views;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::api_keys::AdminAuth;
use crate::db::DbConnection;
use crate::error::ApiError;

/// An admin key, then `T` (a JSON body or a query). The key is checked
/// first, so a caller without one learns nothing about the body's rules.
pub struct Admin<T> {
    pub auth: AdminAuth,
    pub inner: T,
}

impl<T> FromRequest for Admin<T>
where
    T: FromRequest + 'static,
    T::Future: 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = AdminAuth::from_request(req, payload);
        let inner = T::from_request(req, payload);
        Box::pin(async move {
            let auth = auth.await?;
            let inner = inner.await.map_err(Into::into)?;
            Ok(Admin { auth, inner })
        })
    }
}

/// Writes the audit entry of an admin write, inside the write's transaction.
pub fn record(
    conn: &mut DbConnection,
    auth: &AdminAuth,
    action: &str,
    target: &str,
    before: Option<&impl Serialize>,
    after: Option<&impl Serialize>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let details = serde_json::json!({
        "before": before.map(serde_json::to_value).transpose().map_err(ApiError::internal)?,
        "after": after.map(serde_json::to_value).transpose().map_err(ApiError::internal)?,
    });
    crate::db::audit::record(
        conn,
        &auth.actor(),
        action,
        target,
        &details,
        now.naive_utc(),
    )?;
    Ok(())
}

/// Maps "no such row" to 404 with a message naming the resource.
pub fn found<T>(row: Option<T>, what: &str) -> Result<T, ApiError> {
    row.ok_or_else(|| ApiError::not_found(format!("No such {what}.")))
}
