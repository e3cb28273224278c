//! The HTTP face of Kiosk's errors: a core error answered as RFC 9457
//! problem+json with its stable `code`. Server-side failures keep their
//! cause for the log and show the caller nothing of it.

use std::ops::{Deref, DerefMut};

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

pub use kiosk_core::error::{CoreError, CoreResult};
pub use kiosk_domain::{ErrorCode, Invalid};

/// A core error on its way to the caller. Built like one (the same
/// constructors) and read like one (it dereferences to it).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(pub CoreError);

#[derive(Serialize)]
struct Problem<'a> {
    /// `about:blank`: the `code` says what went wrong, the status's
    /// reason phrase is the title (RFC 9457, 4.2.1).
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

/// The constructors of `CoreError`, answering an `ApiError`.
macro_rules! constructors {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        impl ApiError {
            $(pub fn $name($($arg: $ty),*) -> Self {
                Self(CoreError::$name($($arg),*))
            })*
        }
    };
}

constructors! {
    new(code: ErrorCode, detail: impl Into<String>);
    validation(field: &'static str, detail: impl Into<String>);
    token_invalid();
    token_expired();
    invalid_api_key();
    forbidden(detail: impl Into<String>);
    not_found(detail: impl Into<String>);
    rate_limited(retry_after: u64);
    overloaded(what: &'static str);
    unavailable(cause: impl Into<anyhow::Error>);
    internal(cause: impl Into<anyhow::Error>);
}

impl ApiError {
    pub fn with_field(self, field: &'static str) -> Self {
        Self(self.0.with_field(field))
    }

    pub fn with_retry_after(self, seconds: u64) -> Self {
        Self(self.0.with_retry_after(seconds))
    }

    /// The HTTP status, from the code.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn title(&self) -> &'static str {
        self.status().canonical_reason().unwrap_or("Error")
    }
}

impl Deref for ApiError {
    type Target = CoreError;

    fn deref(&self) -> &CoreError {
        &self.0
    }
}

impl DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut CoreError {
        &mut self.0
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        Self(e)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        Self(e.into())
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        Self(invalid.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(what) = self.shed {
            shedding::count(what);
        } else if self.status().is_server_error() {
            match &self.cause {
                Some(cause) => {
                    tracing::error!(code = self.code.as_str(), error = ?cause, "request failed")
                }
                None => tracing::error!(code = self.code.as_str(), "request failed"),
            }
        }
        let problem = Problem {
            kind: "about:blank",
            title: self.title(),
            status: self.0.code.status(),
            detail: &self.detail,
            code: self.code.as_str(),
            field: self.field,
        };
        let mut response = HttpResponse::build(self.status());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Requests turned away to shed load: a counter per reason on `/metrics`
/// and one warning per interval in the log.
mod shedding {
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

    const LOG_EVERY_SECS: i64 = 10;
    static LAST_LOGGED: AtomicI64 = AtomicI64::new(0);
    static SINCE_LOGGED: AtomicU64 = AtomicU64::new(0);

    pub fn count(what: &'static str) {
        metrics::counter!("kiosk_requests_shed_total", "reason" => what).increment(1);
        let shed = SINCE_LOGGED.fetch_add(1, Ordering::Relaxed) + 1;
        let now = chrono::Utc::now().timestamp();
        let last = LAST_LOGGED.load(Ordering::Relaxed);
        if now - last >= LOG_EVERY_SECS
            && LAST_LOGGED
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            SINCE_LOGGED.fetch_sub(shed, Ordering::Relaxed);
            tracing::warn!(reason = what, shed, "requests turned away: overloaded");
        }
    }
}
