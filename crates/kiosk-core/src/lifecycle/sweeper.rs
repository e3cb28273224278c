//! The sweeper: marks what time already decided (ended trials and
//! subscriptions become `expired`) and records lifecycle events for
//! publishers. Access never waits for it; it only tidies and tells.
//! Every replica may run it: guarded updates and the events' dedupe keys
//! make a second sweep of the same moment record nothing.

use crate::domain::states::SubscriptionStatus;
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use crate::db::subscriptions::{self, Subscription};
use crate::db::{write_transaction, DbConnection};
use crate::domain::lifecycle::{self, trial_warning, EventKind, Sweep};
use crate::error::CoreError;

use super::{events, Lifecycle};

const PAGE: i64 = 200;

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: usize,
    pub events: usize,
}

/// Runs the sweeper every `sweep_interval_secs` (0 turns it off).
pub fn spawn(state: Lifecycle) {
    let secs = state.sweep_interval_secs;
    if secs == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(secs));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            match sweep_once(&state, state.now()).await {
                Ok(report) if report != SweepReport::default() => {
                    tracing::info!(?report, "sweep done")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "sweep failed"),
            }
        }
    });
}

/// One sweep as of `now` (tests call it directly).
pub async fn sweep_once(state: &Lifecycle, now: DateTime<Utc>) -> Result<SweepReport, CoreError> {
    let grace = state.grace;
    let (report, changed) = state
        .db
        .run(move |conn| sweep_all(conn, now, grace))
        .await?;
    for member_id in changed {
        state.invalidator.member_changed(&member_id).await;
    }
    Ok(report)
}

fn sweep_all(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    grace: Duration,
) -> Result<(SweepReport, BTreeSet<String>), CoreError> {
    let mut report = SweepReport::default();
    let mut changed = BTreeSet::new();
    let mut after = String::new();
    loop {
        let page = subscriptions::sweep_candidates(
            conn,
            now.naive_utc(),
            grace,
            trial_warning(),
            &after,
            PAGE,
        )?;
        for seen in &page {
            sweep_one(conn, seen, now, grace, &mut report, &mut changed)?;
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after.clone_from(&last.id),
            _ => return Ok((report, changed)),
        }
    }
}

fn sweep_one(
    conn: &mut DbConnection,
    seen: &Subscription,
    now: DateTime<Utc>,
    grace: Duration,
    report: &mut SweepReport,
    changed: &mut BTreeSet<String>,
) -> Result<(), CoreError> {
    match lifecycle::sweep(seen.state(), now, grace) {
        Sweep::Nothing => {}
        Sweep::WarnTrialEnding => {
            if events::record(conn, EventKind::TrialWillEnd, seen, now)? {
                report.events += 1;
            }
        }
        Sweep::Expire { event, ended_at } => {
            let recorded = write_transaction(conn, |conn| -> Result<_, CoreError> {
                let mut sub = seen.clone();
                sub.status = SubscriptionStatus::Expired;
                sub.updated_at = now.naive_utc();
                if !subscriptions::save_if_unchanged(conn, &sub, seen)? {
                    return Ok(None);
                }
                Ok(Some(events::record(conn, event, &sub, ended_at)?))
            })?;
            if let Some(new_event) = recorded {
                report.expired += 1;
                report.events += usize::from(new_event);
                changed.insert(seen.member_id.clone());
            }
        }
    }
    Ok(())
}
