//! Every `code` Kiosk answers, with its HTTP status: the one list that the
//! README's error table and `openapi.yaml` are checked against.

use actix_web::http::StatusCode;

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:ident;)*) => {
        /// A stable, documented error code; clients branch on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant),*
        }

        impl ErrorCode {
            /// Every code, in the order of their statuses.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code as the problem body's `code` carries it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code),*
                }
            }

            /// The status every answer with this code has.
            pub fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status),*
                }
            }
        }
    };
}

error_codes! {
    BadRequest = "bad_request", BAD_REQUEST;
    InvalidBody = "invalid_body", BAD_REQUEST;
    InvalidPath = "invalid_path", BAD_REQUEST;
    InvalidSignature = "invalid_signature", BAD_REQUEST;
    MalformedEvent = "malformed_event", BAD_REQUEST;
    MalformedJson = "malformed_json", BAD_REQUEST;
    InvalidApiKey = "invalid_api_key", UNAUTHORIZED;
    InvalidCredentials = "invalid_credentials", UNAUTHORIZED;
    RefreshReused = "refresh_reused", UNAUTHORIZED;
    TokenExpired = "token_expired", UNAUTHORIZED;
    TokenInvalid = "token_invalid", UNAUTHORIZED;
    Forbidden = "forbidden", FORBIDDEN;
    NotFound = "not_found", NOT_FOUND;
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED;
    RequestTimeout = "request_timeout", REQUEST_TIMEOUT;
    AlreadySubscribed = "already_subscribed", CONFLICT;
    CodeTaken = "code_taken", CONFLICT;
    ConcurrentUpdate = "concurrent_update", CONFLICT;
    Conflict = "conflict", CONFLICT;
    EmailTaken = "email_taken", CONFLICT;
    NoBillingAccount = "no_billing_account", CONFLICT;
    PlanInUse = "plan_in_use", CONFLICT;
    SlugTaken = "slug_taken", CONFLICT;
    TrialAlreadyUsed = "trial_already_used", CONFLICT;
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE;
    UriTooLong = "uri_too_long", URI_TOO_LONG;
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE;
    CheckoutRequired = "checkout_required", UNPROCESSABLE_ENTITY;
    NotResumable = "not_resumable", UNPROCESSABLE_ENTITY;
    PasswordTooLong = "password_too_long", UNPROCESSABLE_ENTITY;
    PlanArchived = "plan_archived", UNPROCESSABLE_ENTITY;
    PlanNotPurchasable = "plan_not_purchasable", UNPROCESSABLE_ENTITY;
    StripePriceMismatch = "stripe_price_mismatch", UNPROCESSABLE_ENTITY;
    TrialNotAvailable = "trial_not_available", UNPROCESSABLE_ENTITY;
    UnknownPublisher = "unknown_publisher", UNPROCESSABLE_ENTITY;
    UnknownStripePrice = "unknown_stripe_price", UNPROCESSABLE_ENTITY;
    ValidationFailed = "validation_failed", UNPROCESSABLE_ENTITY;
    WeakPassword = "weak_password", UNPROCESSABLE_ENTITY;
    RateLimited = "rate_limited", TOO_MANY_REQUESTS;
    HeadersTooLarge = "headers_too_large", REQUEST_HEADER_FIELDS_TOO_LARGE;
    InternalError = "internal_error", INTERNAL_SERVER_ERROR;
    BillingRejected = "billing_rejected", BAD_GATEWAY;
    BillingUnavailable = "billing_unavailable", BAD_GATEWAY;
    BillingNotConfigured = "billing_not_configured", SERVICE_UNAVAILABLE;
    ServiceUnavailable = "service_unavailable", SERVICE_UNAVAILABLE;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_and_errors() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }
}
