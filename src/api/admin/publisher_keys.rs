//! `/v1/admin/publishers/{slug}/keys`: the API keys a publisher backend
//! calls Kiosk with. A key's text is answered once, at creation; lists show
//! only its id, name and use.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::api::json::Json;
use crate::api::pagination::{Page, PageRequest};
use crate::auth::api_keys::{self as keys, AdminAuth, KeyKind};
use crate::cache::Invalidation;
use crate::db::api_keys;
use crate::domain::text::Name;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::publishers::{by_slug, ListQuery};
use super::views::ApiKeyView;
use super::{record, Admin};

pub const MAX_KEY_NAME_CHARS: usize = 100;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    pub name: String,
}

#[derive(Serialize)]
struct CreatedKey {
    #[serde(flatten)]
    view: ApiKeyView,
    /// The full key, shown this once.
    key: String,
}

pub async fn create(
    state: web::Data<AppState>,
    request: Admin<Json<KeyInput>>,
    slug: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Admin { auth, inner: body } = request;
    let name = Name::parse_bounded(&body.name, "name", MAX_KEY_NAME_CHARS)?;
    let (slug, now) = (slug.into_inner(), state.now());
    let created = state
        .db
        .write(move |conn| {
            let publisher = by_slug(conn, &slug)?;
            let (key, text) = keys::create(
                conn,
                KeyKind::Publisher,
                Some(&publisher.id),
                name.as_str(),
                now,
            )?;
            let view = ApiKeyView::new(&key, Some(&publisher.slug));
            record(
                conn,
                &auth,
                "publisher_key.create",
                &key.id,
                None::<&ApiKeyView>,
                Some(&view),
                now,
            )?;
            Ok(CreatedKey { view, key: text })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(created))
}

pub async fn list(
    state: web::Data<AppState>,
    request: Admin<web::Query<ListQuery>>,
    slug: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ListQuery { limit, after } = request.inner.into_inner();
    let page = PageRequest::parse(limit, after)?;
    let slug = slug.into_inner();
    let (publisher, rows) = {
        let page = page.clone();
        state
            .db
            .run(move |conn| {
                let publisher = by_slug(conn, &slug)?;
                let rows =
                    api_keys::page_for_publisher(conn, &publisher.id, page.after(), page.fetch())?;
                Ok((publisher, rows))
            })
            .await?
    };
    let page = Page::from_rows(
        rows,
        &page,
        |k| k.id.clone(),
        |k| ApiKeyView::new(&k, Some(&publisher.slug)),
    );
    Ok(HttpResponse::Ok().json(page))
}

/// Revokes a key at once; revoking a revoked key changes nothing and
/// answers the key as it is.
pub async fn revoke(
    state: web::Data<AppState>,
    auth: AdminAuth,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (slug, key_id) = path.into_inner();
    let now = state.now();
    let view = state
        .db
        .write(move |conn| {
            let publisher = by_slug(conn, &slug)?;
            let key = api_keys::find(conn, &key_id)?
                .filter(|k| {
                    k.kind == "publisher" && k.publisher_id.as_deref() == Some(&publisher.id)
                })
                .ok_or_else(|| ApiError::not_found("No such key."))?;
            api_keys::revoke(conn, &key.id, now.naive_utc())?;
            Invalidation::ApiKey(key.id.clone()).notify_in(conn)?;
            let after = api_keys::find(conn, &key.id)?
                .ok_or_else(|| ApiError::not_found("No such key."))?;
            let before = ApiKeyView::new(&key, Some(&publisher.slug));
            let after = ApiKeyView::new(&after, Some(&publisher.slug));
            record(
                conn,
                &auth,
                "publisher_key.revoke",
                &key.id,
                Some(&before),
                Some(&after),
                now,
            )?;
            Ok(after)
        })
        .await?;
    state.caches.api_keys.forget(&view.id);
    Ok(HttpResponse::Ok().json(view))
}
