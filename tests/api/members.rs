//! Sign-up: emails normalised and unique, passwords bounded and exact.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{problem_code, spawn_app, Backend, TestApp};

pub async fn member_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        kiosk::db::schema::members::table
            .count()
            .get_result::<i64>(conn)
            .expect("count members")
    })
    .await
}

/// Reads a 4xx problem and returns (code, field).
async fn problem(response: reqwest::Response) -> (u16, String, Option<String>) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body: serde_json::Value = serde_json::from_str(&text).expect("problem json");
    let field = body["field"].as_str().map(str::to_owned);
    (
        status,
        body["code"].as_str().unwrap_or_default().to_owned(),
        field,
    )
}

async fn sign_up_returns_member_and_tokens(backend: Backend) {
    let app = spawn_app(backend).await;

    let response = app
        .sign_up_response("  Reader@Example.COM ", "correct horse battery")
        .await;

    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["member"]["email"], "reader@example.com");
    assert_eq!(body["member"]["status"], "active");
    assert!(body["member"]["created_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["access_token"]
        .as_str()
        .is_some_and(|t| t.split('.').count() == 3));
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 43));
    assert!(body["member"]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("mem_")));
    assert!(body["member"].get("password_hash").is_none());
}

async fn taken_email_in_any_case_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_up("reader@example.com", "correct horse battery")
        .await;

    let again = app
        .sign_up_response(" READER@example.com", "another password")
        .await;

    assert_eq!(again.status(), 409);
    assert_eq!(problem_code(again).await, "email_taken");
    assert_eq!(member_count(&app).await, 1);
    app.sign_in("reader@example.com", "correct horse battery")
        .await;
    let hijack = app
        .sign_in_response("reader@example.com", "another password")
        .await;
    assert_eq!(
        hijack.status(),
        401,
        "the first account's password is unchanged"
    );
}

async fn weak_passwords_are_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;

    for weak in ["", "short", "1234567", "ééééééé", "       "] {
        let response = app.sign_up_response("reader@example.com", weak).await;
        let (status, code, field) = problem(response).await;
        assert_eq!((status, code.as_str()), (422, "weak_password"), "{weak:?}");
        assert_eq!(field.as_deref(), Some("password"));
    }

    assert_eq!(member_count(&app).await, 0);
    app.sign_up("reader@example.com", "12345678").await;
}

async fn long_unicode_passwords_are_compared_exactly(backend: Backend) {
    let app = spawn_app(backend).await;
    let password = "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich — 🐴🔋📎 ";
    assert!(password.chars().count() >= 64);
    app.sign_up("reader@example.com", password).await;
    let composed_e = "café au lait at dawn";
    app.sign_up("second@example.com", composed_e).await;

    let exact = app.sign_in_response("reader@example.com", password).await;
    let one_changed = password.replacen('ö', "o", 1);
    let trimmed = password.trim_end().to_owned();
    let upper = password.replacen('Z', "z", 1);
    let decomposed = composed_e.replace('é', "e\u{301}");

    assert_eq!(exact.status(), 200);
    for (wrong, email) in [
        (one_changed.as_str(), "reader@example.com"),
        (trimmed.as_str(), "reader@example.com"),
        (upper.as_str(), "reader@example.com"),
        (decomposed.as_str(), "second@example.com"),
    ] {
        let response = app.sign_in_response(email, wrong).await;
        assert_eq!(response.status(), 401, "{wrong:?}");
        assert_eq!(problem_code(response).await, "invalid_credentials");
    }
}

async fn oversized_passwords_are_refused_before_hashing(backend: Backend) {
    let app = spawn_app(backend).await;
    let megabyte = "p".repeat(1024 * 1024);
    let two_kb = "p".repeat(2048);

    for path in ["/v1/members", "/v1/sessions"] {
        let body = json!({ "email": "reader@example.com", "password": megabyte });
        let (status, code, _) = problem(app.post_json(path, &body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (413, "payload_too_large"),
            "{path}"
        );

        let body = json!({ "email": "reader@example.com", "password": two_kb });
        let (status, code, field) = problem(app.post_json(path, &body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (422, "password_too_long"),
            "{path}"
        );
        assert_eq!(field.as_deref(), Some("password"));
    }
    assert_eq!(member_count(&app).await, 0);
}

async fn malformed_emails_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let huge = format!("{}@example.com", "a".repeat(10_000));
    let long_domain = format!("reader@{}.com", "d".repeat(250));
    let cases = [
        "",
        "   ",
        "reader",
        "reader@",
        "@example.com",
        "reader@localhost",
        "two@@example.com",
        "rea der@example.com",
        "reader\0@example.com",
        "reader@example.com\0",
        "reader\n@example.com",
        "<script>@example.com",
        huge.as_str(),
        long_domain.as_str(),
    ];

    for email in cases {
        let response = app.sign_up_response(email, "correct horse battery").await;
        let (status, code, field) = problem(response).await;
        assert_eq!(
            (status, code.as_str()),
            (422, "validation_failed"),
            "{email:.40?}"
        );
        assert_eq!(field.as_deref(), Some("email"), "{email:.40?}");
    }
    let nul_password = app
        .sign_up_response("reader@example.com", "correct\0horse battery")
        .await;
    assert_eq!(nul_password.status(), 422);
    assert_eq!(member_count(&app).await, 0);
}

async fn unknown_missing_or_mistyped_fields_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        json!({ "email": "reader@example.com", "password": "correct horse battery", "status": "active" }),
        json!({ "email": "reader@example.com", "password": "correct horse battery", "id": "mem_1" }),
        json!({ "email": "reader@example.com" }),
        json!({ "password": "correct horse battery" }),
        json!({ "email": 42, "password": "correct horse battery" }),
        json!({ "email": "reader@example.com", "password": null }),
        json!({ "email": ["reader@example.com"], "password": "correct horse battery" }),
        json!([]),
        json!("reader@example.com"),
    ];

    for body in &cases {
        for path in ["/v1/members", "/v1/sessions"] {
            let response = app.post_json(path, body).await;
            assert_eq!(response.status(), 422, "{path} {body}");
            assert_eq!(problem_code(response).await, "validation_failed");
        }
    }
    assert_eq!(member_count(&app).await, 0);
}

/// One address, one account, however it is spelled: compatibility forms
/// (fullwidth letters, ligatures) fold into the plain address, and a local
/// part or domain label mixing scripts (a Cyrillic `а` among Latin letters)
/// is refused.
async fn lookalike_addresses_are_folded_or_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_up("paypal@example.com", "correct horse battery")
        .await;

    for fullwidth in [
        "\u{FF50}aypal@example.com",
        "ＰＡＹＰＡＬ＠ＥＸＡＭＰＬＥ．ＣＯＭ",
    ] {
        let response = app.sign_up_response(fullwidth, "another password").await;
        assert_eq!(response.status(), 409, "{fullwidth:?}");
        assert_eq!(problem_code(response).await, "email_taken");
    }
    for mixed in ["p\u{430}ypal@example.com", "paypal@ex\u{430}mple.com"] {
        let response = app.sign_up_response(mixed, "another password").await;
        let (status, code, field) = problem(response).await;
        assert_eq!(
            (status, code.as_str()),
            (422, "validation_failed"),
            "{mixed:?}"
        );
        assert_eq!(field.as_deref(), Some("email"), "{mixed:?}");
    }
    app.sign_up(
        "\u{43F}\u{430}\u{439}\u{43F}\u{430}\u{43B}@example.com",
        "correct horse battery",
    )
    .await;

    assert_eq!(member_count(&app).await, 2);
    app.sign_in("\u{FF50}aypal@example.com", "correct horse battery")
        .await;
}

both_backends!(
    lookalike_addresses_are_folded_or_refused,
    sign_up_returns_member_and_tokens,
    taken_email_in_any_case_is_a_conflict,
    weak_passwords_are_refused_and_nothing_is_stored,
    long_unicode_passwords_are_compared_exactly,
    oversized_passwords_are_refused_before_hashing,
    malformed_emails_are_refused,
    unknown_missing_or_mistyped_fields_are_refused
);
