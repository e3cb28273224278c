use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::subscriptions;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = subscriptions)]
pub struct Subscription {
    pub id: String,
    pub member_id: String,
    pub plan_id: String,
    /// `trial`, `stripe` or `complimentary`.
    pub source: String,
    pub status: String,
    pub trial_ends_at: Option<NaiveDateTime>,
    pub current_period_end: Option<NaiveDateTime>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<NaiveDateTime>,
    pub stripe_subscription_id: Option<String>,
    /// The Stripe event time of the newest state applied (orders events).
    pub stripe_event_at: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Subscription {
    pub fn state(&self) -> crate::domain::entitlement::SubscriptionState<'_> {
        crate::domain::entitlement::SubscriptionState {
            status: &self.status,
            source: &self.source,
            trial_ends_at: self.trial_ends_at.map(|t| t.and_utc()),
            current_period_end: self.current_period_end.map(|t| t.and_utc()),
            cancel_at_period_end: self.cancel_at_period_end,
        }
    }
}

pub fn insert(conn: &mut DbConnection, subscription: &Subscription) -> QueryResult<()> {
    diesel::insert_into(subscriptions::table)
        .values(subscription)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Subscription>> {
    subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

pub fn for_member(conn: &mut DbConnection, member_id: &str) -> QueryResult<Vec<Subscription>> {
    subscriptions::table
        .filter(subscriptions::member_id.eq(member_id))
        .order(subscriptions::id.desc())
        .select(Subscription::as_select())
        .load(conn)
}

pub fn plan_in_use(conn: &mut DbConnection, plan_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        subscriptions::table.filter(subscriptions::plan_id.eq(plan_id)),
    ))
    .get_result(conn)
}
