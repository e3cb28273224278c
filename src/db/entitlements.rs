//! What the hot path needs to know about a member, read in one go on a
//! cache miss: status, subscriptions and whether a trial was ever started.

use diesel::prelude::*;

use super::schema::trial_ledger;
use super::subscriptions::{self, Subscription};
use super::{members, DbConnection};

pub struct MemberSnapshot {
    pub active: bool,
    pub trial_used: bool,
    pub subscriptions: Vec<Subscription>,
}

/// `None` when there is no such member.
pub fn snapshot(conn: &mut DbConnection, member_id: &str) -> QueryResult<Option<MemberSnapshot>> {
    let Some(member) = members::find(conn, member_id)? else {
        return Ok(None);
    };
    let trial_used = diesel::select(diesel::dsl::exists(
        trial_ledger::table.filter(trial_ledger::member_id.eq(member_id)),
    ))
    .get_result(conn)?;
    let subscriptions = subscriptions::for_member(conn, member_id)?;
    Ok(Some(MemberSnapshot {
        active: member.is_active(),
        trial_used,
        subscriptions,
    }))
}
