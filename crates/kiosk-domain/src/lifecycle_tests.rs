use super::*;
use chrono::TimeZone;

use crate::states::leaked as stored;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
        .single()
        .expect("valid")
}

fn sub(
    status: &'static str,
    source: &'static str,
    trial_ends_at: Option<DateTime<Utc>>,
    current_period_end: Option<DateTime<Utc>>,
    cancel_at_period_end: bool,
) -> SubscriptionState<'static> {
    SubscriptionState {
        status: stored(status),
        source: stored(source),
        trial_ends_at,
        current_period_end,
        cancel_at_period_end,
    }
}

#[test]
fn trial_terms() {
    let terms = |plan_status: &str, trial_days, trial_requires_card| TrialTerms {
        plan_status: stored(plan_status),
        trial_days,
        trial_requires_card,
    };
    let rows = [
        (terms("active", 14, false), Ok(Duration::days(14))),
        (terms("active", 1, false), Ok(Duration::days(1))),
        (terms("active", 730, false), Ok(Duration::days(730))),
        (terms("active", 0, false), Err(TrialRefusal::NoTrial)),
        (terms("active", -1, false), Err(TrialRefusal::NoTrial)),
        (terms("active", 0, true), Err(TrialRefusal::NoTrial)),
        (terms("active", 14, true), Err(TrialRefusal::CardRequired)),
        (
            terms("archived", 14, false),
            Err(TrialRefusal::PlanUnavailable),
        ),
        (terms("", 14, false), Err(TrialRefusal::PlanUnavailable)),
    ];
    for (t, expected) in rows {
        assert_eq!(trial_length(t), expected, "{t:?}");
    }
}

#[test]
fn what_rules_out_a_card_less_trial() {
    let (later, earlier) = (Some(now() + Duration::days(10)), Some(now()));
    let rows = [
        (sub("active", "stripe", None, later, false), true),
        (sub("active", "stripe", None, None, false), true),
        (sub("active", "stripe", None, later, true), true),
        (sub("trialing", "stripe", later, later, false), true),
        // Ended, ending or not paying: the trial may start.
        (sub("active", "stripe", None, earlier, true), false),
        (sub("trialing", "stripe", earlier, earlier, false), false),
        (sub("canceled", "stripe", None, later, false), false),
        (sub("past_due", "stripe", None, later, false), false),
        (sub("unpaid", "stripe", None, later, false), false),
        (sub("incomplete", "stripe", None, later, false), false),
        // Not Stripe-billed: a grant is not a paid subscription.
        (sub("active", "complimentary", None, later, false), false),
        (sub("trialing", "trial", later, None, false), false),
    ];
    for (state, expected) in rows {
        assert_eq!(blocks_card_less_trial(state, now()), expected, "{state:?}");
    }
    let paid = sub("active", "stripe", None, later, false);
    let granted = sub("active", "complimentary", None, None, false);
    assert!(trial_eligible(false, [granted], now()));
    assert!(!trial_eligible(true, [granted], now()));
    assert!(!trial_eligible(false, [granted, paid], now()));
    assert!(trial_eligible(false, [], now()));
}

#[test]
fn cancel_table() {
    let later = Some(now() + Duration::days(10));
    let rows = [
        (sub("trialing", "trial", later, None, false), Cancel::EndNow),
        (
            sub("trialing", "stripe", later, later, false),
            Cancel::AtPeriodEnd,
        ),
        (
            sub("trialing", "stripe", later, later, true),
            Cancel::Unchanged,
        ),
        (
            sub("active", "stripe", None, later, false),
            Cancel::AtPeriodEnd,
        ),
        (
            sub("active", "stripe", None, later, true),
            Cancel::Unchanged,
        ),
        (
            sub("past_due", "stripe", None, later, false),
            Cancel::AtPeriodEnd,
        ),
        (
            sub("active", "complimentary", None, later, false),
            Cancel::AtPeriodEnd,
        ),
        (
            sub("active", "complimentary", None, later, true),
            Cancel::Unchanged,
        ),
        (
            sub("active", "complimentary", None, None, false),
            Cancel::EndNow,
        ),
        (
            sub("canceled", "trial", Some(now()), None, false),
            Cancel::Unchanged,
        ),
        (
            sub("canceled", "stripe", None, later, false),
            Cancel::Unchanged,
        ),
        (
            sub("expired", "trial", later, None, false),
            Cancel::Unchanged,
        ),
        (
            sub("unpaid", "stripe", None, later, false),
            Cancel::Unchanged,
        ),
        (
            sub("incomplete", "stripe", None, later, false),
            Cancel::Unchanged,
        ),
        (
            sub("paused", "stripe", None, later, false),
            Cancel::Unchanged,
        ),
        (
            sub("mystery", "stripe", None, later, false),
            Cancel::Unchanged,
        ),
    ];
    for (s, expected) in rows {
        assert_eq!(cancel(s), expected, "{s:?}");
    }
}

#[test]
fn resume_table() {
    let grace = Duration::days(7);
    let later = Some(now() + Duration::seconds(1));
    let exactly = Some(now());
    let rows = [
        (sub("active", "stripe", None, later, true), Resume::Resume),
        (
            sub("active", "stripe", None, exactly, true),
            Resume::NotResumable,
        ),
        (
            sub("active", "stripe", None, later, false),
            Resume::Unchanged,
        ),
        (
            sub("active", "complimentary", None, later, true),
            Resume::Resume,
        ),
        (
            sub("active", "complimentary", None, exactly, true),
            Resume::NotResumable,
        ),
        (
            sub("trialing", "stripe", later, later, true),
            Resume::Resume,
        ),
        (
            sub("trialing", "trial", later, None, false),
            Resume::Unchanged,
        ),
        (
            sub("trialing", "trial", exactly, None, false),
            Resume::NotResumable,
        ),
        (
            sub("past_due", "stripe", None, exactly, true),
            Resume::Resume,
        ),
        (
            sub("canceled", "trial", exactly, None, false),
            Resume::NotResumable,
        ),
        (
            sub("canceled", "stripe", None, later, false),
            Resume::NotResumable,
        ),
        (
            sub("expired", "complimentary", None, later, true),
            Resume::NotResumable,
        ),
        (
            sub("unpaid", "stripe", None, later, true),
            Resume::NotResumable,
        ),
    ];
    for (s, expected) in rows {
        assert_eq!(resume(s, now(), grace), expected, "{s:?}");
    }
}

#[test]
fn sweep_table() {
    use EventKind::{SubscriptionExpired as SubExpired, TrialEnded};
    let grace = Duration::days(7);
    let n = now();
    let at = |d: Duration| Some(n + d);
    let expire = |event, ended_at| Sweep::Expire { event, ended_at };
    let warn = trial_warning();
    let s = Duration::seconds(1);
    let rows = [
        (
            sub("trialing", "trial", at(warn + s), None, false),
            Sweep::Nothing,
        ),
        (
            sub("trialing", "trial", at(warn), None, false),
            Sweep::WarnTrialEnding,
        ),
        (
            sub("trialing", "trial", at(s), None, false),
            Sweep::WarnTrialEnding,
        ),
        (
            sub("trialing", "trial", Some(n), None, false),
            expire(TrialEnded, n),
        ),
        (
            sub("trialing", "trial", at(-s), None, false),
            expire(TrialEnded, n - s),
        ),
        (sub("trialing", "trial", None, None, false), Sweep::Nothing),
        (
            sub("trialing", "stripe", at(-s), at(-s), false),
            Sweep::Nothing,
        ),
        (
            sub("canceled", "trial", Some(n), None, false),
            expire(TrialEnded, n),
        ),
        (
            sub("canceled", "stripe", None, at(s), false),
            Sweep::Nothing,
        ),
        (
            sub("canceled", "stripe", None, Some(n), false),
            expire(SubExpired, n),
        ),
        (sub("canceled", "stripe", None, None, false), Sweep::Nothing),
        (
            sub("past_due", "stripe", None, at(-grace + s), false),
            Sweep::Nothing,
        ),
        (
            sub("past_due", "stripe", None, at(-grace), false),
            expire(SubExpired, n),
        ),
        (
            sub("active", "complimentary", None, None, false),
            Sweep::Nothing,
        ),
        (
            sub("active", "complimentary", None, at(s), false),
            Sweep::Nothing,
        ),
        (
            sub("active", "complimentary", None, Some(n), false),
            expire(SubExpired, n),
        ),
        (sub("active", "stripe", None, at(-s), false), Sweep::Nothing),
        (sub("active", "stripe", None, at(s), true), Sweep::Nothing),
        (
            sub("active", "stripe", None, Some(n), true),
            expire(SubExpired, n),
        ),
        (sub("expired", "trial", at(-s), None, false), Sweep::Nothing),
        (sub("unpaid", "stripe", None, at(-s), false), Sweep::Nothing),
        (sub("mystery", "stripe", None, at(-s), true), Sweep::Nothing),
    ];
    for (state, expected) in rows {
        assert_eq!(sweep(state, n, grace), expected, "{state:?}");
    }
}

#[test]
fn dedupe_keys_are_deterministic() {
    let n = now();
    assert_eq!(
        EventKind::TrialEnded.dedupe_key("sub_1", n),
        "trial.ended:sub_1"
    );
    assert_eq!(
        EventKind::TrialWillEnd.dedupe_key("sub_1", n + Duration::hours(1)),
        EventKind::TrialWillEnd.dedupe_key("sub_1", n)
    );
    assert_ne!(
        EventKind::SubscriptionCanceled.dedupe_key("sub_1", n),
        EventKind::SubscriptionCanceled.dedupe_key("sub_1", n + Duration::hours(1))
    );
}
