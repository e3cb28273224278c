use std::process::Command;

use crate::admin_support::{create_publisher, problem};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend, ClockExt, TestDatabase};

/// Runs the real `kiosk` binary against a database; answers (success,
/// stdout, stderr).
fn kiosk(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(args)
        .env("KIOSK_DATABASE_URL", database_url)
        .env("KIOSK_CONFIG", "/nonexistent/kiosk.toml")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run kiosk");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Outside the server's folder, a command finds no database: it says where
/// it looked and creates nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_refuse_to_create_a_new_database() {
    let database = tokio::task::spawn_blocking(|| TestDatabase::create(Backend::Sqlite))
        .await
        .expect("database");
    let path = database.url.trim_start_matches("sqlite://").to_owned();
    let url = database.url.clone();

    let (created, rotated) = tokio::task::spawn_blocking(move || {
        (
            kiosk(&url, &["admin-key", "create", "--name", "ops"]),
            kiosk(&url, &["signing-key", "rotate"]),
        )
    })
    .await
    .expect("cli");

    for (ok, _, stderr) in [created, rotated] {
        assert!(!ok, "a command made a database");
        assert!(
            stderr.contains(&path),
            "names the path it looked for: {stderr}"
        );
        assert!(stderr.contains("KIOSK_DATABASE_URL"), "{stderr}");
    }
    assert!(!std::path::Path::new(&path).exists(), "nothing was created");
}

async fn the_cli_creates_lists_and_revokes_admin_keys(backend: Backend) {
    let database = tokio::task::spawn_blocking(move || TestDatabase::create(backend))
        .await
        .expect("database");
    let url = database.url.clone();

    let (created, stdout) = tokio::task::spawn_blocking(move || {
        let (ok, _, stderr) = kiosk(&url, &["migrate"]);
        assert!(ok, "migrate failed: {stderr}");
        let (ok, stdout, stderr) = kiosk(&url, &["admin-key", "create", "--name", "ops"]);
        assert!(ok, "create failed: {stderr}");
        let key = stdout.lines().next().expect("a line").to_owned();
        let id = key["kiosk_admin_".len().."kiosk_admin_".len() + 36].to_owned();
        let (ok, listed, stderr) = kiosk(&url, &["admin-key", "list"]);
        assert!(ok, "list failed: {stderr}");
        assert!(listed.contains(&id) && listed.contains("ops"), "{listed}");
        assert!(
            !listed.contains(&key[key.len() - 64..]),
            "list shows no secret"
        );
        let (ok, revoked, stderr) = kiosk(&url, &["admin-key", "revoke", &id]);
        assert!(ok, "revoke failed: {stderr}");
        assert!(revoked.contains(&id));
        let (ok, _, stderr) = kiosk(&url, &["admin-key", "revoke", "key_nothing"]);
        assert!(!ok && stderr.contains("No admin key"), "{stderr}");
        let (_, listed, _) = kiosk(&url, &["admin-key", "list"]);
        (key, listed)
    })
    .await
    .expect("cli");

    assert_eq!(stdout.lines().count(), 2, "header and one key: {stdout}");
    assert!(created.starts_with("kiosk_admin_key_") && created.len() == 12 + 36 + 1 + 64);
    let row = stdout.lines().nth(1).expect("row");
    assert!(!row.trim_end().ends_with('-'), "revoked time shown: {row}");
}

async fn a_key_revoked_from_the_cli_stops_working_within_the_cache_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let (key, text) = {
        let now = app.clock.now_utc();
        app.with_conn(move |conn| {
            kiosk::auth::admin_keys::create(conn, "ops", now).expect("create")
        })
        .await
    };
    assert_eq!(app.get_bearer("/v1/admin/audit", &text).await.status(), 200);

    let now = app.clock.now_utc();
    let id = key.id.clone();
    let revoked = app
        .with_conn(move |conn| kiosk::auth::admin_keys::revoke(conn, &id, now).expect("revoke"))
        .await;
    app.clock.advance(chrono::Duration::seconds(11));

    assert!(revoked.revoked_at.is_some());
    let response = app.get_bearer("/v1/admin/audit", &text).await;
    assert_eq!(problem(response).await.1, "invalid_api_key");
    let listed = app
        .with_conn(|conn| kiosk::auth::admin_keys::list(conn).expect("list"))
        .await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some());
}

async fn the_cli_revokes_only_admin_keys(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    let publisher = create_publisher_id(&app, &admin).await;
    let publisher_key = app.publisher_key(&publisher).await;
    let id = publisher_key["kiosk_pub_".len().."kiosk_pub_".len() + 36].to_owned();
    let now = app.clock.now_utc();

    let outcome = app
        .with_conn(move |conn| {
            kiosk::auth::admin_keys::revoke(conn, &id, now).map_err(|e| e.code.as_str())
        })
        .await;

    assert_eq!(outcome.err(), Some("not_found"));
    let blank = app
        .with_conn(move |conn| {
            kiosk::auth::admin_keys::create(conn, "  ", now).map_err(|e| e.field)
        })
        .await;
    assert_eq!(blank.err(), Some(Some("name")));
}

async fn create_publisher_id(app: &crate::helpers::TestApp, admin: &str) -> String {
    create_publisher(app, admin, "daily").await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

both_backends!(
    the_cli_creates_lists_and_revokes_admin_keys,
    a_key_revoked_from_the_cli_stops_working_within_the_cache_time,
    the_cli_revokes_only_admin_keys,
);
