//! The access log: every read of a candidate's personal data by staff (an
//! office lookup, a queue item, an export), with who, when and why, as the
//! Personal Information Protection Law asks. Append-only (triggers).

use jiff::Timestamp;
use sqlx::{AnyPool, Row};

use super::timestamp;
use crate::domain::{CandidateId, StaffId};

/// Why staff read a candidate's data; the code is stored, the label shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A printed form looked up by QR code or 校验码.
    OnsiteLookup,
    /// A certificate photo opened in the review queue.
    PhotoReview,
    /// ID-card attachments opened in the review queue.
    IdentityReview,
    /// An application opened for on-site review.
    OnsiteReview,
    /// A prior education opened for verification.
    PriorReview,
    /// A record correction opened for review.
    CorrectionReview,
    /// An application opened for the final review.
    FinalReview,
    /// A candidate's row in an exported list (one entry per candidate,
    /// written by one statement: `record_export`).
    Export,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::OnsiteLookup => "onsite_lookup",
            Access::PhotoReview => "photo_review",
            Access::IdentityReview => "identity_review",
            Access::OnsiteReview => "onsite_review",
            Access::PriorReview => "prior_review",
            Access::CorrectionReview => "correction_review",
            Access::FinalReview => "final_review",
            Access::Export => "export",
        }
    }
    pub fn purpose(self) -> &'static str {
        match self {
            Access::OnsiteLookup => "现场审核：查验《毕业生登记表》",
            Access::PhotoReview => "审核毕业证照",
            Access::IdentityReview => "审核身份证附件",
            Access::OnsiteReview => "现场审核材料",
            Access::PriorReview => "查验前置学历",
            Access::CorrectionReview => "审核考籍信息更正",
            Access::FinalReview => "毕业复核",
            Access::Export => "导出名单",
        }
    }
}

pub async fn record(
    pool: &AnyPool,
    at: Timestamp,
    staff: StaffId,
    candidate: CandidateId,
    access: Access,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO access_log (at, staff_id, candidate_id, action, purpose) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(timestamp(at))
    .bind(staff.0)
    .bind(candidate.0)
    .bind(access.as_str())
    .bind(access.purpose())
    .execute(pool)
    .await?;
    Ok(())
}

/// Records an export: one entry for each candidate whose application in the
/// batch is in one of `states` (and in `office` unless empty), in one statement.
pub async fn record_export(
    pool: &AnyPool,
    at: Timestamp,
    staff: StaffId,
    batch: &str,
    states: &[&str],
    office: &str,
) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "INSERT INTO access_log (at, staff_id, candidate_id, action, purpose)
         SELECT $1, $2, a.candidate_id, $3, $4 FROM graduation_applications a
         WHERE a.batch_code = $5 AND ($6 = '' OR a.office_code = $6) AND a.state IN ({})",
        super::placeholders(7, states.len())
    );
    let mut q = sqlx::query(&sql)
        .bind(timestamp(at))
        .bind(staff.0)
        .bind(Access::Export.as_str())
        .bind(Access::Export.purpose())
        .bind(batch)
        .bind(office);
    for s in states {
        q = q.bind(*s);
    }
    Ok(q.execute(pool).await?.rows_affected())
}

/// What the administrator searches by; empty fields match everything.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub staff: String,
    #[serde(default)]
    pub admission_no: String,
    /// Civil dates, inclusive (YYYY-MM-DD), compared with the stored UTC instant's date.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

pub struct Entry {
    pub at: String,
    pub username: String,
    pub display_name: String,
    pub admission_no: String,
    pub candidate_name: String,
    pub purpose: String,
}

/// The newest entries matching the filter (at most `limit`).
pub async fn search(pool: &AnyPool, f: &Filter, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.at, u.username, u.display_name, c.admission_no, c.name AS candidate_name, a.purpose
         FROM access_log a
         JOIN staff_users u ON u.id = a.staff_id
         JOIN candidates c ON c.id = a.candidate_id
         WHERE ($1 = '' OR u.username = $1)
           AND ($2 = '' OR c.admission_no = $2)
           AND ($3 = '' OR a.at >= $3)
           AND ($4 = '' OR a.at < $4)
         ORDER BY a.id DESC LIMIT $5",
    )
    .bind(f.staff.trim())
    .bind(f.admission_no.trim())
    .bind(day_start(&f.from))
    .bind(day_after(&f.to))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                at: r.try_get("at")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                admission_no: r.try_get("admission_no")?,
                candidate_name: r.try_get("candidate_name")?,
                purpose: r.try_get("purpose")?,
            })
        })
        .collect()
}

fn day_start(d: &str) -> String {
    d.trim()
        .parse::<jiff::civil::Date>()
        .map(|d| format!("{d}T00:00:00Z"))
        .unwrap_or_default()
}

fn day_after(d: &str) -> String {
    d.trim()
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.tomorrow().ok())
        .map(|d| format!("{d}T00:00:00Z"))
        .unwrap_or_default()
}
