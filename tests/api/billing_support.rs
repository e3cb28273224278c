//! Helpers for the billing tests: requests, fixtures, webhook signing and
//! event builders, direct reads of billing rows.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

pub use crate::helpers::post_bearer;
use crate::helpers::{Backend, ClockExt, TestApp};
use crate::stripe_fake::{spawn_billing_app, FakeStripe, WEBHOOK_SECRET};

pub const PASSWORD: &str = "correct horse battery";
pub const DAY: i64 = 86_400;

pub fn checkout_body(plan: &str) -> Value {
    json!({
        "plan": plan,
        "success_url": "https://news.example/welcome?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://news.example/plans",
    })
}

/// A member and an active plan linked to `price_gold`.
pub async fn member_and_plan(app: &TestApp, trial_days: i32) -> (String, String) {
    let tokens = app.sign_up("reader@example.com", PASSWORD).await;
    let plan_id = app.seed_plan("gold", trial_days, &[]).await;
    price_plan(app, &plan_id, "price_gold").await;
    (tokens.member_id, tokens.access_token)
}

pub async fn checkout_url(app: &TestApp, token: &str) -> String {
    let response = post_bearer(app, "/v1/me/checkout", token, &checkout_body("gold")).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["url"].as_str().expect("url").to_owned()
}

/// A running card-less trial as the trials feature writes it.
pub async fn start_local_trial(
    app: &TestApp,
    member_id: &str,
    ends: chrono::DateTime<chrono::Utc>,
) -> String {
    let now = app.clock.now_utc().naive_utc();
    let member_id = member_id.to_owned();
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use kiosk::db::schema::trial_ledger;
        let plan = kiosk::db::plans::find_by_code(conn, "gold")
            .expect("query")
            .expect("plan gold");
        let mut sub = kiosk::db::subscriptions::Subscription::new(
            &member_id,
            &plan.id,
            "trial".into(),
            "trialing".into(),
            now,
        );
        sub.trial_ends_at = Some(ends.naive_utc());
        kiosk::db::subscriptions::insert(conn, &sub).expect("insert trial");
        let mailbox = crate::paywall::member_mailbox(conn, &member_id);
        diesel::insert_into(trial_ledger::table)
            .values((
                trial_ledger::member_id.eq(&member_id),
                trial_ledger::plan_id.eq(&plan.id),
                trial_ledger::subscription_id.eq(&sub.id),
                trial_ledger::started_at.eq(now),
                trial_ledger::mailbox.eq(mailbox),
            ))
            .execute(conn)
            .expect("insert ledger");
        sub.id
    })
    .await
}

/// A member linked to customer `cus_A` and plan `gold` priced `price_gold`;
/// returns the app and the member id.
pub async fn fixture(backend: Backend) -> (TestApp, FakeStripe, String) {
    let fake = FakeStripe::start().await;
    let app = spawn_billing_app(backend, &fake).await;
    let member = app
        .sign_up("reader@example.com", "correct horse battery")
        .await;
    let plan_id = app.seed_plan("gold", 14, &[]).await;
    price_plan(&app, &plan_id, "price_gold").await;
    link_customer(&app, &member.member_id, "cus_A").await;
    (app, fake, member.member_id)
}

pub fn now_ts(app: &TestApp) -> i64 {
    app.clock.now_utc().timestamp()
}

pub async fn lifecycle_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        kiosk::db::schema::lifecycle_events::table
            .count()
            .get_result::<i64>(conn)
            .expect("count")
    })
    .await
}

/// `v1` signature of `body` at `t` under `secret`, as Stripe computes it.
pub fn v1_signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A valid `Stripe-Signature` header for `body` signed now.
pub fn stripe_signature(app: &TestApp, body: &str) -> String {
    let t = app.clock.now_utc().timestamp();
    format!("t={t},v1={}", v1_signature(WEBHOOK_SECRET, t, body))
}

pub async fn post_webhook(app: &TestApp, body: &str, signature: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/v1/webhooks/stripe"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("Stripe-Signature", signature);
    }
    request.send().await.expect("request")
}

/// Posts `event` signed with the test secret; returns status and body.
pub async fn deliver(app: &TestApp, event: &Value) -> (u16, Value) {
    let body = event.to_string();
    let response = post_webhook(app, &body, Some(&stripe_signature(app, &body))).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({
        "id": id,
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": false,
        "data": { "object": object },
    })
}

/// A subscription object in the current API shape (period end on items).
pub fn subscription(id: &str, customer: &str, status: &str, price: &str, period_end: i64) -> Value {
    json!({
        "id": id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": false,
        "canceled_at": null,
        "trial_end": null,
        "metadata": {},
        "items": { "object": "list", "data": [
            { "id": "si_1", "current_period_end": period_end, "price": { "id": price } }
        ]},
    })
}

/// Sets a plan's Stripe price id.
pub async fn price_plan(app: &TestApp, plan_id: &str, price_id: &str) {
    let (plan_id, price_id) = (plan_id.to_owned(), price_id.to_owned());
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use kiosk::db::schema::plans;
        diesel::update(plans::table.find(plan_id))
            .set(plans::stripe_price_id.eq(price_id))
            .execute(conn)
            .expect("price plan")
    })
    .await;
}

/// Links a member to a Stripe customer.
pub async fn link_customer(app: &TestApp, member_id: &str, customer_id: &str) {
    let (member_id, customer_id) = (member_id.to_owned(), customer_id.to_owned());
    app.with_conn(move |conn| {
        use diesel::prelude::*;
        use kiosk::db::schema::members;
        diesel::update(members::table.find(member_id))
            .set(members::stripe_customer_id.eq(customer_id))
            .execute(conn)
            .expect("link customer")
    })
    .await;
}

pub async fn stripe_event_row(
    app: &TestApp,
    id: &str,
) -> Option<kiosk::db::stripe_events::StripeEvent> {
    let id = id.to_owned();
    app.with_conn(move |conn| kiosk::db::stripe_events::find(conn, &id).expect("query"))
        .await
}

pub async fn stripe_event_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| kiosk::db::stripe_events::count(conn).expect("count"))
        .await
}

pub async fn subscription_row(
    app: &TestApp,
    stripe_id: &str,
) -> Option<kiosk::db::subscriptions::Subscription> {
    let id = stripe_id.to_owned();
    app.with_conn(move |conn| kiosk::db::billing::by_stripe_id(conn, &id).expect("query"))
        .await
}
