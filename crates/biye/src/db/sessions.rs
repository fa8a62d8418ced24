//! Server-side sessions. The cookie holds a random token; the table holds its
//! SHA-256, the principal, the session's CSRF token and when it was last used.
//!
//! A session ends at the first of: its absolute expiry (8 hours), an idle
//! period (30 minutes for staff, 2 hours for candidates), sign-out, a
//! password change, or — for staff — deactivation or a change of role.

use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AnyPool, Row};

use super::timestamp;
use crate::domain::{CandidateId, Principal, Scope, StaffId, StaffRole};

pub const ABSOLUTE: SignedDuration = SignedDuration::from_hours(8);
pub const CANDIDATE_IDLE: SignedDuration = SignedDuration::from_hours(2);
pub const STAFF_IDLE: SignedDuration = SignedDuration::from_mins(30);
/// A session's last use is written at most this often (not on every request).
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub principal: Principal,
    pub csrf_token: String,
    /// A staff member signed in with a one-time password: only the password
    /// change is open to them.
    pub must_change_password: bool,
}

fn idle_limit(p: &Principal) -> SignedDuration {
    match p {
        Principal::Candidate { .. } => CANDIDATE_IDLE,
        Principal::Staff { .. } => STAFF_IDLE,
    }
}

fn parts(p: &Principal) -> (&'static str, i64) {
    match p {
        Principal::Candidate { id } => ("candidate", id.0),
        Principal::Staff { id, .. } => ("staff", id.0),
    }
}

pub async fn create(
    conn: &mut AnyConnection,
    token: &str,
    principal: &Principal,
    csrf_token: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let (kind, id) = parts(principal);
    let expires = now.checked_add(ABSOLUTE).unwrap_or(now);
    sqlx::query(
        "INSERT INTO sessions (token_hash, principal_kind, principal_id, csrf_token, created_at, expires_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6, $5)",
    )
    .bind(hash_token(token))
    .bind(kind)
    .bind(id)
    .bind(csrf_token)
    .bind(timestamp(now))
    .bind(timestamp(expires))
    .execute(conn)
    .await?;
    Ok(())
}

/// The live session behind a token, with the staff member's current role and
/// office (a deactivated account, or a city reviewer without a valid office,
/// has no session).
pub async fn find(
    pool: &AnyPool,
    token: &str,
    now: Timestamp,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let hash = hash_token(token);
    let row = sqlx::query(
        "SELECT s.principal_kind, s.principal_id, s.csrf_token, s.last_seen_at,
                u.role, u.office_code, u.active, u.must_change_password
         FROM sessions s LEFT JOIN staff_users u ON s.principal_kind = 'staff' AND u.id = s.principal_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(&hash)
    .bind(timestamp(now))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let kind: String = row.try_get("principal_kind")?;
    let id: i64 = row.try_get("principal_id")?;
    let mut must_change_password = false;
    let principal = if kind == "candidate" {
        Principal::Candidate {
            id: CandidateId(id),
        }
    } else {
        let role: Option<String> = row.try_get("role")?;
        let office: Option<String> = row.try_get("office_code")?;
        let active: Option<i64> = row.try_get("active")?;
        let (Some(role), Some(1)) = (role.as_deref().and_then(StaffRole::from_db), active) else {
            return Ok(None);
        };
        let Ok(scope) = Scope::of(role, office.as_deref()) else {
            tracing::warn!(
                staff = id,
                "city reviewer without a valid office: session refused"
            );
            return Ok(None);
        };
        must_change_password = row.try_get::<Option<i64>, _>("must_change_password")? == Some(1);
        Principal::Staff {
            id: StaffId(id),
            role,
            scope,
        }
    };
    let last_seen: String = row.try_get("last_seen_at")?;
    let last_seen: Option<Timestamp> = last_seen.parse().ok();
    let idle = last_seen.map_or(SignedDuration::MAX, |t| now.duration_since(t));
    if idle > idle_limit(&principal) {
        delete_hash(pool, &hash).await?;
        return Ok(None);
    }
    if idle > TOUCH_EVERY {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(timestamp(now))
            .bind(&hash)
            .execute(pool)
            .await?;
    }
    Ok(Some(SessionRow {
        principal,
        csrf_token: row.try_get("csrf_token")?,
        must_change_password,
    }))
}

async fn delete_hash(pool: &AnyPool, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete(pool: &AnyPool, token: &str) -> Result<(), sqlx::Error> {
    delete_hash(pool, &hash_token(token)).await
}

/// Signs the principal out everywhere (every browser, every device).
pub async fn delete_all_of(
    conn: &mut AnyConnection,
    principal: &Principal,
) -> Result<u64, sqlx::Error> {
    let (kind, id) = parts(principal);
    let r = sqlx::query("DELETE FROM sessions WHERE principal_kind = $1 AND principal_id = $2")
        .bind(kind)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

/// Removes sessions past their absolute expiry or their idle limit.
pub async fn delete_expired(pool: &AnyPool, now: Timestamp) -> Result<u64, sqlx::Error> {
    let before = |d: SignedDuration| timestamp(now.checked_sub(d).unwrap_or(now));
    let r = sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1
            OR (principal_kind = 'staff' AND last_seen_at <= $2)
            OR (principal_kind = 'candidate' AND last_seen_at <= $3)",
    )
    .bind(timestamp(now))
    .bind(before(STAFF_IDLE))
    .bind(before(CANDIDATE_IDLE))
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}
