//! Credentials: passwords, member tokens, refresh-token sessions, API keys,
//! and the extractors handlers use to require them.

pub mod admin_keys;
pub mod api_keys;
pub mod extractors;
pub mod hash_pool;
pub mod passwords;
pub mod rate_limit;
pub mod secrets;
pub mod sessions;
pub mod tokens;
