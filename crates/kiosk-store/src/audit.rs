//! The audit log: every admin write, in the same transaction as the write.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::DbConnection;
use kiosk_domain::ids::new_id;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: String,
    /// Who: `admin_key:<id>`, `cli`, …
    pub actor: String,
    /// What, as `resource.verb` (`plan.create`).
    pub action: String,
    /// The id or slug written.
    pub target: String,
    /// JSON: `{"before": …, "after": …}`.
    pub details: String,
    pub at: NaiveDateTime,
}

pub fn record(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    target: &str,
    details: &serde_json::Value,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let entry = AuditEntry {
        id: new_id("aud"),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        details: details.to_string(),
        at,
    };
    diesel::insert_into(audit_log::table)
        .values(&entry)
        .execute(conn)
        .map(|_| ())
}

/// What to select from the log; every part is optional.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// Entries at or after this time.
    pub since: Option<NaiveDateTime>,
    /// Entries before this time.
    pub until: Option<NaiveDateTime>,
}

/// Up to `limit` entries, newest first, older than the cursor id.
pub fn page(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    before_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut query = audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(target) = &filter.target {
        query = query.filter(audit_log::target.eq(target.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::at.lt(until));
    }
    if let Some(before_id) = before_id {
        query = query.filter(audit_log::id.lt(before_id.to_owned()));
    }
    query.load(conn)
}
