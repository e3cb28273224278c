//! Response bodies of the admin API and the public catalogue.

use crate::domain::states::{PlanStatus, Source, SubscriptionStatus};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::Serialize;

use crate::db::api_keys::ApiKey;
use crate::db::audit::AuditEntry;
use crate::db::plans::Plan;
use crate::db::publishers::Publisher;
use crate::db::subscriptions::Subscription;

/// Times as answered: UTC, to the microsecond, which is what PostgreSQL
/// keeps; a write's answer and a later read then agree on every backend.
fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc().trunc_subsecs(6)
}

#[derive(Debug, Serialize)]
pub struct PublisherView {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub default_access: String,
    pub meter_limit_anonymous: i32,
    pub meter_limit_registered: i32,
    pub meter_period: String,
    pub allowed_origins: Vec<String>,
    pub registered_articles_only: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Publisher> for PublisherView {
    fn from(p: &Publisher) -> Self {
        Self {
            id: p.id.clone(),
            slug: p.slug.clone(),
            name: p.name.clone(),
            default_access: p.default_access.clone(),
            meter_limit_anonymous: p.meter_limit_anonymous,
            meter_limit_registered: p.meter_limit_registered,
            meter_period: p.meter_period.clone(),
            allowed_origins: serde_json::from_str(&p.allowed_origins).unwrap_or_default(),
            registered_articles_only: p.registered_articles_only,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PlanView {
    pub code: String,
    pub name: String,
    pub description: String,
    pub price: i64,
    pub currency: String,
    pub interval: String,
    pub trial_days: i32,
    pub trial_requires_card: bool,
    /// `"*"` or the slugs of the publishers covered.
    pub publishers: serde_json::Value,
    pub status: PlanStatus,
    pub stripe_price_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PlanView {
    /// `scope` holds the slugs of a scoped plan; ignored for all-publisher
    /// plans.
    pub fn new(p: &Plan, scope: Vec<String>) -> Self {
        Self {
            code: p.code.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            price: p.price,
            currency: p.currency.clone(),
            interval: p.billing_interval.clone(),
            trial_days: p.trial_days,
            trial_requires_card: p.trial_requires_card,
            publishers: if p.all_publishers {
                serde_json::Value::from("*")
            } else {
                serde_json::Value::from(scope)
            },
            status: p.status.clone(),
            stripe_price_id: p.stripe_price_id.clone(),
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
        }
    }
}

/// A key as listed: never its secret nor its hash.
#[derive(Debug, Serialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    pub publisher: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyView {
    pub fn new(k: &ApiKey, publisher_slug: Option<&str>) -> Self {
        Self {
            id: k.id.clone(),
            name: k.name.clone(),
            publisher: publisher_slug.map(str::to_owned),
            created_at: utc(k.created_at),
            last_used_at: k.last_used_at.map(utc),
            revoked_at: k.revoked_at.map(utc),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AuditEntryView {
    pub id: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
    pub at: DateTime<Utc>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            id: e.id,
            actor: e.actor,
            action: e.action,
            target: e.target,
            at: utc(e.at),
        }
    }
}

/// A member's subscription as an admin sees it.
#[derive(Debug, Serialize)]
pub struct SubscriptionView {
    pub id: String,
    pub plan: String,
    pub source: Source,
    pub status: SubscriptionStatus,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<DateTime<Utc>>,
    pub stripe_subscription_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl SubscriptionView {
    pub fn new(s: &Subscription, plan_code: &str) -> Self {
        Self {
            id: s.id.clone(),
            plan: plan_code.to_owned(),
            source: s.source.clone(),
            status: s.status.clone(),
            trial_ends_at: s.trial_ends_at.map(utc),
            current_period_end: s.current_period_end.map(utc),
            cancel_at_period_end: s.cancel_at_period_end,
            canceled_at: s.canceled_at.map(utc),
            stripe_subscription_id: s.stripe_subscription_id.clone(),
            created_at: utc(s.created_at),
        }
    }
}
