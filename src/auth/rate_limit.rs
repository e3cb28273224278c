//! Brute-force limits for the credential routes: a fixed-window counter per
//! key (client address, account). In memory, so each replica counts its own
//! traffic; bounded in size.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

const MAX_KEYS: usize = 100_000;

struct Window {
    started: DateTime<Utc>,
    count: u32,
}

pub struct RateLimiter {
    limit: u32,
    period: Duration,
    windows: Mutex<HashMap<String, Window>>,
}

impl RateLimiter {
    pub fn new(limit: u32, period: Duration) -> Self {
        Self {
            limit,
            period,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one hit for `key`. `Err(seconds)` when the key is over its limit
    /// for this window: how long until the window ends.
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_KEYS && !windows.contains_key(key) {
            let period = self.period;
            windows.retain(|_, w| now - w.started < period);
            if windows.len() >= MAX_KEYS {
                windows.clear();
            }
        }
        let window = windows.entry(key.to_owned()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now - window.started >= self.period {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        if window.count >= self.limit {
            return Err(self.retry_after(window, now));
        }
        window.count += 1;
        Ok(())
    }

    /// Whether `key` has used up its window, without counting a hit.
    pub fn is_exhausted(&self, key: &str, now: DateTime<Utc>) -> bool {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        windows
            .get(key)
            .is_some_and(|w| now - w.started < self.period && w.count >= self.limit)
    }

    pub fn clear(&self, key: &str) {
        self.windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    fn retry_after(&self, window: &Window, now: DateTime<Utc>) -> u64 {
        let left = (window.started + self.period - now).num_seconds();
        u64::try_from(left.max(1)).unwrap_or(1)
    }
}

/// The limits Kiosk applies to the credential routes.
pub struct Limits {
    /// Sign-in, sign-up and refresh calls per client address.
    pub per_address: RateLimiter,
    /// Failed sign-ins per account (email); when used up the account is
    /// locked for the rest of the window and answers like a wrong password.
    pub failures_per_account: RateLimiter,
}

impl Limits {
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self {
            per_address: RateLimiter::new(
                settings.rate_limit_per_address,
                Duration::seconds(settings.rate_limit_window_secs),
            ),
            failures_per_account: RateLimiter::new(
                settings.lockout_failures,
                Duration::seconds(settings.lockout_window_secs),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn counts_per_key_and_resets_with_the_window() {
        let start = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let limiter = RateLimiter::new(2, Duration::seconds(60));
        assert_eq!(limiter.hit("a", start), Ok(()));
        assert_eq!(limiter.hit("a", start), Ok(()));
        assert_eq!(limiter.hit("a", start + Duration::seconds(15)), Err(45));
        assert_eq!(limiter.hit("b", start), Ok(()), "other keys are unaffected");
        assert!(limiter.is_exhausted("a", start));
        assert_eq!(limiter.hit("a", start + Duration::seconds(60)), Ok(()));
        limiter.clear("a");
        assert!(!limiter.is_exhausted("a", start + Duration::seconds(60)));
    }
}
