//! Kiosk: paywall and subscription entitlements for news publishers.

pub mod api;
pub mod auth;
pub mod billing;
pub mod cli;
pub mod db;
pub mod error;
pub mod lifecycle;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use kiosk_core::{access, cache, clock, config};
pub use kiosk_domain as domain;
pub use kiosk_domain::error_code;
