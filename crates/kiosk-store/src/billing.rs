//! Queries billing needs: Stripe customers on members, Stripe ids on plans,
//! trial state, and Stripe subscriptions written under an ordering guard.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use kiosk_domain::states::{Source, SubscriptionStatus};

use super::members::Member;
use super::plans::Plan;
use super::schema::{members, plans, subscriptions};
use super::subscriptions::Subscription;
use super::DbConnection;

/// Records the member's Stripe customer unless one is recorded already;
/// returns the rows changed (0: another request was first).
pub fn link_customer(
    conn: &mut DbConnection,
    member_id: &str,
    customer_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        members::table
            .find(member_id)
            .filter(members::stripe_customer_id.is_null()),
    )
    .set((
        members::stripe_customer_id.eq(customer_id),
        members::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn member_by_customer(
    conn: &mut DbConnection,
    customer_id: &str,
) -> QueryResult<Option<Member>> {
    members::table
        .filter(members::stripe_customer_id.eq(customer_id))
        .select(Member::as_select())
        .first(conn)
        .optional()
}

pub fn plan_by_price(conn: &mut DbConnection, price_id: &str) -> QueryResult<Option<Plan>> {
    plans::table
        .filter(plans::stripe_price_id.eq(price_id))
        .order(plans::id)
        .select(Plan::as_select())
        .first(conn)
        .optional()
}

pub fn set_plan_stripe_ids(
    conn: &mut DbConnection,
    plan_id: &str,
    product_id: &str,
    price_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(plans::table.find(plan_id))
        .set((
            plans::stripe_product_id.eq(product_id),
            plans::stripe_price_id.eq(price_id),
            plans::updated_at.eq(now),
        ))
        .execute(conn)
}

/// The member's card-less trial that is still running, if any.
pub fn running_trial(
    conn: &mut DbConnection,
    member_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Subscription>> {
    subscriptions::table
        .filter(subscriptions::member_id.eq(member_id))
        .filter(subscriptions::source.eq(Source::Trial.as_str()))
        .filter(subscriptions::status.eq(SubscriptionStatus::Trialing.as_str()))
        .filter(subscriptions::trial_ends_at.gt(now))
        .order(subscriptions::trial_ends_at.desc())
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

/// Ends the member's card-less trials (a paid subscription replaces them).
pub fn end_trials(
    conn: &mut DbConnection,
    member_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        subscriptions::table
            .filter(subscriptions::member_id.eq(member_id))
            .filter(subscriptions::source.eq(Source::Trial.as_str()))
            .filter(subscriptions::status.eq(SubscriptionStatus::Trialing.as_str())),
    )
    .set((
        subscriptions::status.eq(SubscriptionStatus::Expired.as_str()),
        subscriptions::canceled_at.eq(now),
        subscriptions::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn by_stripe_id(
    conn: &mut DbConnection,
    stripe_subscription_id: &str,
) -> QueryResult<Option<Subscription>> {
    subscriptions::table
        .filter(subscriptions::stripe_subscription_id.eq(stripe_subscription_id))
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

/// A Stripe subscription's state as Kiosk keeps it.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = subscriptions, treat_none_as_null = true)]
pub struct StripeState {
    pub plan_id: String,
    #[diesel(serialize_as = String)]
    pub status: SubscriptionStatus,
    pub trial_ends_at: Option<NaiveDateTime>,
    pub current_period_end: Option<NaiveDateTime>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<NaiveDateTime>,
    pub stripe_event_at: Option<i64>,
    pub updated_at: NaiveDateTime,
}

/// Writes `state` over `held` only if the row still holds what was read
/// (status and event time): a concurrent writer makes this change nothing,
/// and the caller retries rather than overwrite a newer state.
pub fn replace_state(
    conn: &mut DbConnection,
    held: &Subscription,
    state: &StripeState,
) -> QueryResult<usize> {
    let row = subscriptions::table
        .filter(subscriptions::id.eq(&held.id))
        .filter(subscriptions::status.eq(held.status.as_str()));
    match held.stripe_event_at {
        Some(at) => diesel::update(row.filter(subscriptions::stripe_event_at.eq(at)))
            .set(state.clone())
            .execute(conn),
        None => diesel::update(row.filter(subscriptions::stripe_event_at.is_null()))
            .set(state.clone())
            .execute(conn),
    }
}
