//! Helpers shared by the trial, subscription, grant and sweeper tests.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use kiosk::db::schema::{lifecycle_events, members, plans, subscriptions};
use kiosk::db::subscriptions::Subscription;
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{post_bearer, ClockExt, TestApp, Tokens};

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    pub async fn delete_bearer(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn start_trial(&self, token: &str, plan: &str) -> Response {
        post_bearer(self, "/v1/me/trials", token, &json!({ "plan": plan })).await
    }

    pub async fn cancel(&self, token: &str, subscription_id: &str) -> Response {
        let path = format!("/v1/me/subscriptions/{subscription_id}/cancel");
        post_bearer(self, &path, token, &json!({})).await
    }

    pub async fn resume(&self, token: &str, subscription_id: &str) -> Response {
        let path = format!("/v1/me/subscriptions/{subscription_id}/resume");
        post_bearer(self, &path, token, &json!({})).await
    }

    /// `GET /v1/me` with a fresh sign-in (time moves further than tokens
    /// live in these tests).
    pub async fn me(&self, email: &str) -> Value {
        let tokens = self.sign_in(email, PASSWORD).await;
        let response = self.get_bearer("/v1/me", &tokens.access_token).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("json")
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now_utc()
    }

    pub async fn set_plan(&self, code: &str, trial_days: i32, requires_card: bool, status: &str) {
        let (code, status) = (code.to_owned(), status.to_owned());
        self.with_conn(move |conn| {
            diesel::update(plans::table.filter(plans::code.eq(code)))
                .set((
                    plans::trial_days.eq(trial_days),
                    plans::trial_requires_card.eq(requires_card),
                    plans::status.eq(status),
                ))
                .execute(conn)
                .expect("update plan")
        })
        .await;
    }

    pub async fn disable_member(&self, member_id: &str) {
        let member_id = member_id.to_owned();
        self.with_conn(move |conn| {
            diesel::update(members::table.find(member_id))
                .set(members::status.eq("disabled"))
                .execute(conn)
                .expect("disable member")
        })
        .await;
    }

    /// A Stripe-billed subscription in `status`, its period ending in `ends_in`.
    pub async fn seed_paid(
        &self,
        member_id: &str,
        plan_id: &str,
        status: &str,
        ends_in: Duration,
    ) -> String {
        let now = self.now().naive_utc();
        let sub = Subscription {
            id: kiosk::domain::ids::new_id("sub"),
            member_id: member_id.to_owned(),
            plan_id: plan_id.to_owned(),
            source: "stripe".into(),
            status: status.into(),
            trial_ends_at: None,
            current_period_end: Some(now + ends_in),
            cancel_at_period_end: false,
            canceled_at: None,
            stripe_subscription_id: Some(kiosk::domain::ids::new_id("sub_stripe")),
            stripe_event_at: None,
            created_at: now,
            updated_at: now,
        };
        let id = sub.id.clone();
        self.with_conn(move |conn| {
            kiosk::db::subscriptions::insert(conn, &sub).expect("insert subscription")
        })
        .await;
        id
    }

    pub async fn subscription_rows(&self, member_id: &str) -> Vec<Subscription> {
        let member_id = member_id.to_owned();
        self.with_conn(move |conn| {
            kiosk::db::subscriptions::for_member(conn, &member_id).expect("subscriptions")
        })
        .await
    }

    pub async fn count_all_subscriptions(&self) -> i64 {
        self.with_conn(|conn| {
            subscriptions::table
                .count()
                .get_result(conn)
                .expect("count")
        })
        .await
    }

    /// Kinds of the member's lifecycle events, oldest first.
    pub async fn event_kinds(&self, member_id: &str) -> Vec<String> {
        let member_id = member_id.to_owned();
        self.with_conn(move |conn| {
            lifecycle_events::table
                .filter(lifecycle_events::member_id.eq(member_id))
                .order((lifecycle_events::occurred_at, lifecycle_events::id))
                .select(lifecycle_events::kind)
                .load(conn)
                .expect("events")
        })
        .await
    }
}

/// A member signed up with the test password.
pub async fn member(app: &TestApp, email: &str) -> Tokens {
    app.sign_up(email, PASSWORD).await
}

/// The JSON body of a response with the expected status.
pub async fn body(response: Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body: Value = response.json().await.expect("json body");
    assert_eq!(got, status, "unexpected answer: {body}");
    body
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Parses an RFC 3339 field of a JSON body.
pub fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not a time: {value}"))
}
