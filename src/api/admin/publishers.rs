//! `/v1/admin/publishers`: the titles Kiosk guards.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::api::json::Json;
use crate::api::pagination::{Page, PageRequest};
use crate::auth::api_keys::AdminAuth;
use crate::db::publishers::{self, Publisher};
use crate::db::{is_unique_violation, DbConnection};
use crate::domain::slug::Slug;
use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::publisher_input::{PublisherInput, PublisherPatch};
use super::views::PublisherView;
use super::{found, record, Admin};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub after: Option<String>,
}

/// Finds a publisher by the slug in a path; a slug that cannot exist is
/// simply not found.
pub fn by_slug(conn: &mut DbConnection, slug: &str) -> Result<Publisher, ApiError> {
    let slug = Slug::parse(slug).map_err(|_| ApiError::not_found("No such publisher."))?;
    found(publishers::find_by_slug(conn, slug.as_str())?, "publisher")
}

pub async fn create(
    state: web::Data<AppState>,
    request: Admin<Json<PublisherInput>>,
) -> ApiResult<HttpResponse> {
    let Admin { auth, inner: body } = request;
    let now = state.now();
    let publisher = body.into_inner().into_publisher(&state.settings, now)?;
    let view = state
        .db
        .write(move |conn| {
            publishers::insert(conn, &publisher).map_err(|e| {
                if is_unique_violation(&e) {
                    ApiError::new(ErrorCode::SlugTaken, "A publisher with this slug exists.")
                        .with_field("slug")
                } else {
                    e.into()
                }
            })?;
            let view = PublisherView::from(&publisher);
            record(
                conn,
                &auth,
                "publisher.create",
                &publisher.slug,
                None::<&PublisherView>,
                Some(&view),
                now,
            )?;
            Ok(view)
        })
        .await?;
    state.invalidator.catalogue_changed().await;
    Ok(HttpResponse::Created().json(view))
}

pub async fn list(
    state: web::Data<AppState>,
    request: Admin<web::Query<ListQuery>>,
) -> ApiResult<HttpResponse> {
    let ListQuery { limit, after } = request.inner.into_inner();
    let page = PageRequest::parse(limit, after)?;
    let rows = {
        let page = page.clone();
        state
            .db
            .run(move |conn| Ok(publishers::page(conn, page.after(), page.fetch())?))
            .await?
    };
    let page = Page::from_rows(rows, &page, |p| p.id.clone(), |p| PublisherView::from(&p));
    Ok(HttpResponse::Ok().json(page))
}

pub async fn show(
    state: web::Data<AppState>,
    _auth: AdminAuth,
    slug: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = slug.into_inner();
    let publisher = state.db.run(move |conn| by_slug(conn, &slug)).await?;
    Ok(HttpResponse::Ok().json(PublisherView::from(&publisher)))
}

pub async fn update(
    state: web::Data<AppState>,
    request: Admin<Json<PublisherPatch>>,
    slug: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Admin { auth, inner: body } = request;
    let (slug, patch, now) = (slug.into_inner(), body.into_inner(), state.now());
    let view = state
        .db
        .write(move |conn| {
            let current = by_slug(conn, &slug)?;
            let next = patch.apply(&current, now)?;
            publishers::update(conn, &next)?;
            let (before, after) = (PublisherView::from(&current), PublisherView::from(&next));
            record(
                conn,
                &auth,
                "publisher.update",
                &next.slug,
                Some(&before),
                Some(&after),
                now,
            )?;
            Ok(after)
        })
        .await?;
    state.invalidator.catalogue_changed().await;
    Ok(HttpResponse::Ok().json(view))
}
