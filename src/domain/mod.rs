//! Pure types and rules: no I/O here.

pub mod email;
pub mod ids;
pub mod password;
