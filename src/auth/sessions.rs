//! Refresh-token rotation with reuse detection (RFC 9700 §4.14): every
//! refresh replaces the token; a replaced token presented again after a
//! short grace revokes its whole family.

use chrono::{DateTime, Duration, Utc};

use crate::auth::secrets::{random_token, sha256_hex};
use crate::db::sessions::{self, Session};
use crate::db::{members, DbConnection};
use crate::domain::ids::new_id;
use crate::error::ApiError;

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
) -> Result<NewSession, ApiError> {
    issue(conn, member_id, &new_id("fam"), now, ttl)
}

fn issue(
    conn: &mut DbConnection,
    member_id: &str,
    family_id: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<NewSession, ApiError> {
    let refresh_token = random_token();
    let row = Session {
        id: new_id("ses"),
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
pub fn refresh(
    conn: &mut DbConnection,
    presented: &str,
    now: DateTime<Utc>,
    ttl: Duration,
    grace: Duration,
) -> Result<RefreshOutcome, ApiError> {
    let invalid = || ApiError::unauthorized("token_invalid", "The refresh token is not valid.");
    if presented.is_empty() || presented.len() > 512 {
        return Err(invalid());
    }
    let session = sessions::find_by_hash(conn, &sha256_hex(presented))?.ok_or_else(invalid)?;
    if session.revoked_at.is_some() {
        return Err(invalid());
    }
    if session.expires_at <= now.naive_utc() {
        return Err(ApiError::token_expired());
    }
    let member = members::find(conn, &session.member_id)?.ok_or_else(invalid)?;
    if !member.is_active() {
        return Err(invalid());
    }
    if let Some(rotated_at) = session.rotated_at {
        return within_grace_or_reused(conn, &session, rotated_at.and_utc(), now, ttl, grace);
    }
    let next = issue(conn, &session.member_id, &session.family_id, now, ttl)?;
    // Losing this race to a concurrent refresh of the same token is the grace
    // case: both callers hold a token of the one family.
    sessions::mark_rotated(conn, &session.id, &next.session_id, now.naive_utc())?;
    Ok(RefreshOutcome::Rotated(next))
}

fn within_grace_or_reused(
    conn: &mut DbConnection,
    session: &Session,
    rotated_at: DateTime<Utc>,
    now: DateTime<Utc>,
    ttl: Duration,
    grace: Duration,
) -> Result<RefreshOutcome, ApiError> {
    if now - rotated_at <= grace {
        // A concurrent refresh (two tabs, a retried request): hand out another
        // token of the same family rather than logging the reader out.
        return issue(conn, &session.member_id, &session.family_id, now, ttl)
            .map(RefreshOutcome::Rotated);
    }
    sessions::revoke_family(conn, &session.family_id, now.naive_utc())?;
    Ok(RefreshOutcome::Reused)
}
