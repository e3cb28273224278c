//! Pure types and rules: no I/O here.

pub mod access;
pub mod article;
pub mod coverage;
pub mod decision;
pub mod email;
pub mod entitlement;
pub mod ids;
pub mod meter;
pub mod password;
