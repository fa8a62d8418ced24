//! 前置学历 as the candidate registers it and the province verifies it.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::domain::prior::{PriorKind, PriorRegistration};
use crate::domain::CandidateId;

/// A candidate's registration as stored.
#[derive(Debug, Clone)]
pub struct Prior {
    pub kind: Option<PriorKind>,
    pub category: String,
    pub school: String,
    pub major: String,
    pub graduated_on: Option<String>,
    pub diploma_no: String,
    pub code: String,
    pub associate_admission_no: Option<String>,
    /// registered / verified / rejected
    pub status: String,
    pub note: String,
}

pub async fn get(pool: &AnyPool, candidate: CandidateId) -> Result<Option<Prior>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT verification, category, school, major, graduated_on, diploma_no, verification_code,
                associate_admission_no, status, note
         FROM prior_educations WHERE candidate_id = $1",
    )
    .bind(candidate.0)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Prior {
            kind: PriorKind::from_db(&r.try_get::<String, _>("verification")?),
            category: r.try_get("category")?,
            school: r.try_get("school")?,
            major: r.try_get("major")?,
            graduated_on: r.try_get("graduated_on")?,
            diploma_no: r.try_get("diploma_no")?,
            code: r.try_get("verification_code")?,
            associate_admission_no: r.try_get("associate_admission_no")?,
            status: r.try_get("status")?,
            note: r.try_get("note")?,
        })
    })
    .transpose()
}

/// Registers (or re-registers) the prior education for the province to
/// verify; a verified one is never overwritten. Returns whether it was written.
pub async fn register(
    conn: &mut AnyConnection,
    candidate: CandidateId,
    p: &PriorRegistration,
    now: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO prior_educations (candidate_id, category, verification, diploma_no, school, major,
             level, graduated_on, associate_admission_no, registered_at, status, verification_code)
         VALUES ($1, $2, $3, $4, $5, $6, '专科', $7, $8, $9, 'registered', $10)
         ON CONFLICT (candidate_id) DO UPDATE SET category = excluded.category,
             verification = excluded.verification, diploma_no = excluded.diploma_no,
             school = excluded.school, major = excluded.major, graduated_on = excluded.graduated_on,
             associate_admission_no = excluded.associate_admission_no,
             registered_at = excluded.registered_at, status = 'registered', note = '',
             verification_code = excluded.verification_code
         WHERE prior_educations.status <> 'verified'",
    )
    .bind(candidate.0)
    .bind(p.category)
    .bind(p.kind.as_str())
    .bind(&p.diploma_no)
    .bind(&p.school)
    .bind(&p.major)
    .bind(p.graduated_on.map(|d| d.to_string()))
    .bind(p.associate_admission_no.as_ref().map(|a| a.to_string()))
    .bind(now)
    .bind(&p.code)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Applications of a batch whose fresh-graduate prior education still has no
/// diploma number, in a state that can still be withdrawn.
pub async fn unfilled_fresh_graduates(
    pool: &AnyPool,
    batch_code: &str,
) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.id, a.state, a.candidate_id FROM graduation_applications a
         JOIN prior_educations p ON p.candidate_id = a.candidate_id
         WHERE a.batch_code = $1 AND p.verification = 'pending_fresh_graduate' AND p.diploma_no = ''
           AND a.state NOT IN ('withdrawn', 'onsite_approved', 'final_approved', 'final_rejected', 'registered')",
    )
    .bind(batch_code)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("state")?,
                r.try_get("candidate_id")?,
            ))
        })
        .collect()
}
