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
    pub state_label: &'static str,
}

/// Applications in `state`, in the office (all offices when `None`), oldest first.
pub async fn queue(
    pool: &AnyPool,
    state: ApplicationState,
    office: Option<&str>,
    limit: i64,
) -> Result<Vec<QueueItem>, sqlx::Error> {
    // The office is written into the query only when there is one: a
    // catch-all `($2 = '' OR a.office_code = $2)` kept SQLite from the
    // (office, state, updated_at) index, and a queue page of 50 scanned and
    // sorted all 100,000 applications (11 ms a city, 18 ms the province,
    // against 0.12 ms with the index; migration 0012).
    let office = office.filter(|o| !o.is_empty());
    let sql = format!(
        "SELECT a.id, c.admission_no, c.name, a.office_code, a.updated_at,
                (SELECT p.id FROM photos p WHERE p.application_id = a.id ORDER BY p.id DESC LIMIT 1) AS photo_id,
                (SELECT p.report FROM photos p WHERE p.application_id = a.id ORDER BY p.id DESC LIMIT 1) AS report
         FROM graduation_applications a JOIN candidates c ON c.id = a.candidate_id
         WHERE a.state = $1 {}
         ORDER BY a.updated_at, a.id LIMIT {}",
        if office.is_some() { "AND a.office_code = $2" } else { "" },
        if office.is_some() { "$3" } else { "$2" },
    );
    let mut query = sqlx::query(&sql).bind(state.as_str());
    if let Some(office) = office {
        query = query.bind(office);
    }
    let rows = query.bind(limit).fetch_all(pool).await?;
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
                state_label: state.label(),
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

/// Applications (of a batch, or of every batch when `batch` is empty) whose
/// candidate has this admission or ID number (an ID number may have several
/// admission numbers), newest first, with the office handling each.
pub async fn find_in_batch(
    pool: &AnyPool,
    batch: &str,
    number: &str,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query(
        "SELECT a.id, a.office_code FROM graduation_applications a JOIN candidates c ON c.id = a.candidate_id
         WHERE ($1 = '' OR a.batch_code = $1) AND (c.admission_no = $2 OR c.id_no = $2) ORDER BY a.id DESC",
    )
    .bind(batch)
    .bind(number)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("office_code")?)))
    .collect()
}

/// A record correction awaiting a decision.
#[derive(Debug, Clone)]
pub struct PendingCorrection {
    pub id: i64,
    pub candidate: i64,
    pub admission_no: String,
    pub name: String,
    pub office_code: String,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub requested_at: String,
    pub city_decided_at: Option<String>,
    pub evidence: i64,
}

/// Corrections awaiting the city (`provincial` false, in `office` unless
/// empty) or the province (after the city approved), oldest first.
pub async fn corrections(
    pool: &AnyPool,
    provincial: bool,
    office: &str,
    limit: i64,
) -> Result<Vec<PendingCorrection>, sqlx::Error> {
    let level = if provincial { "provincial" } else { "city" };
    let rows = sqlx::query(
        "SELECT r.id, r.candidate_id, r.field, r.old_value, r.new_value, r.requested_at, r.city_decided_at,
                c.admission_no, c.name, COALESCE(c.office_code, '') AS office_code,
                (SELECT COUNT(*) FROM correction_evidence e WHERE e.correction_id = r.id) AS evidence
         FROM record_corrections r JOIN candidates c ON c.id = r.candidate_id
         WHERE r.status = 'requested'
           AND (($1 = 'city' AND r.city_decided_at IS NULL) OR ($1 = 'provincial' AND r.city_decided_at IS NOT NULL))
           AND ($2 = '' OR c.office_code = $2)
         ORDER BY r.id LIMIT $3",
    )
    .bind(level)
    .bind(office)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(pending_correction).collect()
}

fn pending_correction(r: &sqlx::any::AnyRow) -> Result<PendingCorrection, sqlx::Error> {
    Ok(PendingCorrection {
        id: r.try_get("id")?,
        candidate: r.try_get("candidate_id")?,
        admission_no: r.try_get("admission_no")?,
        name: r.try_get("name")?,
        office_code: r.try_get("office_code")?,
        field: r.try_get("field")?,
        old_value: r.try_get("old_value")?,
        new_value: r.try_get("new_value")?,
        requested_at: r.try_get("requested_at")?,
        city_decided_at: r.try_get("city_decided_at")?,
        evidence: r.try_get("evidence")?,
    })
}

/// One correction by id, whatever its state (with the decision fields).
pub async fn correction(
    pool: &AnyPool,
    id: i64,
) -> Result<Option<(PendingCorrection, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT r.id, r.candidate_id, r.field, r.old_value, r.new_value, r.requested_at, r.city_decided_at,
                r.status, c.admission_no, c.name, COALESCE(c.office_code, '') AS office_code,
                (SELECT COUNT(*) FROM correction_evidence e WHERE e.correction_id = r.id) AS evidence
         FROM record_corrections r JOIN candidates c ON c.id = r.candidate_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((pending_correction(&r)?, r.try_get("status")?)))
        .transpose()
}

/// Object keys of a correction's evidence, in upload order.
pub async fn correction_evidence(pool: &AnyPool, id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT object_key FROM correction_evidence WHERE correction_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get("object_key"))
        .collect()
}

/// A prior education awaiting the province's verification.
#[derive(Debug, Clone)]
pub struct PendingPrior {
    pub candidate: i64,
    pub admission_no: String,
    pub name: String,
    pub id_no: String,
    pub verification: String,
    pub school: String,
    pub major: String,
    pub graduated_on: Option<String>,
    pub diploma_no: String,
    pub code: String,
    pub associate_admission_no: Option<String>,
    pub registered_at: String,
}

/// Registered prior educations of a verification type (all when empty),
/// oldest first. A fresh graduate's appears once the diploma number is filled in.
pub async fn priors(
    pool: &AnyPool,
    verification: &str,
    candidate: Option<i64>,
    limit: i64,
) -> Result<Vec<PendingPrior>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.candidate_id, p.verification, p.school, p.major, p.graduated_on, p.diploma_no,
                p.verification_code, p.associate_admission_no, p.registered_at,
                c.admission_no, c.name, c.id_no
         FROM prior_educations p JOIN candidates c ON c.id = p.candidate_id
         WHERE p.status = 'registered' AND ($1 = '' OR p.verification = $1)
           AND NOT (p.verification = 'pending_fresh_graduate' AND p.diploma_no = '')
           AND ($2 = 0 OR p.candidate_id = $2)
         ORDER BY p.registered_at, p.id LIMIT $3",
    )
    .bind(verification)
    .bind(candidate.unwrap_or(0))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PendingPrior {
                candidate: r.try_get("candidate_id")?,
                admission_no: r.try_get("admission_no")?,
                name: r.try_get("name")?,
                id_no: r.try_get("id_no")?,
                verification: r.try_get("verification")?,
                school: r.try_get("school")?,
                major: r.try_get("major")?,
                graduated_on: r.try_get("graduated_on")?,
                diploma_no: r.try_get("diploma_no")?,
                code: r.try_get("verification_code")?,
                associate_admission_no: r.try_get("associate_admission_no")?,
                registered_at: r.try_get("registered_at")?,
            })
        })
        .collect()
}

/// Applications by office and state (the dashboard's table).
pub async fn counts(
    pool: &AnyPool,
    office: &str,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT office_code, state, COUNT(*) AS n FROM graduation_applications
         WHERE ($1 = '' OR office_code = $1) GROUP BY office_code, state ORDER BY office_code, state",
    )
    .bind(office)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("office_code")?, r.try_get("state")?, r.try_get("n")?)))
    .collect()
}

/// Events per UTC day and kind (the dashboard's chart), oldest day first.
pub async fn events_per_day(
    pool: &AnyPool,
    office: &str,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT substr(e.at, 1, 10) AS day, e.event, COUNT(*) AS n
         FROM application_events e JOIN graduation_applications a ON a.id = e.application_id
         WHERE ($1 = '' OR a.office_code = $1)
         GROUP BY substr(e.at, 1, 10), e.event ORDER BY day",
    )
    .bind(office)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("day")?, r.try_get("event")?, r.try_get("n")?)))
    .collect()
}
