//! The subscription lifecycle: starting trials, cancelling and resuming,
//! complimentary grants, the sweeper, and what a member holds. The rules are
//! in `domain::lifecycle` and `domain::entitlement`; this module applies them
//! to the database, one transaction per change.

pub mod changes;
pub mod events;
pub mod grants;
pub mod overview;
pub mod stripe_hooks;
pub mod sweeper;
pub mod trials;

use chrono::Duration;

use crate::config::Settings;
use crate::db::members::{self, Member};
use crate::db::DbConnection;
use crate::error::ApiError;

/// How long `past_due` keeps access after the period end.
pub fn grace(settings: &Settings) -> Duration {
    Duration::days(settings.grace_days)
}

/// The token's member, if they still exist and are active: a disabled
/// member's token stops working at once.
pub fn active_member(conn: &mut DbConnection, member_id: &str) -> Result<Member, ApiError> {
    members::find(conn, member_id)?
        .filter(Member::is_active)
        .ok_or_else(ApiError::token_invalid)
}
