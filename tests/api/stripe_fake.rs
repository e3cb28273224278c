//! A local stand-in for Stripe: it answers the calls Kiosk makes, honours
//! idempotency keys the way Stripe does (same key, same answer), and
//! records every request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use kiosk::config::Secret;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{spawn_app_with, Backend, TestApp};

pub const WEBHOOK_SECRET: &str = "whsec_kiosk_test_secret";

/// Creates objects with fresh ids, answering a repeated idempotency key
/// with the first answer.
struct Creator {
    prefix: &'static str,
    url_base: Option<&'static str>,
    seen: Mutex<HashMap<String, Value>>,
    counter: AtomicUsize,
}

impl Respond for Creator {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let key = request
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(body) = key.as_ref().and_then(|k| seen.get(k)) {
            return ResponseTemplate::new(200).set_body_json(body.clone());
        }
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let id = format!("{}_{n}", self.prefix);
        let url = self.url_base.map(|base| format!("{base}/{id}"));
        let body = json!({ "id": id, "object": self.prefix, "url": url });
        if let Some(k) = key {
            seen.insert(k, body.clone());
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

/// Answers `POST /v1/subscriptions/{id}` with the subscription as updated.
struct SubscriptionUpdater;

impl Respond for SubscriptionUpdater {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = request.url.path().trim_start_matches("/v1/subscriptions/");
        let fields = form(request);
        let cancel = fields.get("cancel_at_period_end").map(|v| v == "true");
        ResponseTemplate::new(200).set_body_json(json!({
            "id": id,
            "object": "subscription",
            "cancel_at_period_end": cancel.unwrap_or(false),
        }))
    }
}

pub struct FakeStripe {
    pub server: MockServer,
}

impl FakeStripe {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let creators: [(&str, &'static str, Option<&'static str>); 5] = [
            ("/v1/customers", "cus", None),
            (
                "/v1/checkout/sessions",
                "cs_test",
                Some("https://checkout.stripe.test/c/pay"),
            ),
            (
                "/v1/billing_portal/sessions",
                "bps",
                Some("https://billing.stripe.test/p/session"),
            ),
            ("/v1/products", "prod", None),
            ("/v1/prices", "price", None),
        ];
        for (route, prefix, url_base) in creators {
            Mock::given(method("POST"))
                .and(path(route))
                .respond_with(Creator {
                    prefix,
                    url_base,
                    seen: Mutex::default(),
                    counter: AtomicUsize::new(0),
                })
                .mount(&server)
                .await;
        }
        Mock::given(method("POST"))
            .and(path_regex("^/v1/subscriptions/[^/]+$"))
            .respond_with(SubscriptionUpdater)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex("^/v1/prices/.+$"))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": "No such price"
                }
            })))
            .with_priority(10)
            .mount(&server)
            .await;
        Self { server }
    }

    /// The next `times` calls to `route` answer `status` (before any other).
    pub async fn fail_next(&self, route: &str, status: u16, times: u64) {
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "error": {"type": "api_error", "message": "injected failure"}
            })))
            .up_to_n_times(times)
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// `GET /v1/prices/{id}` answers this price.
    pub async fn serve_price(&self, price: Value) {
        let id = price["id"].as_str().unwrap_or_default().to_owned();
        Mock::given(method("GET"))
            .and(path(format!("/v1/prices/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(price))
            .mount(&self.server)
            .await;
    }

    /// Every request Kiosk sent to this route.
    pub async fn requests(&self, method_name: &str, route: &str) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == method_name && r.url.path() == route)
            .collect()
    }
}

/// A request's form body as key/value pairs.
pub fn form(request: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

pub fn idempotency_key(request: &Request) -> Option<String> {
    request
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A server with Stripe configured against `fake`.
pub async fn spawn_billing_app(backend: Backend, fake: &FakeStripe) -> TestApp {
    let base = fake.server.uri();
    spawn_app_with(backend, move |settings| {
        settings.stripe_secret_key = Secret::new("sk_test_kiosk");
        settings.stripe_webhook_secret = Secret::new(WEBHOOK_SECRET);
        settings.stripe_api_base = base;
    })
    .await
}
