//! Black-box API tests: each runs the real server on SQLite and PostgreSQL.

mod helpers;

mod abuse;
mod admin_audit;
mod admin_auth;
mod admin_cli;
mod admin_keys;
mod admin_members;
mod admin_plans;
mod admin_publishers;
mod admin_support;
mod billing;
mod billing_support;
mod bodies;
mod body_routes;
mod checkout;
mod contract;
mod faults;
mod forge;
mod grants;
mod health;
mod jwks;
mod lifecycle_support;
mod members;
mod openapi;
mod passwords;
mod refresh;
mod sessions;
mod stripe_fake;
mod subscriptions;
mod sweeper;
mod token_claims;
mod tokens;
mod trials;
mod webhook_events;
mod webhooks;
