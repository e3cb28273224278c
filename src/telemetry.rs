use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

/// Logs go to stderr; `RUST_LOG` filters (default `info`), `json` format for
/// production log pipelines.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if format == "json" {
        registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init()
    };
    // A subscriber set already (tests) is fine.
    let _ = result;
}

/// Wraps each request in a span, so that what is logged while it runs says
/// which request it belongs to (method, path) and how it was answered
/// (status). The span is made only when `info` is on for this module:
/// under `RUST_LOG=warn` a request pays nothing for it. (A general request
/// logger such as `tracing-actix-web`'s costs about 7 µs of CPU per
/// request, a fifth of an access check: a request id drawn from the
/// kernel's random source, the client's address looked up and formatted,
/// fifteen fields; docs/guide/performance.md.) Failures are logged where they
/// are answered (`ApiError`), server errors only.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = req.path(),
        status = tracing::field::Empty,
    );
    if span.is_disabled() {
        return next.call(req).await;
    }
    let answer = next.call(req).instrument(span.clone()).await;
    if let Ok(response) = &answer {
        span.record("status", response.status().as_u16());
    }
    answer
}
