use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{plans, subscriptions};
use super::DbConnection;
use kiosk_domain::states::{Source, SubscriptionStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = subscriptions)]
pub struct Subscription {
    pub id: String,
    pub member_id: String,
    pub plan_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub source: Source,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: SubscriptionStatus,
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
    /// A new subscription row with nothing but its identity set: no end,
    /// no cancellation, no Stripe link. Callers set what their kind needs.
    pub fn new(
        member_id: &str,
        plan_id: &str,
        source: Source,
        status: SubscriptionStatus,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id: kiosk_domain::ids::new_id("sub"),
            member_id: member_id.to_owned(),
            plan_id: plan_id.to_owned(),
            source,
            status,
            trial_ends_at: None,
            current_period_end: None,
            cancel_at_period_end: false,
            canceled_at: None,
            stripe_subscription_id: None,
            stripe_event_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn state(&self) -> kiosk_domain::entitlement::SubscriptionState<'_> {
        kiosk_domain::entitlement::SubscriptionState {
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
        .values(subscription.clone())
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

/// A member's subscriptions with their plan's code and whether the plan
/// covers every publisher, newest first.
pub fn for_member_with_plans(
    conn: &mut DbConnection,
    member_id: &str,
) -> QueryResult<Vec<(Subscription, String, bool)>> {
    subscriptions::table
        .inner_join(plans::table)
        .filter(subscriptions::member_id.eq(member_id))
        .order(subscriptions::id.desc())
        .select((
            Subscription::as_select(),
            plans::code,
            plans::all_publishers,
        ))
        .load(conn)
}

/// Writes the changeable parts of `sub` if the row still has the status,
/// cancel flag and `updated_at` it was read with; false when someone else
/// changed it first (a webhook, another replica's sweep).
pub fn save_if_unchanged(
    conn: &mut DbConnection,
    sub: &Subscription,
    seen: &Subscription,
) -> QueryResult<bool> {
    let updated = diesel::update(
        subscriptions::table
            .filter(subscriptions::id.eq(&seen.id))
            .filter(subscriptions::status.eq(seen.status.as_str()))
            .filter(subscriptions::cancel_at_period_end.eq(seen.cancel_at_period_end))
            .filter(subscriptions::updated_at.eq(seen.updated_at)),
    )
    .set((
        subscriptions::status.eq(sub.status.as_str()),
        subscriptions::trial_ends_at.eq(sub.trial_ends_at),
        subscriptions::current_period_end.eq(sub.current_period_end),
        subscriptions::cancel_at_period_end.eq(sub.cancel_at_period_end),
        subscriptions::canceled_at.eq(sub.canceled_at),
        subscriptions::updated_at.eq(sub.updated_at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Subscriptions the sweeper may have work for at `now`: trials ending
/// within `warn` or ended, and cancelled, past-due (beyond `grace`),
/// complimentary or cancel-at-period-end subscriptions past their end.
pub fn sweep_candidates(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    grace: chrono::Duration,
    warn: chrono::Duration,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<Subscription>> {
    use subscriptions::dsl as s;
    let trials = s::status
        .eq(SubscriptionStatus::Trialing.as_str())
        .and(s::source.eq(Source::Trial.as_str()))
        .and(s::trial_ends_at.le(now + warn));
    let canceled = s::status.eq(SubscriptionStatus::Canceled.as_str()).and(
        s::current_period_end.le(now).or(s::current_period_end
            .is_null()
            .and(s::trial_ends_at.le(now))),
    );
    let past_due = s::status
        .eq(SubscriptionStatus::PastDue.as_str())
        .and(s::current_period_end.le(now - grace));
    let ending = s::status
        .eq(SubscriptionStatus::Active.as_str())
        .and(
            s::source
                .eq(Source::Complimentary.as_str())
                .or(s::cancel_at_period_end.eq(true)),
        )
        .and(s::current_period_end.le(now));
    s::subscriptions
        .filter(trials.or(canceled).or(past_due).or(ending))
        .filter(s::id.gt(after))
        .order(s::id)
        .limit(limit)
        .select(Subscription::as_select())
        .load(conn)
}
