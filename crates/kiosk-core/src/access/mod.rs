//! The hot path: gathers what the pure decision needs (from memory where
//! it can, the database on a miss), records a new metered read durably,
//! and shapes the answer.

pub mod group_commit;
pub mod publishers;
pub mod reader;
pub mod view;

use std::collections::HashSet;
use std::sync::Arc;

use crate::auth::rate_limit::RateLimiter;
use crate::auth::tokens::KeyStore;
use crate::cache::catalogue::PublisherInfo;
use crate::cache::members::Covered;
use crate::cache::Caches;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::articles;
use crate::db::meters::{self, MeterKey, Recorded};
use crate::db::Db;
use crate::domain::access::AccessLevel;
use crate::domain::article::ArticleId;
use crate::domain::decision::{decide, needs_meter, DecisionInput, MeterState, ReaderKind};
use crate::error::{CoreError, CoreResult};
use group_commit::MeterWriter;
use reader::Reader;
use view::{ArticleRef, DecisionView, EntitlementView, MemberRef, MeterView};

/// The access check and what it needs, given explicitly: the database,
/// the caches, the signing keys, the clock, the meter writer and the limit
/// on new reads from one address.
pub struct Access {
    pub db: Db,
    pub caches: Arc<Caches>,
    pub keys: Arc<KeyStore>,
    pub clock: Arc<dyn Clock>,
    /// Group commit of new metered reads (`meter_group_commit`); without
    /// it each read commits on its own.
    pub meter_writer: Option<MeterWriter>,
    /// New metered reads per client address on the public front-end route
    /// (`None`: not limited).
    pub new_reads_per_address: Option<RateLimiter>,
    pub grace: chrono::Duration,
    /// The decision tokens' issuer and lifetime.
    pub issuer: String,
    pub decision_token_ttl: chrono::Duration,
}

impl Access {
    /// Starts the meter writer when the settings ask for one.
    pub fn new(
        settings: &Settings,
        db: Db,
        caches: Arc<Caches>,
        keys: Arc<KeyStore>,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        let meter_writer = if settings.meter_group_commit {
            Some(MeterWriter::start(&db, settings.db_timeout())?)
        } else {
            None
        };
        let new_reads_per_address = (settings.new_reads_per_address > 0).then(|| {
            RateLimiter::new(
                settings.new_reads_per_address,
                chrono::Duration::seconds(settings.new_reads_window_secs),
                settings.rate_limit_max_keys,
            )
        });
        Ok(Self {
            db,
            caches,
            keys,
            clock,
            meter_writer,
            new_reads_per_address,
            grace: settings.grace(),
            issuer: settings.issuer.clone(),
            decision_token_ttl: chrono::Duration::seconds(settings.decision_token_ttl_secs),
        })
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// An article's access level: registered, else the publisher's default.
pub async fn article_access(
    state: &Access,
    publisher: &PublisherInfo,
    article_id: &ArticleId,
) -> CoreResult<AccessLevel> {
    let key = (publisher.id.clone(), article_id.as_str().to_owned());
    let level = match state.caches.articles.get(&key) {
        Some(level) => level,
        None => {
            let epoch = state.caches.articles.epoch();
            let (publisher_id, id) = key.clone();
            let stored = state
                .db
                .run(move |conn| Ok(articles::access_of(conn, &publisher_id, &id)?))
                .await?;
            // A stored level Kiosk cannot read is logged and answered as
            // premium: an unreadable rule closes the article, never opens it.
            let level = stored.map(|raw| {
                AccessLevel::parse(&raw, "access").unwrap_or_else(|_| {
                    tracing::warn!(article = %article_id.as_str(), stored = %raw,
                        "unreadable article access level; answering premium");
                    AccessLevel::Premium
                })
            });
            state.caches.articles.insert_if_current(key, level, epoch);
            level
        }
    };
    match level {
        Some(level) => Ok(level),
        None if publisher.registered_articles_only => Err(CoreError::not_found("No such article.")),
        None => Ok(publisher.default_access),
    }
}

fn meter_key(state: &Access, publisher: &PublisherInfo, subject: String) -> MeterKey {
    MeterKey {
        publisher_id: publisher.id.clone(),
        subject,
        period: publisher.meter_period.key(state.now()),
    }
}

fn meter_limit(publisher: &PublisherInfo, reader: &Reader) -> i32 {
    if reader.kind == ReaderKind::Member {
        publisher.meter_limit_registered
    } else {
        publisher.meter_limit_anonymous
    }
}

fn covering(state: &Access, publisher: &PublisherInfo, reader: &Reader) -> Option<Covered> {
    let member = reader.member.as_ref()?;
    let catalogue = state.caches.catalogue.get();
    member.covering(&catalogue, &publisher.id, state.now(), state.grace)
}

/// Who asks, for the limit on new metered reads.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// A publisher backend (API key): trusted, not limited.
    Publisher,
    /// The public front-end route, from this client address: its new reads
    /// are limited (`new_reads_per_address`).
    Public { address: &'a str },
}

/// Whether a trial may be offered: to anyone not signed in, and to a member
/// while they may still start one.
fn trial_eligible(state: &Access, reader: &Reader) -> bool {
    reader
        .member
        .as_ref()
        .is_none_or(|m| m.trial_eligible(state.now()))
}

/// Decides one article for one reader, recording the read when the meter
/// allows a new one (durably, before the answer).
pub async fn check(
    state: &Access,
    publisher: &Arc<PublisherInfo>,
    article_id: &ArticleId,
    reader: &Reader,
    caller: Caller<'_>,
) -> CoreResult<DecisionView> {
    let access = article_access(state, publisher, article_id).await?;
    let covered = covering(state, publisher, reader);
    let mut meter = None;
    if needs_meter(access, reader.kind, covered.is_some()) {
        if let Some(subject) = reader.meter_subject() {
            let limiter = match (caller, &state.new_reads_per_address) {
                (Caller::Public { address }, Some(limiter)) => Some((limiter, address)),
                _ => None,
            };
            if let Some((limiter, address)) = limiter {
                limiter
                    .check(address, state.now())
                    .map_err(CoreError::rate_limited)?;
            }
            let key = meter_key(state, publisher, subject);
            let limit = meter_limit(publisher, reader);
            let (article, now) = (article_id.as_str().to_owned(), state.now().naive_utc());
            let recorded = match &state.meter_writer {
                Some(writer) => writer.record(key, article, limit, now).await?,
                None => {
                    state
                        .db
                        .write(move |conn| Ok(meters::record(conn, &key, &article, limit, now)?))
                        .await?
                }
            };
            if let (Recorded::Counted { .. }, Some((limiter, address))) = (recorded, limiter) {
                // Over the limit is fine here: the next new read is refused.
                let _ = limiter.hit(address, state.now());
            }
            meter = Some(MeterState::recorded(
                recorded,
                limit,
                publisher.meter_period.resets_at(state.now()),
            ));
        }
    }
    let eligible = trial_eligible(state, reader);
    let view = build(
        publisher, article_id, reader, access, covered, meter, eligible,
    );
    Ok(view)
}

/// Decides many articles for one reader without recording anything: what
/// each check would answer now.
pub async fn preview(
    state: &Access,
    publisher: &Arc<PublisherInfo>,
    article_ids: &[ArticleId],
    reader: &Reader,
) -> CoreResult<Vec<DecisionView>> {
    let mut levels = Vec::with_capacity(article_ids.len());
    for id in article_ids {
        levels.push(article_access(state, publisher, id).await?);
    }
    let covered = covering(state, publisher, reader);
    let eligible = trial_eligible(state, reader);
    let metered: Vec<String> = article_ids
        .iter()
        .zip(&levels)
        .filter(|(_, level)| needs_meter(**level, reader.kind, covered.is_some()))
        .map(|(id, _)| id.as_str().to_owned())
        .collect();
    let mut seen = (0, HashSet::new());
    if let (false, Some(subject)) = (metered.is_empty(), reader.meter_subject()) {
        let key = meter_key(state, publisher, subject);
        seen = state
            .db
            .run(move |conn| {
                Ok((
                    meters::used(conn, &key)?,
                    meters::already_read(conn, &key, &metered)?,
                ))
            })
            .await?;
    }
    let limit = meter_limit(publisher, reader);
    let resets_at = publisher.meter_period.resets_at(state.now());
    Ok(article_ids
        .iter()
        .zip(levels)
        .map(|(id, access)| {
            let meter = Some(MeterState::preview(
                seen.0,
                limit,
                seen.1.contains(id.as_str()),
                resets_at,
            ));
            build(
                publisher,
                id,
                reader,
                access,
                covered.clone(),
                meter,
                eligible,
            )
        })
        .collect())
}

fn build(
    publisher: &PublisherInfo,
    article_id: &ArticleId,
    reader: &Reader,
    access: AccessLevel,
    covered: Option<Covered>,
    meter: Option<MeterState>,
    trial_eligible: bool,
) -> DecisionView {
    let decision = decide(&DecisionInput {
        access,
        reader: reader.kind,
        entitlement: covered.as_ref().map(|c| c.entitlement),
        meter,
        trial_eligible,
        offers: publisher.offers(),
    });
    let shows_meter = needs_meter(access, reader.kind, covered.is_some());
    let meter = meter.filter(|_| shows_meter).map(|m| MeterView {
        used: m.used_after(),
        limit: m.limit,
        remaining: m.remaining_after(),
        resets_at: m.resets_at,
    });
    DecisionView {
        allowed: decision.allowed,
        reason: decision.reason.as_str(),
        access,
        article: ArticleRef {
            publisher: publisher.slug.clone(),
            id: article_id.as_str().to_owned(),
        },
        member: reader
            .member_id
            .as_ref()
            .map(|id| MemberRef { id: id.to_string() }),
        entitlement: covered.map(|c| EntitlementView {
            plan: c.plan_code,
            source: c.source,
            ends_at: c.entitlement.ends_at,
        }),
        meter,
        offer: decision.offer,
        decision_token: None,
    }
}
