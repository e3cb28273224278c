//! `GET /metrics`: Prometheus text. The recorder is process-wide, installed
//! once however many applications the process builds (tests build many).

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use actix_web::{web, HttpRequest, HttpResponse};
use metrics::Counter;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::auth::extractors::bearer;
use crate::auth::secrets::{constant_time_eq, sha256_hex};
use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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

/// Counters already registered, by publisher then (reason, allowed): the
/// hot path looks its counter up under a read lock instead of building
/// the labels each time.
type Counters = HashMap<String, HashMap<(&'static str, bool), Counter>>;
static DECISIONS: OnceLock<RwLock<Counters>> = OnceLock::new();

/// Counts one access decision: the publisher's paywall funnel.
pub fn record_decision(publisher: &str, reason: &'static str, allowed: bool) {
    let counters = DECISIONS.get_or_init(Default::default);
    let known = counters
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(publisher)
        .and_then(|by_reason| by_reason.get(&(reason, allowed)).cloned());
    let counter = known.unwrap_or_else(|| {
        let counter = metrics::counter!(
            "kiosk_access_decisions_total",
            "publisher" => publisher.to_owned(),
            "reason" => reason,
            "allowed" => if allowed { "true" } else { "false" },
        );
        let mut counters = counters.write().unwrap_or_else(|e| e.into_inner());
        if counters.len() > 10_000 {
            counters.clear();
        }
        counters
            .entry(publisher.to_owned())
            .or_default()
            .insert((reason, allowed), counter.clone());
        counter
    });
    counter.increment(1);
}

/// The metrics, for a scraper presenting `KIOSK_METRICS_TOKEN` as its
/// Bearer credential; without a configured token the route is off.
pub async fn render(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let expected = &state.settings.metrics_token;
    if expected.is_empty() {
        return Err(ApiError::not_found(
            "Metrics are off; set KIOSK_METRICS_TOKEN to turn them on.",
        ));
    }
    let presented = bearer(&req).ok().flatten().unwrap_or_default();
    if !constant_time_eq(&sha256_hex(presented), &sha256_hex(expected.expose())) {
        return Err(ApiError::new(
            ErrorCode::TokenInvalid,
            "/metrics needs the configured metrics token as its Bearer credential.",
        ));
    }
    let body = HANDLE
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
