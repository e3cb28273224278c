//! API keys for admins and publisher backends: `kiosk_admin_<id>_<secret>`
//! and `kiosk_pub_<id>_<secret>`. The secret is 256 random bits, stored as
//! its SHA-256, compared in constant time. Verified keys are cached briefly
//! so the hot path does not read the database for every call.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::auth::secrets::{constant_time_eq, sha256_hex};
use crate::auth::tokens::KeyStore;
use crate::cache::api_keys::ApiKeyCache;
use crate::cache::api_keys::Cached;
use crate::db::api_keys::{self, ApiKey};
use crate::db::Db;
use crate::db::DbConnection;
use crate::domain::ids::new_id;
use crate::error::CoreError;

const ID_LEN: usize = 36; // "key_" + 32 hex digits

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Admin,
    Publisher,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Admin => "admin",
            KeyKind::Publisher => "publisher",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            KeyKind::Admin => "kiosk_admin_",
            KeyKind::Publisher => "kiosk_pub_",
        }
    }
}

/// A key as presented: which kind, which id, and the secret.
struct Presented<'a> {
    kind: KeyKind,
    id: &'a str,
    secret: &'a str,
}

fn parse(raw: &str) -> Option<Presented<'_>> {
    let (kind, rest) = [KeyKind::Admin, KeyKind::Publisher]
        .into_iter()
        .find_map(|kind| raw.strip_prefix(kind.prefix()).map(|rest| (kind, rest)))?;
    let id = rest.get(..ID_LEN)?;
    let secret = rest.get(ID_LEN..)?.strip_prefix('_')?;
    if !id.starts_with("key_") || secret.len() != 64 {
        return None;
    }
    Some(Presented { kind, id, secret })
}

/// Creates a key and returns it with its full text, which is shown once.
pub fn create(
    conn: &mut DbConnection,
    kind: KeyKind,
    publisher_id: Option<&str>,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(ApiKey, String), CoreError> {
    let mut secret = [0u8; 32];
    getrandom::getrandom(&mut secret).map_err(CoreError::internal)?;
    let secret = hex::encode(secret);
    let key = ApiKey {
        id: new_id("key"),
        kind: kind.as_str().to_owned(),
        publisher_id: publisher_id.map(str::to_owned),
        name: name.to_owned(),
        secret_hash: sha256_hex(&secret),
        created_at: now.naive_utc(),
        last_used_at: None,
        revoked_at: None,
    };
    api_keys::insert(conn, &key)?;
    let text = format!("{}{}_{secret}", kind.prefix(), key.id);
    Ok((key, text))
}

/// Checks a presented key; answers the stored key when it is valid and of
/// the expected kind. Verified keys are remembered in `cache`.
pub async fn authenticate(
    db: &Db,
    cache: &ApiKeyCache,
    now: DateTime<Utc>,
    raw: &str,
    expected: KeyKind,
) -> Result<ApiKey, CoreError> {
    let presented = parse(raw).ok_or_else(CoreError::invalid_api_key)?;
    if presented.kind != expected {
        return Err(CoreError::forbidden("This key cannot call this route."));
    }
    let (cached, fetched) = match cache.get(presented.id, now) {
        Some(cached) => (cached, false),
        None => {
            let id = presented.id.to_owned();
            let key = db
                .run(move |conn| Ok(api_keys::find(conn, &id)?))
                .await?
                .ok_or_else(CoreError::invalid_api_key)?;
            let touched_at = key
                .last_used_at
                .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc());
            let cached = Cached {
                key,
                fetched_at: now,
                touched_at,
                verified_secret: None,
            };
            (Arc::new(cached), true)
        }
    };
    let key = &cached.key;
    if key.revoked_at.is_some() || key.kind != expected.as_str() {
        return Err(CoreError::invalid_api_key());
    }
    let known = cached
        .verified_secret
        .as_deref()
        .is_some_and(|known| constant_time_eq(known, presented.secret));
    if !known && !constant_time_eq(&key.secret_hash, &sha256_hex(presented.secret)) {
        return Err(CoreError::invalid_api_key());
    }
    let touch = now - cached.touched_at > Duration::minutes(1);
    if !(fetched || touch || !known) {
        return Ok(cached.key.clone());
    }
    let mut cached = Cached::clone(&cached);
    cached.verified_secret = Some(presented.secret.to_owned());
    if touch {
        cached.touched_at = now;
        let id = cached.key.id.clone();
        // last_used_at is advisory: a failed write must not fail the call.
        if let Err(e) = db
            .run(move |conn| Ok(api_keys::touch(conn, &id, now.naive_utc())?))
            .await
        {
            tracing::warn!(error = %e, "could not record key use");
        }
    }
    let key = cached.key.clone();
    cache.put(cached);
    Ok(key)
}

/// Why a request without the right key is refused: a valid member token
/// is a credential for another kind of route (403); anything else is not
/// a key at all (401).
pub fn refuse_other_credential(keys: &KeyStore, now: DateTime<Utc>, raw: &str) -> CoreError {
    if !raw.starts_with("kiosk_") && keys.verify_access(raw, now).is_ok() {
        CoreError::forbidden("Member tokens cannot call this route.")
    } else {
        CoreError::invalid_api_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_well_formed_keys() {
        let id = format!("key_{}", "a".repeat(32));
        let secret = "b".repeat(64);
        let admin = format!("kiosk_admin_{id}_{secret}");
        let publisher = format!("kiosk_pub_{id}_{secret}");
        assert!(parse(&admin).is_some_and(|p| p.kind == KeyKind::Admin && p.id == id));
        assert!(
            parse(&publisher).is_some_and(|p| p.kind == KeyKind::Publisher && p.secret == secret)
        );
        for bad in [
            "",
            "kiosk_admin_",
            "kiosk_root_x",
            &format!("kiosk_admin_{id}{secret}"),
            &format!("kiosk_admin_{id}_{}", &secret[1..]),
            &format!("kiosk_admin_xey_{}_{secret}", "a".repeat(32)),
        ] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }
}
