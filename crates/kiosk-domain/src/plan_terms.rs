//! What a plan offers: its billing interval, its free trial and which
//! publishers it covers.

use crate::slug::Slug;
use crate::Invalid;

/// How often a plan bills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Month,
    Year,
}

impl Interval {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "month" => Ok(Self::Month),
            "year" => Ok(Self::Year),
            _ => Err(Invalid::validation(
                "interval",
                "The interval must be month or year.",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Year => "year",
        }
    }
}

/// Free days before the first charge: 0 (no trial) to 730 (two years).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialDays(i32);

impl TrialDays {
    pub const MAX: i64 = 730;

    pub fn parse(days: i64) -> Result<Self, Invalid> {
        match i32::try_from(days) {
            Ok(d) if (0..=Self::MAX).contains(&days) => Ok(Self(d)),
            _ => Err(Invalid::validation(
                "trial_days",
                format!("trial_days must be between 0 and {}.", Self::MAX),
            )),
        }
    }

    pub fn days(self) -> i32 {
        self.0
    }
}

/// Which publishers a plan unlocks: all of them (`"*"`), or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanScope {
    All,
    Only(Vec<Slug>),
}

impl PlanScope {
    pub const MAX_PUBLISHERS: usize = 1000;

    /// From the JSON value of `publishers`: the string `"*"` or a non-empty
    /// list of slugs (duplicates collapse).
    pub fn parse(raw: &serde_json::Value) -> Result<Self, Invalid> {
        let invalid = |why: &str| Invalid::validation("publishers", why.to_owned());
        match raw {
            serde_json::Value::String(s) if s == "*" => Ok(Self::All),
            serde_json::Value::Array(items) => {
                if items.is_empty() {
                    return Err(invalid("publishers must be \"*\" or a non-empty list."));
                }
                if items.len() > Self::MAX_PUBLISHERS {
                    return Err(invalid("publishers lists too many slugs."));
                }
                let mut slugs = items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .ok_or_else(|| invalid("publishers must be a list of slugs."))
                            .and_then(|s| Slug::parse(s).map_err(|e| e.with_field("publishers")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                slugs.sort();
                slugs.dedup();
                Ok(Self::Only(slugs))
            }
            _ => Err(invalid("publishers must be \"*\" or a list of slugs.")),
        }
    }
}

/// A Stripe price id (`price_…`): letters, digits and underscores, bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripePriceId(String);

impl StripePriceId {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok = (1..=255).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Invalid::validation(
                "stripe_price_id",
                "stripe_price_id must be a Stripe price id such as price_1Nx….",
            ))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intervals() {
        assert_eq!(Interval::parse("month").ok(), Some(Interval::Month));
        assert_eq!(Interval::parse("year").ok(), Some(Interval::Year));
        for bad in ["", "Month", "week", "day", "yearly"] {
            assert!(Interval::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn trial_days_run_from_zero_to_730() {
        for ok in [0, 14, 30, 730] {
            assert_eq!(
                TrialDays::parse(ok).map(TrialDays::days).ok(),
                Some(ok as i32)
            );
        }
        for bad in [-1, 731, i64::from(i32::MAX) + 1, i64::MIN] {
            let field = TrialDays::parse(bad).err().and_then(|e| e.field);
            assert_eq!(field, Some("trial_days"), "{bad}");
        }
    }

    #[test]
    fn stripe_price_ids() {
        assert!(StripePriceId::parse("price_1NxYzAbc").is_ok());
        let long = "p".repeat(256);
        for bad in ["", "price 1", "price-1", "price_1;drop", long.as_str()] {
            assert!(StripePriceId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn scope_is_star_or_a_list_of_slugs() {
        assert_eq!(PlanScope::parse(&json!("*")).ok(), Some(PlanScope::All));
        let list = PlanScope::parse(&json!(["b", "a", "b"])).ok();
        let expected = ["a", "b"].map(|s| Slug::parse(s).expect("slug")).to_vec();
        assert_eq!(list, Some(PlanScope::Only(expected)));
        for bad in [
            json!([]),
            json!("all"),
            json!(null),
            json!(3),
            json!([1]),
            json!(["Not A Slug"]),
            json!({"a": 1}),
        ] {
            let field = PlanScope::parse(&bad).err().and_then(|e| e.field);
            assert_eq!(field, Some("publishers"), "{bad}");
        }
    }
}
