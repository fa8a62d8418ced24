//! The rows an office decision writes beside the application's event: the
//! review tables of the schema (ID attachments, on-site, final), the
//! certificate assigned at the final review, and the two decisions that are
//! not application states (prior-education verification and record
//! corrections), each a conditional update so that of two reviewers exactly
//! one wins.

use sqlx::{AnyConnection, Row};

use crate::domain::certificate::{CertificateNo, Layout};
use crate::domain::correction::Field;
use crate::domain::{BatchCode, CandidateId, Level, OfficeCode, StaffId};

/// `city` or `provincial`, as `id_attachment_reviews.level` stores it.
pub async fn record_identity_review(
    conn: &mut AnyConnection,
    application: i64,
    provincial: bool,
    approved: bool,
    reviewer: StaffId,
    comment: &str,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO id_attachment_reviews (application_id, level, approved, reviewer_id, comment, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(application)
    .bind(if provincial { "provincial" } else { "city" })
    .bind(i64::from(approved))
    .bind(reviewer.0)
    .bind(comment)
    .bind(super::timestamp(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The checklist as ticked (JSON list of item keys) and the verdict.
#[allow(clippy::too_many_arguments)]
pub async fn record_onsite_review(
    conn: &mut AnyConnection,
    application: i64,
    approved: bool,
    moral_assessment: bool,
    materials: &str,
    reviewer: StaffId,
    comment: &str,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO onsite_reviews (application_id, approved, moral_assessment, materials, reviewer_id, comment, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(application)
    .bind(i64::from(approved))
    .bind(i64::from(moral_assessment))
    .bind(materials)
    .bind(reviewer.0)
    .bind(comment)
    .bind(super::timestamp(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn record_final_review(
    conn: &mut AnyConnection,
    application: i64,
    approved: bool,
    reviewer: StaffId,
    comment: &str,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO final_reviews (application_id, approved, reviewer_id, comment, decided_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(application)
    .bind(i64::from(approved))
    .bind(reviewer.0)
    .bind(comment)
    .bind(super::timestamp(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// What a certificate is issued for.
pub struct Graduate<'a> {
    pub candidate: CandidateId,
    pub application: i64,
    pub level: Level,
    pub major_code: &'a str,
    pub office: &'a OfficeCode,
    pub batch: BatchCode,
    /// The admission number's sequence, tried first.
    pub sequence: u32,
    pub issued_on: &'a str,
}

/// Assigns and stores the certificate number: the admission sequence, or the
/// next one free under the same 11-digit prefix when another graduate of the
/// office (from another registration period) already holds it.
pub async fn issue_certificate(
    conn: &mut AnyConnection,
    layout: Layout,
    g: &Graduate<'_>,
) -> Result<CertificateNo, sqlx::Error> {
    let first = CertificateNo::assign(layout, g.level, g.office, g.batch, g.sequence);
    let prefix = &first.as_str()[..11];
    let taken: Vec<String> =
        sqlx::query("SELECT certificate_no FROM certificates WHERE certificate_no LIKE $1")
            .bind(format!("{prefix}%"))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("certificate_no"))
            .collect::<Result<_, _>>()?;
    let free = (0..100_000u32)
        .map(|k| (g.sequence + k) % 100_000)
        .map(|s| CertificateNo::assign(layout, g.level, g.office, g.batch, s))
        .find(|n| !taken.iter().any(|t| t[..16] == n.as_str()[..16]))
        .ok_or_else(|| super::bad("certificate_no (no free sequence)"))?;
    sqlx::query(
        "INSERT INTO certificates (candidate_id, certificate_no, major_code, level, issued_on, application_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(g.candidate.0)
    .bind(free.as_str())
    .bind(g.major_code)
    .bind(g.level.as_str())
    .bind(g.issued_on)
    .bind(g.application)
    .execute(conn)
    .await?;
    Ok(free)
}

/// The certificate issued for an application, if any.
pub async fn certificate_of(
    conn: &mut AnyConnection,
    application: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT certificate_no FROM certificates WHERE application_id = $1")
        .bind(application)
        .fetch_optional(conn)
        .await?
        .map(|r| r.try_get("certificate_no"))
        .transpose()
}

/// The province's verdict on a registered prior education; false when it was
/// no longer awaiting one (another reviewer decided, or the candidate
/// re-registered meanwhile — `registered_at` is what was shown).
pub async fn decide_prior(
    conn: &mut AnyConnection,
    candidate: CandidateId,
    registered_at: &str,
    verified: bool,
    reviewer: StaffId,
    note: &str,
    now: jiff::Timestamp,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE prior_educations SET status = $1, verified_by = $2, verified_at = $3, note = $4
         WHERE candidate_id = $5 AND status = 'registered' AND registered_at = $6",
    )
    .bind(if verified { "verified" } else { "rejected" })
    .bind(reviewer.0)
    .bind(super::timestamp(now))
    .bind(note)
    .bind(candidate.0)
    .bind(registered_at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The city's decision on a correction awaiting it; false when it no longer was.
pub async fn decide_correction_city(
    conn: &mut AnyConnection,
    id: i64,
    approved: bool,
    reviewer: StaffId,
    reason: &str,
    now: jiff::Timestamp,
) -> Result<bool, sqlx::Error> {
    let at = super::timestamp(now);
    let r = if approved {
        sqlx::query(
            "UPDATE record_corrections SET city_reviewer_id = $1, city_decided_at = $2
             WHERE id = $3 AND status = 'requested' AND city_decided_at IS NULL",
        )
        .bind(reviewer.0)
        .bind(&at)
        .bind(id)
        .execute(conn)
        .await?
    } else {
        sqlx::query(
            "UPDATE record_corrections SET city_reviewer_id = $1, city_decided_at = $2,
                 status = 'rejected', completed_at = $2, reason = $3
             WHERE id = $4 AND status = 'requested' AND city_decided_at IS NULL",
        )
        .bind(reviewer.0)
        .bind(&at)
        .bind(reason)
        .bind(id)
        .execute(conn)
        .await?
    };
    Ok(r.rows_affected() == 1)
}

/// The province's decision on a correction the city approved; false when it
/// no longer awaited one. An approval changes the record (the caller logs
/// the old value in the audit log in the same transaction).
pub async fn decide_correction_provincial(
    conn: &mut AnyConnection,
    id: i64,
    approved: bool,
    reviewer: StaffId,
    reason: &str,
    now: jiff::Timestamp,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE record_corrections SET reviewer_id = $1, completed_at = $2, status = $3, reason = $4
         WHERE id = $5 AND status = 'requested' AND city_decided_at IS NOT NULL",
    )
    .bind(reviewer.0)
    .bind(super::timestamp(now))
    .bind(if approved { "approved" } else { "rejected" })
    .bind(reason)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Writes an approved correction's new value into the candidate's record.
pub async fn apply_correction(
    conn: &mut AnyConnection,
    candidate: CandidateId,
    field: Field,
    value: &str,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    let column = match field {
        Field::Name => "name",
        Field::IdNo | Field::IdUpgrade => "id_no",
        Field::Gender => "gender",
        Field::BirthDate => "birth_date",
    };
    // The record changed: what the candidate confirmed is no longer what is held.
    sqlx::query(&format!(
        "UPDATE candidates SET {column} = $1, updated_at = $2, confirmed_at = NULL WHERE id = $3"
    ))
    .bind(value)
    .bind(super::timestamp(now))
    .bind(candidate.0)
    .execute(conn)
    .await?;
    Ok(())
}
