//! Black-box API tests: each runs the real server on SQLite and PostgreSQL.

mod helpers;

mod admin_audit;
mod admin_auth;
mod admin_cli;
mod admin_keys;
mod admin_members;
mod admin_plans;
mod admin_publishers;
mod admin_support;
mod health;
mod members;
mod openapi;
mod sessions;
mod tokens;
