//! Kiosk: paywall and subscription entitlements for news publishers.

pub mod access;
pub mod api;
pub mod auth;
pub mod billing;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod error_code;
pub mod lifecycle;
pub mod startup;
pub mod state;
pub mod telemetry;
