//! Fixed-window counters per key (client address, account): brute-force
//! limits for the credential routes, the account lockout, and new metered
//! reads from the public front-end route. In memory, so each replica
//! counts its own traffic; bounded in size.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

struct Window {
    started: DateTime<Utc>,
    count: u32,
}

pub struct RateLimiter {
    limit: u32,
    period: Duration,
    /// Keys tracked at most; see `make_room`.
    capacity: usize,
    windows: Mutex<HashMap<String, Window>>,
}

impl RateLimiter {
    pub fn new(limit: u32, period: Duration, capacity: usize) -> Self {
        Self {
            limit,
            period,
            capacity: capacity.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one hit for `key`. `Err(seconds)` when the key is over its limit
    /// for this window: how long until the window ends.
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if !windows.contains_key(key) && !self.make_room(&mut windows, now) {
            // Every tracked key is used up and still in its window: the new
            // key goes uncounted rather than any of them being forgotten.
            tracing::warn!(
                capacity = self.capacity,
                "rate limiter full of exhausted keys"
            );
            return Ok(());
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

    /// When full, forgets ended windows, then windows not used up (they
    /// limit nothing yet); never a used-up window still running (a live
    /// lockout). Answers whether there is room for one more key.
    fn make_room(&self, windows: &mut HashMap<String, Window>, now: DateTime<Utc>) -> bool {
        if windows.len() < self.capacity {
            return true;
        }
        let (period, limit) = (self.period, self.limit);
        windows.retain(|_, w| now - w.started < period);
        if windows.len() >= self.capacity {
            windows.retain(|_, w| w.count >= limit);
        }
        windows.len() < self.capacity
    }

    /// `Err(seconds)` when `key` has used up its window, without counting.
    pub fn check(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match windows.get(key) {
            Some(w) if now - w.started < self.period && w.count >= self.limit => {
                Err(self.retry_after(w, now))
            }
            _ => Ok(()),
        }
    }

    /// Whether `key` has used up its window, without counting a hit.
    pub fn is_exhausted(&self, key: &str, now: DateTime<Utc>) -> bool {
        self.check(key, now).is_err()
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

/// The limits Kiosk applies per client and per account. Each is a limiter
/// of its own, bounded on its own: a flood of one kind never makes room
/// by forgetting another's windows.
pub struct Limits {
    /// Sign-in, sign-up and refresh calls per client address.
    pub per_address: RateLimiter,
    /// Failed sign-ins per existing account (email); when used up the
    /// account is locked for the rest of the window and answers like a
    /// wrong password.
    pub failures_per_account: RateLimiter,
}

impl Limits {
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        let capacity = settings.rate_limit_max_keys;
        Self {
            per_address: RateLimiter::new(
                settings.rate_limit_per_address,
                Duration::seconds(settings.rate_limit_window_secs),
                capacity,
            ),
            failures_per_account: RateLimiter::new(
                settings.lockout_failures,
                Duration::seconds(settings.lockout_window_secs),
                capacity,
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
        let limiter = RateLimiter::new(2, Duration::seconds(60), 100);
        assert_eq!(limiter.hit("a", start), Ok(()));
        assert_eq!(limiter.hit("a", start), Ok(()));
        assert_eq!(limiter.hit("a", start + Duration::seconds(15)), Err(45));
        assert_eq!(limiter.hit("b", start), Ok(()), "other keys are unaffected");
        assert!(limiter.is_exhausted("a", start));
        assert_eq!(limiter.hit("a", start + Duration::seconds(60)), Ok(()));
        limiter.clear("a");
        assert!(!limiter.is_exhausted("a", start + Duration::seconds(60)));
    }

    #[test]
    fn a_full_limiter_never_forgets_a_live_used_up_window() {
        let start = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let limiter = RateLimiter::new(2, Duration::seconds(60), 10);
        for _ in 0..2 {
            assert_eq!(limiter.hit("locked", start), Ok(()));
        }
        assert!(limiter.is_exhausted("locked", start));

        for i in 0..1_000 {
            let _ = limiter.hit(&format!("flood-{i}"), start + Duration::seconds(1));
        }

        assert!(
            limiter.is_exhausted("locked", start + Duration::seconds(2)),
            "the flood made room without forgetting the used-up window"
        );
        assert_eq!(
            limiter.check("locked", start + Duration::seconds(20)),
            Err(40)
        );
        assert!(!limiter.is_exhausted("locked", start + Duration::seconds(60)));
    }
}
