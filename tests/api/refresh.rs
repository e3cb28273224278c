//! Refresh-token rotation, reuse detection and expiry.

use chrono::Duration;

use crate::both_backends;
use crate::forge::claims_of;
use crate::helpers::{problem_code, spawn_app, Backend, TestApp};
use crate::sessions::disable;

const PASSWORD: &str = "correct horse battery";

/// Families of the member that still hold a usable (not revoked, not yet
/// rotated) refresh token.
async fn live_families(app: &TestApp, member_id: &str) -> Vec<String> {
    let id = member_id.to_owned();
    let mut families = app
        .with_conn(move |conn| {
            use diesel::prelude::*;
            use kiosk::db::schema::sessions;
            sessions::table
                .filter(sessions::member_id.eq(id))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::replaced_by.is_null())
                .select(sessions::family_id)
                .load::<String>(conn)
                .expect("sessions")
        })
        .await;
    families.sort();
    families.dedup();
    families
}

async fn refresh_rotates_the_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.sign_up("reader@example.com", PASSWORD).await;

    let response = app.refresh_response(&first.refresh_token).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.expect("json");
    let access = body["access_token"].as_str().expect("access token");
    let refresh = body["refresh_token"].as_str().expect("refresh token");
    assert_ne!(refresh, first.refresh_token);
    assert_eq!(body["member"]["id"], first.member_id.as_str());
    assert_eq!(body["expires_in"], 900);
    assert_eq!(
        claims_of(access)["sid"],
        claims_of(&first.access_token)["sid"]
    );
    assert_eq!(app.get_bearer("/v1/me", access).await.status(), 200);
    assert_eq!(live_families(&app, &first.member_id).await.len(), 1);
}

async fn reuse_after_grace_revokes_the_whole_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.sign_up("reader@example.com", PASSWORD).await;
    let other = app.sign_in("reader@example.com", PASSWORD).await;

    let second = app.refresh(&first.refresh_token).await;
    app.clock.advance(Duration::seconds(11));
    let reuse = app.refresh_response(&first.refresh_token).await;
    let newest = app.refresh_response(&second.refresh_token).await;

    assert_ne!(first.refresh_token, second.refresh_token);
    assert_eq!(reuse.status(), 401);
    assert_eq!(problem_code(reuse).await, "refresh_reused");
    assert_eq!(newest.status(), 401, "the family's newest token dies too");
    let other_family = claims_of(&other.access_token)["sid"]
        .as_str()
        .map(str::to_owned);
    assert_eq!(
        live_families(&app, &first.member_id).await,
        other_family.into_iter().collect::<Vec<_>>(),
        "only the untouched family lives"
    );
}

async fn reuse_within_grace_stays_in_the_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.sign_up("reader@example.com", PASSWORD).await;
    let second = app.refresh(&first.refresh_token).await;

    app.clock.advance(Duration::seconds(5));
    let again = app.refresh(&first.refresh_token).await;

    let family = claims_of(&first.access_token)["sid"].clone();
    assert_eq!(claims_of(&again.access_token)["sid"], family);
    assert_eq!(
        again.refresh_token, second.refresh_token,
        "a repeat within the grace gets the successor already issued"
    );
    assert_eq!(
        app.refresh_response(&second.refresh_token).await.status(),
        200
    );
    assert_eq!(live_families(&app, &first.member_id).await.len(), 1);
}

/// Twenty refreshes of one token at once: every answer carries the same
/// successor, so a replay within the grace joins the holder's chain instead
/// of starting one of its own.
async fn parallel_refreshes_answer_one_successor(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.sign_up("reader@example.com", PASSWORD).await;

    let answers =
        futures_util::future::join_all((0..20).map(|_| app.refresh_response(&first.refresh_token)))
            .await;

    let mut successors = Vec::new();
    for response in answers {
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.expect("json");
        successors.push(body["refresh_token"].as_str().expect("token").to_owned());
    }
    successors.dedup();
    assert_eq!(successors.len(), 1, "one successor: {successors:?}");
    let third = app.refresh(&successors[0]).await;
    app.clock.advance(Duration::seconds(11));
    let replay = app.refresh_response(&successors[0]).await;
    assert_eq!(problem_code(replay).await, "refresh_reused");
    assert_eq!(
        app.refresh_response(&third.refresh_token).await.status(),
        401,
        "the second use of a spent token ends the one chain"
    );
}

async fn sign_out(app: &TestApp, access_token: &str) -> u16 {
    app.sign_out_response(access_token).await.status().as_u16()
}

/// Refresh tokens answered by the calls in `answers`, with the one that was
/// presented: every token of the family a client may hold afterwards.
async fn tokens_held(presented: &str, answers: Vec<reqwest::Response>) -> Vec<String> {
    let mut held = vec![presented.to_owned()];
    for response in answers {
        if response.status() == 200 {
            let body: serde_json::Value = response.json().await.expect("json");
            held.push(body["refresh_token"].as_str().expect("token").to_owned());
        }
    }
    held
}

async fn none_refreshes(app: &TestApp, tokens: &[String]) {
    for token in tokens {
        let response = app.refresh_response(token).await;
        assert_eq!(response.status(), 401, "a token of a revoked family works");
    }
}

/// A sign-out racing refreshes of the same family: afterwards no token of
/// that family refreshes, whichever finished first.
async fn sign_out_racing_refreshes_leaves_no_working_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.sign_up("reader@example.com", PASSWORD).await;
    assert_eq!(sign_out(&app, &first.access_token).await, 204);
    for _ in 0..12 {
        let tokens = app.sign_in("reader@example.com", PASSWORD).await;

        let refreshes = futures_util::future::join_all(
            (0..4).map(|_| app.refresh_response(&tokens.refresh_token)),
        );
        let (answers, signed_out) = tokio::join!(refreshes, sign_out(&app, &tokens.access_token));

        assert_eq!(signed_out, 204);
        let held = tokens_held(&tokens.refresh_token, answers).await;
        none_refreshes(&app, &held).await;
    }
    assert!(live_families(&app, &first.member_id).await.is_empty());
}

/// A replay after the grace (theft detected) racing the holder's refresh of
/// the newest token: afterwards no token of the family refreshes.
async fn reuse_racing_the_holders_refresh_leaves_no_working_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.sign_up("reader@example.com", PASSWORD).await;
    assert_eq!(sign_out(&app, &first.access_token).await, 204);
    for _ in 0..8 {
        let stolen = app.sign_in("reader@example.com", PASSWORD).await;
        let newest = app.refresh(&stolen.refresh_token).await;
        app.clock.advance(Duration::seconds(11));

        let (replay, holder) = tokio::join!(
            app.refresh_response(&stolen.refresh_token),
            app.refresh_response(&newest.refresh_token)
        );

        assert_eq!(problem_code(replay).await, "refresh_reused");
        let held = tokens_held(&newest.refresh_token, vec![holder]).await;
        none_refreshes(&app, &held).await;
    }
    assert!(live_families(&app, &first.member_id).await.is_empty());
}

async fn parallel_refreshes_leave_at_most_one_live_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.sign_up("reader@example.com", PASSWORD).await;

    let answers =
        futures_util::future::join_all((0..6).map(|_| app.refresh_response(&first.refresh_token)))
            .await;

    let mut families = Vec::new();
    for response in answers {
        assert!(
            matches!(response.status().as_u16(), 200 | 401),
            "{}",
            response.status()
        );
        if response.status() == 200 {
            let body: serde_json::Value = response.json().await.expect("json");
            families.push(claims_of(body["access_token"].as_str().expect("token"))["sid"].clone());
        }
    }
    assert!(!families.is_empty(), "at least one refresh succeeds");
    assert!(
        families.iter().all(|f| *f == families[0]),
        "one family: {families:?}"
    );
    assert!(live_families(&app, &first.member_id).await.len() <= 1);

    app.clock.advance(Duration::seconds(11));
    let reuse = app.refresh_response(&first.refresh_token).await;
    assert_eq!(problem_code(reuse).await, "refresh_reused");
    assert!(live_families(&app, &first.member_id).await.is_empty());
}

async fn expired_refresh_token_is_token_expired(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = app.sign_up("reader@example.com", PASSWORD).await;

    app.clock.advance(Duration::days(30) + Duration::seconds(1));
    let response = app.refresh_response(&tokens.refresh_token).await;

    assert_eq!(response.status(), 401);
    assert_eq!(problem_code(response).await, "token_expired");
}

async fn unknown_or_garbage_refresh_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = app.sign_up("reader@example.com", PASSWORD).await;
    let cases = [
        String::new(),
        "x".into(),
        "A".repeat(43),
        "A".repeat(10_000),
        "\0".into(),
        tokens.access_token.clone(),
        format!("{} ", tokens.refresh_token),
    ];

    for token in cases {
        let response = app.refresh_response(&token).await;
        assert_eq!(response.status(), 401, "{token:.20?}");
        assert_eq!(problem_code(response).await, "token_invalid");
    }
    assert_eq!(
        app.refresh_response(&tokens.refresh_token).await.status(),
        200
    );
}

async fn disabled_member_can_neither_refresh_nor_read_me(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = app.sign_up("reader@example.com", PASSWORD).await;
    assert_eq!(
        app.get_bearer("/v1/me", &tokens.access_token)
            .await
            .status(),
        200
    );

    disable(&app, &tokens.member_id).await;
    let refresh = app.refresh_response(&tokens.refresh_token).await;
    let me = app.get_bearer("/v1/me", &tokens.access_token).await;

    assert_eq!(refresh.status(), 401);
    assert_eq!(problem_code(refresh).await, "token_invalid");
    assert_eq!(me.status(), 401);
    assert_eq!(problem_code(me).await, "token_invalid");
}

both_backends!(
    refresh_rotates_the_token,
    reuse_after_grace_revokes_the_whole_family,
    reuse_within_grace_stays_in_the_family,
    parallel_refreshes_answer_one_successor,
    sign_out_racing_refreshes_leaves_no_working_token,
    reuse_racing_the_holders_refresh_leaves_no_working_token,
    parallel_refreshes_leave_at_most_one_live_family,
    expired_refresh_token_is_token_expired,
    unknown_or_garbage_refresh_tokens_are_refused,
    disabled_member_can_neither_refresh_nor_read_me
);
