//! Refresh-token rotation with reuse detection (RFC 9700 §4.14): every
//! refresh replaces the token; a replaced token presented again after a
//! short grace revokes its whole family.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::secrets::{random_token, sha256_hex};
use crate::db::sessions::{self, Session};
use crate::db::{members, DbConnection};
use crate::domain::ids::new_id;
use crate::error::CoreError;
use crate::error::ErrorCode;

pub struct NewSession {
    pub member_id: String,
    pub family_id: String,
    /// The refresh token itself; only its hash is stored.
    pub refresh_token: String,
    session_id: String,
}

pub enum RefreshOutcome {
    Rotated(NewSession),
    /// A replaced token came back after the grace: the family is revoked.
    Reused,
}

/// Starts a new family (sign-up, sign-in).
pub fn start(
    conn: &mut DbConnection,
    member_id: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<NewSession, CoreError> {
    issue(conn, member_id, &new_id("fam"), None, now, ttl)
}

/// Stores a refresh token: `token` (a row id and the token) when it is
/// already decided, else a new random one.
fn issue(
    conn: &mut DbConnection,
    member_id: &str,
    family_id: &str,
    token: Option<(String, String)>,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<NewSession, CoreError> {
    let (id, refresh_token) = token.unwrap_or_else(|| (new_id("ses"), random_token()));
    let row = Session {
        id,
        member_id: member_id.to_owned(),
        family_id: family_id.to_owned(),
        token_hash: sha256_hex(&refresh_token),
        created_at: now.naive_utc(),
        expires_at: (now + ttl).naive_utc(),
        rotated_at: None,
        replaced_by: None,
        revoked_at: None,
    };
    sessions::insert(conn, &row)?;
    Ok(NewSession {
        member_id: row.member_id,
        family_id: row.family_id,
        refresh_token,
        session_id: row.id,
    })
}

/// Rotates `presented`. Runs inside the caller's write transaction; on
/// `Reused` the revocation must be committed, so it is an `Ok`.
///
/// Every change to a member's families (rotation, sign-out, revocation)
/// holds the member's lock, so a revocation and a rotation of the same
/// family never interleave: whichever comes second sees the first.
pub fn refresh(
    conn: &mut DbConnection,
    presented: &str,
    now: DateTime<Utc>,
    ttl: Duration,
    grace: Duration,
) -> Result<RefreshOutcome, CoreError> {
    let invalid = || CoreError::new(ErrorCode::TokenInvalid, "The refresh token is not valid.");
    if presented.is_empty() || presented.len() > 512 {
        return Err(invalid());
    }
    let token_hash = sha256_hex(presented);
    let seen = sessions::find_by_hash(conn, &token_hash)?.ok_or_else(invalid)?;
    members::lock(conn, &seen.member_id)?;
    // Read again under the lock: a revocation or rotation committed while
    // this call waited is visible now.
    let session = sessions::find_by_hash(conn, &token_hash)?.ok_or_else(invalid)?;
    if session.revoked_at.is_some() {
        return Err(invalid());
    }
    if session.expires_at <= now.naive_utc() {
        return Err(CoreError::token_expired());
    }
    let member = members::find(conn, &session.member_id)?.ok_or_else(invalid)?;
    if !member.is_active() {
        return Err(invalid());
    }
    match (session.rotated_at, session.replaced_by.clone()) {
        (Some(rotated_at), Some(successor_id)) => {
            if now - rotated_at.and_utc() <= grace {
                // A concurrent refresh (two tabs, a retried request) gets the
                // successor already issued, so the family keeps one chain.
                return Ok(RefreshOutcome::Rotated(NewSession {
                    refresh_token: successor_token(presented, &successor_id)?,
                    member_id: session.member_id,
                    family_id: session.family_id,
                    session_id: successor_id,
                }));
            }
            sessions::revoke_family(conn, &session.family_id, now.naive_utc())?;
            Ok(RefreshOutcome::Reused)
        }
        _ => {
            let successor_id = new_id("ses");
            let refresh_token = successor_token(presented, &successor_id)?;
            let next = issue(
                conn,
                &session.member_id,
                &session.family_id,
                Some((successor_id, refresh_token)),
                now,
                ttl,
            )?;
            sessions::mark_rotated(conn, &session.id, &next.session_id, now.naive_utc())?;
            Ok(RefreshOutcome::Rotated(next))
        }
    }
}

/// The token that succeeds `presented`: derived from it (which only its
/// holder knows; Kiosk keeps hashes) and the successor's row id, so every
/// refresh of one token within the grace answers the same successor.
fn successor_token(presented: &str, successor_id: &str) -> Result<String, CoreError> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(presented.as_bytes()).map_err(CoreError::internal)?;
    mac.update(b"kiosk refresh successor\0");
    mac.update(successor_id.as_bytes());
    Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// Revokes one family (sign-out), under the member's lock.
pub fn revoke_family(
    conn: &mut DbConnection,
    member_id: &str,
    family_id: &str,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    members::lock(conn, member_id)?;
    sessions::revoke_family(conn, family_id, now.naive_utc())?;
    Ok(())
}
