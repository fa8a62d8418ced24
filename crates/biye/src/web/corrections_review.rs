//! 考籍信息更正 review: the city office of the candidate's record decides
//! first, then the province. The province's approval writes the new value
//! into the record and keeps the old one in the audit log, in one
//! transaction. A correction counts for a batch only if completed before its
//! pre-work deadline (the audit applies `completed_at`); the page says which
//! batch a decision made now would count for.

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
use crate::db::audit::Actor;
use crate::db::review::PendingCorrection;
use crate::domain::correction::Field;
use crate::domain::CandidateId;

pub fn area() -> Area {
    Area::new()
        .get("/staff/corrections", queue)
        .get("/staff/corrections/export", export)
        .get("/staff/corrections/{id}", item)
        .post("/staff/corrections/{id}", decide)
        .get("/staff/corrections/{id}/evidence/{n}", evidence)
}

pub const REASONS: &[(&str, &str)] = &[
    ("evidence_missing", "证明材料不足或不清晰"),
    ("evidence_mismatch", "更正内容与证明材料不符"),
    ("not_needed", "考籍信息无误，无需更正"),
    ("police_certificate", "须提供公安部门出具的变更证明"),
];

fn field_label(stored: &str) -> &'static str {
    Field::from_db(stored).map_or("其他", Field::label)
}

async fn table(state: &AppState, level: &Level, limit: i64) -> WebResult<Table> {
    let provincial = *level == Level::Province;
    let items = db::review::corrections(state.db.pool(), provincial, level.office(), limit).await?;
    Ok(Table {
        title: if provincial {
            "考籍信息更正审核（省考办）"
        } else {
            "考籍信息更正审核（市考办）"
        },
        base: "/staff/corrections",
        columns: vec![
            "准考证号",
            "姓名",
            "更正项目",
            "原信息",
            "更正为",
            "申请时间（UTC）",
        ],
        rows: items
            .into_iter()
            .map(|c| Row {
                id: c.id.to_string(),
                cells: vec![
                    c.admission_no,
                    c.name,
                    field_label(&c.field).to_owned(),
                    c.old_value,
                    c.new_value,
                    c.requested_at,
                ],
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
        .download(&f.format, "corrections")
}

#[derive(Template)]
#[template(path = "staff/correction.html")]
struct ItemPage {
    csrf: String,
    action: String,
    c: PendingCorrection,
    field: &'static str,
    status: String,
    evidence: Vec<usize>,
    deadline_note: String,
    reasons: Vec<(usize, &'static str, &'static str)>,
    prev: Option<i64>,
    next: Option<i64>,
    error: Option<String>,
}

async fn scoped(
    state: &AppState,
    level: &Level,
    id: i64,
) -> WebResult<(PendingCorrection, String)> {
    let (c, status) = db::review::correction(state.db.pool(), id)
        .await?
        .ok_or(WebError::NotFound)?;
    if !level.covers(&c.office_code) {
        return Err(NOT_YOURS);
    }
    Ok((c, status))
}

/// Which batch a correction completed now would count for.
async fn deadline_note(state: &AppState) -> WebResult<String> {
    let now = state.clock.civil_now();
    let batches = db::batches::all(state.db.pool()).await?;
    Ok(
        match batches
            .iter()
            .filter(|b| b.prework_due > now)
            .min_by_key(|b| b.prework_due)
        {
            Some(b) => format!(
                "现在办结可用于{}毕业（前期工作截止 {}）。",
                b.name,
                b.prework_due.strftime("%Y-%m-%d %H:%M")
            ),
            None => "现在办结已晚于所有已设批次的前期工作截止时间，将用于以后的批次。".into(),
        },
    )
}

async fn item_page(
    state: &AppState,
    staff: &CurrentStaff,
    id: i64,
    csrf: String,
) -> WebResult<ItemPage> {
    let level = review::reviewer(staff)?;
    let (c, status) = scoped(state, &level, id).await?;
    let pool = state.db.pool();
    db::access::record(
        pool,
        state.clock.now(),
        staff.id,
        CandidateId(c.candidate),
        Access::CorrectionReview,
    )
    .await?;
    let ids: Vec<i64> =
        db::review::corrections(pool, level == Level::Province, level.office(), review::PAGE)
            .await?
            .iter()
            .map(|x| x.id)
            .collect();
    let (prev, next) = review::neighbours(&ids, id);
    Ok(ItemPage {
        csrf,
        action: format!("/staff/corrections/{id}"),
        field: field_label(&c.field),
        evidence: (0..c.evidence as usize).collect(),
        status: match (status.as_str(), &c.city_decided_at) {
            ("requested", None) => "待市考办审核".into(),
            ("requested", Some(_)) => "市考办已通过，待省考办审核".into(),
            ("approved", _) => "已更正".into(),
            _ => "审核不通过".into(),
        },
        c,
        deadline_note: deadline_note(state).await?,
        reasons: review::keyed(REASONS),
        prev,
        next,
        error: None,
    })
}

async fn item(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> WebResult<impl IntoResponse> {
    render(&item_page(&state, &staff, id, csrf).await?)
}

async fn decide(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    FormBody(d): FormBody<review::Decision>,
) -> WebResult<Response> {
    let level = review::reviewer(&staff)?;
    let mut page = item_page(&state, &staff, id, csrf).await?;
    let verdict = match review::verdict(&d, REASONS)? {
        Ok(v) => v,
        Err(m) => {
            page.error = Some(m);
            return review::redisplay(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let (approved, reason) = match &verdict {
        Verdict::Approve => (true, String::new()),
        Verdict::Reject(_, text) => (false, text.clone()),
    };
    let now = state.clock.now();
    let mut tx = state.db.pool().begin().await?;
    let provincial = level == Level::Province;
    let decided = if provincial {
        db::decisions::decide_correction_provincial(&mut tx, id, approved, staff.id, &reason, now)
            .await?
    } else {
        db::decisions::decide_correction_city(&mut tx, id, approved, staff.id, &reason, now).await?
    };
    if !decided {
        page.error = Some("该更正申请刚刚已被处理，或尚未到您的审核环节，请返回队列刷新".into());
        return review::redisplay(StatusCode::CONFLICT, &page);
    }
    let c = &page.c;
    let field = Field::from_db(&c.field);
    if provincial && approved {
        let field = field.ok_or_else(|| WebError::internal("correction of an unknown field"))?;
        db::decisions::apply_correction(
            &mut tx,
            CandidateId(c.candidate),
            field,
            &c.new_value,
            now,
        )
        .await?;
    }
    let action = match (provincial, approved) {
        (false, true) => "correction_city_approved",
        (true, true) => "correction_applied",
        _ => "correction_rejected",
    };
    let detail = serde_json::json!({
        "candidate": c.candidate,
        "field": c.field,
        "old_value": c.old_value,
        "new_value": c.new_value,
        "reason": reason,
    });
    db::audit::append(
        &mut tx,
        now,
        Actor::Staff(staff.id.0),
        action,
        "record_correction",
        &id.to_string(),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(review::onward("/staff/corrections", page.next))
}

/// The n-th evidence image (re-encoded JPEG) of a correction in scope.
async fn evidence(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path((id, n)): Path<(i64, usize)>,
) -> WebResult<Response> {
    let level = review::reviewer(&staff)?;
    scoped(&state, &level, id).await?;
    let keys = db::review::correction_evidence(state.db.pool(), id).await?;
    let key = keys.get(n).ok_or(WebError::NotFound)?;
    let bytes = state.storage.get(key).await?;
    Ok((
        [
            (CONTENT_TYPE, "image/jpeg"),
            (CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}
