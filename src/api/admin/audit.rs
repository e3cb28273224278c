//! `GET /v1/admin/audit`: who changed what, newest first.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::api::pagination::{Page, PageRequest};
use crate::db::audit::{self, AuditFilter};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::views::AuditEntryView;
use super::Admin;

const MAX_FILTER_LEN: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Exact actor, e.g. `admin_key:key_…` or `cli`.
    pub actor: Option<String>,
    /// Exact action, e.g. `plan.create`.
    pub action: Option<String>,
    /// Exact target: a slug, code or id.
    pub target: Option<String>,
    /// RFC 3339; entries at or after.
    pub since: Option<String>,
    /// RFC 3339; entries strictly before.
    pub until: Option<String>,
    pub limit: Option<i64>,
    /// Cursor: entries older than this one.
    pub after: Option<String>,
}

fn text(value: Option<String>, field: &'static str) -> Result<Option<String>, ApiError> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) if v.len() > MAX_FILTER_LEN || v.chars().any(char::is_control) => Err(
            ApiError::validation(field, format!("{field} is too long or not plain text.")),
        ),
        v => Ok(v),
    }
}

/// An empty value is not a time: `?until=` is refused like `?until=soon`.
fn time(value: Option<String>, field: &'static str) -> Result<Option<DateTime<Utc>>, ApiError> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(&v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::validation(
                        field,
                        format!("{field} must be an RFC 3339 time, e.g. 2026-03-10T09:00:00Z."),
                    )
                })
        })
        .transpose()
}

impl AuditQuery {
    fn parse(self) -> Result<(AuditFilter, PageRequest), ApiError> {
        let filter = AuditFilter {
            actor: text(self.actor, "actor")?,
            action: text(self.action, "action")?,
            target: text(self.target, "target")?,
            since: time(self.since, "since")?.map(|t| t.naive_utc()),
            until: time(self.until, "until")?.map(|t| t.naive_utc()),
        };
        Ok((filter, PageRequest::parse(self.limit, self.after)?))
    }
}

pub async fn list(
    state: web::Data<AppState>,
    request: Admin<web::Query<AuditQuery>>,
) -> ApiResult<HttpResponse> {
    let (filter, page) = request.inner.into_inner().parse()?;
    let rows = {
        let page = page.clone();
        state
            .db
            .run(move |conn| Ok(audit::page(conn, &filter, page.after(), page.fetch())?))
            .await?
    };
    let page = Page::from_rows(rows, &page, |e| e.id.clone(), AuditEntryView::from);
    Ok(HttpResponse::Ok().json(page))
}
