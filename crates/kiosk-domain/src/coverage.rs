//! Which of a member's entitlements answers for a publisher: of those whose
//! plan covers it, the one that lasts longest (open-ended first).

use super::entitlement::Entitlement;

pub fn best<T>(candidates: impl IntoIterator<Item = (Entitlement, T)>) -> Option<(Entitlement, T)> {
    candidates.into_iter().reduce(|best, next| {
        let longer = match (best.0.ends_at, next.0.ends_at) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(a), Some(b)) => b > a,
        };
        if longer {
            next
        } else {
            best
        }
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::entitlement::Grant;

    #[test]
    fn longest_lasting_wins() {
        let at = |d| Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).single();
        let e = |grant, ends_at| Entitlement { grant, ends_at };
        let rows = [
            (vec![], None),
            (vec![(e(Grant::Trial, at(5)), "a")], Some("a")),
            (
                vec![
                    (e(Grant::Trial, at(5)), "a"),
                    (e(Grant::Subscription, at(9)), "b"),
                ],
                Some("b"),
            ),
            (
                vec![
                    (e(Grant::Complimentary, None), "a"),
                    (e(Grant::Subscription, at(9)), "b"),
                ],
                Some("a"),
            ),
            (
                vec![
                    (e(Grant::Trial, at(9)), "a"),
                    (e(Grant::Subscription, None), "b"),
                ],
                Some("b"),
            ),
        ];
        for (candidates, expected) in rows {
            assert_eq!(best(candidates).map(|(_, t)| t), expected);
        }
    }
}
