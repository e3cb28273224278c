//! Every `code` Kiosk answers, with its HTTP status: the one list that the
//! user guide's error table and `openapi.yaml` are checked against.

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:literal;)*) => {
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

            /// The HTTP status every answer with this code has.
            pub fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status),*
                }
            }
        }
    };
}

error_codes! {
    BadRequest = "bad_request", 400;
    InvalidBody = "invalid_body", 400;
    InvalidPath = "invalid_path", 400;
    InvalidSignature = "invalid_signature", 400;
    MalformedEvent = "malformed_event", 400;
    MalformedJson = "malformed_json", 400;
    InvalidApiKey = "invalid_api_key", 401;
    InvalidCredentials = "invalid_credentials", 401;
    RefreshReused = "refresh_reused", 401;
    TokenExpired = "token_expired", 401;
    TokenInvalid = "token_invalid", 401;
    Forbidden = "forbidden", 403;
    NotFound = "not_found", 404;
    MethodNotAllowed = "method_not_allowed", 405;
    RequestTimeout = "request_timeout", 408;
    AlreadySubscribed = "already_subscribed", 409;
    CodeTaken = "code_taken", 409;
    ConcurrentUpdate = "concurrent_update", 409;
    Conflict = "conflict", 409;
    EmailTaken = "email_taken", 409;
    NoBillingAccount = "no_billing_account", 409;
    PlanInUse = "plan_in_use", 409;
    SlugTaken = "slug_taken", 409;
    TrialAlreadyUsed = "trial_already_used", 409;
    PayloadTooLarge = "payload_too_large", 413;
    UriTooLong = "uri_too_long", 414;
    UnsupportedMediaType = "unsupported_media_type", 415;
    CheckoutRequired = "checkout_required", 422;
    NotResumable = "not_resumable", 422;
    PasswordTooLong = "password_too_long", 422;
    PlanArchived = "plan_archived", 422;
    PlanNotPurchasable = "plan_not_purchasable", 422;
    StripePriceMismatch = "stripe_price_mismatch", 422;
    TrialNotAvailable = "trial_not_available", 422;
    UnknownPublisher = "unknown_publisher", 422;
    UnknownStripePrice = "unknown_stripe_price", 422;
    ValidationFailed = "validation_failed", 422;
    WeakPassword = "weak_password", 422;
    RateLimited = "rate_limited", 429;
    HeadersTooLarge = "headers_too_large", 431;
    InternalError = "internal_error", 500;
    BillingRejected = "billing_rejected", 502;
    BillingUnavailable = "billing_unavailable", 502;
    BillingNotConfigured = "billing_not_configured", 503;
    ServiceUnavailable = "service_unavailable", 503;
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
            assert!((400..600).contains(&code.status()), "{code}");
        }
    }
}
