//! Requests with an admin key, and fixtures made through the admin API.

use serde_json::{json, Value};

use crate::helpers::TestApp;

pub trait AdminClient {
    fn admin(&self, method: reqwest::Method, path: &str, key: &str) -> reqwest::RequestBuilder;
}

impl AdminClient for TestApp {
    fn admin(&self, method: reqwest::Method, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(key)
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.expect("request")
}

pub async fn post(app: &TestApp, key: &str, path: &str, body: &Value) -> reqwest::Response {
    send(app.admin(reqwest::Method::POST, path, key).json(body)).await
}

pub async fn patch(app: &TestApp, key: &str, path: &str, body: &Value) -> reqwest::Response {
    send(app.admin(reqwest::Method::PATCH, path, key).json(body)).await
}

pub async fn get(app: &TestApp, key: &str, path: &str) -> reqwest::Response {
    send(app.admin(reqwest::Method::GET, path, key)).await
}

pub async fn delete(app: &TestApp, key: &str, path: &str) -> reqwest::Response {
    send(app.admin(reqwest::Method::DELETE, path, key)).await
}

/// Reads a JSON answer after checking its status.
pub async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.expect("body");
    assert_eq!(got, status, "unexpected status; body: {body}");
    serde_json::from_str(&body).expect("json body")
}

/// Reads a problem answer: (status, code, field).
pub async fn problem(response: reqwest::Response) -> (u16, String, Option<String>) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "problem content type"
    );
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(body["status"], status);
    let code = body["code"].as_str().expect("code").to_owned();
    let field = body["field"].as_str().map(str::to_owned);
    (status, code, field)
}

pub fn publisher_body(slug: &str) -> Value {
    json!({ "slug": slug, "name": format!("The {slug}") })
}

pub fn plan_body(code: &str, publishers: Value) -> Value {
    json!({
        "code": code,
        "name": "All access",
        "description": "Every title, one membership.",
        "price": 999,
        "currency": "EUR",
        "interval": "month",
        "trial_days": 14,
        "trial_requires_card": false,
        "publishers": publishers,
    })
}

/// Creates a publisher through the API and returns its body.
pub async fn create_publisher(app: &TestApp, key: &str, slug: &str) -> Value {
    json_of(
        post(app, key, "/v1/admin/publishers", &publisher_body(slug)).await,
        201,
    )
    .await
}

/// Creates a plan through the API and returns its body.
pub async fn create_plan(app: &TestApp, key: &str, code: &str, publishers: Value) -> Value {
    json_of(
        post(app, key, "/v1/admin/plans", &plan_body(code, publishers)).await,
        201,
    )
    .await
}

/// The number of audit rows, read straight from the database.
pub async fn audit_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        kiosk::db::schema::audit_log::table
            .count()
            .get_result::<i64>(conn)
            .expect("count audit rows")
    })
    .await
}

/// Inserts a trialing subscription straight into the database.
pub async fn insert_trial(app: &TestApp, member_id: &str, plan_id: &str) {
    use crate::helpers::ClockExt;
    let now = app.clock.now_utc().naive_utc();
    let (member_id, plan_id) = (member_id.to_owned(), plan_id.to_owned());
    app.with_conn(move |conn| {
        let mut sub = kiosk::db::subscriptions::Subscription::new(
            &member_id,
            &plan_id,
            "trial".into(),
            "trialing".into(),
            now,
        );
        sub.trial_ends_at = Some(now + chrono::Duration::days(14));
        kiosk::db::subscriptions::insert(conn, &sub).expect("insert subscription")
    })
    .await;
}
