//! Names and titles that render one way and are stored another: control
//! characters and format characters (a right-to-left override, isolates,
//! zero-width characters) are refused in every free-text field, by name.

use serde_json::{json, Value};

use crate::admin_support::{create_plan, create_publisher, patch, plan_body, post, problem};
use crate::both_backends;
use crate::helpers::{post_bearer, spawn_app, Backend, TestApp};

const INVISIBLE: [&str; 4] = [
    "The Daily\u{202E}sweN",
    "\u{200B}The Daily",
    "The \u{2066}Daily\u{2069}",
    "The\u{7}Daily",
];

async fn refused(response: reqwest::Response, field: &str, case: &str) {
    let (status, code, named) = problem(response).await;
    assert_eq!(
        (status, code.as_str()),
        (422, "validation_failed"),
        "{case}"
    );
    assert_eq!(named.as_deref(), Some(field), "{case}");
}

fn with(mut body: Value, field: &str, text: &str) -> Value {
    body[field] = json!(text);
    body
}

async fn publisher_names_refuse_invisible_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    create_publisher(&app, &admin, "daily").await;

    for text in INVISIBLE {
        let body = json!({ "slug": "weekly", "name": text });
        let created = post(&app, &admin, "/v1/admin/publishers", &body).await;
        refused(created, "name", &format!("create {text:?}")).await;
        let body = json!({ "name": text });
        let changed = patch(&app, &admin, "/v1/admin/publishers/daily", &body).await;
        refused(changed, "name", &format!("patch {text:?}")).await;
        let body = json!({ "name": text });
        let key = post(&app, &admin, "/v1/admin/publishers/daily/keys", &body).await;
        refused(key, "name", &format!("key {text:?}")).await;
    }
    let listed = app.get_bearer("/v1/admin/publishers", &admin).await;
    let listed: Value = listed.json().await.expect("json");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
}

async fn plan_names_and_descriptions_refuse_invisible_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_key().await;
    create_plan(&app, &admin, "monthly", json!("*")).await;

    for text in INVISIBLE {
        for field in ["name", "description"] {
            let body = with(plan_body("weekly", json!("*")), field, text);
            let created = post(&app, &admin, "/v1/admin/plans", &body).await;
            refused(created, field, &format!("create {field} {text:?}")).await;
            let body = with(json!({}), field, text);
            let changed = patch(&app, &admin, "/v1/admin/plans/monthly", &body).await;
            refused(changed, field, &format!("patch {field} {text:?}")).await;
        }
    }
}

async fn put_article(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url("/v1/articles/budget-day"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("request")
}

async fn article_titles_and_sections_refuse_invisible_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let publisher_id = app.seed_publisher("daily").await;
    let key = app.publisher_key(&publisher_id).await;

    for text in INVISIBLE {
        for field in ["title", "section"] {
            let body = with(json!({ "access": "premium" }), field, text);
            let put = put_article(&app, &key, &body).await;
            refused(put, field, &format!("put {field} {text:?}")).await;
            let article = with(json!({ "id": "a", "access": "free" }), field, text);
            let body = json!({ "articles": [article] });
            let batch = post_bearer(&app, "/v1/articles/batch", &key, &body).await;
            refused(batch, field, &format!("batch {field} {text:?}")).await;
        }
    }
    let read = app
        .get_bearer("/v1/articles/budget-day", &key)
        .await
        .status();
    assert_eq!(read, 404, "nothing stored");
}

both_backends!(
    publisher_names_refuse_invisible_characters,
    plan_names_and_descriptions_refuse_invisible_characters,
    article_titles_and_sections_refuse_invisible_characters
);
