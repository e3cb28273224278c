//! What a subscription grants, from its state and the time alone. Time
//! decides, not a job: a trial stops granting at `trial_ends_at` whether or
//! not the sweeper has run.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Why a reader has access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    Subscription,
    Trial,
    GracePeriod,
    Complimentary,
}

impl Grant {
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::Subscription => "subscription",
            Grant::Trial => "trial",
            Grant::GracePeriod => "grace_period",
            Grant::Complimentary => "complimentary",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entitlement {
    pub grant: Grant,
    /// When access ends if nothing changes; `None` for open-ended access.
    pub ends_at: Option<DateTime<Utc>>,
}

/// The parts of a subscription that decide access.
#[derive(Debug, Clone, Copy)]
pub struct SubscriptionState<'a> {
    pub status: &'a str,
    pub source: &'a str,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
}

/// The status table: `trialing` until the trial ends; `active`; `past_due`
/// for `grace` after the period end; `canceled` until the period end;
/// everything else, including statuses Kiosk does not know, grants nothing.
pub fn entitlement(
    sub: SubscriptionState<'_>,
    now: DateTime<Utc>,
    grace: Duration,
) -> Option<Entitlement> {
    let until = |end: Option<DateTime<Utc>>, grant| match end {
        Some(end) if end > now => Some(Entitlement {
            grant,
            ends_at: Some(end),
        }),
        _ => None,
    };
    let paid_grant = if sub.source == "complimentary" {
        Grant::Complimentary
    } else {
        Grant::Subscription
    };
    match sub.status {
        "trialing" => until(sub.trial_ends_at, Grant::Trial),
        "active" if sub.source == "complimentary" => match sub.current_period_end {
            None => Some(Entitlement {
                grant: Grant::Complimentary,
                ends_at: None,
            }),
            end => until(end, Grant::Complimentary),
        },
        "active" => Some(Entitlement {
            grant: Grant::Subscription,
            ends_at: sub.current_period_end,
        }),
        "past_due" => until(
            sub.current_period_end.map(|end| end + grace),
            Grant::GracePeriod,
        ),
        "canceled" => until(sub.current_period_end, paid_grant),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
            .single()
            .expect("valid")
    }

    /// (status, source, trial_ends_at, current_period_end, expected grant)
    type Row = (
        &'static str,
        &'static str,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<Grant>,
    );

    #[test]
    fn status_table() {
        let now = at(10, 12);
        let grace = Duration::days(7);
        let before = Some(at(10, 11));
        let after = Some(at(10, 13));
        let exactly = Some(now);
        let long_before = Some(at(1, 0));
        let rows: &[Row] = &[
            ("trialing", "trial", after, None, Some(Grant::Trial)),
            ("trialing", "trial", exactly, None, None),
            ("trialing", "trial", before, None, None),
            ("trialing", "trial", None, None, None),
            ("trialing", "stripe", after, after, Some(Grant::Trial)),
            ("active", "stripe", None, after, Some(Grant::Subscription)),
            ("active", "stripe", None, None, Some(Grant::Subscription)),
            (
                "active",
                "complimentary",
                None,
                None,
                Some(Grant::Complimentary),
            ),
            (
                "active",
                "complimentary",
                None,
                after,
                Some(Grant::Complimentary),
            ),
            ("active", "complimentary", None, exactly, None),
            ("past_due", "stripe", None, before, Some(Grant::GracePeriod)),
            (
                "past_due",
                "stripe",
                None,
                Some(now - grace + Duration::seconds(1)),
                Some(Grant::GracePeriod),
            ),
            ("past_due", "stripe", None, Some(now - grace), None),
            ("past_due", "stripe", None, long_before, None),
            ("past_due", "stripe", None, None, None),
            ("canceled", "stripe", None, after, Some(Grant::Subscription)),
            ("canceled", "stripe", None, exactly, None),
            ("canceled", "stripe", None, before, None),
            (
                "canceled",
                "complimentary",
                None,
                after,
                Some(Grant::Complimentary),
            ),
            ("canceled", "trial", after, None, None),
            ("unpaid", "stripe", None, after, None),
            ("incomplete", "stripe", None, after, None),
            ("incomplete_expired", "stripe", None, after, None),
            ("paused", "stripe", None, after, None),
            ("expired", "trial", after, after, None),
            ("something_new", "stripe", after, after, None),
            ("", "stripe", after, after, None),
        ];
        for &(status, source, trial_ends_at, current_period_end, expected) in rows {
            let sub = SubscriptionState {
                status,
                source,
                trial_ends_at,
                current_period_end,
            };
            let got = entitlement(sub, now, grace).map(|e| e.grant);
            assert_eq!(
                got, expected,
                "{status} / {source} / {trial_ends_at:?} / {current_period_end:?}"
            );
        }
    }

    #[test]
    fn grace_period_ends_grace_after_the_period() {
        let end = at(5, 0);
        let sub = SubscriptionState {
            status: "past_due",
            source: "stripe",
            trial_ends_at: None,
            current_period_end: Some(end),
        };
        let e = entitlement(sub, at(6, 0), Duration::days(7));
        assert_eq!(e.and_then(|e| e.ends_at), Some(end + Duration::days(7)));
    }
}
