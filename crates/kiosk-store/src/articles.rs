use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::articles;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = articles)]
pub struct Article {
    pub publisher_id: String,
    pub external_id: String,
    /// `free`, `registered`, `metered` or `premium`.
    pub access: String,
    pub title: Option<String>,
    pub section: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts the article, or updates it in place (keeping `created_at`).
/// Answers true when it was new. Race-free: insert-or-nothing first.
pub fn upsert(conn: &mut DbConnection, article: &Article) -> QueryResult<bool> {
    let inserted = on_each_backend!(conn, |c| diesel::insert_into(articles::table)
        .values(article)
        .on_conflict_do_nothing()
        .execute(c)?);
    if inserted == 1 {
        return Ok(true);
    }
    diesel::update(articles::table.find((&article.publisher_id, &article.external_id)))
        .set((
            articles::access.eq(&article.access),
            articles::title.eq(&article.title),
            articles::section.eq(&article.section),
            articles::published_at.eq(article.published_at),
            articles::updated_at.eq(article.updated_at),
        ))
        .execute(conn)?;
    Ok(false)
}

pub fn find(
    conn: &mut DbConnection,
    publisher_id: &str,
    external_id: &str,
) -> QueryResult<Option<Article>> {
    articles::table
        .find((publisher_id, external_id))
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// The access level of an article, if registered (the hot path's miss).
pub fn access_of(
    conn: &mut DbConnection,
    publisher_id: &str,
    external_id: &str,
) -> QueryResult<Option<String>> {
    articles::table
        .find((publisher_id, external_id))
        .select(articles::access)
        .first(conn)
        .optional()
}

/// Answers true when there was such an article.
pub fn delete(conn: &mut DbConnection, publisher_id: &str, external_id: &str) -> QueryResult<bool> {
    diesel::delete(articles::table.find((publisher_id, external_id)))
        .execute(conn)
        .map(|n| n > 0)
}
