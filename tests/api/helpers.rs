//! Test harness: the real server on port 0 with a fresh database per test,
//! on SQLite or PostgreSQL, with a clock the test can move.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use kiosk::clock::ManualClock;
use kiosk::config::Settings;
use kiosk::startup::Application;
use kiosk::state::AppState;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Backend)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )* };
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub state: actix_web::web::Data<AppState>,
    pub database: TestDatabase,
}

/// The PostgreSQL server tests use; `KIOSK_TEST_PG_URL` overrides it.
pub fn pg_server_url() -> String {
    std::env::var("KIOSK_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A database made for one test and removed after it.
pub struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<TempDir>,
}

impl TestDatabase {
    pub fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}/kiosk.db", dir.0.display());
                Self {
                    url,
                    pg_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("kiosk_test_{}", uuid::Uuid::now_v7().simple());
                let mut admin = PgConnection::establish(&format!("{}/postgres", pg_server_url()))
                    .expect("PostgreSQL must be running for the PostgreSQL tests (see README)");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                Self {
                    url: format!("{}/{name}", pg_server_url()),
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        }
    }
}

impl TestDatabase {
    /// The same database for another replica; only the original removes
    /// it when dropped.
    pub fn share(&self) -> Self {
        Self {
            url: self.url.clone(),
            pg_name: None,
            _dir: None,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut admin) = PgConnection::establish(&format!("{}/postgres", pg_server_url()))
            {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("kiosk-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `/metrics` bearer token of test servers.
pub const METRICS_TOKEN: &str = "test-metrics-token";

/// Settings every test starts from: port 0, small pools, a fixed start time.
pub fn test_settings(database_url: &str) -> Settings {
    Settings {
        database_url: database_url.to_owned(),
        bind: "127.0.0.1:0".into(),
        workers: 2,
        db_pool_size: 4,
        // Tests that are about the limits set their own.
        rate_limit_per_address: 10_000,
        metrics_token: kiosk::config::Secret::new(METRICS_TOKEN),
        ..Settings::default()
    }
}

/// POSTs `body` as JSON to `path` with `token` as the Bearer credential
/// (a member token, a publisher key or an admin key).
pub async fn post_bearer(
    app: &TestApp,
    path: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request")
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    init_logs();
    let database = tokio::task::spawn_blocking(move || TestDatabase::create(backend))
        .await
        .expect("create database");
    let mut settings = test_settings(&database.url);
    configure(&mut settings);
    spawn_on(database, settings).await
}

/// Starts a server on an existing database (a second replica, say).
pub async fn spawn_on(database: TestDatabase, settings: Settings) -> TestApp {
    let start = Utc
        .with_ymd_and_hms(2026, 3, 10, 9, 0, 0)
        .single()
        .expect("valid time");
    let clock = Arc::new(ManualClock::new(start));
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("build application");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        clock,
        state,
        database,
    }
}

fn init_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        kiosk::telemetry::init("pretty");
    }
}

/// A member's tokens as sign-up, sign-in and refresh answer them.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub member_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl Tokens {
    fn from_body(body: &Value) -> Self {
        Self {
            member_id: body["member"]["id"].as_str().expect("member id").to_owned(),
            access_token: body["access_token"]
                .as_str()
                .expect("access token")
                .to_owned(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_up_response(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/v1/members",
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Signs up a member and returns their tokens; panics on failure.
    pub async fn sign_up(&self, email: &str, password: &str) -> Tokens {
        let response = self.sign_up_response(email, password).await;
        assert_eq!(response.status(), 201, "sign-up of {email} failed");
        Tokens::from_body(&response.json().await.expect("json"))
    }

    pub async fn sign_in_response(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/v1/sessions",
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Tokens {
        let response = self.sign_in_response(email, password).await;
        assert_eq!(response.status(), 200, "sign-in of {email} failed");
        Tokens::from_body(&response.json().await.expect("json"))
    }

    pub async fn refresh_response(&self, refresh_token: &str) -> reqwest::Response {
        self.post_json(
            "/v1/sessions/refresh",
            &json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    /// `DELETE /v1/sessions/current` with `token` as the Bearer credential.
    pub async fn sign_out_response(&self, token: &str) -> reqwest::Response {
        self.client
            .delete(self.url("/v1/sessions/current"))
            .bearer_auth(token)
            .send()
            .await
            .expect("sign-out")
    }

    pub async fn refresh(&self, refresh_token: &str) -> Tokens {
        let response = self.refresh_response(refresh_token).await;
        assert_eq!(response.status(), 200, "refresh failed");
        Tokens::from_body(&response.json().await.expect("json"))
    }
}

/// Reads a problem+json answer, checking its shape, and returns its `code`.
/// A check token for the member holding `access_token`, for the publisher
/// `slug`: what a member's front end hands to that publisher's backend.
pub async fn check_token(app: &TestApp, access_token: &str, slug: &str) -> String {
    let response = post_bearer(
        app,
        "/v1/me/check-tokens",
        access_token,
        &serde_json::json!({ "publisher": slug }),
    )
    .await;
    assert_eq!(response.status(), 201, "check token");
    let body: Value = response.json().await.expect("json");
    body["check_token"]
        .as_str()
        .expect("check token")
        .to_owned()
}

pub async fn problem_code(response: reqwest::Response) -> String {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(body["status"], status, "status field matches: {body}");
    for field in ["type", "title", "detail", "code"] {
        assert!(body[field].is_string(), "problem has {field}: {body}");
    }
    body["code"].as_str().unwrap_or_default().to_owned()
}

/// Direct set-up through the library, for tests whose subject is elsewhere.
impl TestApp {
    pub async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut kiosk::db::DbConnection) -> T + Send + 'static,
    ) -> T {
        let pool = self.state.db.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("connection");
            f(&mut conn)
        })
        .await
        .expect("blocking task")
    }

    /// A new admin key's full text.
    pub async fn admin_key(&self) -> String {
        let now = self.clock.now_utc();
        self.with_conn(move |conn| {
            kiosk::auth::api_keys::create(
                conn,
                kiosk::auth::api_keys::KeyKind::Admin,
                None,
                "test",
                now,
            )
            .expect("create admin key")
            .1
        })
        .await
    }

    /// A publisher key's full text for the publisher with this id.
    pub async fn publisher_key(&self, publisher_id: &str) -> String {
        let now = self.clock.now_utc();
        let publisher_id = publisher_id.to_owned();
        self.with_conn(move |conn| {
            kiosk::auth::api_keys::create(
                conn,
                kiosk::auth::api_keys::KeyKind::Publisher,
                Some(&publisher_id),
                "test",
                now,
            )
            .expect("create publisher key")
            .1
        })
        .await
    }

    /// Inserts a publisher (3 anonymous, 5 registered reads a month,
    /// unknown articles premium) and returns its id.
    pub async fn seed_publisher(&self, slug: &str) -> String {
        let now = self.clock.now_utc().naive_utc();
        let publisher = kiosk::db::publishers::Publisher {
            id: kiosk::domain::ids::new_id("pub"),
            slug: slug.to_owned(),
            name: slug.to_owned(),
            default_access: "premium".into(),
            meter_limit_anonymous: 3,
            meter_limit_registered: 5,
            meter_period: "month".into(),
            allowed_origins: "[]".into(),
            created_at: now,
            updated_at: now,
            registered_articles_only: false,
        };
        let id = publisher.id.clone();
        self.with_conn(move |conn| {
            kiosk::db::publishers::insert(conn, &publisher).expect("insert publisher")
        })
        .await;
        self.state.invalidator.catalogue_changed().await;
        id
    }

    /// Inserts an active plan with these trial days over the given
    /// publisher ids (none: all publishers) and returns its id.
    pub async fn seed_plan(&self, code: &str, trial_days: i32, publisher_ids: &[String]) -> String {
        let now = self.clock.now_utc().naive_utc();
        let plan = kiosk::db::plans::Plan {
            id: kiosk::domain::ids::new_id("pln"),
            code: code.to_owned(),
            name: code.to_owned(),
            description: String::new(),
            price: 999,
            currency: "EUR".into(),
            billing_interval: "month".into(),
            trial_days,
            trial_requires_card: false,
            all_publishers: publisher_ids.is_empty(),
            status: "active".into(),
            stripe_price_id: None,
            stripe_product_id: None,
            created_at: now,
            updated_at: now,
        };
        let id = plan.id.clone();
        let scope = publisher_ids.to_vec();
        self.with_conn(move |conn| {
            kiosk::db::plans::insert(conn, &plan, &scope).expect("insert plan")
        })
        .await;
        self.state.invalidator.catalogue_changed().await;
        id
    }
}

pub trait ClockExt {
    fn now_utc(&self) -> chrono::DateTime<Utc>;
}

impl ClockExt for ManualClock {
    fn now_utc(&self) -> chrono::DateTime<Utc> {
        kiosk::clock::Clock::now(self)
    }
}
