//! Billing rules that need no I/O: which URLs Stripe may send a reader back
//! to, which trial a Checkout carries, and whether a Stripe event may change
//! the state Kiosk already holds (Stripe does not order its events).

use crate::states::SubscriptionStatus;
use chrono::{DateTime, Duration, Utc};

/// An absolute `http`/`https` URL Stripe may redirect a reader to. The text
/// is kept as given, so Stripe's `{CHECKOUT_SESSION_ID}` template survives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnUrl(String);

impl ReturnUrl {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() || raw.len() > 2048 {
            return Err("must be an absolute URL of at most 2048 characters");
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') {
            return Err("must be printable ASCII without spaces or backslashes");
        }
        // The text goes to Stripe as given, so it must already be in the
        // form a URL parser would make of it: `scheme://host…`.
        let rest = raw
            .split_once("://")
            .map(|(_, rest)| rest)
            .ok_or("must be an absolute http(s) URL")?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err("must name a host");
        }
        let url = url::Url::parse(raw).map_err(|_| "must be an absolute http(s) URL")?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must use http or https");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("must name a host");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry credentials");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Stripe price id (`price_…`), checked before it is sent anywhere.
pub fn parse_price_id(raw: &str) -> Result<&str, &'static str> {
    let valid = raw.len() <= 255
        && raw.strip_prefix("price_").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    if valid {
        Ok(raw)
    } else {
        Err("must be a Stripe price id (price_…)")
    }
}

/// The trial a Checkout Session asks Stripe for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutTrial {
    None,
    /// A first trial: the plan's trial days.
    Days(u32),
    /// A reader on a card-less trial keeps the days left of it.
    Until(DateTime<Utc>),
}

/// Stripe refuses a Checkout `trial_end` less than 48 hours ahead; a trial
/// closer to its end converts without one.
pub const MIN_CHECKOUT_TRIAL: Duration = Duration::hours(48);

/// A running card-less trial carries over; otherwise a member who never had
/// a trial gets the plan's trial days; nobody gets a second trial.
pub fn checkout_trial(
    plan_trial_days: i32,
    trial_used: bool,
    running_trial_end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> CheckoutTrial {
    if let Some(end) = running_trial_end.filter(|end| *end > now) {
        return if end - now >= MIN_CHECKOUT_TRIAL {
            CheckoutTrial::Until(end)
        } else {
            CheckoutTrial::None
        };
    }
    match u32::try_from(plan_trial_days) {
        Ok(days) if days > 0 && !trial_used => CheckoutTrial::Days(days),
        _ => CheckoutTrial::None,
    }
}

/// Statuses a Stripe subscription never leaves.
pub fn is_terminal(status: &SubscriptionStatus) -> bool {
    matches!(
        status,
        SubscriptionStatus::Canceled | SubscriptionStatus::IncompleteExpired
    )
}

/// What Kiosk holds of a Stripe subscription, for ordering.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a> {
    pub status: &'a SubscriptionStatus,
    /// `created` of the newest event applied; `None` before any.
    pub event_at: Option<i64>,
}

/// Whether an event's state replaces the held one. An older event never
/// does; of two events in the same second, `customer.subscription.created`
/// is the older (it is always a subscription's first); a canceled
/// subscription never comes back to life.
pub fn supersedes(
    held: Held<'_>,
    status: &SubscriptionStatus,
    event_at: i64,
    is_created: bool,
) -> bool {
    match held.event_at {
        Some(at) if event_at < at => return false,
        Some(at) if event_at == at && is_created => return false,
        _ => {}
    }
    !(is_terminal(held.status) && status != held.status)
}

/// The status after an invoice: a paid invoice ends a payment problem, a
/// failed one starts one; other statuses stay as they are.
pub fn status_after_invoice(held: &SubscriptionStatus, paid: bool) -> SubscriptionStatus {
    use SubscriptionStatus::{Active, Incomplete, PastDue, Trialing, Unpaid};
    match (held, paid) {
        (PastDue | Unpaid | Incomplete, true) => Active,
        (Active | Trialing, false) => PastDue,
        (other, _) => other.clone(),
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

    #[test]
    fn return_urls() {
        let good = [
            "https://example.com/ok",
            "http://localhost:3000/back?session={CHECKOUT_SESSION_ID}",
        ];
        for raw in good {
            assert_eq!(ReturnUrl::parse(raw).map(|u| u.0), Ok(raw.to_owned()));
        }
        let bad = [
            "",
            "/relative",
            "example.com/x",
            "javascript:alert(1)",
            "ftp://example.com/",
            "https:///nohost",
            "https://user:pw@example.com/",
            "https://example.com/ space",
            "https:\\\\example.com/",
            "https:/example.com/",
            "https://exämple.com/",
            " https://example.com/",
        ];
        for raw in bad {
            assert!(ReturnUrl::parse(raw).is_err(), "{raw:?} accepted");
        }
        assert!(ReturnUrl::parse(&format!("https://e.com/{}", "a".repeat(2048))).is_err());
    }

    #[test]
    fn price_ids() {
        assert_eq!(parse_price_id("price_1AbC_2"), Ok("price_1AbC_2"));
        for bad in ["", "price_", "prod_1", "price_a/b", "price_ä", "PRICE_1"] {
            assert!(parse_price_id(bad).is_err(), "{bad:?}");
        }
        assert!(parse_price_id(&format!("price_{}", "a".repeat(250))).is_err());
    }

    #[test]
    fn trial_table() {
        let now = at(10, 0);
        let rows: &[(i32, bool, Option<DateTime<Utc>>, CheckoutTrial)] = &[
            (14, false, None, CheckoutTrial::Days(14)),
            (0, false, None, CheckoutTrial::None),
            (14, true, None, CheckoutTrial::None),
            (-1, false, None, CheckoutTrial::None),
            (14, true, Some(at(20, 0)), CheckoutTrial::Until(at(20, 0))),
            (0, true, Some(at(12, 0)), CheckoutTrial::Until(at(12, 0))),
            (14, true, Some(at(11, 23)), CheckoutTrial::None),
            (14, true, Some(at(9, 0)), CheckoutTrial::None),
            (14, false, Some(at(9, 0)), CheckoutTrial::Days(14)),
        ];
        for (days, used, running, expected) in rows {
            assert_eq!(
                checkout_trial(*days, *used, *running, now),
                *expected,
                "{days} {used} {running:?}"
            );
        }
    }

    #[test]
    fn ordering_table() {
        let held = |status: &str, event_at| Held {
            status: crate::states::leaked(status),
            event_at,
        };
        let rows: &[(Held<'_>, &str, i64, bool, bool)] = &[
            (held("incomplete", None), "active", 5, false, true),
            (held("incomplete", None), "active", 5, true, true),
            (held("active", Some(5)), "past_due", 6, false, true),
            (held("active", Some(5)), "past_due", 5, false, true),
            (held("active", Some(5)), "incomplete", 5, true, false),
            (held("active", Some(5)), "past_due", 4, false, false),
            (held("canceled", Some(5)), "active", 4, false, false),
            (held("canceled", Some(5)), "active", 9, false, false),
            (held("canceled", Some(5)), "canceled", 9, false, true),
            (
                held("incomplete_expired", Some(5)),
                "active",
                9,
                false,
                false,
            ),
            (held("canceled", None), "trialing", 1, true, false),
        ];
        for (h, status, event_at, created, expected) in rows {
            assert_eq!(
                supersedes(*h, &SubscriptionStatus::parse(status), *event_at, *created),
                *expected,
                "{h:?} {status} {event_at} {created}"
            );
        }
    }

    #[test]
    fn invoice_table() {
        let rows = [
            ("past_due", true, "active"),
            ("unpaid", true, "active"),
            ("incomplete", true, "active"),
            ("trialing", true, "trialing"),
            ("canceled", true, "canceled"),
            ("active", false, "past_due"),
            ("trialing", false, "past_due"),
            ("incomplete", false, "incomplete"),
            ("canceled", false, "canceled"),
        ];
        for (held, paid, expected) in rows {
            let after = status_after_invoice(&SubscriptionStatus::parse(held), paid);
            assert_eq!(after.as_str(), expected, "{held} {paid}");
        }
    }
}
