//! Publishers and plans in memory: read whole at start, replaced whole on
//! `catalogue_changed` (here or, through NOTIFY, on another replica).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use diesel::QueryResult;

use crate::db::plans::{self, Plan};
use crate::db::publishers::{self, Publisher};
use crate::db::DbConnection;
use crate::domain::access::AccessLevel;
use crate::domain::decision::OfferPlans;
use crate::domain::meter::MeterPeriod;
use crate::domain::offers::{self, Candidate};
use crate::domain::states::PlanStatus;

#[derive(Debug)]
pub struct PublisherInfo {
    pub id: String,
    pub slug: String,
    pub default_access: AccessLevel,
    pub meter_limit_anonymous: i32,
    pub meter_limit_registered: i32,
    pub meter_period: MeterPeriod,
    pub allowed_origins: Vec<String>,
    /// Checks for articles never registered answer 404 and record nothing.
    pub registered_articles_only: bool,
    /// The card-less trial plan to offer: (code, trial days).
    pub trial_offer: Option<(String, i32)>,
    pub subscribe_offer: Option<String>,
}

impl PublisherInfo {
    pub fn offers(&self) -> OfferPlans<'_> {
        OfferPlans {
            trial: self
                .trial_offer
                .as_ref()
                .map(|(code, days)| (code.as_str(), *days)),
            subscribe: self.subscribe_offer.as_deref(),
        }
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
    }
}

#[derive(Debug)]
pub struct PlanInfo {
    pub code: String,
    pub all_publishers: bool,
    pub publishers: HashSet<String>,
}

impl PlanInfo {
    /// A plan's scope decides which publishers its entitlement opens,
    /// archived or not (existing subscribers keep what they bought).
    pub fn covers(&self, publisher_id: &str) -> bool {
        self.all_publishers || self.publishers.contains(publisher_id)
    }
}

#[derive(Debug, Default)]
pub struct Catalogue {
    by_id: HashMap<String, Arc<PublisherInfo>>,
    by_slug: HashMap<String, Arc<PublisherInfo>>,
    plans: HashMap<String, PlanInfo>,
}

/// A publisher's stored default access. A value Kiosk cannot read (written
/// by hand, say) is logged and taken as `premium`: an unreadable rule
/// closes the paywall, never opens it.
fn stored_default_access(p: &Publisher) -> AccessLevel {
    AccessLevel::parse(&p.default_access, "default_access").unwrap_or_else(|_| {
        tracing::warn!(publisher = %p.slug, stored = %p.default_access,
            "unreadable default access; answering premium");
        AccessLevel::Premium
    })
}

/// A publisher's stored meter period. One Kiosk cannot read is logged and
/// taken as a month, the period every publisher starts with.
fn stored_period(p: &Publisher) -> MeterPeriod {
    MeterPeriod::from_stored(&p.meter_period).unwrap_or_else(|| {
        tracing::warn!(publisher = %p.slug, stored = %p.meter_period,
            "unreadable meter period; counting by month");
        MeterPeriod::Month
    })
}

/// A publisher's stored CORS origins. An unreadable list is logged and
/// taken as empty: no origin is allowed until an admin sets it again.
fn stored_origins(p: &Publisher) -> Vec<String> {
    serde_json::from_str(&p.allowed_origins).unwrap_or_else(|e| {
        tracing::warn!(publisher = %p.slug, error = %e, "unreadable allowed origins; allowing none");
        Vec::new()
    })
}

impl Catalogue {
    pub fn load(conn: &mut DbConnection) -> QueryResult<Self> {
        let all_plans = plans::list_all(conn)?;
        let mut scopes: HashMap<String, HashSet<String>> = HashMap::new();
        for (plan_id, publisher_id) in plans::all_scopes(conn)? {
            scopes.entry(plan_id).or_default().insert(publisher_id);
        }
        let publishers = publishers::list_all(conn)?;
        Ok(Self::build(publishers, all_plans, scopes))
    }

    fn build(
        publishers: Vec<Publisher>,
        all_plans: Vec<Plan>,
        mut scopes: HashMap<String, HashSet<String>>,
    ) -> Self {
        for p in &all_plans {
            if let PlanStatus::Unknown(raw) = &p.status {
                tracing::warn!(plan = %p.code, stored = %raw,
                    "unreadable plan status; the plan is off sale");
            }
        }
        let plan_infos: HashMap<String, PlanInfo> = all_plans
            .iter()
            .map(|p| {
                let info = PlanInfo {
                    code: p.code.clone(),
                    all_publishers: p.all_publishers,
                    publishers: scopes.remove(&p.id).unwrap_or_default(),
                };
                (p.id.clone(), info)
            })
            .collect();
        let mut catalogue = Self {
            plans: plan_infos,
            ..Self::default()
        };
        for p in publishers {
            let covering: Vec<Candidate<'_>> = all_plans
                .iter()
                .filter(|plan| {
                    catalogue
                        .plans
                        .get(&plan.id)
                        .is_some_and(|i| i.covers(&p.id))
                })
                .map(|plan| Candidate {
                    code: &plan.code,
                    active: plan.status.on_sale(),
                    all_publishers: plan.all_publishers,
                    price: plan.price,
                    trial_days: plan.trial_days,
                    trial_requires_card: plan.trial_requires_card,
                })
                .collect();
            let offers = offers::choose(&covering);
            let info = Arc::new(PublisherInfo {
                default_access: stored_default_access(&p),
                meter_limit_anonymous: p.meter_limit_anonymous,
                meter_limit_registered: p.meter_limit_registered,
                meter_period: stored_period(&p),
                allowed_origins: stored_origins(&p),
                registered_articles_only: p.registered_articles_only,
                trial_offer: offers.trial,
                subscribe_offer: offers.subscribe,
                id: p.id,
                slug: p.slug,
            });
            catalogue.by_id.insert(info.id.clone(), info.clone());
            catalogue.by_slug.insert(info.slug.clone(), info);
        }
        catalogue
    }

    pub fn publisher(&self, id: &str) -> Option<Arc<PublisherInfo>> {
        self.by_id.get(id).cloned()
    }

    pub fn publisher_by_slug(&self, slug: &str) -> Option<Arc<PublisherInfo>> {
        self.by_slug.get(slug).cloned()
    }

    pub fn plan(&self, id: &str) -> Option<&PlanInfo> {
        self.plans.get(id)
    }
}

/// The current catalogue, swapped whole on reload.
/// The catalogue in use, with the ticket of the load that made it. Loads
/// can overlap (a write's own reload, the listener's, a miss's): each takes
/// a ticket before it reads, and only a load that began later than the one
/// installed replaces it, so a slow load that began before a commit can
/// never put back what the commit changed.
#[derive(Default)]
pub struct CatalogueCache {
    current: RwLock<(u64, Arc<Catalogue>)>,
    tickets: AtomicU64,
}

impl CatalogueCache {
    pub fn get(&self) -> Arc<Catalogue> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    /// Loads the catalogue and installs it unless a load that began later
    /// got there first.
    pub fn reload(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let ticket = self.ticket();
        let catalogue = Catalogue::load(conn)?;
        self.install(ticket, catalogue);
        Ok(())
    }

    fn ticket(&self) -> u64 {
        self.tickets.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn install(&self, ticket: u64, catalogue: Catalogue) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if ticket > current.0 {
            *current = (ticket, Arc::new(catalogue));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;

    fn publisher(id: &str) -> Publisher {
        Publisher {
            id: id.into(),
            slug: format!("slug-{id}"),
            name: id.into(),
            default_access: "metered".into(),
            meter_limit_anonymous: 3,
            meter_limit_registered: 5,
            meter_period: "week".into(),
            allowed_origins: r#"["https://a.example"]"#.into(),
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
            registered_articles_only: false,
        }
    }

    fn plan(code: &str, price: i64, trial_days: i32, card: bool, all: bool, status: &str) -> Plan {
        Plan {
            id: format!("pln_{code}"),
            code: code.into(),
            name: code.into(),
            description: String::new(),
            price,
            currency: "EUR".into(),
            billing_interval: "month".into(),
            trial_days,
            trial_requires_card: card,
            all_publishers: all,
            status: PlanStatus::parse(status),
            stripe_price_id: None,
            stripe_product_id: None,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
        }
    }

    #[test]
    fn offers_prefer_all_publisher_plans_then_the_cheapest() {
        let plans = vec![
            plan("solo-cheap", 100, 14, false, false, "active"),
            plan("all-dear", 900, 0, false, true, "active"),
            plan("all-card", 500, 30, true, true, "active"),
            plan("all-old", 50, 7, false, true, "archived"),
            plan("all-trial", 700, 14, false, true, "active"),
        ];
        let scopes = HashMap::from([(
            "pln_solo-cheap".to_owned(),
            HashSet::from(["pub_a".to_owned()]),
        )]);
        let catalogue = Catalogue::build(vec![publisher("pub_a")], plans, scopes);

        let a = catalogue.publisher("pub_a").expect("publisher");
        assert_eq!(a.trial_offer, Some(("all-trial".to_owned(), 14)));
        assert_eq!(a.subscribe_offer.as_deref(), Some("all-card"));
        assert_eq!(a.default_access, AccessLevel::Metered);
        assert_eq!(a.meter_period, MeterPeriod::Week);
        assert!(a.allows_origin("https://a.example"));
        assert!(!a.allows_origin("https://b.example"));
        assert!(catalogue.publisher_by_slug("slug-pub_a").is_some());
        assert!(catalogue
            .plan("pln_solo-cheap")
            .expect("plan")
            .covers("pub_a"));
        assert!(!catalogue
            .plan("pln_solo-cheap")
            .expect("plan")
            .covers("pub_b"));
        assert!(catalogue.plan("pln_all-old").expect("plan").covers("pub_b"));
    }

    #[test]
    fn a_load_that_began_earlier_never_replaces_a_later_one() {
        let cache = CatalogueCache::default();
        let (early, late) = (cache.ticket(), cache.ticket());
        let with_one = Catalogue::build(vec![publisher("p1")], Vec::new(), HashMap::new());
        cache.install(late, with_one);
        cache.install(early, Catalogue::default());
        assert!(cache.get().publisher("p1").is_some(), "the stale load won");

        let newest = cache.ticket();
        cache.install(newest, Catalogue::default());
        assert!(cache.get().publisher("p1").is_none());
    }
}
