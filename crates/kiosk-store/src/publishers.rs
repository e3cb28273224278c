use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::publishers;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = publishers)]
pub struct Publisher {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub default_access: String,
    pub meter_limit_anonymous: i32,
    pub meter_limit_registered: i32,
    /// `month` (calendar month, UTC), `week` or `day`.
    pub meter_period: String,
    /// JSON array of origins allowed to call the front-end route.
    pub allowed_origins: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Checks for articles never registered answer 404 and record nothing.
    pub registered_articles_only: bool,
}

pub fn insert(conn: &mut DbConnection, publisher: &Publisher) -> QueryResult<()> {
    diesel::insert_into(publishers::table)
        .values(publisher)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Publisher>> {
    publishers::table
        .find(id)
        .select(Publisher::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Publisher>> {
    publishers::table
        .filter(publishers::slug.eq(slug))
        .select(Publisher::as_select())
        .first(conn)
        .optional()
}

pub fn list_all(conn: &mut DbConnection) -> QueryResult<Vec<Publisher>> {
    publishers::table
        .order(publishers::id)
        .select(Publisher::as_select())
        .load(conn)
}

/// Writes every column an admin may change (not `id`, `slug`,
/// `created_at`).
pub fn update(conn: &mut DbConnection, publisher: &Publisher) -> QueryResult<usize> {
    diesel::update(publishers::table.find(&publisher.id))
        .set((
            publishers::name.eq(&publisher.name),
            publishers::default_access.eq(&publisher.default_access),
            publishers::registered_articles_only.eq(publisher.registered_articles_only),
            publishers::meter_limit_anonymous.eq(publisher.meter_limit_anonymous),
            publishers::meter_limit_registered.eq(publisher.meter_limit_registered),
            publishers::meter_period.eq(&publisher.meter_period),
            publishers::allowed_origins.eq(&publisher.allowed_origins),
            publishers::updated_at.eq(publisher.updated_at),
        ))
        .execute(conn)
}

/// Up to `limit` publishers in id order, after the cursor id.
pub fn page(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Publisher>> {
    let mut query = publishers::table
        .order(publishers::id)
        .limit(limit)
        .select(Publisher::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(publishers::id.gt(after));
    }
    query.load(conn)
}

/// The publishers with these slugs (missing slugs are simply absent).
pub fn find_by_slugs(conn: &mut DbConnection, slugs: &[&str]) -> QueryResult<Vec<Publisher>> {
    publishers::table
        .filter(publishers::slug.eq_any(slugs))
        .select(Publisher::as_select())
        .load(conn)
}
