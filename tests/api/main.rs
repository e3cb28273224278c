//! Black-box API tests: each runs the real server on SQLite and PostgreSQL.

mod helpers;
mod stripe_fake;

mod billing;
mod health;
mod members;
mod openapi;
mod sessions;
mod tokens;
mod webhooks;
