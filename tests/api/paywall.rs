//! Set-up shared by the article, access, meter and replica tests: a
//! publisher with a key and an all-publisher plan with a 14-day trial.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kiosk::db::schema::{publishers, subscriptions, trial_ledger};
use serde_json::{json, Value};

use kiosk::config::Settings;

use crate::helpers::{
    check_token, post_bearer, spawn_app, spawn_app_with, Backend, ClockExt, TestApp,
};

pub const PASSWORD: &str = "correct horse battery";

pub struct Paywall {
    pub app: TestApp,
    pub publisher_id: String,
    pub key: String,
    pub plan_id: String,
}

pub async fn paywall(backend: Backend) -> Paywall {
    let app = spawn_app(backend).await;
    on(app).await
}

pub async fn paywall_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Paywall {
    on(spawn_app_with(backend, configure).await).await
}

/// The publisher `the-daily` (3 anonymous / 5 registered reads a month,
/// unknown articles premium) and the plan `all-access` on `app`.
pub async fn on(app: TestApp) -> Paywall {
    let publisher_id = app.seed_publisher("the-daily").await;
    let key = app.publisher_key(&publisher_id).await;
    let plan_id = app.seed_plan("all-access", 14, &[]).await;
    Paywall {
        app,
        publisher_id,
        key,
        plan_id,
    }
}

impl Paywall {
    pub async fn put_article(&self, id: &str, access: &str) -> reqwest::Response {
        put_article(&self.app, &self.key, id, access).await
    }

    pub async fn check_response(&self, body: Value) -> reqwest::Response {
        post_bearer(&self.app, "/v1/access/check", &self.key, &body).await
    }

    /// A check that must answer 200; its decision.
    pub async fn check(&self, body: Value) -> Value {
        let response = self.check_response(body).await;
        assert_eq!(response.status(), 200, "check failed");
        response.json().await.expect("decision json")
    }

    pub async fn check_visitor(&self, article: &str, visitor: &str) -> Value {
        self.check(json!({ "article_id": article, "visitor_id": visitor }))
            .await
    }

    /// A check for the member holding `access_token`, through the check
    /// token a front end would hand over.
    pub async fn check_member(&self, article: &str, access_token: &str) -> Value {
        let token = self.check_token(access_token).await;
        self.check(json!({ "article_id": article, "member_token": token }))
            .await
    }

    /// A check token for this publisher.
    pub async fn check_token(&self, access_token: &str) -> String {
        check_token(&self.app, access_token, "the-daily").await
    }

    /// Changes the publisher's row and reloads the catalogue.
    pub async fn set_meter(&self, anonymous: i32, registered: i32, period: &str) {
        let (id, period) = (self.publisher_id.clone(), period.to_owned());
        self.app
            .with_conn(move |conn| {
                diesel::update(publishers::table.find(id))
                    .set((
                        publishers::meter_limit_anonymous.eq(anonymous),
                        publishers::meter_limit_registered.eq(registered),
                        publishers::meter_period.eq(period),
                    ))
                    .execute(conn)
                    .expect("update publisher")
            })
            .await;
        self.app.state.invalidator.catalogue_changed().await;
    }

    pub async fn set_origins(&self, origins: &[&str]) {
        let (id, origins) = (self.publisher_id.clone(), json!(origins).to_string());
        self.app
            .with_conn(move |conn| {
                diesel::update(publishers::table.find(id))
                    .set(publishers::allowed_origins.eq(origins))
                    .execute(conn)
                    .expect("update publisher")
            })
            .await;
        self.app.state.invalidator.catalogue_changed().await;
    }
}

pub async fn put_article(app: &TestApp, key: &str, id: &str, access: &str) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/v1/articles/{id}")))
        .bearer_auth(key)
        .json(&json!({ "access": access }))
        .send()
        .await
        .expect("request")
}

/// Writes a subscription row directly (as trials and billing will) and
/// tells the application, as they must.
pub async fn subscribe(
    app: &TestApp,
    member_id: &str,
    plan_id: &str,
    status: &str,
    period_end: Option<DateTime<Utc>>,
) -> String {
    let now = app.clock.now_utc().naive_utc();
    let mut sub = kiosk::db::subscriptions::Subscription::new(
        member_id,
        plan_id,
        "stripe".into(),
        status.into(),
        now,
    );
    sub.current_period_end = period_end.map(|t| t.naive_utc());
    let id = sub.id.clone();
    app.with_conn(move |conn| kiosk::db::subscriptions::insert(conn, &sub).expect("insert"))
        .await;
    app.state.invalidator.member_changed(member_id).await;
    id
}

/// Changes a subscription's status through `app` and tells it.
pub async fn set_status(app: &TestApp, member_id: &str, subscription_id: &str, status: &str) {
    let (id, status) = (subscription_id.to_owned(), status.to_owned());
    app.with_conn(move |conn| {
        diesel::update(subscriptions::table.find(id))
            .set(subscriptions::status.eq(status))
            .execute(conn)
            .expect("update subscription")
    })
    .await;
    app.state.invalidator.member_changed(member_id).await;
}

/// Changes a subscription's stored source through `app` and tells it.
pub async fn set_source(app: &TestApp, member_id: &str, subscription_id: &str, source: &str) {
    let (id, source) = (subscription_id.to_owned(), source.to_owned());
    app.with_conn(move |conn| {
        diesel::update(subscriptions::table.find(id))
            .set(subscriptions::source.eq(source))
            .execute(conn)
            .expect("update subscription")
    })
    .await;
    app.state.invalidator.member_changed(member_id).await;
}

/// Marks the member as having used their trial.
pub async fn use_trial(app: &TestApp, member_id: &str, plan_id: &str) {
    let now = app.clock.now_utc().naive_utc();
    let (member, plan) = (member_id.to_owned(), plan_id.to_owned());
    app.with_conn(move |conn| {
        let mailbox = member_mailbox(conn, &member);
        diesel::insert_into(trial_ledger::table)
            .values((
                trial_ledger::member_id.eq(member),
                trial_ledger::plan_id.eq(plan),
                trial_ledger::subscription_id.eq("sub_none"),
                trial_ledger::started_at.eq(now),
                trial_ledger::mailbox.eq(mailbox),
            ))
            .execute(conn)
            .expect("insert trial")
    })
    .await;
    app.state.invalidator.member_changed(member_id).await;
}

/// The mailbox the trial ledger keys this member by.
pub fn member_mailbox(conn: &mut kiosk::db::DbConnection, member_id: &str) -> String {
    let email: String = kiosk::db::schema::members::table
        .find(member_id)
        .select(kiosk::db::schema::members::email)
        .first(conn)
        .expect("member email");
    kiosk::domain::email::mailbox(&email)
}
