//! The states Kiosk stores as text, typed: parsed once where a row is read
//! (the storage layer reads them through `From<String>`), written back as
//! their text. A stored value Kiosk cannot read is never turned into
//! another state: it is kept as it came (`Unknown`), logged where the
//! caches load it, and closes: a subscription with an unknown status or
//! source grants nothing (Stripe may add statuses), a plan with an unknown
//! status is off sale, a member with an unknown status is disabled.

use std::fmt;

use serde::{Serialize, Serializer};

/// A subscription's status: Kiosk's own (`trialing`, `active`,
/// `past_due`, `canceled`, `expired`) and Stripe's, stored as Stripe sends
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Incomplete,
    IncompleteExpired,
    Paused,
    /// Kiosk's own end of a trial or grant that ran out.
    Expired,
    /// A status Kiosk does not know (one Stripe added, say): kept as it
    /// came, granting nothing.
    Unknown(String),
}

impl SubscriptionStatus {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "trialing" => Self::Trialing,
            "active" => Self::Active,
            "past_due" => Self::PastDue,
            "canceled" => Self::Canceled,
            "unpaid" => Self::Unpaid,
            "incomplete" => Self::Incomplete,
            "incomplete_expired" => Self::IncompleteExpired,
            "paused" => Self::Paused,
            "expired" => Self::Expired,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Canceled => "canceled",
            Self::Unpaid => "unpaid",
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::Paused => "paused",
            Self::Expired => "expired",
            Self::Unknown(raw) => raw,
        }
    }

    /// Trialing, active or past due: the subscription still runs (and
    /// may still be canceled).
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Trialing | Self::Active | Self::PastDue)
    }
}

/// Where a subscription came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// A card-less trial Kiosk started.
    Trial,
    /// Stripe Checkout.
    Stripe,
    /// An admin's grant.
    Complimentary,
    /// A stored source Kiosk cannot read: the subscription grants nothing.
    Unknown(String),
}

impl Source {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "trial" => Self::Trial,
            "stripe" => Self::Stripe,
            "complimentary" => Self::Complimentary,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Trial => "trial",
            Self::Stripe => "stripe",
            Self::Complimentary => "complimentary",
            Self::Unknown(raw) => raw,
        }
    }
}

/// Whether a plan is on sale.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    Active,
    /// Off sale: gone from the catalogue; what members hold runs on.
    Archived,
    /// A stored status Kiosk cannot read: treated as off sale.
    Unknown(String),
}

impl PlanStatus {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "active" => Self::Active,
            "archived" => Self::Archived,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Archived => "archived",
            Self::Unknown(raw) => raw,
        }
    }

    /// On sale: offered, and open to new trials, grants and checkouts.
    pub fn on_sale(&self) -> bool {
        *self == Self::Active
    }
}

/// Whether a member may use their account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MemberStatus {
    Active,
    /// Disabled by an admin: no sign-in, no refresh, no access.
    Disabled,
    /// A stored status Kiosk cannot read: treated as disabled.
    Unknown(String),
}

impl MemberStatus {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "active" => Self::Active,
            "disabled" => Self::Disabled,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
            Self::Unknown(raw) => raw,
        }
    }

    /// Only an active member signs in, refreshes and reads.
    pub fn is_active(&self) -> bool {
        *self == Self::Active
    }
}

/// Text in, text out: how the storage layer reads and writes each state.
macro_rules! stored_as_text {
    ($($ty:ident),*) => {$(
        impl From<String> for $ty {
            fn from(raw: String) -> Self {
                Self::parse(&raw)
            }
        }

        impl From<&str> for $ty {
            fn from(raw: &str) -> Self {
                Self::parse(raw)
            }
        }

        impl From<$ty> for String {
            fn from(state: $ty) -> Self {
                state.as_str().to_owned()
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}

stored_as_text!(SubscriptionStatus, Source, PlanStatus, MemberStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_keep_what_they_do_not_know() {
        for raw in [
            "trialing",
            "active",
            "past_due",
            "canceled",
            "unpaid",
            "incomplete",
            "incomplete_expired",
            "paused",
            "expired",
        ] {
            let status = SubscriptionStatus::parse(raw);
            assert!(!matches!(status, SubscriptionStatus::Unknown(_)), "{raw}");
            assert_eq!(status.as_str(), raw);
        }
        let new = SubscriptionStatus::parse("on_hold");
        assert_eq!(new, SubscriptionStatus::Unknown("on_hold".into()));
        assert_eq!(new.as_str(), "on_hold");
        assert!(!new.is_running());
    }

    #[test]
    fn sources_and_plan_statuses_round_trip_and_keep_the_unreadable() {
        for source in [Source::Trial, Source::Stripe, Source::Complimentary] {
            assert_eq!(Source::parse(source.as_str()), source);
        }
        assert_eq!(Source::parse("Stripe"), Source::Unknown("Stripe".into()));
        for status in [PlanStatus::Active, PlanStatus::Archived] {
            assert_eq!(PlanStatus::parse(status.as_str()), status);
        }
        assert_eq!(
            PlanStatus::parse("deleted"),
            PlanStatus::Unknown("deleted".into())
        );
        assert!(!PlanStatus::parse("deleted").on_sale());
        assert!(MemberStatus::parse("active").is_active());
        assert_eq!(MemberStatus::parse("disabled"), MemberStatus::Disabled);
        assert!(!MemberStatus::parse("suspended").is_active());
    }
}
