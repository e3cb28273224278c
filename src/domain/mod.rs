//! Pure types and rules: no I/O here.

pub mod access;
pub mod billing;
pub mod email;
pub mod entitlement;
pub mod ids;
pub mod password;
