//! What a subscription grants, from its state and the time alone. Time
//! decides, not a job: a trial stops granting at `trial_ends_at` whether or
//! not the sweeper has run.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::states::{Source, SubscriptionStatus};

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
    pub status: &'a SubscriptionStatus,
    pub source: &'a Source,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    /// The member asked to stop at the period end: no renewal will move
    /// `current_period_end`, so access ends there even while `active`.
    pub cancel_at_period_end: bool,
}

/// The status table: `trialing` until the trial ends; `active` (until the
/// period end when it will not renew: complimentary with an end, or set to
/// cancel at the period end); `past_due` for `grace` after the period end;
/// `canceled` until the period end; everything else, including statuses
/// and sources Kiosk does not know, grants nothing.
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
    let paid_grant = match sub.source {
        Source::Complimentary => Grant::Complimentary,
        Source::Trial | Source::Stripe => Grant::Subscription,
        Source::Unknown(_) => return None,
    };
    match sub.status {
        SubscriptionStatus::Trialing => until(sub.trial_ends_at, Grant::Trial),
        SubscriptionStatus::Active => match sub.current_period_end {
            None => Some(Entitlement {
                grant: paid_grant,
                ends_at: None,
            }),
            end if paid_grant == Grant::Complimentary || sub.cancel_at_period_end => {
                until(end, paid_grant)
            }
            end => Some(Entitlement {
                grant: Grant::Subscription,
                ends_at: end,
            }),
        },
        SubscriptionStatus::PastDue => until(
            sub.current_period_end.map(|end| end + grace),
            Grant::GracePeriod,
        ),
        SubscriptionStatus::Canceled => until(sub.current_period_end, paid_grant),
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

    /// (status, source, trial_ends_at, current_period_end,
    /// cancel_at_period_end, expected grant)
    type Row = (
        &'static str,
        &'static str,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        bool,
        Option<Grant>,
    );

    #[test]
    fn status_table() {
        use Grant::{Complimentary as Comp, GracePeriod, Subscription as Sub, Trial};
        let now = at(10, 12);
        let grace = Duration::days(7);
        let before = Some(at(10, 11));
        let after = Some(at(10, 13));
        let exactly = Some(now);
        let just_after = Some(now + Duration::seconds(1));
        let grace_left = Some(now - grace + Duration::seconds(1));
        let grace_over = Some(now - grace);
        let long_before = Some(at(1, 0));
        #[rustfmt::skip]
        let rows: &[Row] = &[
            ("trialing", "trial", after, None, false, Some(Trial)),
            ("trialing", "trial", just_after, None, false, Some(Trial)),
            ("trialing", "trial", exactly, None, false, None),
            ("trialing", "trial", before, None, false, None),
            ("trialing", "trial", None, None, false, None),
            ("trialing", "stripe", after, after, false, Some(Trial)),
            ("trialing", "stripe", after, after, true, Some(Trial)),
            ("active", "stripe", None, after, false, Some(Sub)),
            ("active", "stripe", None, before, false, Some(Sub)),
            ("active", "stripe", None, None, false, Some(Sub)),
            ("active", "stripe", None, after, true, Some(Sub)),
            ("active", "stripe", None, just_after, true, Some(Sub)),
            ("active", "stripe", None, exactly, true, None),
            ("active", "stripe", None, before, true, None),
            ("active", "stripe", None, None, true, Some(Sub)),
            ("active", "complimentary", None, None, false, Some(Comp)),
            ("active", "complimentary", None, after, false, Some(Comp)),
            ("active", "complimentary", None, after, true, Some(Comp)),
            ("active", "complimentary", None, exactly, false, None),
            ("active", "complimentary", None, before, true, None),
            ("past_due", "stripe", None, before, false, Some(GracePeriod)),
            ("past_due", "stripe", None, after, false, Some(GracePeriod)),
            ("past_due", "stripe", None, grace_left, false, Some(GracePeriod)),
            ("past_due", "stripe", None, grace_over, false, None),
            ("past_due", "stripe", None, long_before, false, None),
            ("past_due", "stripe", None, None, false, None),
            ("canceled", "stripe", None, after, false, Some(Sub)),
            ("canceled", "stripe", None, just_after, false, Some(Sub)),
            ("canceled", "stripe", None, exactly, false, None),
            ("canceled", "stripe", None, before, false, None),
            ("canceled", "stripe", None, None, false, None),
            ("canceled", "complimentary", None, after, false, Some(Comp)),
            ("canceled", "complimentary", None, exactly, false, None),
            ("canceled", "trial", after, None, false, None),
            ("canceled", "trial", exactly, None, false, None),
            ("unpaid", "stripe", None, after, false, None),
            ("incomplete", "stripe", None, after, false, None),
            ("incomplete_expired", "stripe", None, after, false, None),
            ("paused", "stripe", None, after, false, None),
            ("expired", "trial", after, after, false, None),
            ("expired", "complimentary", None, None, false, None),
            ("something_new", "stripe", after, after, false, None),
            ("ACTIVE", "stripe", None, after, false, None),
            ("", "stripe", after, after, false, None),
            // a source Kiosk cannot read grants nothing
            ("active", "gift", None, None, false, None),
            ("trialing", "", after, None, false, None),
        ];
        for &(status, source, trial_ends_at, current_period_end, cancel_at_period_end, expected) in
            rows
        {
            let (status, source) = (SubscriptionStatus::parse(status), Source::parse(source));
            let sub = SubscriptionState {
                status: &status,
                source: &source,
                trial_ends_at,
                current_period_end,
                cancel_at_period_end,
            };
            let got = entitlement(sub, now, grace).map(|e| e.grant);
            assert_eq!(got, expected, "{sub:?}");
        }
    }

    #[test]
    fn entitlement_ends_when_access_ends() {
        let end = at(5, 0);
        let grace = Duration::days(7);
        let rows = [
            ("past_due", "stripe", None, Some(end), Some(end + grace)),
            ("trialing", "trial", Some(end), None, Some(end)),
            ("canceled", "stripe", None, Some(end), Some(end)),
            ("active", "complimentary", None, Some(end), Some(end)),
            ("active", "complimentary", None, None, None),
        ];
        for (status, source, trial, period, expected) in rows {
            let (status, source) = (SubscriptionStatus::parse(status), Source::parse(source));
            let sub = SubscriptionState {
                status: &status,
                source: &source,
                trial_ends_at: trial,
                current_period_end: period,
                cancel_at_period_end: false,
            };
            let e = entitlement(sub, at(4, 0), grace).expect("entitled");
            assert_eq!(e.ends_at, expected, "{sub:?}");
        }
    }
}
