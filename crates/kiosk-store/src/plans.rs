use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{plan_publishers, plans};
use super::DbConnection;
use kiosk_domain::states::PlanStatus;

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
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: PlanStatus,
    pub stripe_price_id: Option<String>,
    pub stripe_product_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, plan: &Plan, publisher_ids: &[String]) -> QueryResult<()> {
    diesel::insert_into(plans::table)
        .values(plan.clone())
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

/// Writes every column an admin may change (not `id`, `code`, `status`,
/// `created_at`).
pub fn update(conn: &mut DbConnection, plan: &Plan) -> QueryResult<usize> {
    diesel::update(plans::table.find(&plan.id))
        .set((
            plans::name.eq(&plan.name),
            plans::description.eq(&plan.description),
            plans::price.eq(plan.price),
            plans::currency.eq(&plan.currency),
            plans::billing_interval.eq(&plan.billing_interval),
            plans::trial_days.eq(plan.trial_days),
            plans::trial_requires_card.eq(plan.trial_requires_card),
            plans::all_publishers.eq(plan.all_publishers),
            plans::stripe_price_id.eq(&plan.stripe_price_id),
            plans::updated_at.eq(plan.updated_at),
        ))
        .execute(conn)
}

pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: PlanStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(plans::table.find(id))
        .set((plans::status.eq(status.as_str()), plans::updated_at.eq(now)))
        .execute(conn)
}

/// Deletes a plan and its scope rows. A subscription referencing the plan
/// makes the database refuse (foreign key), whatever was read before.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(plan_publishers::table.filter(plan_publishers::plan_id.eq(id))).execute(conn)?;
    diesel::delete(plans::table.find(id)).execute(conn)
}

/// Up to `limit` plans in id order after the cursor id; only active ones
/// when `active_only`.
pub fn page(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
    active_only: bool,
) -> QueryResult<Vec<Plan>> {
    let mut query = plans::table
        .order(plans::id)
        .limit(limit)
        .select(Plan::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(plans::id.gt(after));
    }
    if active_only {
        query = query.filter(plans::status.eq(PlanStatus::Active.as_str()));
    }
    query.load(conn)
}

/// (plan id, publisher slug) for the scopes of these plans, slug-ordered.
pub fn scope_slugs(
    conn: &mut DbConnection,
    plan_ids: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    use super::schema::publishers;
    plan_publishers::table
        .inner_join(publishers::table)
        .filter(plan_publishers::plan_id.eq_any(plan_ids))
        .order(publishers::slug)
        .select((plan_publishers::plan_id, publishers::slug))
        .load(conn)
}
