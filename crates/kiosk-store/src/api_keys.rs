//! Admin and publisher API keys: `kiosk_<kind>_<id>_<secret>`, stored as the
//! SHA-256 of the secret and looked up by id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::api_keys;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: String,
    /// `admin` or `publisher`.
    pub kind: String,
    pub publisher_id: Option<String>,
    pub name: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, key: &ApiKey) -> QueryResult<()> {
    diesel::insert_into(api_keys::table)
        .values(key)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ApiKey>> {
    api_keys::table
        .find(id)
        .select(ApiKey::as_select())
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(now))
        .execute(conn)
}

pub fn revoke(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(now))
    .execute(conn)
}

pub fn list(
    conn: &mut DbConnection,
    kind: &str,
    publisher_id: Option<&str>,
) -> QueryResult<Vec<ApiKey>> {
    let mut query = api_keys::table
        .filter(api_keys::kind.eq(kind))
        .order(api_keys::id)
        .select(ApiKey::as_select())
        .into_boxed();
    if let Some(publisher_id) = publisher_id {
        query = query.filter(api_keys::publisher_id.eq(publisher_id));
    }
    query.load(conn)
}

/// Up to `limit` keys of one publisher in id order, after the cursor id.
pub fn page_for_publisher(
    conn: &mut DbConnection,
    publisher_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ApiKey>> {
    let mut query = api_keys::table
        .filter(api_keys::kind.eq("publisher"))
        .filter(api_keys::publisher_id.eq(publisher_id))
        .order(api_keys::id)
        .limit(limit)
        .select(ApiKey::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(api_keys::id.gt(after));
    }
    query.load(conn)
}
