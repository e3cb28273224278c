//! A member's entitlements: which publishers, from which plan and source,
//! until when. Derived from the member's subscriptions and the time alone
//! (the status table in `entitlement`), so `GET /v1/me` and the access
//! decision agree, and nothing waits for the sweeper.

use crate::states::Source;
use chrono::{DateTime, Duration, Utc};
use serde::{Serialize, Serializer};

use super::entitlement::{entitlement, Grant, SubscriptionState};

/// Which publishers a plan covers: all of them (`"*"` in JSON) or a list
/// (slugs or ids, as the caller chose when building it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    All,
    Publishers(Vec<String>),
}

impl Coverage {
    pub fn covers(&self, publisher: &str) -> bool {
        match self {
            Coverage::All => true,
            Coverage::Publishers(list) => list.iter().any(|p| p == publisher),
        }
    }
}

impl Serialize for Coverage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Coverage::All => serializer.serialize_str("*"),
            Coverage::Publishers(list) => list.serialize(serializer),
        }
    }
}

/// A subscription as the entitlement rules see it, with its plan.
#[derive(Debug, Clone, Copy)]
pub struct HeldSubscription<'a> {
    pub id: &'a str,
    /// The plan's code.
    pub plan: &'a str,
    pub coverage: &'a Coverage,
    pub state: SubscriptionState<'a>,
}

/// Access a member holds now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberEntitlement {
    pub subscription_id: String,
    pub plan: String,
    pub publishers: Coverage,
    pub source: Source,
    pub grant: Grant,
    /// When access ends if nothing changes; `None` for open-ended access.
    pub ends_at: Option<DateTime<Utc>>,
}

/// Every entitlement a member holds at `now`, the longest-lasting first
/// (open-ended, then the latest end). A disabled member holds none,
/// whatever their subscriptions say.
pub fn member_entitlements(
    member_active: bool,
    subscriptions: &[HeldSubscription<'_>],
    now: DateTime<Utc>,
    grace: Duration,
) -> Vec<MemberEntitlement> {
    if !member_active {
        return Vec::new();
    }
    let mut held: Vec<MemberEntitlement> = subscriptions
        .iter()
        .filter_map(|sub| {
            let e = entitlement(sub.state, now, grace)?;
            Some(MemberEntitlement {
                subscription_id: sub.id.to_owned(),
                plan: sub.plan.to_owned(),
                publishers: sub.coverage.clone(),
                source: sub.state.source.clone(),
                grant: e.grant,
                ends_at: e.ends_at,
            })
        })
        .collect();
    held.sort_by(|a, b| {
        let lasting = |e: &MemberEntitlement| (e.ends_at.is_none(), e.ends_at);
        lasting(b)
            .cmp(&lasting(a))
            .then_with(|| a.subscription_id.cmp(&b.subscription_id))
    });
    held
}

/// The entitlement that decides access to one publisher: the longest-lasting
/// one covering it.
pub fn covering<'a>(
    entitlements: &'a [MemberEntitlement],
    publisher: &str,
) -> Option<&'a MemberEntitlement> {
    entitlements.iter().find(|e| e.publishers.covers(publisher))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
            .single()
            .expect("valid")
    }

    fn state(
        status: &'static str,
        source: &'static str,
        end: Option<DateTime<Utc>>,
    ) -> SubscriptionState<'static> {
        SubscriptionState {
            status: crate::states::leaked(status),
            source: crate::states::leaked(source),
            trial_ends_at: (source == "trial").then_some(end).flatten(),
            current_period_end: (source != "trial").then_some(end).flatten(),
            cancel_at_period_end: false,
        }
    }

    #[test]
    fn entitlements_follow_the_status_table_longest_first() {
        let all = Coverage::All;
        let two = Coverage::Publishers(vec!["daily".into(), "weekly".into()]);
        let hour = Duration::hours(1);
        let subs = [
            HeldSubscription {
                id: "sub_a",
                plan: "trial-plan",
                coverage: &all,
                state: state("trialing", "trial", Some(now() + hour)),
            },
            HeldSubscription {
                id: "sub_b",
                plan: "gone",
                coverage: &all,
                state: state("expired", "stripe", Some(now() + hour)),
            },
            HeldSubscription {
                id: "sub_c",
                plan: "comp",
                coverage: &two,
                state: state("active", "complimentary", None),
            },
            HeldSubscription {
                id: "sub_d",
                plan: "ended",
                coverage: &all,
                state: state("trialing", "trial", Some(now())),
            },
        ];

        let held = member_entitlements(true, &subs, now(), Duration::days(7));

        let ids: Vec<_> = held.iter().map(|e| e.subscription_id.as_str()).collect();
        assert_eq!(ids, ["sub_c", "sub_a"]);
        assert_eq!(held[0].grant, Grant::Complimentary);
        assert_eq!(held[1].ends_at, Some(now() + hour));
        assert_eq!(
            covering(&held, "weekly").map(|e| e.plan.as_str()),
            Some("comp")
        );
        assert_eq!(
            covering(&held, "other").map(|e| e.plan.as_str()),
            Some("trial-plan")
        );
        assert!(member_entitlements(false, &subs, now(), Duration::days(7)).is_empty());
    }

    #[test]
    fn coverage_serializes_as_star_or_list() {
        let all = serde_json::to_value(Coverage::All).expect("json");
        let some = serde_json::to_value(Coverage::Publishers(vec!["daily".into()])).expect("json");
        assert_eq!(all, serde_json::json!("*"));
        assert_eq!(some, serde_json::json!(["daily"]));
    }

    #[test]
    fn no_subscriptions_no_entitlements() {
        assert!(member_entitlements(true, &[], now(), Duration::days(7)).is_empty());
    }
}
