//! 身份证附件审核: when the automatic identity check fails, the candidate
//! uploads the ID card's front, back and a hand-held photo; the city office of
//! the application reviews them, then the province. Approve, or reject with a
//! standard reason plus free text, which the candidate reads on `/me/status`
//! and answers by uploading again.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::error::{render, WebError, WebResult};
use super::review::{self, Level, Verdict, NOT_YOURS};
use super::routes::Area;
use super::session::{CsrfToken, CurrentStaff, FormBody};
use super::tables::{Format, Row, Table};
use super::AppState;
use crate::db;
use crate::db::access::Access;
use crate::db::attachments::Kind;
use crate::domain::{ApplicationEvent as E, ApplicationState as S};

pub fn area() -> Area {
    Area::new()
        .get("/staff/identity", queue)
        .get("/staff/identity/export", export)
        .get("/staff/identity/{application}", item)
        .post("/staff/identity/{application}", decide)
        .get("/staff/identity/{application}/{kind}", attachment)
}

pub const REASONS: &[(&str, &str)] = &[
    ("unclear", "证件照片不清晰或不完整"),
    ("mismatch", "证件信息与考籍信息不一致"),
    ("not_holder", "手持证件照片非本人或看不清面部"),
    ("expired", "证件已过期"),
    ("wrong_document", "上传的不是有效身份证件"),
];

/// The state a reviewer at this level decides from.
fn waiting(level: &Level) -> S {
    match level {
        Level::City(_) => S::IdentityCityReview,
        Level::Province => S::IdentityProvincialReview,
    }
}

async fn table(state: &AppState, level: &Level, limit: i64) -> WebResult<Table> {
    let items =
        db::review::queue(state.db.pool(), waiting(level), Some(level.office()), limit).await?;
    Ok(Table {
        title: match level {
            Level::City(_) => "身份证附件审核（市考办）",
            Level::Province => "身份证附件审核（省考办）",
        },
        base: "/staff/identity",
        columns: vec!["准考证号", "姓名", "办理地点", "提交时间（UTC）"],
        rows: items
            .into_iter()
            .map(|i| Row {
                id: i.application.to_string(),
                cells: vec![i.admission_no, i.name, i.office_code, i.since],
            })
            .collect(),
        note: String::new(),
    })
}

async fn queue(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<Response> {
    let level = review::reviewer(&staff)?;
    table(&state, &level, review::PAGE).await?.page(csrf)
}

async fn export(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Query(f): Query<Format>,
) -> WebResult<Response> {
    let level = review::reviewer(&staff)?;
    table(&state, &level, i64::MAX)
        .await?
        .download(&f.format, "identity")
}

#[derive(Template)]
#[template(path = "staff/identity.html")]
struct ItemPage {
    csrf: String,
    action: String,
    application: i64,
    name: String,
    admission_no: String,
    id_type: &'static str,
    id_no: String,
    check: String,
    city_note: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    reasons: Vec<(usize, &'static str, &'static str)>,
    prev: Option<i64>,
    next: Option<i64>,
    error: Option<String>,
}

/// The application if it is the reviewer's to see at their level.
async fn scoped(
    state: &AppState,
    level: &Level,
    application: i64,
) -> WebResult<(
    crate::domain::CandidateId,
    db::applications::ApplicationSummary,
)> {
    let (c, a) = db::applications::get(state.db.pool(), application)
        .await?
        .ok_or(WebError::NotFound)?;
    if !level.covers(&a.office_code) {
        return Err(NOT_YOURS);
    }
    Ok((c, a))
}

async fn item_page(
    state: &AppState,
    staff: &CurrentStaff,
    application: i64,
    csrf: String,
) -> WebResult<(ItemPage, S)> {
    let level = review::reviewer(staff)?;
    let (candidate, a) = scoped(state, &level, application).await?;
    let c = db::candidates::get(state.db.pool(), candidate)
        .await?
        .ok_or(WebError::NotFound)?;
    let pool = state.db.pool();
    db::access::record(
        pool,
        state.clock.now(),
        staff.id,
        candidate,
        Access::IdentityReview,
    )
    .await?;
    let check: Option<(String, String)> = sqlx::query_as(
        "SELECT source, detail FROM identity_checks WHERE application_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(application)
    .fetch_optional(pool)
    .await?;
    let city_note: Option<(String, String)> = sqlx::query_as(
        "SELECT r.decided_at, u.display_name FROM id_attachment_reviews r
         JOIN staff_users u ON u.id = r.reviewer_id
         WHERE r.application_id = $1 AND r.level = 'city' AND r.approved = 1 ORDER BY r.id DESC LIMIT 1",
    )
    .bind(application)
    .fetch_optional(pool)
    .await?;
    let ids: Vec<i64> =
        db::review::queue(pool, waiting(&level), Some(level.office()), review::PAGE)
            .await?
            .iter()
            .map(|i| i.application)
            .collect();
    let (prev, next) = review::neighbours(&ids, application);
    Ok((
        ItemPage {
            csrf,
            action: format!("/staff/identity/{application}"),
            application,
            name: c.name.clone(),
            admission_no: c.admission_no.to_string(),
            id_type: c.id_type.label(),
            id_no: c.id_no.clone(),
            check: check.map_or_else(String::new, |(source, detail)| {
                let by = if source == "local" {
                    "系统校验"
                } else {
                    "公安身份核验服务"
                };
                format!("{detail}（{by}）")
            }),
            city_note: city_note.map(|(at, who)| format!("市考办 {who} 已于 {at}（UTC）审核通过")),
            kinds: Kind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            reasons: review::keyed(REASONS),
            prev,
            next,
            error: None,
        },
        a.state,
    ))
}

async fn item(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(application): Path<i64>,
) -> WebResult<impl IntoResponse> {
    render(&item_page(&state, &staff, application, csrf).await?.0)
}

async fn decide(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(application): Path<i64>,
    FormBody(d): FormBody<review::Decision>,
) -> WebResult<Response> {
    let level = review::reviewer(&staff)?;
    let (mut page, _) = item_page(&state, &staff, application, csrf).await?;
    let verdict = match review::verdict(&d, REASONS)? {
        Ok(v) => v,
        Err(m) => {
            page.error = Some(m);
            return review::redisplay(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let provincial = level == Level::Province;
    let (event, reason, approved) = match (&verdict, provincial) {
        (Verdict::Approve, false) => (E::IdentityCityApproved, String::new(), true),
        (Verdict::Approve, true) => (E::IdentityProvincialApproved, String::new(), true),
        (Verdict::Reject(_, text), _) => (E::IdentityRejected, text.clone(), false),
    };
    let mut tx = state.db.pool().begin().await?;
    let moved = review::move_or_tell(
        &state,
        &mut tx,
        &staff,
        application,
        waiting(&level),
        event,
        &reason,
    )
    .await?;
    if let Err(m) = moved {
        page.error = Some(m);
        return review::redisplay(StatusCode::CONFLICT, &page);
    }
    db::decisions::record_identity_review(
        &mut tx,
        application,
        provincial,
        approved,
        staff.id,
        &reason,
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(review::onward("/staff/identity", page.next))
}

/// One of the three attachments, for a reviewer of the application's scope.
async fn attachment(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path((application, kind)): Path<(i64, String)>,
) -> WebResult<Response> {
    let level = review::reviewer(&staff)?;
    scoped(&state, &level, application).await?;
    let kind = Kind::parse(kind.trim_end_matches(".jpg")).ok_or(WebError::NotFound)?;
    let key = db::attachments::latest(state.db.pool(), application, kind)
        .await?
        .ok_or(WebError::NotFound)?;
    let bytes = state.storage.get(&key).await?;
    // Attachments are re-encoded to JPEG on upload (`uploads.rs`).
    Ok((
        [
            (CONTENT_TYPE, "image/jpeg"),
            (CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}
