//! 考籍信息更正 as candidates file them: the request, its evidence (objects
//! stored first), and its state.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::domain::correction::Field;
use crate::domain::CandidateId;

pub struct Correction {
    pub field: Option<Field>,
    pub old_value: String,
    pub new_value: String,
    pub status: String,
    pub requested_at: String,
    pub evidence: i64,
}

/// Files a request; `Ok(None)` when the same correction was already filed.
pub async fn file(
    conn: &mut AnyConnection,
    candidate: CandidateId,
    field: Field,
    old_value: &str,
    new_value: &str,
    now: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO record_corrections (candidate_id, field, old_value, new_value, status, requested_at)
         VALUES ($1, $2, $3, $4, 'requested', $5)
         ON CONFLICT (candidate_id, field, new_value) DO NOTHING RETURNING id",
    )
    .bind(candidate.0)
    .bind(field.as_str())
    .bind(old_value)
    .bind(new_value)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| r.try_get("id")).transpose()
}

pub async fn add_evidence(
    conn: &mut AnyConnection,
    correction: i64,
    object_key: &str,
    byte_size: usize,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO correction_evidence (correction_id, object_key, byte_size, uploaded_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(correction)
    .bind(object_key)
    .bind(byte_size as i64)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The candidate's corrections, newest first.
pub async fn of(pool: &AnyPool, candidate: CandidateId) -> Result<Vec<Correction>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.field, c.old_value, c.new_value, c.status, c.requested_at,
                (SELECT COUNT(*) FROM correction_evidence e WHERE e.correction_id = c.id) AS evidence
         FROM record_corrections c WHERE c.candidate_id = $1 ORDER BY c.id DESC",
    )
    .bind(candidate.0)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Correction {
                field: Field::from_db(&r.try_get::<String, _>("field")?),
                old_value: r.try_get("old_value")?,
                new_value: r.try_get("new_value")?,
                status: r.try_get("status")?,
                requested_at: r.try_get("requested_at")?,
                evidence: r.try_get("evidence")?,
            })
        })
        .collect()
}
