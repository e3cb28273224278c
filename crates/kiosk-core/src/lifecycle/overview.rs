//! What a member holds: their subscriptions, their entitlements now, and
//! whether they may still start a trial.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::db::members::Member;
use crate::db::subscriptions::{self, Subscription};
use crate::db::{plans, trials, DbConnection};
use crate::domain::lifecycle::trial_eligible;
use crate::domain::member_entitlements::{
    member_entitlements, Coverage, HeldSubscription, MemberEntitlement,
};

/// A subscription with its plan's code and the publishers (slugs) it covers.
pub struct Held {
    pub subscription: Subscription,
    pub plan: String,
    pub coverage: Coverage,
}

impl Held {
    fn as_domain(&self) -> HeldSubscription<'_> {
        HeldSubscription {
            id: &self.subscription.id,
            plan: &self.plan,
            coverage: &self.coverage,
            state: self.subscription.state(),
        }
    }
}

pub struct Overview {
    /// Newest first.
    pub subscriptions: Vec<Held>,
    pub entitlements: Vec<MemberEntitlement>,
    pub trial_eligible: bool,
}

pub fn load(
    conn: &mut DbConnection,
    member: &Member,
    now: DateTime<Utc>,
    grace: Duration,
) -> diesel::QueryResult<Overview> {
    let subscriptions = held(conn, &member.id)?;
    let domain: Vec<_> = subscriptions.iter().map(Held::as_domain).collect();
    let entitlements = member_entitlements(member.is_active(), &domain, now, grace);
    let trial_used = trials::has_used(conn, &member.id)?;
    let states = subscriptions.iter().map(|held| held.subscription.state());
    let trial_eligible = member.is_active() && trial_eligible(trial_used, states, now);
    Ok(Overview {
        subscriptions,
        entitlements,
        trial_eligible,
    })
}

/// The member's subscriptions with their plans' codes and scopes.
pub fn held(conn: &mut DbConnection, member_id: &str) -> diesel::QueryResult<Vec<Held>> {
    let rows = subscriptions::for_member_with_plans(conn, member_id)?;
    let scoped: Vec<&str> = rows
        .iter()
        .filter(|(_, _, all)| !all)
        .map(|(sub, _, _)| sub.plan_id.as_str())
        .collect();
    let mut slugs: HashMap<String, Vec<String>> = HashMap::new();
    for (plan_id, slug) in plans::scope_slugs(conn, &scoped)? {
        slugs.entry(plan_id).or_default().push(slug);
    }
    Ok(rows
        .into_iter()
        .map(|(subscription, plan, all)| {
            let coverage = if all {
                Coverage::All
            } else {
                Coverage::Publishers(
                    slugs
                        .get(&subscription.plan_id)
                        .cloned()
                        .unwrap_or_default(),
                )
            };
            Held {
                subscription,
                plan,
                coverage,
            }
        })
        .collect())
}
