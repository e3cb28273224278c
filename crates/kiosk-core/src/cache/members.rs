//! What the hot path keeps per member and per verified access token.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::db::entitlements::MemberSnapshot;
use crate::db::subscriptions::Subscription;
use crate::domain::coverage;
use crate::domain::entitlement::{entitlement, Entitlement};
use crate::domain::lifecycle::trial_eligible;
use crate::domain::states::{MemberStatus, Source, SubscriptionStatus};

use super::catalogue::Catalogue;

/// A member as the decision needs them. Dropped from the cache by
/// `member_changed` on every replica.
#[derive(Debug)]
pub struct MemberEntry {
    pub active: bool,
    pub trial_used: bool,
    pub subscriptions: Vec<Subscription>,
}

impl From<MemberSnapshot> for MemberEntry {
    /// Logs what Kiosk cannot read: such a subscription grants nothing.
    fn from(s: MemberSnapshot) -> Self {
        for sub in &s.subscriptions {
            if matches!(sub.status, SubscriptionStatus::Unknown(_))
                || matches!(sub.source, Source::Unknown(_))
            {
                tracing::warn!(subscription = %sub.id, status = %sub.status, source = %sub.source,
                    "subscription with a status or source Kiosk does not know; it grants nothing");
            }
        }
        if let MemberStatus::Unknown(raw) = &s.status {
            tracing::warn!(stored = %raw, "member with a status Kiosk does not know; treated as disabled");
        }
        Self {
            active: s.status.is_active(),
            trial_used: s.trial_used,
            subscriptions: s.subscriptions,
        }
    }
}

/// The entitlement answering for a publisher, with what the response shows.
#[derive(Debug, Clone)]
pub struct Covered {
    pub entitlement: Entitlement,
    pub plan_code: String,
    pub source: Source,
}

impl MemberEntry {
    /// Whether the member may still start the free trial, as of `now`.
    pub fn trial_eligible(&self, now: DateTime<Utc>) -> bool {
        trial_eligible(
            self.trial_used,
            self.subscriptions.iter().map(Subscription::state),
            now,
        )
    }

    /// The member's best entitlement whose plan covers the publisher, as of
    /// `now` (time decides: a trial ends on time whether or not anything
    /// was written).
    pub fn covering(
        &self,
        catalogue: &Catalogue,
        publisher_id: &str,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> Option<Covered> {
        let candidates = self.subscriptions.iter().filter_map(|sub| {
            let plan = catalogue.plan(&sub.plan_id)?;
            if !plan.covers(publisher_id) {
                return None;
            }
            entitlement(sub.state(), now, grace).map(|e| (e, (plan, sub)))
        });
        coverage::best(candidates).map(|(entitlement, (plan, sub))| Covered {
            entitlement,
            plan_code: plan.code.clone(),
            source: sub.source.clone(),
        })
    }
}

/// A verified member token: whose, until when, and, for a check token,
/// the one publisher it is good for (`None`: an access token).
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub member_id: Arc<str>,
    pub exp: i64,
    pub publisher: Option<Arc<str>>,
}
