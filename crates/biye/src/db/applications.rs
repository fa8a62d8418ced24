//! Graduation applications (毕业申请): reading one candidate's application in
//! a batch. Writes go through the application journey, which moves the state
//! only by `ApplicationState::next`.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::audit::Actor;
use crate::domain::{ApplicationEvent, ApplicationState, CandidateId, OfficeCode, TransitionError};

/// What the form printer and the office lookup need of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationSummary {
    pub id: i64,
    pub office_code: String,
    pub form_type: String,
    pub state: ApplicationState,
    pub phone: String,
}

/// The candidate's application in the batch, if they applied.
pub async fn find(
    pool: &AnyPool,
    candidate: CandidateId,
    batch_code: &str,
) -> Result<Option<ApplicationSummary>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, office_code, form_type, state, phone FROM graduation_applications \
         WHERE candidate_id = $1 AND batch_code = $2",
    )
    .bind(candidate.0)
    .bind(batch_code)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(summary).transpose()
}

fn summary(r: &AnyRow) -> Result<ApplicationSummary, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(ApplicationSummary {
        id: r.try_get("id")?,
        office_code: r.try_get("office_code")?,
        form_type: r.try_get("form_type")?,
        phone: r.try_get("phone")?,
        state: ApplicationState::from_db(&state).ok_or_else(|| super::bad("state"))?,
    })
}

/// An application by id, with its candidate.
pub async fn get(
    pool: &AnyPool,
    id: i64,
) -> Result<Option<(CandidateId, ApplicationSummary)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, candidate_id, office_code, form_type, state, phone FROM graduation_applications WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((CandidateId(r.try_get("candidate_id")?), summary(&r)?)))
        .transpose()
}

/// Where the candidate's materials go: the office chosen in the application,
/// or before applying the office of their record ("" when neither is known).
pub fn handling_office(
    application: Option<&ApplicationSummary>,
    registered: Option<&OfficeCode>,
) -> String {
    match (application, registered) {
        (Some(a), _) => a.office_code.clone(),
        (None, Some(o)) => o.to_string(),
        (None, None) => String::new(),
    }
}

/// A new application, as the candidate files it.
pub struct NewApplication<'a> {
    pub candidate: CandidateId,
    pub batch_code: &'a str,
    pub plan_id: i64,
    pub office_code: &'a str,
    pub phone: &'a str,
    /// The prediction when applying (its counted courses print on the form).
    pub audit_snapshot: &'a str,
}

/// Files the application in state `Started` and records its first event.
/// `Ok(None)` when the candidate already has one in the batch (two tabs).
pub async fn create(
    conn: &mut AnyConnection,
    a: &NewApplication<'_>,
    now: jiff::Timestamp,
) -> Result<Option<i64>, sqlx::Error> {
    let at = super::timestamp(now);
    let row = sqlx::query(
        "INSERT INTO graduation_applications
             (candidate_id, batch_code, plan_id, office_code, phone, state, audit_snapshot, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (candidate_id, batch_code) DO NOTHING
         RETURNING id",
    )
    .bind(a.candidate.0)
    .bind(a.batch_code)
    .bind(a.plan_id)
    .bind(a.office_code)
    .bind(a.phone)
    .bind(ApplicationState::Started.as_str())
    .bind(a.audit_snapshot)
    .bind(&at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get("id")?;
    record_event(
        conn,
        id,
        now,
        "applied",
        "",
        ApplicationState::Started,
        Actor::Candidate(a.candidate.0),
        "",
    )
    .await?;
    Ok(Some(id))
}

#[derive(Debug, thiserror::Error)]
pub enum TransitionFailure {
    #[error(transparent)]
    NotAllowed(#[from] TransitionError),
    /// Someone else changed the application since it was read.
    #[error("该申请的状态刚刚已被更改，请刷新页面后重试")]
    Conflict,
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
}

/// Moves an application by `event` from the state that was read, only if it
/// is still in that state (a conditional update: of two people acting at
/// once, exactly one wins), and records the event. The only way any state
/// changes.
#[allow(clippy::too_many_arguments)]
pub async fn transition(
    conn: &mut AnyConnection,
    id: i64,
    from: ApplicationState,
    event: ApplicationEvent,
    actor: Actor,
    reason: &str,
    now: jiff::Timestamp,
) -> Result<ApplicationState, TransitionFailure> {
    let to = from.next(event)?;
    let r = sqlx::query(
        "UPDATE graduation_applications SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(to.as_str())
    .bind(super::timestamp(now))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() != 1 {
        return Err(TransitionFailure::Conflict);
    }
    let name = serde_json::to_value(event)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    record_event(conn, id, now, &name, from.as_str(), to, actor, reason).await?;
    Ok(to)
}

#[allow(clippy::too_many_arguments)]
async fn record_event(
    conn: &mut AnyConnection,
    id: i64,
    now: jiff::Timestamp,
    event: &str,
    from: &str,
    to: ApplicationState,
    actor: Actor,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let (kind, actor_id) = actor.parts();
    sqlx::query(
        "INSERT INTO application_events (application_id, at, event, from_state, to_state, actor_kind, actor_id, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(super::timestamp(now))
    .bind(event)
    .bind(from)
    .bind(to.as_str())
    .bind(kind)
    .bind(actor_id)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// One step of an application's history.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: jiff::Timestamp,
    /// `applied`, or an `ApplicationEvent` in snake case.
    pub event: String,
    pub to_state: ApplicationState,
    pub by_staff: bool,
    pub reason: String,
}

pub async fn events(pool: &AnyPool, id: i64) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at, event, to_state, actor_kind, reason FROM application_events
         WHERE application_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(event).collect()
}

fn event(r: &AnyRow) -> Result<Event, sqlx::Error> {
    Ok(Event {
        at: r
            .try_get::<String, _>("at")?
            .parse()
            .map_err(|_| super::bad("at"))?,
        event: r.try_get("event")?,
        to_state: ApplicationState::from_db(&r.try_get::<String, _>("to_state")?)
            .ok_or_else(|| super::bad("to_state"))?,
        by_staff: r.try_get::<String, _>("actor_kind")? == "staff",
        reason: r.try_get("reason")?,
    })
}

/// The candidate's application in the batch with its office's name and
/// every event: what `/me/status` shows, in one query because it is the
/// page every candidate reloads on the last day.
pub struct History {
    pub application: ApplicationSummary,
    /// As `reference::office_label` writes it, 韶关市区（0201）.
    pub office: String,
    pub events: Vec<Event>,
}

pub async fn history(
    pool: &AnyPool,
    candidate: CandidateId,
    batch_code: &str,
) -> Result<Option<History>, sqlx::Error> {
    // One row per event (one row with NULL event columns when there is none
    // yet); the application's columns repeat on each.
    let rows = sqlx::query(
        "SELECT a.id, a.office_code, a.form_type, a.state, a.phone, o.name AS office_name,
                e.id AS event_id, e.at, e.event, e.to_state, e.actor_kind, e.reason
         FROM graduation_applications a
         LEFT JOIN offices o ON o.code = a.office_code
         LEFT JOIN application_events e ON e.application_id = a.id
         WHERE a.candidate_id = $1 AND a.batch_code = $2
         ORDER BY e.id",
    )
    .bind(candidate.0)
    .bind(batch_code)
    .fetch_all(pool)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let application = summary(first)?;
    let office = match first.try_get::<Option<String>, _>("office_name")? {
        Some(name) => format!("{name}（{}）", application.office_code),
        None => application.office_code.clone(),
    };
    let mut events = Vec::with_capacity(rows.len());
    for r in &rows {
        if r.try_get::<Option<i64>, _>("event_id")?.is_some() {
            events.push(event(r)?);
        }
    }
    Ok(Some(History {
        application,
        office,
        events,
    }))
}

/// Stores the identity check's answer.
pub async fn record_identity_check(
    conn: &mut AnyConnection,
    id: i64,
    passed: bool,
    source: &str,
    detail: &str,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO identity_checks (application_id, passed, source, detail, checked_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(i64::from(passed))
    .bind(source)
    .bind(detail)
    .bind(super::timestamp(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Everything the office reviews need of one application.
#[derive(Debug, Clone)]
pub struct Detail {
    pub id: i64,
    pub candidate: CandidateId,
    pub batch_code: String,
    pub plan_id: i64,
    pub office_code: String,
    pub state: ApplicationState,
    /// The prediction when applying, as JSON (`domain::audit::Audit`).
    pub audit_snapshot: String,
    pub created_at: String,
}

pub async fn detail(pool: &AnyPool, id: i64) -> Result<Option<Detail>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, candidate_id, batch_code, plan_id, office_code, state,
                COALESCE(audit_snapshot, '') AS audit_snapshot, created_at
         FROM graduation_applications WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Detail {
            id: r.try_get("id")?,
            candidate: CandidateId(r.try_get("candidate_id")?),
            batch_code: r.try_get("batch_code")?,
            plan_id: r.try_get("plan_id")?,
            office_code: r.try_get("office_code")?,
            state: ApplicationState::from_db(&r.try_get::<String, _>("state")?)
                .ok_or_else(|| super::bad("state"))?,
            audit_snapshot: r.try_get("audit_snapshot")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .transpose()
}
