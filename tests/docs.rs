//! The user guide's references stay true: the configuration table
//! (docs/guide/operating.md) lists every setting with its variable and
//! default, the documented sources load, and the error table
//! (docs/guide/errors.md) lists every error code under its status.

/// A page of the user guide, by its file name under docs/guide/.
fn guide(page: &str) -> String {
    let path = format!("{}/docs/guide/{page}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_configuration_table_lists_every_setting_with_its_variable_and_default() {
    let page = guide("operating.md");
    let defaults = serde_json::to_value(kiosk::config::Settings::default()).expect("settings");

    for (key, default) in defaults.as_object().expect("object") {
        let row = page
            .lines()
            .find(|line| line.starts_with(&format!("| `{key}` |")))
            .unwrap_or_else(|| panic!("docs/guide/operating.md has no row for `{key}`"));
        let variable = format!("`KIOSK_{}`", key.to_uppercase());
        assert!(row.contains(&variable), "{key}: {row}");
        let shown = match default {
            serde_json::Value::String(s) if s.is_empty() => "empty".to_owned(),
            serde_json::Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        };
        assert!(row.contains(&shown), "{key} default {shown}: {row}");
    }
}

/// One test, because it sets process-wide environment variables.
#[test]
fn settings_load_from_file_database_url_and_kiosk_variables() {
    let dir = std::env::temp_dir().join(format!("kiosk-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("kiosk.toml");
    std::fs::write(&file, "issuer = \"from-file\"\nbind = \"127.0.0.1:9\"\n").expect("toml");
    std::env::set_var("KIOSK_CONFIG", &file);
    std::env::set_var("DATABASE_URL", "postgres://plain@localhost/one");
    std::env::set_var("KIOSK_BIND", "0.0.0.0:8181");
    std::env::set_var("KIOSK_DB_POOL_SIZE", "7");

    let without_kiosk_url = kiosk::config::Settings::load().expect("load");
    std::env::set_var("KIOSK_DATABASE_URL", "sqlite://two.db");
    let with_kiosk_url = kiosk::config::Settings::load().expect("load");
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(without_kiosk_url.issuer, "from-file");
    assert_eq!(
        without_kiosk_url.bind, "0.0.0.0:8181",
        "KIOSK_* beats the file"
    );
    assert_eq!(without_kiosk_url.db_pool_size, 7);
    assert_eq!(
        without_kiosk_url.database_url,
        "postgres://plain@localhost/one"
    );
    assert_eq!(
        with_kiosk_url.database_url, "sqlite://two.db",
        "KIOSK_DATABASE_URL wins"
    );
}

/// Every error code Kiosk can answer is in the guide's error table, under
/// its status, and in `openapi.yaml`'s `Problem.code` enum.
#[test]
fn every_error_code_is_documented() {
    use kiosk::error::ErrorCode;
    let page = guide("errors.md");
    let spec: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
            .expect("openapi.yaml"),
    )
    .expect("yaml");
    let documented: Vec<&str> = spec["components"]["schemas"]["Problem"]["properties"]["code"]
        ["enum"]
        .as_sequence()
        .expect("Problem.code is an enum")
        .iter()
        .filter_map(serde_yaml::Value::as_str)
        .collect();

    for code in ErrorCode::ALL {
        let status = code.status().to_string();
        let row = page
            .lines()
            .filter(|line| {
                line.starts_with(&format!("| {status}")) || line.contains(&format!("/ {status} |"))
            })
            .find(|line| line.contains(&format!("`{code}`")));
        assert!(
            row.is_some(),
            "docs/guide/errors.md's error table has no `{code}` under {status}"
        );
        assert!(
            documented.contains(&code.as_str()),
            "openapi.yaml's Problem.code lacks {code}"
        );
    }
    assert_eq!(
        documented.len(),
        ErrorCode::ALL.len(),
        "openapi.yaml lists codes Kiosk never answers"
    );
}
