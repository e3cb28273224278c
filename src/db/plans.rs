use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{plan_publishers, plans, publishers};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plans)]
pub struct Plan {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: String,
    /// Minor units of `currency`.
    pub price: i64,
    pub currency: String,
    /// `month` or `year`.
    pub billing_interval: String,
    pub trial_days: i32,
    pub trial_requires_card: bool,
    /// True when the plan covers every publisher; otherwise see
    /// `plan_publishers`.
    pub all_publishers: bool,
    /// `active` or `archived`.
    pub status: String,
    pub stripe_price_id: Option<String>,
    pub stripe_product_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, plan: &Plan, publisher_ids: &[String]) -> QueryResult<()> {
    diesel::insert_into(plans::table)
        .values(plan)
        .execute(conn)?;
    set_scope(conn, &plan.id, publisher_ids)
}

/// Replaces the list of publishers a plan covers.
pub fn set_scope(
    conn: &mut DbConnection,
    plan_id: &str,
    publisher_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(plan_publishers::table.filter(plan_publishers::plan_id.eq(plan_id)))
        .execute(conn)?;
    for publisher_id in publisher_ids {
        diesel::insert_into(plan_publishers::table)
            .values((
                plan_publishers::plan_id.eq(plan_id),
                plan_publishers::publisher_id.eq(publisher_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Plan>> {
    plans::table
        .find(id)
        .select(Plan::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Plan>> {
    plans::table
        .filter(plans::code.eq(code))
        .select(Plan::as_select())
        .first(conn)
        .optional()
}

pub fn list_all(conn: &mut DbConnection) -> QueryResult<Vec<Plan>> {
    plans::table
        .order(plans::id)
        .select(Plan::as_select())
        .load(conn)
}

/// The publisher ids a plan is scoped to (empty for all-publisher plans).
pub fn scope(conn: &mut DbConnection, plan_id: &str) -> QueryResult<Vec<String>> {
    plan_publishers::table
        .filter(plan_publishers::plan_id.eq(plan_id))
        .select(plan_publishers::publisher_id)
        .order(plan_publishers::publisher_id)
        .load(conn)
}

/// Every (plan id, publisher id) scope row, for building the catalogue.
pub fn all_scopes(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    plan_publishers::table
        .select((plan_publishers::plan_id, plan_publishers::publisher_id))
        .load(conn)
}

/// (plan id, publisher slug) for the given plans' scopes, for showing a
/// member which titles their plans cover.
pub fn scope_slugs(
    conn: &mut DbConnection,
    plan_ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    plan_publishers::table
        .inner_join(publishers::table)
        .filter(plan_publishers::plan_id.eq_any(plan_ids))
        .order((plan_publishers::plan_id, publishers::slug))
        .select((plan_publishers::plan_id, publishers::slug))
        .load(conn)
}
