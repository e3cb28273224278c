//! Black-box API tests: each runs the real server on SQLite and PostgreSQL.

mod helpers;

mod access;
mod articles;
mod front_end;
mod health;
mod members;
mod meters;
mod openapi;
mod paywall;
mod replicas;
mod sessions;
mod tokens;
