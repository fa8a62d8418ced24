//! What reviewers work through: queues of applications in a state, within
//! an office's scope, oldest first, and the decisions they record.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::domain::{ApplicationState, StaffId};

/// One item of a queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub application: i64,
    pub admission_no: String,
    pub name: String,
    pub office_code: String,
    pub photo_id: Option<i64>,
    /// The automatic report found nothing at all (no failure, no warning).
    pub clean: bool,
    pub since: String,
}

/// Applications in `state`, in the office (all offices when `None`), oldest first.
pub async fn queue(
    pool: &AnyPool,
    state: ApplicationState,
    office: Option<&str>,
    limit: i64,
) -> Result<Vec<QueueItem>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.id, c.admission_no, c.name, a.office_code, a.updated_at,
                (SELECT p.id FROM photos p WHERE p.application_id = a.id ORDER BY p.id DESC LIMIT 1) AS photo_id,
                (SELECT p.report FROM photos p WHERE p.application_id = a.id ORDER BY p.id DESC LIMIT 1) AS report
         FROM graduation_applications a JOIN candidates c ON c.id = a.candidate_id
         WHERE a.state = $1 AND ($2 = '' OR a.office_code = $2)
         ORDER BY a.updated_at, a.id LIMIT $3",
    )
    .bind(state.as_str())
    .bind(office.unwrap_or_default())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let report: Option<String> = r.try_get("report")?;
            let clean = report
                .and_then(|j| serde_json::from_str::<crate::capture::Outcome>(&j).ok())
                .is_some_and(|o| {
                    o.acceptable()
                        && o.report
                            .findings
                            .iter()
                            .all(|f| f.outcome == photo::Outcome::Pass)
                });
            Ok(QueueItem {
                application: r.try_get("id")?,
                admission_no: r.try_get("admission_no")?,
                name: r.try_get("name")?,
                office_code: r.try_get("office_code")?,
                photo_id: r.try_get("photo_id")?,
                clean,
                since: r.try_get("updated_at")?,
            })
        })
        .collect()
}

/// Every capture of an application, newest first (the reviewer sees earlier attempts).
pub async fn photo_ids(pool: &AnyPool, application: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query("SELECT id FROM photos WHERE application_id = $1 ORDER BY id DESC")
        .bind(application)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect()
}

pub async fn record_photo_review(
    conn: &mut AnyConnection,
    photo: i64,
    approved: bool,
    reason_code: Option<&str>,
    reviewer: StaffId,
    comment: &str,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO photo_reviews (photo_id, approved, reason_code, reviewer_id, comment, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(photo)
    .bind(i64::from(approved))
    .bind(reason_code)
    .bind(reviewer.0)
    .bind(comment)
    .bind(super::timestamp(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Who last moved an application, and when (to tell a reviewer who lost a race).
pub async fn last_actor(
    pool: &AnyPool,
    application: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT e.at, COALESCE(u.display_name, '') AS who FROM application_events e
         LEFT JOIN staff_users u ON e.actor_kind = 'staff' AND u.id = e.actor_id
         WHERE e.application_id = $1 ORDER BY e.id DESC LIMIT 1",
    )
    .bind(application)
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((r.try_get("who")?, r.try_get("at")?)))
        .transpose()
}
