//! `GET /v1/plans`: the public catalogue of active plans, for paywall
//! offers. No credential needed.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::api::admin::plans::views;
use crate::api::pagination::{Page, PageRequest};
use crate::db::plans;
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueQuery {
    pub limit: Option<i64>,
    pub after: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<CatalogueQuery>,
) -> ApiResult<HttpResponse> {
    let CatalogueQuery { limit, after } = query.into_inner();
    let page = PageRequest::parse(limit, after)?;
    let page = state
        .db
        .run(move |conn| {
            let rows = plans::page(conn, page.after(), page.fetch(), true)?;
            let rows = Page::from_rows(rows, &page, |p| p.id.clone(), |p| p);
            Ok(Page {
                data: views(conn, rows.data)?,
                next_cursor: rows.next_cursor,
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=60"))
        .json(page))
}
