//! Kiosk's services: what the HTTP layer calls. Each service takes its
//! dependencies explicitly (a database handle, the caches, a clock, keys),
//! never the HTTP layer's state; nothing here knows actix or HTTP. Errors
//! are `CoreError`, which carries the stable code the HTTP layer answers.

pub mod access;
pub mod auth;
pub mod billing;
pub mod cache;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod lifecycle;

pub use kiosk_domain as domain;
