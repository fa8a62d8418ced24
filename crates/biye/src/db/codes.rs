//! One-time codes sent by SMS. A request is named by a random ticket (kept by
//! the person's browser); the table holds only MACs of the ticket and code.

use jiff::Timestamp;
use sqlx::{AnyConnection, AnyPool, Row};

use super::timestamp;
use crate::domain::CandidateId;

pub struct PendingCode {
    pub id: i64,
    pub candidate: CandidateId,
    pub code_hash: String,
    pub attempts: i64,
    pub expires_at: Timestamp,
    pub used: bool,
}

pub async fn create(
    conn: &mut AnyConnection,
    candidate: CandidateId,
    ticket_hash: &str,
    code_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO one_time_codes (candidate_id, purpose, ticket_hash, code_hash, created_at, expires_at)
         VALUES ($1, 'set_password', $2, $3, $4, $5)",
    )
    .bind(candidate.0)
    .bind(ticket_hash)
    .bind(code_hash)
    .bind(timestamp(now))
    .bind(timestamp(expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Codes sent to the candidate since `since`, newest first (their send times).
pub async fn sent_since(
    pool: &AnyPool,
    candidate: CandidateId,
    since: Timestamp,
) -> Result<Vec<Timestamp>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT created_at FROM one_time_codes WHERE candidate_id = $1 AND created_at > $2
         ORDER BY created_at DESC",
    )
    .bind(candidate.0)
    .bind(timestamp(since))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            r.try_get::<String, _>("created_at")?
                .parse()
                .map_err(|_| super::bad("created_at"))
        })
        .collect()
}

pub async fn find(pool: &AnyPool, ticket_hash: &str) -> Result<Option<PendingCode>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, candidate_id, code_hash, attempts, expires_at, used_at
         FROM one_time_codes WHERE ticket_hash = $1",
    )
    .bind(ticket_hash)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(PendingCode {
            id: r.try_get("id")?,
            candidate: CandidateId(r.try_get("candidate_id")?),
            code_hash: r.try_get("code_hash")?,
            attempts: r.try_get("attempts")?,
            expires_at: r
                .try_get::<String, _>("expires_at")?
                .parse()
                .map_err(|_| super::bad("expires_at"))?,
            used: r.try_get::<Option<String>, _>("used_at")?.is_some(),
        })
    })
    .transpose()
}

pub async fn add_attempt(pool: &AnyPool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Marks the code used; false when another request used it first.
pub async fn consume(
    conn: &mut AnyConnection,
    id: i64,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE one_time_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(timestamp(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}
