//! The states Kiosk stores as text, typed: parsed once where a row is read
//! (the storage layer reads them through `From<String>`), written back as
//! their text. A stored value Kiosk cannot read is never turned into
//! another state: it is kept as it came (`Unknown`), logged where the
//! caches load it, and closes: a subscription with an unknown status or
//! source grants nothing (Stripe may add statuses), a plan with an unknown
//! status is off sale, a member with an unknown status is disabled.

use std::fmt;

use serde::{Serialize, Serializer};

/// Declares a state stored as text: the enum with its `Unknown(String)`
/// for what Kiosk cannot read, `parse` and `as_str`, and how the storage
/// layer and JSON read and write it.
macro_rules! stored_states {
    ($(
        $(#[$meta:meta])*
        $name:ident {
            $(#[$umeta:meta])* Unknown;
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)*
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            $(#[$umeta])*
            Unknown(String),
        }

        impl $name {
            pub fn parse(raw: &str) -> Self {
                match raw {
                    $($text => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Unknown(raw) => raw,
                }
            }
        }

        impl From<String> for $name {
            fn from(raw: String) -> Self {
                Self::parse(&raw)
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                Self::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(state: $name) -> Self {
                state.as_str().to_owned()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}

stored_states! {
    /// A subscription's status: Kiosk's own (`trialing`, `active`,
    /// `past_due`, `canceled`, `expired`) and Stripe's, stored as Stripe
    /// sends them.
    SubscriptionStatus {
        /// A status Kiosk does not know (one Stripe added, say): kept as it
        /// came, granting nothing.
        Unknown;
        Trialing = "trialing",
        Active = "active",
        PastDue = "past_due",
        Canceled = "canceled",
        Unpaid = "unpaid",
        Incomplete = "incomplete",
        IncompleteExpired = "incomplete_expired",
        Paused = "paused",
        /// Kiosk's own end of a trial or grant that ran out.
        Expired = "expired",
    }

    /// Where a subscription came from.
    Source {
        /// A stored source Kiosk cannot read: the subscription grants nothing.
        Unknown;
        /// A card-less trial Kiosk started.
        Trial = "trial",
        /// Stripe Checkout.
        Stripe = "stripe",
        /// An admin's grant.
        Complimentary = "complimentary",
    }

    /// Whether a plan is on sale.
    PlanStatus {
        /// A stored status Kiosk cannot read: treated as off sale.
        Unknown;
        Active = "active",
        /// Off sale: gone from the catalogue; what members hold runs on.
        Archived = "archived",
    }

    /// Whether a member may use their account.
    MemberStatus {
        /// A stored status Kiosk cannot read: treated as disabled.
        Unknown;
        Active = "active",
        /// Disabled by an admin: no sign-in, no refresh, no access.
        Disabled = "disabled",
    }
}

impl SubscriptionStatus {
    /// Trialing, active or past due: the subscription still runs (and
    /// may still be canceled).
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Trialing | Self::Active | Self::PastDue)
    }
}

impl PlanStatus {
    /// On sale: offered, and open to new trials, grants and checkouts.
    pub fn on_sale(&self) -> bool {
        *self == Self::Active
    }
}

impl MemberStatus {
    /// Only an active member signs in, refreshes and reads.
    pub fn is_active(&self) -> bool {
        *self == Self::Active
    }
}

/// A state from its stored text with a `'static` lifetime, for the rule
/// tables of tests (leaked: tests only).
#[cfg(test)]
pub(crate) fn leaked<T: From<String>>(raw: &str) -> &'static T {
    Box::leak(Box::new(T::from(raw.to_owned())))
}

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
