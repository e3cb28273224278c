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
