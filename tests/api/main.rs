//! Black-box API tests: each runs the real server on SQLite and PostgreSQL.

mod helpers;

mod abuse;
mod bodies;
mod faults;
mod forge;
mod health;
mod jwks;
mod members;
mod openapi;
mod passwords;
mod refresh;
mod sessions;
mod token_claims;
mod tokens;
