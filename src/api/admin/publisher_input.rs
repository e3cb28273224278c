//! Request bodies for creating and changing publishers, parsed into domain
//! types before anything is written.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::config::Settings;
use crate::db::publishers::Publisher;
use crate::domain::access::AccessLevel;
use crate::domain::ids::new_id;
use crate::domain::meter::MeterPeriod;
use crate::domain::publisher_rules::{MeterLimit, Origins};
use crate::domain::slug::Slug;
use crate::domain::text::Name;
use crate::error::ApiError;

/// `POST /v1/admin/publishers`. Only `slug` and `name` are required.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherInput {
    pub slug: String,
    pub name: String,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub default_access: Option<String>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub meter_limit_anonymous: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub meter_limit_registered: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub meter_period: Option<String>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub registered_articles_only: Option<bool>,
}

/// `PATCH /v1/admin/publishers/{slug}`: the fields to change. The slug is
/// the publisher's identity and cannot change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherPatch {
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub default_access: Option<String>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub meter_limit_anonymous: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub meter_limit_registered: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub meter_period: Option<String>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::api::json::not_null")]
    pub registered_articles_only: Option<bool>,
}

/// A patch whose every present field parsed.
struct ParsedPatch {
    name: Option<Name>,
    default_access: Option<AccessLevel>,
    meter_limit_anonymous: Option<MeterLimit>,
    meter_limit_registered: Option<MeterLimit>,
    meter_period: Option<MeterPeriod>,
    allowed_origins: Option<Origins>,
    registered_articles_only: Option<bool>,
}

impl PublisherPatch {
    fn parse(self) -> Result<ParsedPatch, ApiError> {
        Ok(ParsedPatch {
            name: self.name.map(|n| Name::parse(&n, "name")).transpose()?,
            default_access: self
                .default_access
                .map(|a| AccessLevel::parse(&a, "default_access"))
                .transpose()?,
            meter_limit_anonymous: self
                .meter_limit_anonymous
                .map(|n| MeterLimit::parse(n, "meter_limit_anonymous"))
                .transpose()?,
            meter_limit_registered: self
                .meter_limit_registered
                .map(|n| MeterLimit::parse(n, "meter_limit_registered"))
                .transpose()?,
            meter_period: self
                .meter_period
                .map(|p| MeterPeriod::parse(&p))
                .transpose()?,
            allowed_origins: self
                .allowed_origins
                .map(|o| Origins::parse(&o))
                .transpose()?,
            registered_articles_only: self.registered_articles_only,
        })
    }

    /// The publisher with this patch applied, or why the patch is invalid.
    pub fn apply(self, current: &Publisher, now: DateTime<Utc>) -> Result<Publisher, ApiError> {
        let patch = self.parse()?;
        let mut next = current.clone();
        if let Some(name) = patch.name {
            next.name = name.into_inner();
        }
        if let Some(access) = patch.default_access {
            next.default_access = access.as_str().to_owned();
        }
        if let Some(limit) = patch.meter_limit_anonymous {
            next.meter_limit_anonymous = limit.get();
        }
        if let Some(limit) = patch.meter_limit_registered {
            next.meter_limit_registered = limit.get();
        }
        if let Some(period) = patch.meter_period {
            next.meter_period = period.as_str().to_owned();
        }
        if let Some(origins) = patch.allowed_origins {
            next.allowed_origins = origins_json(&origins)?;
        }
        if let Some(only) = patch.registered_articles_only {
            next.registered_articles_only = only;
        }
        next.updated_at = now.naive_utc();
        Ok(next)
    }
}

impl PublisherInput {
    /// A new publisher row: unknown articles premium, the configured meter
    /// limits, a monthly meter and no origins unless the body says otherwise.
    pub fn into_publisher(
        self,
        settings: &Settings,
        now: DateTime<Utc>,
    ) -> Result<Publisher, ApiError> {
        let slug = Slug::parse(&self.slug)?;
        let name = Name::parse(&self.name, "name")?;
        let defaults = Publisher {
            id: new_id("pub"),
            slug: slug.as_str().to_owned(),
            name: name.into_inner(),
            default_access: AccessLevel::Premium.as_str().to_owned(),
            meter_limit_anonymous: MeterLimit::parse(
                settings.meter_limit_anonymous.into(),
                "meter_limit_anonymous",
            )?
            .get(),
            meter_limit_registered: MeterLimit::parse(
                settings.meter_limit_registered.into(),
                "meter_limit_registered",
            )?
            .get(),
            meter_period: MeterPeriod::Month.as_str().to_owned(),
            allowed_origins: "[]".to_owned(),
            created_at: now.naive_utc(),
            updated_at: now.naive_utc(),
            registered_articles_only: false,
        };
        let rules = PublisherPatch {
            name: None,
            default_access: self.default_access,
            meter_limit_anonymous: self.meter_limit_anonymous,
            meter_limit_registered: self.meter_limit_registered,
            meter_period: self.meter_period,
            allowed_origins: self.allowed_origins,
            registered_articles_only: self.registered_articles_only,
        };
        let mut publisher = rules.apply(&defaults, now)?;
        publisher.updated_at = publisher.created_at;
        Ok(publisher)
    }
}

fn origins_json(origins: &Origins) -> Result<String, ApiError> {
    serde_json::to_string(origins.as_slice()).map_err(ApiError::internal)
}
