//! What the hot path needs to know about a member, read in one go on a
//! cache miss: status, subscriptions and whether a trial was ever started
//! (by the member or on their mailbox).

use diesel::prelude::*;

use super::subscriptions::{self, Subscription};
use super::{members, trials, DbConnection};
use kiosk_domain::email::mailbox;
use kiosk_domain::states::MemberStatus;

pub struct MemberSnapshot {
    pub status: MemberStatus,
    pub trial_used: bool,
    pub subscriptions: Vec<Subscription>,
}

/// `None` when there is no such member.
pub fn snapshot(conn: &mut DbConnection, member_id: &str) -> QueryResult<Option<MemberSnapshot>> {
    let Some(member) = members::find(conn, member_id)? else {
        return Ok(None);
    };
    let trial_used = trials::used_by(conn, member_id, &mailbox(&member.email))?;
    let subscriptions = subscriptions::for_member(conn, member_id)?;
    Ok(Some(MemberSnapshot {
        status: member.status,
        trial_used,
        subscriptions,
    }))
}
