//! Credentials: passwords, member tokens, refresh-token sessions and API
//! keys, with the limits on guessing them.

pub mod admin_keys;
pub mod api_keys;
pub mod hash_pool;
pub mod passwords;
pub mod rate_limit;
pub mod secrets;
pub mod sessions;
pub mod tokens;
