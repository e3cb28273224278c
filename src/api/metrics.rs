//! `GET /metrics`: Prometheus text. The recorder is process-wide, installed
//! once however many applications the process builds (tests build many).

use std::sync::OnceLock;

use actix_web::HttpResponse;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder on first call; later calls do nothing. If another
/// recorder is already installed, `/metrics` answers empty.
pub fn install() {
    HANDLE.get_or_init(|| match PrometheusBuilder::new().install_recorder() {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::warn!(error = %e, "metrics recorder not installed");
            None
        }
    });
}

/// Counts one access decision: the publisher's paywall funnel.
pub fn record_decision(publisher: &str, reason: &'static str, allowed: bool) {
    metrics::counter!(
        "kiosk_access_decisions_total",
        "publisher" => publisher.to_owned(),
        "reason" => reason,
        "allowed" => if allowed { "true" } else { "false" },
    )
    .increment(1);
}

pub async fn render() -> HttpResponse {
    let body = HANDLE
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
