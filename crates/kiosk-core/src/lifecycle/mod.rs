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

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::billing::StripeApi;
use crate::cache::invalidate::Invalidator;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::members::{self, Member};
use crate::db::{Db, DbConnection};
use crate::error::CoreError;

/// What the lifecycle's changes need, given explicitly.
#[derive(Clone)]
pub struct Lifecycle {
    pub db: Db,
    /// `None` when Stripe is not configured.
    pub stripe: Option<Arc<StripeApi>>,
    pub invalidator: Invalidator,
    pub clock: Arc<dyn Clock>,
    /// How long `past_due` keeps access after the period end.
    pub grace: Duration,
    /// How often the sweeper runs (0: never).
    pub sweep_interval_secs: u64,
}

impl Lifecycle {
    pub fn new(
        settings: &Settings,
        db: Db,
        stripe: Option<Arc<StripeApi>>,
        invalidator: Invalidator,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            db,
            stripe,
            invalidator,
            clock,
            grace: settings.grace(),
            sweep_interval_secs: settings.sweep_interval_secs,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// The token's member, if they still exist and are active: a disabled
/// member's token stops working at once.
pub fn active_member(conn: &mut DbConnection, member_id: &str) -> Result<Member, CoreError> {
    members::find(conn, member_id)?
        .filter(Member::is_active)
        .ok_or_else(CoreError::token_invalid)
}
