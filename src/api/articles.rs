//! Publisher backends register their articles' access levels. Each key acts
//! for its own publisher: another publisher's article is simply not there.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::json::Json;
use crate::auth::api_keys::PublisherAuth;
use crate::db::articles::{self, Article};
use crate::domain::access::AccessLevel;
use crate::domain::article::{parse_label, ArticleId};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const MAX_BATCH: usize = 1_000;
const MAX_TITLE: usize = 1_000;
const MAX_SECTION: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    pub access: String,
    pub title: Option<String>,
    pub section: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchArticle {
    pub id: String,
    pub access: String,
    pub title: Option<String>,
    pub section: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    pub articles: Vec<BatchArticle>,
}

#[derive(Serialize)]
struct ArticleView {
    id: String,
    access: String,
    title: Option<String>,
    section: Option<String>,
    published_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Article> for ArticleView {
    fn from(a: Article) -> Self {
        Self {
            id: a.external_id,
            access: a.access,
            title: a.title,
            section: a.section,
            published_at: a.published_at.map(|t| t.and_utc()),
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
        }
    }
}

/// Parses one article into the row to store.
fn to_row(
    publisher_id: &str,
    id: &str,
    input: ArticleInput,
    now: DateTime<Utc>,
) -> ApiResult<Article> {
    let id = ArticleId::parse(id, "article_id")?;
    let access = AccessLevel::parse(&input.access, "access")?;
    let row = Article {
        publisher_id: publisher_id.to_owned(),
        external_id: id.as_str().to_owned(),
        access: access.as_str().to_owned(),
        title: parse_label(input.title.as_deref(), "title", MAX_TITLE)?,
        section: parse_label(input.section.as_deref(), "section", MAX_SECTION)?,
        published_at: input.published_at.map(|t| t.naive_utc()),
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    Ok(row)
}

/// `PUT /v1/articles/{article_id}`: 201 when new, 200 when updated.
pub async fn put(
    state: web::Data<AppState>,
    auth: PublisherAuth,
    path: web::Path<String>,
    body: Json<ArticleInput>,
) -> ApiResult<HttpResponse> {
    let row = to_row(&auth.publisher_id, &path, body.into_inner(), state.now())?;
    let (article, created) = state
        .db
        .write(move |conn| {
            let created = articles::upsert(conn, &row)?;
            let stored = articles::find(conn, &row.publisher_id, &row.external_id)?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("article vanished")))?;
            Ok((stored, created))
        })
        .await?;
    state
        .invalidator
        .article_changed(&auth.publisher_id, &article.external_id)
        .await;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(ArticleView::from(article)))
}

pub async fn show(
    state: web::Data<AppState>,
    auth: PublisherAuth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = ArticleId::parse(&path, "article_id")?;
    let publisher_id = auth.publisher_id;
    let article = state
        .db
        .run(move |conn| Ok(articles::find(conn, &publisher_id, id.as_str())?))
        .await?
        .ok_or_else(|| ApiError::not_found("No such article."))?;
    Ok(HttpResponse::Ok().json(ArticleView::from(article)))
}

/// Deleting an article makes it take the publisher's default access again.
pub async fn delete(
    state: web::Data<AppState>,
    auth: PublisherAuth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = ArticleId::parse(&path, "article_id")?;
    let (publisher_id, article_id) = (auth.publisher_id.clone(), id.as_str().to_owned());
    let existed = state
        .db
        .write(move |conn| Ok(articles::delete(conn, &publisher_id, &article_id)?))
        .await?;
    if !existed {
        return Err(ApiError::not_found("No such article."));
    }
    state
        .invalidator
        .article_changed(&auth.publisher_id, id.as_str())
        .await;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v1/articles/batch`: up to 1,000 articles, all or nothing.
pub async fn batch(
    state: web::Data<AppState>,
    auth: PublisherAuth,
    body: Json<BatchInput>,
) -> ApiResult<HttpResponse> {
    let items = body.into_inner().articles;
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::validation(
            "articles",
            format!("Send 1 to {MAX_BATCH} articles at once."),
        ));
    }
    let now = state.now();
    let mut rows = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let input = ArticleInput {
            access: item.access,
            title: item.title,
            section: item.section,
            published_at: item.published_at,
        };
        let parsed = to_row(&auth.publisher_id, &item.id, input, now).map_err(|mut e| {
            e.detail = format!("articles[{index}]: {}", e.detail);
            e
        })?;
        rows.push(parsed);
    }
    let stored = rows.clone();
    let created = state
        .db
        .write(move |conn| {
            let mut created = 0;
            for row in &stored {
                created += usize::from(articles::upsert(conn, row)?);
            }
            Ok(created)
        })
        .await?;
    let updated = rows.len() - created;
    let changes = rows.into_iter().map(|row| row.external_id).collect();
    state
        .invalidator
        .articles_changed(&auth.publisher_id, changes)
        .await;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "created": created,
        "updated": updated,
    })))
}
