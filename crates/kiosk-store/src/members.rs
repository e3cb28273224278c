use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::members;
use super::DbConnection;
use kiosk_domain::states::MemberStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = members)]
pub struct Member {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    #[diesel(deserialize_as = String)]
    pub status: MemberStatus,
    pub stripe_customer_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Member {
    pub fn is_active(&self) -> bool {
        self.status.is_active()
    }
}

#[derive(Clone, Insertable)]
#[diesel(table_name = members)]
pub struct NewMember<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    #[diesel(serialize_as = String)]
    pub status: MemberStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, member: &NewMember<'_>) -> QueryResult<()> {
    diesel::insert_into(members::table)
        .values(member.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Member>> {
    members::table
        .find(id)
        .select(Member::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Member>> {
    members::table
        .filter(members::email.eq(email))
        .select(Member::as_select())
        .first(conn)
        .optional()
}

pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: MemberStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(members::table.find(id))
        .set((
            members::status.eq(status.as_str()),
            members::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Up to `limit` members in id order after the cursor id, whose email
/// contains `email_part` (already lower-cased; `%` and `_` match literally).
pub fn search(
    conn: &mut DbConnection,
    email_part: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Member>> {
    let mut query = members::table
        .order(members::id)
        .limit(limit)
        .select(Member::as_select())
        .into_boxed();
    if let Some(part) = email_part {
        let escaped = part
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.filter(members::email.like(format!("%{escaped}%")).escape('\\'));
    }
    if let Some(after) = after {
        query = query.filter(members::id.gt(after));
    }
    query.load(conn)
}

/// Takes the member's row lock until the transaction ends, so that writes
/// which decide together what a member holds (a card-less trial, a Stripe
/// subscription, the sessions of one account) run one after the other for that member. On PostgreSQL a
/// `FOR UPDATE` row lock (written as SQL: `MultiConnection` cannot compile
/// `.for_update()`); SQLite needs nothing, its write transactions
/// (`BEGIN IMMEDIATE`) already run one at a time. Take it before any other
/// write to the member's rows: a foreign key check's share lock taken first
/// could deadlock with another transaction waiting here.
pub fn lock(conn: &mut DbConnection, member_id: &str) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query("SELECT 1 FROM members WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(member_id)
            .execute(pg)
            .map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}
