//! Server-side sessions. The cookie holds a random token; the table holds its
//! SHA-256, the principal and the session's CSRF token.

use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

use crate::domain::{CandidateId, OfficeCode, Principal, StaffId, StaffRole};

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub struct SessionRow {
    pub principal: Principal,
    pub csrf_token: String,
}

pub async fn create(
    pool: &AnyPool,
    token: &str,
    principal: &Principal,
    csrf_token: &str,
    now: jiff::Timestamp,
    ttl: jiff::SignedDuration,
) -> Result<(), sqlx::Error> {
    let (kind, id) = match principal {
        Principal::Candidate { id } => ("candidate", id.0),
        Principal::Staff { id, .. } => ("staff", id.0),
    };
    let expires = now.checked_add(ttl).unwrap_or(now);
    sqlx::query(
        "INSERT INTO sessions (token_hash, principal_kind, principal_id, csrf_token, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash_token(token))
    .bind(kind)
    .bind(id)
    .bind(csrf_token)
    .bind(super::timestamp(now))
    .bind(super::timestamp(expires))
    .execute(pool)
    .await?;
    Ok(())
}

/// The live session behind a token, with the staff member's current role (a
/// deactivated account loses its sessions at once).
pub async fn find(
    pool: &AnyPool,
    token: &str,
    now: jiff::Timestamp,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT s.principal_kind, s.principal_id, s.csrf_token, u.role, u.office_code, u.active
         FROM sessions s LEFT JOIN staff_users u ON s.principal_kind = 'staff' AND u.id = s.principal_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(hash_token(token))
    .bind(super::timestamp(now))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let kind: String = row.try_get(0)?;
    let id: i64 = row.try_get(1)?;
    let csrf_token: String = row.try_get(2)?;
    let principal = if kind == "candidate" {
        Principal::Candidate {
            id: CandidateId(id),
        }
    } else {
        let role: Option<String> = row.try_get(3)?;
        let office: Option<String> = row.try_get(4)?;
        let active: Option<i64> = row.try_get(5)?;
        let (Some(role), Some(1)) = (role.as_deref().and_then(StaffRole::from_db), active) else {
            return Ok(None);
        };
        Principal::Staff {
            id: StaffId(id),
            role,
            office: office.and_then(|o| OfficeCode::parse(&o).ok()),
        }
    };
    Ok(Some(SessionRow {
        principal,
        csrf_token,
    }))
}

pub async fn delete(pool: &AnyPool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(hash_token(token))
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_expired(pool: &AnyPool, now: jiff::Timestamp) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(super::timestamp(now))
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}
