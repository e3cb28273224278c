//! Admin keys as the `kiosk admin-key` commands manage them: create (the
//! first key has to come from somewhere other than the API), list and
//! revoke, each write audited with the actor `cli`.

use chrono::{DateTime, Utc};

use crate::auth::api_keys::{create as create_key, KeyKind};
use crate::cache::Invalidation;
use crate::db::api_keys::{self, ApiKey};
use crate::db::{audit, write_transaction, DbConnection};
use crate::domain::text::Name;
use crate::error::CoreError;

const ACTOR: &str = "cli";
const MAX_NAME_CHARS: usize = 100;

fn summary(key: &ApiKey) -> serde_json::Value {
    serde_json::json!({
        "id": key.id,
        "name": key.name,
        "revoked_at": key.revoked_at.map(|t| t.and_utc()),
    })
}

/// Creates an admin key; answers it with its full text, to print once.
pub fn create(
    conn: &mut DbConnection,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(ApiKey, String), CoreError> {
    let name = Name::parse_bounded(name, "name", MAX_NAME_CHARS)?;
    write_transaction(conn, |c| {
        let (key, text) = create_key(c, KeyKind::Admin, None, name.as_str(), now)?;
        let details = serde_json::json!({ "before": null, "after": summary(&key) });
        audit::record(
            c,
            ACTOR,
            "admin_key.create",
            &key.id,
            &details,
            now.naive_utc(),
        )?;
        Ok((key, text))
    })
}

/// Every admin key, oldest first, revoked ones included.
pub fn list(conn: &mut DbConnection) -> Result<Vec<ApiKey>, CoreError> {
    Ok(api_keys::list(conn, KeyKind::Admin.as_str(), None)?)
}

/// Revokes an admin key. Revoking a revoked key changes nothing and
/// answers it as it is; an id that is no admin key is `not_found`.
/// Running servers on PostgreSQL drop the key at once (a notification sent
/// in the same transaction); on SQLite a running server notices within its
/// key cache's lifetime (10 s), since the CLI is another process.
pub fn revoke(conn: &mut DbConnection, id: &str, now: DateTime<Utc>) -> Result<ApiKey, CoreError> {
    write_transaction(conn, |c| {
        let before = api_keys::find(c, id)?
            .filter(|k| k.kind == KeyKind::Admin.as_str())
            .ok_or_else(|| CoreError::not_found(format!("No admin key has the id {id:?}.")))?;
        api_keys::revoke(c, id, now.naive_utc())?;
        Invalidation::ApiKey(id.to_owned()).notify_in(c)?;
        let after = api_keys::find(c, id)?
            .ok_or_else(|| CoreError::not_found(format!("No admin key has the id {id:?}.")))?;
        let details = serde_json::json!({ "before": summary(&before), "after": summary(&after) });
        audit::record(c, ACTOR, "admin_key.revoke", id, &details, now.naive_utc())?;
        Ok(after)
    })
}

/// One line per key for `kiosk admin-key list`.
pub fn format_table(keys: &[ApiKey]) -> String {
    let shown = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let time = |t: Option<chrono::NaiveDateTime>| t.map_or_else(|| "-".to_owned(), shown);
    let mut out = format!(
        "{:<36}  {:<20}  {:<20}  {:<20}  {}\n",
        "ID", "NAME", "CREATED", "LAST USED", "REVOKED"
    );
    for k in keys {
        out.push_str(&format!(
            "{:<36}  {:<20}  {:<20}  {:<20}  {}\n",
            k.id,
            k.name,
            shown(k.created_at),
            time(k.last_used_at),
            time(k.revoked_at),
        ));
    }
    out
}
