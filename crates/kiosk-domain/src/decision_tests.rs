use chrono::{DateTime, TimeZone, Utc};

use super::*;
use AccessLevel::{Free, Metered, Premium, Registered};
use OfferAction::{SignUp, StartTrial, Subscribe};
use ReaderKind::{Anonymous, Member, Visitor};

fn resets() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

fn meter(used: i32, limit: i32, already_read: bool) -> Option<MeterState> {
    Some(MeterState::preview(used, limit, already_read, resets()))
}

fn ent(grant: Grant) -> Option<Entitlement> {
    Some(Entitlement {
        grant,
        ends_at: None,
    })
}

const PLANS: OfferPlans<'static> = OfferPlans {
    trial: Some(("all-access", 14)),
    subscribe: Some("all-access"),
};

type Row = (
    AccessLevel,
    ReaderKind,
    Option<Entitlement>,
    Option<MeterState>,
    bool,
    Reason,
    bool,
    Option<OfferAction>,
);

#[test]
fn decision_table() {
    use Reason as R;
    let fresh = meter(0, 3, false);
    let last = meter(2, 3, false);
    let reread = meter(3, 3, true);
    let full = meter(3, 3, false);
    let closed = meter(0, 0, false);
    #[rustfmt::skip]
    let rows: &[Row] = &[
        // free: everyone, whatever the meter says
        (Free, Anonymous, None, None, true, R::FreeArticle, false, None),
        (Free, Visitor, None, full, true, R::FreeArticle, false, None),
        (Free, Member, None, None, true, R::FreeArticle, false, None),
        (Free, Member, ent(Grant::Trial), None, true, R::FreeArticle, false, None),
        // an entitlement covering the publisher opens everything else
        (Premium, Member, ent(Grant::Subscription), None, true, R::Subscription, false, None),
        (Premium, Member, ent(Grant::Trial), None, true, R::Trial, false, None),
        (Premium, Member, ent(Grant::GracePeriod), None, true, R::GracePeriod, false, None),
        (Premium, Member, ent(Grant::Complimentary), None, true, R::Complimentary, false, None),
        (Metered, Member, ent(Grant::Subscription), full, true, R::Subscription, false, None),
        (Registered, Member, ent(Grant::Trial), None, true, R::Trial, false, None),
        // registered: members only
        (Registered, Member, None, None, true, R::Registered, false, None),
        (Registered, Visitor, None, fresh, false, R::RegistrationRequired, false, Some(SignUp)),
        (Registered, Anonymous, None, None, false, R::RegistrationRequired, false, Some(SignUp)),
        // metered
        (Metered, Visitor, None, fresh, true, R::Metered, true, None),
        (Metered, Visitor, None, last, true, R::Metered, true, None),
        (Metered, Visitor, None, reread, true, R::Metered, false, None),
        (Metered, Visitor, None, full, false, R::MeterExhausted, false, Some(StartTrial)),
        (Metered, Visitor, None, closed, false, R::MeterExhausted, false, Some(StartTrial)),
        (Metered, Visitor, None, None, false, R::MeterExhausted, false, Some(StartTrial)),
        (Metered, Member, None, fresh, true, R::Metered, true, None),
        (Metered, Member, None, reread, true, R::Metered, false, None),
        (Metered, Member, None, full, false, R::MeterExhausted, false, Some(StartTrial)),
        (Metered, Anonymous, None, None, false, R::RegistrationRequired, false, Some(SignUp)),
        // premium without an entitlement
        (Premium, Member, None, None, false, R::SubscriptionRequired, false, Some(StartTrial)),
        (Premium, Visitor, None, fresh, false, R::SubscriptionRequired, false, Some(StartTrial)),
        (Premium, Anonymous, None, None, false, R::SubscriptionRequired, false, Some(StartTrial)),
    ];
    for &(access, reader, entitlement, meter, allowed, reason, records, offer) in rows {
        let input = DecisionInput {
            access,
            reader,
            entitlement,
            meter,
            trial_eligible: true,
            offers: PLANS,
        };
        let got = decide(&input);
        let label = format!("{access:?} {reader:?} {entitlement:?} {meter:?}");
        assert_eq!(got.allowed, allowed, "allowed: {label}");
        assert_eq!(got.reason, reason, "reason: {label}");
        assert_eq!(got.records_read, records, "records_read: {label}");
        assert_eq!(got.offer.map(|o| o.action), offer, "offer: {label}");
        assert_eq!(
            needs_meter(access, reader, entitlement.is_some()),
            access == Metered && entitlement.is_none() && reader != Anonymous,
            "needs_meter: {label}"
        );
    }
}

/// (reader, trial eligible, plans) → offer on a premium deny.
#[test]
fn offers() {
    let trial_only = OfferPlans {
        trial: Some(("trial-plan", 14)),
        subscribe: None,
    };
    let no_plans = OfferPlans::default();
    let subscribe_only = OfferPlans {
        trial: None,
        subscribe: Some("basic"),
    };
    #[rustfmt::skip]
    let rows: &[(ReaderKind, bool, OfferPlans<'_>, Option<Offer>)] = &[
        (Member, true, PLANS, Some(offer(StartTrial, Some("all-access"), Some(14)))),
        (Member, false, PLANS, Some(offer(Subscribe, Some("all-access"), None))),
        (Member, false, trial_only, Some(offer(Subscribe, Some("trial-plan"), None))),
        (Member, true, subscribe_only, Some(offer(Subscribe, Some("basic"), None))),
        (Member, true, no_plans, None),
        (Anonymous, false, PLANS, Some(offer(StartTrial, Some("all-access"), Some(14)))),
        (Visitor, true, no_plans, Some(offer(SignUp, None, None))),
        (Anonymous, true, subscribe_only, Some(offer(Subscribe, Some("basic"), None))),
    ];
    for (reader, trial_eligible, offers, expected) in rows {
        let input = DecisionInput {
            access: Premium,
            reader: *reader,
            entitlement: None,
            meter: None,
            trial_eligible: *trial_eligible,
            offers: *offers,
        };
        let got = decide(&input);
        assert!(!got.allowed);
        assert_eq!(&got.offer, expected, "{reader:?} eligible={trial_eligible}");
    }
}

fn offer(action: OfferAction, plan: Option<&str>, trial_days: Option<i32>) -> Offer {
    Offer {
        action,
        plan: plan.map(str::to_owned),
        trial_days,
    }
}

/// Every combination: allowed answers carry no offer, and every deny
/// carries one when plans exist.
#[test]
fn every_deny_has_an_offer() {
    let grants = [
        None,
        ent(Grant::Subscription),
        ent(Grant::Trial),
        ent(Grant::GracePeriod),
        ent(Grant::Complimentary),
    ];
    let meters = [
        None,
        meter(0, 3, false),
        meter(3, 3, true),
        meter(3, 3, false),
    ];
    for access in AccessLevel::ALL {
        for reader in [Anonymous, Visitor, Member] {
            for entitlement in grants {
                for meter in meters {
                    for trial_eligible in [true, false] {
                        let got = decide(&DecisionInput {
                            access,
                            reader,
                            entitlement,
                            meter,
                            trial_eligible,
                            offers: PLANS,
                        });
                        assert_eq!(got.allowed, got.offer.is_none(), "{access:?} {reader:?}");
                        if entitlement.is_some() || access == Free {
                            assert!(got.allowed);
                        }
                    }
                }
            }
        }
    }
}
