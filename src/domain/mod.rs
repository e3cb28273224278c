//! Pure types and rules: no I/O here.

pub mod access;
pub mod article;
pub mod billing;
pub mod coverage;
pub mod decision;
pub mod email;
pub mod entitlement;
pub mod ids;
pub mod lifecycle;
pub mod member_entitlements;
pub mod meter;
pub mod money;
pub mod offers;
pub mod password;
pub mod plan_terms;
pub mod publisher_rules;
pub mod slug;
pub mod stripe_lifecycle;
pub mod stripe_state;
pub mod text;
