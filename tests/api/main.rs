//! Black-box API tests: each runs the real server on SQLite and PostgreSQL.

mod helpers;

mod abuse;
mod faults;
mod health;
mod members;
mod openapi;
mod sessions;
mod tokens;
