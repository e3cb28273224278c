use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::post_bearer;
use crate::helpers::{problem_code, Backend};
use crate::paywall::{paywall, put_article, Paywall, PASSWORD};

async fn put_creates_then_updates_and_get_shows_it(backend: Backend) {
    let pw = paywall(backend).await;
    let body = json!({
        "access": "metered", "title": "Budget day", "section": "politics",
        "published_at": "2026-03-09T08:00:00Z"
    });
    let url = pw.app.url("/v1/articles/budget-day");

    let created = pw
        .app
        .client
        .put(&url)
        .bearer_auth(&pw.key)
        .json(&body)
        .send()
        .await
        .expect("put");
    let updated = pw.put_article("budget-day", "premium").await;
    let shown = pw
        .app
        .client
        .get(&url)
        .bearer_auth(&pw.key)
        .send()
        .await
        .expect("get");

    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    assert_eq!(created["title"], "Budget day");
    assert_eq!(created["published_at"], "2026-03-09T08:00:00Z");
    assert_eq!(updated.status(), 200);
    assert_eq!(shown.status(), 200);
    let shown: Value = shown.json().await.expect("json");
    assert_eq!(shown["id"], "budget-day");
    assert_eq!(shown["access"], "premium");
    assert_eq!(
        shown["title"],
        Value::Null,
        "a PUT replaces the whole article"
    );
}

async fn delete_answers_204_then_404(backend: Backend) {
    let pw = paywall(backend).await;
    pw.put_article("gone", "free").await;
    let url = pw.app.url("/v1/articles/gone");
    let delete = || pw.app.client.delete(&url).bearer_auth(&pw.key).send();

    let first = delete().await.expect("delete");
    let second = delete().await.expect("delete");
    let get = pw
        .app
        .client
        .get(&url)
        .bearer_auth(&pw.key)
        .send()
        .await
        .expect("get");
    let decision = pw.check(json!({ "article_id": "gone" })).await;

    assert_eq!(first.status(), 204);
    assert_eq!(second.status(), 404);
    assert_eq!(problem_code(second).await, "not_found");
    assert_eq!(get.status(), 404);
    assert_eq!(
        decision["access"], "premium",
        "back to the publisher default"
    );
}

async fn bad_article_input_is_422(backend: Backend) {
    let pw = paywall(backend).await;
    let too_long = "a".repeat(257);
    let longest = "a".repeat(256);
    let put = |id: String, body: Value| {
        pw.app
            .client
            .put(pw.app.url(&format!("/v1/articles/{id}")))
            .bearer_auth(&pw.key)
            .json(&body)
            .send()
    };

    let cases = [
        (too_long, json!({ "access": "free" })),
        ("line%0Abreak".to_owned(), json!({ "access": "free" })),
        ("ok".to_owned(), json!({ "access": "secret" })),
        (
            "ok".to_owned(),
            json!({ "access": "free", "publisher_id": "pub_x" }),
        ),
        (
            "ok".to_owned(),
            json!({ "access": "free", "title": "t".repeat(1001) }),
        ),
        (
            "ok".to_owned(),
            json!({ "access": "free", "published_at": "yesterday" }),
        ),
        ("ok".to_owned(), json!({})),
    ];
    for (id, body) in cases {
        let response = put(id.clone(), body.clone()).await.expect("put");
        assert_eq!(response.status(), 422, "{id} {body}");
        assert_eq!(problem_code(response).await, "validation_failed");
    }
    let accepted = put(longest, json!({ "access": "free" }))
        .await
        .expect("put");
    assert_eq!(accepted.status(), 201);
}

async fn another_publishers_article_is_404(backend: Backend) {
    let pw = paywall(backend).await;
    let other_id = pw.app.seed_publisher("the-other").await;
    let other_key = pw.app.publisher_key(&other_id).await;
    pw.put_article("scoop", "free").await;
    let url = pw.app.url("/v1/articles/scoop");

    let get = pw
        .app
        .client
        .get(&url)
        .bearer_auth(&other_key)
        .send()
        .await
        .expect("get");
    let delete = pw
        .app
        .client
        .delete(&url)
        .bearer_auth(&other_key)
        .send()
        .await
        .expect("del");
    let own = put_article(&pw.app, &other_key, "scoop", "premium").await;
    let mine = pw
        .app
        .client
        .get(&url)
        .bearer_auth(&pw.key)
        .send()
        .await
        .expect("get");

    assert_eq!(get.status(), 404);
    assert_eq!(delete.status(), 404);
    assert_eq!(
        own.status(),
        201,
        "the other publisher's own article of that id"
    );
    let mine: Value = mine.json().await.expect("json");
    assert_eq!(mine["access"], "free", "untouched by the other publisher");
}

async fn batch_writes_all_or_nothing(backend: Backend) {
    let pw = paywall(backend).await;
    let pw_ref = &pw;
    let batch = |body: Value| async move {
        post_bearer(&pw_ref.app, "/v1/articles/batch", &pw_ref.key, &body).await
    };
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({ "id": format!("a{i}"), "access": "free" }))
        .collect();

    let ok = batch(json!({ "articles": [
        { "id": "one", "access": "free" },
        { "id": "two", "access": "metered", "section": "sport" },
    ]}))
    .await;
    let again = batch(json!({ "articles": [
        { "id": "two", "access": "premium" },
        { "id": "three", "access": "free" },
    ]}))
    .await;
    let half_bad = batch(json!({ "articles": [
        { "id": "four", "access": "free" },
        { "id": "five", "access": "nope" },
    ]}))
    .await;
    let too_many = batch(json!({ "articles": many[..1001] })).await;
    let at_limit = batch(json!({ "articles": many[..1000] })).await;
    let empty = batch(json!({ "articles": [] })).await;
    let four = pw
        .app
        .client
        .get(pw.app.url("/v1/articles/four"))
        .bearer_auth(&pw.key)
        .send()
        .await
        .expect("get");
    let two = pw.check(json!({ "article_id": "two" })).await;

    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<Value>().await.expect("json"),
        json!({ "created": 2, "updated": 0 })
    );
    assert_eq!(
        again.json::<Value>().await.expect("json"),
        json!({ "created": 1, "updated": 1 })
    );
    assert_eq!(half_bad.status(), 422);
    assert_eq!(problem_code(half_bad).await, "validation_failed");
    assert_eq!(four.status(), 404, "nothing of a rejected batch is written");
    assert_eq!(too_many.status(), 422);
    assert_eq!(at_limit.status(), 200);
    assert_eq!(empty.status(), 422);
    assert_eq!(two["access"], "premium");
}

async fn article_routes_need_a_publisher_key(backend: Backend) {
    let pw = paywall(backend).await;
    let member = pw.app.sign_up("reader@example.com", PASSWORD).await;
    let admin = pw.app.admin_key().await;
    let url = pw.app.url("/v1/articles/x");

    let none = pw.app.client.get(&url).send().await.expect("get");
    let token = pw
        .app
        .get_bearer("/v1/articles/x", &member.access_token)
        .await;
    let admin = pw.app.get_bearer("/v1/articles/x", &admin).await;
    let check = pw
        .app
        .post_json("/v1/access/check", &json!({ "article_id": "x" }))
        .await;

    assert_eq!(none.status(), 401);
    assert_eq!(problem_code(none).await, "invalid_api_key");
    assert_eq!(token.status(), 403);
    assert_eq!(admin.status(), 403);
    assert_eq!(check.status(), 401);
}

/// Writers racing on the same articles, with checks missing the cache
/// between them: afterwards every check answers the level stored.
async fn the_cache_agrees_with_the_database_after_racing_writes(backend: Backend) {
    let pw = paywall(backend).await;
    let ids: Vec<String> = (0..24).map(|i| format!("race-{i}")).collect();
    for round in 0..4 {
        let writes = ids.iter().flat_map(|id| {
            (0..8).map(move |writer| {
                let level = if (writer + round) % 2 == 0 {
                    "free"
                } else {
                    "premium"
                };
                (id.clone(), level)
            })
        });
        let writes = futures_util::future::join_all(writes.map(|(id, level)| {
            let pw = &pw;
            async move { pw.put_article(&id, level).await.status().as_u16() }
        }));
        let checks = futures_util::future::join_all(
            ids.iter()
                .map(|id| pw.check(json!({ "article_id": id, "visitor_id": "v" }))),
        );
        let (statuses, _) = tokio::join!(writes, checks);
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 201),
            "{statuses:?}"
        );

        for id in &ids {
            let stored = stored_access(&pw, id).await;
            let served = pw
                .check(json!({ "article_id": id, "visitor_id": "v" }))
                .await;
            assert_eq!(served["access"], stored.as_str(), "{id} in round {round}");
        }
    }
}

async fn stored_access(pw: &Paywall, id: &str) -> String {
    let (publisher_id, id) = (pw.publisher_id.clone(), id.to_owned());
    pw.app
        .with_conn(move |conn| {
            kiosk::db::articles::access_of(conn, &publisher_id, &id)
                .expect("read")
                .expect("stored")
        })
        .await
}

/// Stored values Kiosk cannot read close the paywall, never open it: an
/// unreadable article level answers premium (not the publisher's `free`
/// default), an unreadable default access answers premium too.
async fn unreadable_stored_levels_answer_premium(backend: Backend) {
    use diesel::prelude::*;
    use kiosk::db::schema::{articles, publishers};
    let pw = paywall(backend).await;
    pw.put_article("garbled", "free").await;
    let id = pw.publisher_id.clone();
    pw.app
        .with_conn(move |conn| {
            diesel::update(publishers::table.find(&id))
                .set(publishers::default_access.eq("free"))
                .execute(conn)
                .expect("publisher");
            diesel::update(articles::table.filter(articles::external_id.eq("garbled")))
                .set(articles::access.eq("fre e"))
                .execute(conn)
                .expect("article")
        })
        .await;
    pw.app.state.invalidator.catalogue_changed().await;
    pw.app
        .state
        .invalidator
        .article_changed(&pw.publisher_id, "garbled")
        .await;

    let garbled = pw.check(json!({ "article_id": "garbled" })).await;
    let unknown = pw.check(json!({ "article_id": "never-registered" })).await;

    assert_eq!(garbled["access"], "premium");
    assert_eq!(garbled["allowed"], false);
    assert_eq!(
        unknown["access"], "free",
        "the readable default still applies"
    );

    let id = pw.publisher_id.clone();
    pw.app
        .with_conn(move |conn| {
            diesel::update(publishers::table.find(&id))
                .set(publishers::default_access.eq("gratis"))
                .execute(conn)
                .expect("publisher")
        })
        .await;
    pw.app.state.invalidator.catalogue_changed().await;
    let unknown = pw.check(json!({ "article_id": "never-registered" })).await;
    assert_eq!(unknown["access"], "premium");
}

both_backends!(
    unreadable_stored_levels_answer_premium,
    the_cache_agrees_with_the_database_after_racing_writes,
    put_creates_then_updates_and_get_shows_it,
    delete_answers_204_then_404,
    bad_article_input_is_422,
    another_publishers_article_is_404,
    batch_writes_all_or_nothing,
    article_routes_need_a_publisher_key,
);
