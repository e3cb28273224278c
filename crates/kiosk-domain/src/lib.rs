//! Kiosk's domain: pure types and rules. No I/O, no HTTP, no database:
//! everything a rule needs is passed in, so every rule is testable as a
//! table. The storage and HTTP layers depend on this crate, never the
//! other way round.

pub mod access;
pub mod article;
pub mod billing;
pub mod coverage;
pub mod decision;
pub mod email;
pub mod entitlement;
pub mod error_code;
pub mod ids;
mod invalid;
pub mod lifecycle;
pub mod member_entitlements;
pub mod meter;
pub mod money;
pub mod offers;
pub mod password;
pub mod plan_terms;
pub mod publisher_rules;
pub mod slug;
pub mod states;
pub mod stripe_lifecycle;
pub mod stripe_state;
pub mod text;

pub use error_code::ErrorCode;
pub use invalid::Invalid;
