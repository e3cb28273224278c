//! Request bodies for creating and changing plans, parsed into domain types
//! before anything is written. `interval` is stored as `billing_interval`;
//! `publishers` as `all_publishers` plus `plan_publishers` rows.

use crate::domain::states::PlanStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::db::plans::Plan;
use crate::db::{publishers, DbConnection};
use crate::domain::ids::new_id;
use crate::domain::money::{Currency, Money};
use crate::domain::plan_terms::{Interval, PlanScope, StripePriceId, TrialDays};
use crate::domain::slug::PlanCode;
use crate::domain::text::{Description, Name};
use crate::error::ApiError;
use crate::error::ErrorCode;

/// `POST /v1/admin/plans`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub price: i64,
    pub currency: String,
    pub interval: String,
    #[serde(default)]
    pub trial_days: i64,
    #[serde(default)]
    pub trial_requires_card: bool,
    pub publishers: serde_json::Value,
    pub stripe_price_id: Option<String>,
}

/// `PATCH /v1/admin/plans/{code}`: the fields to change. `code` and
/// `status` cannot be patched (archive has its own route);
/// `"stripe_price_id": null` clears the price id.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub price: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub interval: Option<String>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub trial_days: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub trial_requires_card: Option<bool>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub publishers: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    pub stripe_price_id: Option<Option<String>>,
}

/// Tells `"field": null` (Some(None)) from an absent field (None).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A plan row to write and, when it changes, the publisher ids it is
/// scoped to (empty for all publishers).
pub struct PlanWrite {
    pub plan: Plan,
    pub scope: Option<Vec<String>>,
    /// The Stripe price the plan was linked to when the patch changed what
    /// the plan charges (price, currency or interval) without naming a new
    /// price: the old price no longer matches, so the link is cleared and
    /// the plan cannot be bought until `stripe-sync` links a new one.
    pub unlinked_price: Option<String>,
}

impl PlanInput {
    pub fn into_patch(self) -> (String, PlanPatch) {
        let patch = PlanPatch {
            name: Some(self.name),
            description: Some(self.description),
            price: Some(self.price),
            currency: Some(self.currency),
            interval: Some(self.interval),
            trial_days: Some(self.trial_days),
            trial_requires_card: Some(self.trial_requires_card),
            publishers: Some(self.publishers),
            stripe_price_id: Some(self.stripe_price_id),
        };
        (self.code, patch)
    }
}

/// An empty plan to apply a full `PlanInput` patch to.
pub fn blank_plan(code: &str, now: DateTime<Utc>) -> Result<Plan, ApiError> {
    let code = PlanCode::parse(code)?;
    Ok(Plan {
        id: new_id("pln"),
        code: code.as_str().to_owned(),
        name: String::new(),
        description: String::new(),
        price: 0,
        currency: String::new(),
        billing_interval: String::new(),
        trial_days: 0,
        trial_requires_card: false,
        all_publishers: true,
        status: PlanStatus::Active,
        stripe_price_id: None,
        stripe_product_id: None,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    })
}

impl PlanPatch {
    /// Parses every present field, before any transaction; the scope's slugs
    /// are resolved against the database in `apply`.
    pub fn parse(self) -> Result<ParsedPlanPatch, ApiError> {
        Ok(ParsedPlanPatch {
            name: self.name.map(|n| Name::parse(&n, "name")).transpose()?,
            description: self
                .description
                .map(|d| Description::parse(&d))
                .transpose()?,
            price: self.price.map(Money::parse).transpose()?,
            currency: self.currency.map(|c| Currency::parse(&c)).transpose()?,
            interval: self.interval.map(|i| Interval::parse(&i)).transpose()?,
            trial_days: self.trial_days.map(TrialDays::parse).transpose()?,
            trial_requires_card: self.trial_requires_card,
            scope: self.publishers.map(|p| PlanScope::parse(&p)).transpose()?,
            stripe_price_id: self
                .stripe_price_id
                .map(|id| id.map(|id| StripePriceId::parse(&id)).transpose())
                .transpose()?,
        })
    }
}

pub struct ParsedPlanPatch {
    name: Option<Name>,
    description: Option<Description>,
    price: Option<Money>,
    currency: Option<Currency>,
    interval: Option<Interval>,
    trial_days: Option<TrialDays>,
    trial_requires_card: Option<bool>,
    scope: Option<PlanScope>,
    stripe_price_id: Option<Option<StripePriceId>>,
}

impl ParsedPlanPatch {
    /// The plan with this patch applied. An unknown slug in a new scope is
    /// a 422 `unknown_publisher`.
    pub fn apply(
        self,
        conn: &mut DbConnection,
        current: &Plan,
        now: DateTime<Utc>,
    ) -> Result<PlanWrite, ApiError> {
        let mut plan = current.clone();
        if let Some(name) = self.name {
            plan.name = name.into_inner();
        }
        if let Some(description) = self.description {
            plan.description = description.into_inner();
        }
        if let Some(price) = self.price {
            plan.price = price.minor_units();
        }
        if let Some(currency) = self.currency {
            plan.currency = currency.as_str().to_owned();
        }
        if let Some(interval) = self.interval {
            plan.billing_interval = interval.as_str().to_owned();
        }
        if let Some(days) = self.trial_days {
            plan.trial_days = days.days();
        }
        if let Some(requires_card) = self.trial_requires_card {
            plan.trial_requires_card = requires_card;
        }
        let terms_changed = plan.price != current.price
            || plan.currency != current.currency
            || plan.billing_interval != current.billing_interval;
        let mut unlinked_price = None;
        match self.stripe_price_id {
            Some(price_id) => plan.stripe_price_id = price_id.map(StripePriceId::into_inner),
            None if terms_changed => unlinked_price = plan.stripe_price_id.take(),
            None => {}
        }
        plan.updated_at = now.naive_utc();
        let scope = match self.scope {
            None => None,
            Some(PlanScope::All) => {
                plan.all_publishers = true;
                Some(Vec::new())
            }
            Some(PlanScope::Only(slugs)) => {
                plan.all_publishers = false;
                Some(resolve(conn, &slugs)?)
            }
        };
        Ok(PlanWrite {
            plan,
            scope,
            unlinked_price,
        })
    }
}

/// Publisher ids for these slugs, or 422 naming the first unknown one.
fn resolve(
    conn: &mut DbConnection,
    slugs: &[crate::domain::slug::Slug],
) -> Result<Vec<String>, ApiError> {
    let wanted: Vec<&str> = slugs.iter().map(|s| s.as_str()).collect();
    let found = publishers::find_by_slugs(conn, &wanted)?;
    if let Some(missing) = wanted
        .iter()
        .find(|slug| !found.iter().any(|p| p.slug == **slug))
    {
        return Err(ApiError::new(
            ErrorCode::UnknownPublisher,
            format!("No publisher has the slug {missing:?}."),
        )
        .with_field("publishers"));
    }
    Ok(found.into_iter().map(|p| p.id).collect())
}
