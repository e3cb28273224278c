//! Credentials as the HTTP layer takes them: the extractors handlers use
//! to require a member token or an API key. The credentials themselves
//! (passwords, tokens, sessions, keys) are the core's.

pub use kiosk_core::auth::{
    admin_keys, hash_pool, passwords, rate_limit, secrets, sessions, tokens,
};

pub mod api_keys;
pub mod extractors;
