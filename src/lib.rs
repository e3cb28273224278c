//! Kiosk: paywall and subscription entitlements for news publishers.

pub mod api;
pub mod auth;
pub mod cli;
pub mod db;
pub mod error;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use kiosk_core::{access, billing, cache, clock, config, lifecycle};
pub use kiosk_domain as domain;
pub use kiosk_domain::error_code;
