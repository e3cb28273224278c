//! Settings: defaults, then an optional TOML file (`KIOSK_CONFIG`, default
//! `kiosk.toml` when present), then `DATABASE_URL`, then `KIOSK_*` variables.

use std::fmt;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// A secret setting (a Stripe key, the metrics token): held by `secrecy`,
/// so it is wiped from memory when dropped, never printed by `Debug`, and
/// read only through `expose`. It serializes as nothing but an empty
/// value: a set secret never leaves Kiosk in a serialized form.
#[derive(Clone, Default)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_empty() {
            "\"\""
        } else {
            "\"[redacted]\""
        })
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_empty() {
            s.serialize_str("")
        } else {
            s.serialize_str("[redacted]")
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    pub db_pool_size: u32,
    /// Bound on waiting for a pooled connection and on each statement.
    pub db_timeout_ms: u64,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_days: i64,
    /// A rotated refresh token presented again within this window is taken
    /// for a concurrent refresh, not a theft.
    pub refresh_grace_secs: i64,
    pub decision_token_ttl_secs: i64,
    /// Lifetime of the check tokens a member's front end hands to a
    /// publisher backend.
    pub check_token_ttl_secs: i64,
    /// Retired signing keys stay in the JWKS this long.
    pub retired_key_visible_hours: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// Password hashes running at once; 0 means one per core.
    pub hash_concurrency: usize,
    /// Password hashes allowed to wait for a slot before callers get 503.
    pub hash_queue: usize,
    pub max_body_bytes: usize,
    /// The whole request body must arrive within this many seconds of the
    /// handler starting to read it; past that the answer is 408.
    pub body_read_timeout_secs: u64,
    /// Sign-in, sign-up and refresh calls allowed per client address per
    /// window.
    pub rate_limit_per_address: u32,
    pub rate_limit_window_secs: i64,
    /// Failed sign-ins per account before it is locked for the window.
    pub lockout_failures: u32,
    pub lockout_window_secs: i64,
    /// Keys (addresses, accounts) each limiter tracks at most.
    pub rate_limit_max_keys: usize,
    /// New metered reads one client address may make on the public
    /// front-end route per window; 0 turns the limit off.
    pub new_reads_per_address: u32,
    pub new_reads_window_secs: i64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy
    /// that sets it).
    pub trust_forwarded_for: bool,
    pub grace_days: i64,
    pub meter_limit_anonymous: i32,
    pub meter_limit_registered: i32,
    /// Commit concurrent new metered reads together (see
    /// `access::group_commit`).
    pub meter_group_commit: bool,
    /// How often the lifecycle sweeper runs; 0 turns it off (another
    /// replica sweeps, or tests sweep by hand).
    pub sweep_interval_secs: u64,
    pub log_format: String,
    /// The bearer token Prometheus presents on `/metrics`; empty turns
    /// `/metrics` off (404).
    pub metrics_token: Secret,
    pub stripe_secret_key: Secret,
    pub stripe_webhook_secret: Secret,
    pub stripe_api_base: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://kiosk.db".into(),
            bind: "127.0.0.1:8080".into(),
            workers: 0,
            db_pool_size: 10,
            db_timeout_ms: 5_000,
            issuer: "kiosk".into(),
            audience: "kiosk".into(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_days: 30,
            refresh_grace_secs: 10,
            decision_token_ttl_secs: 5 * 60,
            check_token_ttl_secs: 15 * 60,
            retired_key_visible_hours: 24,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            hash_concurrency: 0,
            hash_queue: 32,
            max_body_bytes: 64 * 1024,
            body_read_timeout_secs: 10,
            rate_limit_per_address: 30,
            rate_limit_window_secs: 60,
            lockout_failures: 10,
            lockout_window_secs: 15 * 60,
            rate_limit_max_keys: 100_000,
            new_reads_per_address: 60,
            new_reads_window_secs: 60,
            trust_forwarded_for: false,
            grace_days: 7,
            meter_limit_anonymous: 3,
            meter_limit_registered: 5,
            meter_group_commit: true,
            sweep_interval_secs: 60,
            log_format: "pretty".into(),
            metrics_token: Secret::default(),
            stripe_secret_key: Secret::default(),
            stripe_webhook_secret: Secret::default(),
            stripe_api_base: "https://api.stripe.com".into(),
        }
    }
}

impl Settings {
    pub fn load() -> anyhow::Result<Self> {
        let file = std::env::var("KIOSK_CONFIG").unwrap_or_else(|_| "kiosk.toml".into());
        let settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("KIOSK_").ignore(&["CONFIG"]))
            .extract()?;
        Ok(settings)
    }

    pub fn hash_concurrency(&self) -> usize {
        if self.hash_concurrency == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            self.hash_concurrency
        }
    }

    /// How long `past_due` keeps access after the period end.
    pub fn grace(&self) -> chrono::Duration {
        chrono::Duration::days(self.grace_days)
    }

    pub fn db_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.db_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_used_but_never_shown() {
        let secret = Secret::new("sk_live_very_secret");
        assert_eq!(secret.expose(), "sk_live_very_secret");
        assert_eq!(format!("{secret:?}"), "\"[redacted]\"");
        let shown = serde_json::to_string(&secret).expect("json");
        assert!(!shown.contains("very_secret"), "{shown}");
        let read: Secret = serde_json::from_str("\"whsec_x\"").expect("json");
        assert_eq!(read.expose(), "whsec_x");
        assert!(Secret::default().is_empty());
        assert_eq!(format!("{:?}", Secret::default()), "\"\"");
    }
}
