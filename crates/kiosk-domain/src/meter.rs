//! Meter periods: which period a read falls in, and when the meter resets.
//! Periods are UTC calendar units, so every replica agrees on them.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterPeriod {
    /// Calendar month (the default).
    Month,
    /// ISO week, Monday to Sunday.
    Week,
    Day,
}

impl MeterPeriod {
    /// Reads a period an admin sent.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "month" => Ok(Self::Month),
            "week" => Ok(Self::Week),
            "day" => Ok(Self::Day),
            _ => Err(Invalid::validation(
                "meter_period",
                "meter_period must be month, week or day.",
            )),
        }
    }

    /// The stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Week => "week",
            Self::Day => "day",
        }
    }

    /// A stored period, `None` when Kiosk cannot read it (the catalogue
    /// then logs it and meters by the month, the default, so a bad row
    /// never opens the meter wide).
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "month" => Some(Self::Month),
            "week" => Some(Self::Week),
            "day" => Some(Self::Day),
            _ => None,
        }
    }

    /// The text that names the period `now` falls in (`2026-03`,
    /// `2026-W11`, `2026-03-10`).
    pub fn key(self, now: DateTime<Utc>) -> String {
        match self {
            Self::Month => format!("{:04}-{:02}", now.year(), now.month()),
            Self::Week => {
                let week = now.iso_week();
                format!("{:04}-W{:02}", week.year(), week.week())
            }
            Self::Day => now.format("%Y-%m-%d").to_string(),
        }
    }

    /// When the period `now` falls in ends: the start of the next one.
    pub fn resets_at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.date_naive();
        let next = match self {
            Self::Month => {
                let (year, month) = if now.month() == 12 {
                    (now.year() + 1, 1)
                } else {
                    (now.year(), now.month() + 1)
                };
                NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(today)
            }
            Self::Week => {
                today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()))
            }
            Self::Day => today + Duration::days(1),
        };
        Utc.from_utc_datetime(&next.and_time(chrono::NaiveTime::MIN))
    }
}

/// What recording a metered read did, with the meter's count before it:
/// the store's answer (the rule itself is applied where the read is
/// recorded, in one statement or server-side function).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Read before this period: nothing counted.
    AlreadyRead { used: i32 },
    /// A new read, counted.
    Counted { used: i32 },
    /// The meter was full: nothing recorded.
    Exhausted { used: i32 },
}

impl Recorded {
    /// The meter's count before this read.
    pub fn used(self) -> i32 {
        match self {
            Self::AlreadyRead { used } | Self::Counted { used } | Self::Exhausted { used } => used,
        }
    }
}

/// Where a reader's meter stands for one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeterState {
    /// What recording the read did, or would do (a preview).
    pub read: Recorded,
    pub limit: i32,
    pub resets_at: DateTime<Utc>,
    /// Whether the read was recorded (false for a preview).
    recorded: bool,
}

impl MeterState {
    /// The store's answer for a read it recorded.
    pub fn recorded(read: Recorded, limit: i32, resets_at: DateTime<Utc>) -> Self {
        Self {
            read,
            limit,
            resets_at,
            recorded: true,
        }
    }

    /// What recording a read would answer now, from the meter's stored
    /// count, without recording it: a read of this period is free, a new
    /// one counts while `used < limit`.
    pub fn preview(used: i32, limit: i32, already_read: bool, resets_at: DateTime<Utc>) -> Self {
        let read = if already_read {
            Recorded::AlreadyRead { used }
        } else if limit > 0 && used < limit {
            Recorded::Counted { used }
        } else {
            Recorded::Exhausted { used }
        };
        Self {
            read,
            limit,
            resets_at,
            recorded: false,
        }
    }

    /// The meter's count once this answer is given: a recorded, counted
    /// read adds itself; a preview counts nothing.
    pub fn used_after(&self) -> i32 {
        match self.read {
            Recorded::Counted { used } if self.recorded => used + 1,
            read => read.used(),
        }
    }

    pub fn remaining_after(&self) -> i32 {
        (self.limit - self.used_after()).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_round_trip_through_storage() {
        for p in ["month", "week", "day"] {
            let period = MeterPeriod::parse(p).expect("valid");
            assert_eq!(period.as_str(), p);
            assert_eq!(MeterPeriod::from_stored(period.as_str()), Some(period));
        }
        assert!(MeterPeriod::parse("year").is_err());
        assert!(MeterPeriod::parse("Month").is_err());
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn periods_and_resets() {
        // (period, now, key, resets_at)
        let rows = [
            (
                MeterPeriod::Month,
                at(2026, 3, 10, 9),
                "2026-03",
                at(2026, 4, 1, 0),
            ),
            (
                MeterPeriod::Month,
                at(2026, 12, 31, 23),
                "2026-12",
                at(2027, 1, 1, 0),
            ),
            (
                MeterPeriod::Month,
                at(2026, 4, 1, 0),
                "2026-04",
                at(2026, 5, 1, 0),
            ),
            // 2026-03-10 is a Tuesday of ISO week 11.
            (
                MeterPeriod::Week,
                at(2026, 3, 10, 9),
                "2026-W11",
                at(2026, 3, 16, 0),
            ),
            (
                MeterPeriod::Week,
                at(2026, 3, 16, 0),
                "2026-W12",
                at(2026, 3, 23, 0),
            ),
            // 2027-01-01 is a Friday in ISO week 53 of 2026.
            (
                MeterPeriod::Week,
                at(2027, 1, 1, 5),
                "2026-W53",
                at(2027, 1, 4, 0),
            ),
            (
                MeterPeriod::Day,
                at(2026, 3, 10, 23),
                "2026-03-10",
                at(2026, 3, 11, 0),
            ),
        ];
        for (period, now, key, resets) in rows {
            assert_eq!(period.key(now), key, "{period:?} {now}");
            assert_eq!(period.resets_at(now), resets, "{period:?} {now}");
        }
    }

    #[test]
    fn unknown_stored_period_is_a_month() {
        assert_eq!(MeterPeriod::from_stored("fortnight"), None);
        assert_eq!(MeterPeriod::from_stored("week"), Some(MeterPeriod::Week));
    }
}
