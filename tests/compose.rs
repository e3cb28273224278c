//! `docker-compose.yml` and the `Dockerfile` agree with each other and with
//! Kiosk: the database URL reaches the PostgreSQL service with its
//! credentials, the published port is the one Kiosk binds, and the health
//! checks ask the right things. (No Docker engine is needed to read them;
//! `scripts/test.sh` runs the whole suite against a PostgreSQL URL of the
//! same form.)

use serde_yaml::Value;

fn read(file: &str) -> String {
    std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn compose() -> Value {
    serde_yaml::from_str(&read("docker-compose.yml")).expect("docker-compose.yml parses")
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}

/// (user, password, host, port, database) of a `postgres://` URL.
fn postgres_parts(url: &str) -> (String, String, String, u16, String) {
    let rest = url.strip_prefix("postgres://").expect("a postgres:// URL");
    let (credentials, location) = rest.split_once('@').expect("user@host");
    let (user, password) = credentials.split_once(':').expect("user:password");
    let (host_port, database) = location.split_once('/').expect("host/database");
    let (host, port) = host_port.split_once(':').expect("host:port");
    (
        user.into(),
        password.into(),
        host.into(),
        port.parse().expect("numeric port"),
        database.into(),
    )
}

fn port_of_bind(bind: &str) -> u16 {
    bind.rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("host:port")
}

#[test]
fn kiosk_reaches_the_postgres_service_it_waits_for() {
    let spec = compose();
    let postgres = &spec["services"]["postgres"];
    let kiosk = &spec["services"]["kiosk"];
    let url = text(&kiosk["environment"]["KIOSK_DATABASE_URL"]);

    let (user, password, host, port, database) = postgres_parts(&url);

    assert!(text(&postgres["image"]).starts_with("postgres:16"));
    assert_eq!(host, "postgres", "the URL names the compose service");
    assert_eq!(port, 5432);
    assert_eq!(user, text(&postgres["environment"]["POSTGRES_USER"]));
    assert_eq!(
        password,
        text(&postgres["environment"]["POSTGRES_PASSWORD"])
    );
    assert_eq!(database, text(&postgres["environment"]["POSTGRES_DB"]));
    let target = kiosk::db::DbTarget::parse(&url).expect("Kiosk accepts the URL");
    assert_eq!(target.backend, kiosk::db::Backend::Postgres);
    assert_eq!(
        text(&kiosk["depends_on"]["postgres"]["condition"]),
        "service_healthy"
    );
    let check = format!("{:?}", postgres["healthcheck"]["test"]);
    assert!(check.contains("pg_isready"), "{check}");
    assert!(
        check.contains(&user) && check.contains(&database),
        "{check}"
    );
}

#[test]
fn published_port_bind_address_and_health_checks_agree() {
    let spec = compose();
    let kiosk = &spec["services"]["kiosk"];
    let bind = text(&kiosk["environment"]["KIOSK_BIND"]);
    let dockerfile = read("Dockerfile");

    let port = port_of_bind(&bind);
    let published: Vec<String> = kiosk["ports"]
        .as_sequence()
        .expect("ports")
        .iter()
        .map(text)
        .collect();
    let health: Vec<String> = kiosk["healthcheck"]["test"]
        .as_sequence()
        .expect("exec-form health check")
        .iter()
        .map(text)
        .collect();

    assert!(
        bind.starts_with("0.0.0.0:"),
        "reachable from outside the container"
    );
    assert!(
        published.contains(&format!("{port}:{port}")),
        "{published:?}"
    );
    assert!(
        health.contains(&format!("http://127.0.0.1:{port}/readyz")),
        "{health:?}"
    );
    assert!(dockerfile.contains(&format!("EXPOSE {port}")));
    assert!(dockerfile.contains(&format!("KIOSK_BIND=0.0.0.0:{port}")));
    assert!(dockerfile.contains(&format!("http://127.0.0.1:{port}/healthz")));
    assert!(dockerfile.contains("libpq5") && dockerfile.contains("ca-certificates"));
    assert!(dockerfile.contains("USER kiosk"), "runs as a non-root user");
    assert!(
        dockerfile.contains("install -y --no-install-recommends libpq5 ca-certificates curl"),
        "curl is there for the health checks"
    );
}

#[test]
fn the_image_default_database_url_is_one_kiosk_accepts() {
    let dockerfile = read("Dockerfile");
    let url = dockerfile
        .split_whitespace()
        .find_map(|word| word.strip_prefix("KIOSK_DATABASE_URL="))
        .expect("a default database URL in the image");

    let target = kiosk::db::DbTarget::parse(url).expect("Kiosk accepts the URL");

    assert_eq!(target.backend, kiosk::db::Backend::Sqlite);
    assert!(
        url.starts_with("sqlite:///var/lib/kiosk/"),
        "inside the volume"
    );
}
