//! Black-box API tests: each runs the real server on SQLite and PostgreSQL.

mod helpers;
mod lifecycle_support;

mod grants;
mod health;
mod members;
mod openapi;
mod sessions;
mod subscriptions;
mod sweeper;
mod tokens;
mod trials;
