//! Which plans a publisher's paywall offers: a pure rule over the plans
//! that cover the publisher.

/// What the offer rule reads of a plan that covers the publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub code: &'a str,
    /// Archived plans are never offered.
    pub active: bool,
    pub all_publishers: bool,
    pub price: i64,
    pub trial_days: i32,
    pub trial_requires_card: bool,
}

/// The offers a denial can carry at one publisher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offers {
    /// The card-less trial to offer: (plan code, trial days).
    pub trial: Option<(String, i32)>,
    /// The plan to subscribe to.
    pub subscribe: Option<String>,
}

/// Offer order: active plans only; plans over every publisher (the
/// aggregator's membership) before plans for some; then the cheapest; then
/// by code, so the choice never depends on the order plans were read in.
/// The trial offered is the first plan in that order with a trial that
/// needs no card; the plan to subscribe to is the first plan.
pub fn choose(covering: &[Candidate<'_>]) -> Offers {
    let mut ordered: Vec<&Candidate<'_>> = covering.iter().filter(|p| p.active).collect();
    ordered.sort_by_key(|p| (!p.all_publishers, p.price, p.code));
    Offers {
        trial: ordered
            .iter()
            .find(|p| p.trial_days > 0 && !p.trial_requires_card)
            .map(|p| (p.code.to_owned(), p.trial_days)),
        subscribe: ordered.first().map(|p| p.code.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn plan(code: &str, all: bool, price: i64, trial_days: i32, card: bool) -> Candidate<'_> {
        Candidate {
            code,
            active: true,
            all_publishers: all,
            price,
            trial_days,
            trial_requires_card: card,
        }
    }

    #[test]
    fn offer_table() {
        let archived = Candidate {
            active: false,
            ..plan("archived", true, 1, 14, false)
        };
        // (case, plans covering the publisher, trial offered, plan to subscribe to)
        type Row<'a> = (
            &'a str,
            Vec<Candidate<'a>>,
            Option<(&'a str, i32)>,
            Option<&'a str>,
        );
        let rows: &[Row<'_>] = &[
            ("nothing covers the publisher", vec![], None, None),
            (
                "archived plans are never offered",
                vec![archived],
                None,
                None,
            ),
            (
                "all-publisher plans come before cheaper single titles",
                vec![
                    plan("daily", false, 300, 7, false),
                    plan("all", true, 999, 14, false),
                ],
                Some(("all", 14)),
                Some("all"),
            ),
            (
                "then the cheapest",
                vec![
                    plan("dear", true, 1999, 0, false),
                    plan("cheap", true, 999, 0, false),
                ],
                None,
                Some("cheap"),
            ),
            (
                "then by code",
                vec![
                    plan("b", true, 999, 0, false),
                    plan("a", true, 999, 0, false),
                ],
                None,
                Some("a"),
            ),
            (
                "a trial that needs a card is not offered as a trial",
                vec![
                    plan("carded", true, 999, 14, true),
                    plan("free", false, 999, 7, false),
                ],
                Some(("free", 7)),
                Some("carded"),
            ),
            (
                "no trial days, no trial",
                vec![plan("plain", true, 999, 0, false)],
                None,
                Some("plain"),
            ),
        ];
        for (case, plans, trial, subscribe) in rows {
            let offers = choose(plans);
            assert_eq!(
                offers.trial,
                trial.map(|(code, days)| (code.to_owned(), days)),
                "{case}"
            );
            assert_eq!(offers.subscribe.as_deref(), *subscribe, "{case}");
        }
    }
}
