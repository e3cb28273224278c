//! The audit log: every admin write, in the same transaction as the write.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::DbConnection;
use crate::domain::ids::new_id;

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
