//! The access decision: may this reader read this article, why, and what to
//! offer when not. Pure: everything it needs is passed in, so every rule is
//! a row in the table below.
//!
//! Order: free → entitlement → registered → metered → subscription required.

use serde::Serialize;

use super::access::AccessLevel;
use super::entitlement::{Entitlement, Grant};
pub use super::meter::MeterState;
use super::meter::Recorded;

/// Who is asking, as far as the decision cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderKind {
    /// No member token and no visitor id: nothing to meter against.
    Anonymous,
    /// No member token, a visitor id the publisher assigned.
    Visitor,
    /// A signed-in, active member.
    Member,
}

/// The plans a deny can point at, chosen per publisher by the catalogue.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfferPlans<'a> {
    /// A plan covering the publisher with a trial that needs no card:
    /// (code, trial days).
    pub trial: Option<(&'a str, i32)>,
    /// The plan to subscribe to.
    pub subscribe: Option<&'a str>,
}

#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    pub access: AccessLevel,
    pub reader: ReaderKind,
    /// The reader's best entitlement covering this publisher, if any.
    pub entitlement: Option<Entitlement>,
    /// Required for a metered article read by a member or visitor without
    /// an entitlement (see `needs_meter`); ignored otherwise.
    pub meter: Option<MeterState>,
    /// The member never started a trial. Anonymous readers count as
    /// eligible: they would sign up first.
    pub trial_eligible: bool,
    pub offers: OfferPlans<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    FreeArticle,
    Subscription,
    Trial,
    GracePeriod,
    Complimentary,
    Registered,
    Metered,
    RegistrationRequired,
    MeterExhausted,
    SubscriptionRequired,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FreeArticle => "free_article",
            Self::Subscription => "subscription",
            Self::Trial => "trial",
            Self::GracePeriod => "grace_period",
            Self::Complimentary => "complimentary",
            Self::Registered => "registered",
            Self::Metered => "metered",
            Self::RegistrationRequired => "registration_required",
            Self::MeterExhausted => "meter_exhausted",
            Self::SubscriptionRequired => "subscription_required",
        }
    }

    fn from_grant(grant: Grant) -> Self {
        match grant {
            Grant::Subscription => Self::Subscription,
            Grant::Trial => Self::Trial,
            Grant::GracePeriod => Self::GracePeriod,
            Grant::Complimentary => Self::Complimentary,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferAction {
    SignUp,
    StartTrial,
    Subscribe,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub action: OfferAction,
    pub plan: Option<String>,
    pub trial_days: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Reason,
    pub offer: Option<Offer>,
    /// Allowed on the meter for an article not yet read this period: the
    /// read must be recorded (and counted) before answering.
    pub records_read: bool,
}

/// Whether `decide` will look at the meter: a metered article, no
/// entitlement, and someone to meter (a member or a visitor id).
pub fn needs_meter(access: AccessLevel, reader: ReaderKind, entitled: bool) -> bool {
    access == AccessLevel::Metered && !entitled && reader != ReaderKind::Anonymous
}

pub fn decide(input: &DecisionInput<'_>) -> Decision {
    let allow = |reason, records_read| Decision {
        allowed: true,
        reason,
        offer: None,
        records_read,
    };
    if input.access == AccessLevel::Free {
        return allow(Reason::FreeArticle, false);
    }
    if let Some(entitlement) = input.entitlement {
        return allow(Reason::from_grant(entitlement.grant), false);
    }
    match (input.access, input.reader) {
        (AccessLevel::Registered, ReaderKind::Member) => allow(Reason::Registered, false),
        (AccessLevel::Registered, _) | (AccessLevel::Metered, ReaderKind::Anonymous) => {
            deny(Reason::RegistrationRequired, sign_up())
        }
        (AccessLevel::Metered, _) => match input.meter {
            Some(MeterState {
                read: Recorded::AlreadyRead { .. },
                ..
            }) => allow(Reason::Metered, false),
            Some(MeterState {
                read: Recorded::Counted { .. },
                ..
            }) => allow(Reason::Metered, true),
            _ => deny(Reason::MeterExhausted, paid_offer(input)),
        },
        _ => deny(Reason::SubscriptionRequired, paid_offer(input)),
    }
}

fn deny(reason: Reason, offer: Option<Offer>) -> Decision {
    Decision {
        allowed: false,
        reason,
        offer,
        records_read: false,
    }
}

fn sign_up() -> Option<Offer> {
    Some(Offer {
        action: OfferAction::SignUp,
        plan: None,
        trial_days: None,
    })
}

/// A trial while the reader may still have one, else a subscription; an
/// anonymous reader with nothing to buy is asked to sign up; a member with
/// nothing to buy gets no offer.
fn paid_offer(input: &DecisionInput<'_>) -> Option<Offer> {
    let eligible = input.reader != ReaderKind::Member || input.trial_eligible;
    match (input.offers.trial, input.offers.subscribe) {
        (Some((plan, days)), _) if eligible => Some(Offer {
            action: OfferAction::StartTrial,
            plan: Some(plan.to_owned()),
            trial_days: Some(days),
        }),
        (_, Some(plan)) => Some(Offer {
            action: OfferAction::Subscribe,
            plan: Some(plan.to_owned()),
            trial_days: None,
        }),
        (Some((plan, _)), _) => Some(Offer {
            action: OfferAction::Subscribe,
            plan: Some(plan.to_owned()),
            trial_days: None,
        }),
        (None, None) if input.reader != ReaderKind::Member => sign_up(),
        (None, None) => None,
    }
}

#[cfg(test)]
#[path = "decision_tests.rs"]
mod tests;
