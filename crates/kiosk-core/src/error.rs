//! What a core operation answers when it fails: a stable code (which
//! carries its HTTP status), a detail the caller may read, and, for
//! server-side failures, the cause for the log, never for the caller. The
//! HTTP layer answers it as RFC 9457 problem+json.

pub use kiosk_domain::{ErrorCode, Invalid};

#[derive(Debug, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct CoreError {
    /// What went wrong; it carries the HTTP status too.
    pub code: ErrorCode,
    pub detail: String,
    /// Seconds the caller should wait before trying again (429, 503).
    pub retry_after: Option<u64>,
    /// Which request field was wrong, for validation errors.
    pub field: Option<&'static str>,
    #[source]
    pub cause: Option<anyhow::Error>,
    /// Set when a request is turned away on purpose to shed load: counted
    /// and logged once in a while, not once per request (a flood would
    /// otherwise pay for its own log lines).
    pub shed: Option<&'static str>,
}

impl CoreError {
    /// An error with this code (and so its status).
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            retry_after: None,
            field: None,
            cause: None,
            shed: None,
        }
    }

    pub fn with_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn validation(field: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, detail).with_field(field)
    }

    pub fn token_invalid() -> Self {
        Self::new(ErrorCode::TokenInvalid, "The access token is not valid.")
    }

    pub fn token_expired() -> Self {
        Self::new(ErrorCode::TokenExpired, "The token has expired.")
    }

    pub fn invalid_api_key() -> Self {
        Self::new(
            ErrorCode::InvalidApiKey,
            "The API key is missing, unknown or revoked.",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, detail)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self::new(
            ErrorCode::RateLimited,
            "Too many requests; try again later.",
        )
        .with_retry_after(retry_after)
    }

    /// 503 for load turned away on purpose (`what` is full), cheaply: no
    /// cause to format, and the log gets a summary every few seconds.
    pub fn overloaded(what: &'static str) -> Self {
        let mut e = Self::new(
            ErrorCode::ServiceUnavailable,
            "The service is temporarily unavailable; try again shortly.",
        )
        .with_retry_after(1);
        e.shed = Some(what);
        e
    }

    /// 503: something the request needs (the database, its pool, the meter
    /// writer) is out of reach; the cause goes to the log.
    pub fn unavailable(cause: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            ErrorCode::ServiceUnavailable,
            "The service is temporarily unavailable; try again shortly.",
        )
        .with_retry_after(2);
        e.cause = Some(cause.into());
        e
    }

    /// A 500: something other than the database's absence went wrong.
    pub fn is_server_fault(&self) -> bool {
        self.code.status() == 500
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(ErrorCode::InternalError, "An unexpected error occurred.");
        e.cause = Some(cause.into());
        e
    }
}

/// The one place diesel errors become HTTP answers.
impl From<diesel::result::Error> for CoreError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match &e {
            Error::NotFound => CoreError::not_found("No such resource."),
            Error::DatabaseError(Kind::UniqueViolation, _) => {
                CoreError::new(ErrorCode::Conflict, "The resource already exists.")
            }
            Error::DatabaseError(Kind::ClosedConnection | Kind::SerializationFailure, _) => {
                CoreError::unavailable(e)
            }
            Error::DatabaseError(_, info) if is_transient(info.message()) => {
                CoreError::unavailable(e)
            }
            _ => CoreError::internal(e),
        }
    }
}

/// Lock waits, busy SQLite files and cancelled statements are passing
/// conditions: the caller may retry.
fn is_transient(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database is locked")
        || m.contains("busy")
        || m.contains("statement timeout")
        || m.contains("lock timeout")
        || m.contains("canceling statement")
        || m.contains("terminating connection")
        || m.contains("server closed the connection")
        || m.contains("could not connect")
        || m.contains("no connection to the server")
        || m.contains("connection refused")
        || m.contains("connection reset")
        || m.contains("broken pipe")
        || m.contains("could not send data")
        || m.contains("could not receive data")
        || m.contains("ssl connection has been closed")
}

impl From<Invalid> for CoreError {
    fn from(invalid: Invalid) -> Self {
        let error = Self::new(invalid.code, invalid.detail);
        match invalid.field {
            Some(field) => error.with_field(field),
            None => error,
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error};

    struct Message(&'static str);

    impl DatabaseErrorInformation for Message {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn status_of(kind: DatabaseErrorKind, message: &'static str) -> u16 {
        CoreError::from(Error::DatabaseError(kind, Box::new(Message(message))))
            .code
            .status()
    }

    #[test]
    fn a_database_out_of_reach_is_503_whatever_the_driver_says() {
        for message in [
            "no connection to the server\n",
            "server closed the connection unexpectedly",
            "could not connect to server: Connection refused",
            "could not send data to server: Broken pipe",
            "could not receive data from server: Connection reset by peer",
            "SSL connection has been closed unexpectedly",
            "canceling statement due to statement timeout",
            "database is locked",
        ] {
            assert_eq!(
                status_of(DatabaseErrorKind::Unknown, message),
                503,
                "{message}"
            );
        }
        assert_eq!(
            status_of(DatabaseErrorKind::Unknown, "syntax error at or near"),
            500
        );
    }
}
