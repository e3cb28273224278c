//! Black-box API tests: each runs the real server on SQLite and PostgreSQL.

mod billing_support;
mod helpers;
mod stripe_fake;

mod billing;
mod checkout;
mod health;
mod members;
mod openapi;
mod sessions;
mod tokens;
mod webhook_events;
mod webhooks;
