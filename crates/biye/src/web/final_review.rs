//! 复核 by the provincial office: one screen with the audit run again as of
//! now, every step's state (identity, photo, prior education, corrections,
//! on-site materials) and the application's history; confirm graduation —
//! which assigns the certificate number in the documented 17-digit layout —
//! or reject with a reason. Confirmation needs the audit to pass now.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::error::{render, WebError, WebResult};
use super::review::{self, Verdict};
use super::routes::Area;
use super::session::{CsrfToken, CurrentStaff, FormBody};
use super::tables::{Format, Row, Table};
use super::AppState;
use crate::db;
use crate::db::access::Access;
use crate::db::decisions::Graduate;
use crate::domain::audit::{Outcome, Verdict as AuditVerdict};
use crate::domain::certificate::CertificateNo;
use crate::domain::{ApplicationEvent as E, ApplicationState as S, BatchCode, OfficeCode};
use crate::prediction;

pub fn area() -> Area {
    Area::new()
        .get("/staff/final", queue)
        .get("/staff/final/export", export)
        .get("/staff/final/{application}", item)
        .post("/staff/final/{application}", decide)
        .get("/staff/final/{application}/photo/{id}/{which}", image)
}

pub const REASONS: &[(&str, &str)] = &[
    ("conditions", "不符合毕业条件"),
    ("materials", "现场材料与系统信息不一致"),
    ("prior", "前置学历不符合要求"),
    ("photo", "毕业证照不符合电子注册要求"),
    ("violation", "存在未满推迟毕业年限的违规记录"),
];

async fn table(state: &AppState, limit: i64) -> WebResult<Table> {
    let items = db::review::queue(state.db.pool(), S::OnsiteApproved, None, limit).await?;
    Ok(Table {
        title: "毕业复核（省考办）",
        base: "/staff/final",
        columns: vec!["准考证号", "姓名", "办理地点", "现场审核通过时间（UTC）"],
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
    review::provincial(&staff)?;
    table(&state, review::PAGE).await?.page(csrf)
}

async fn export(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Query(f): Query<Format>,
) -> WebResult<Response> {
    review::provincial(&staff)?;
    table(&state, i64::MAX).await?.download(&f.format, "final")
}

struct Line {
    title: String,
    class: &'static str,
    summary: String,
}

#[derive(Template)]
#[template(path = "staff/final.html")]
struct ItemPage {
    csrf: String,
    action: String,
    application: i64,
    name: String,
    admission_no: String,
    id_no: String,
    major: String,
    office: String,
    state: &'static str,
    verdict: String,
    passes: bool,
    conditions: Vec<Line>,
    steps: Vec<(String, String, String, String)>,
    photo: Option<i64>,
    reasons: Vec<(usize, &'static str, &'static str)>,
    prev: Option<i64>,
    next: Option<i64>,
    error: Option<String>,
}

struct Loaded {
    page: ItemPage,
    detail: db::applications::Detail,
    level: crate::domain::Level,
    major_code: String,
}

async fn load(
    state: &AppState,
    staff: &CurrentStaff,
    application: i64,
    csrf: String,
) -> WebResult<Loaded> {
    review::provincial(staff)?;
    let pool = state.db.pool();
    let a = db::applications::detail(pool, application)
        .await?
        .ok_or(WebError::NotFound)?;
    let c = db::candidates::get(pool, a.candidate)
        .await?
        .ok_or(WebError::NotFound)?;
    db::access::record(
        pool,
        state.clock.now(),
        staff.id,
        a.candidate,
        Access::FinalReview,
    )
    .await?;
    let code = BatchCode::parse(&a.batch_code).map_err(WebError::internal)?;
    let batch = db::batches::get(pool, code)
        .await?
        .ok_or(WebError::NotFound)?;
    let plans = state.plans.get(pool).await.map_err(WebError::internal)?;
    let ctx = prediction::context(&plans, &batch, state.clock.civil_now());
    let p = prediction::predict(pool, &plans, &ctx, &batch, c.admission_no.as_str())
        .await
        .map_err(WebError::internal)?;
    let conditions = p
        .audit
        .conditions
        .iter()
        .map(|r| Line {
            title: r.title.clone(),
            class: match r.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "fail",
                _ => "pending",
            },
            summary: r.summary.clone(),
        })
        .collect();
    let steps = db::applications::events(pool, application)
        .await?
        .into_iter()
        .map(|e| {
            let at = state
                .clock
                .civil(e.at)
                .strftime("%Y-%m-%d %H:%M")
                .to_string();
            (
                at,
                crate::domain::ApplicationEvent::label_of(&e.event),
                e.to_state.label().to_owned(),
                e.reason,
            )
        })
        .collect();
    let ids: Vec<i64> = db::review::queue(pool, S::OnsiteApproved, None, review::PAGE)
        .await?
        .iter()
        .map(|i| i.application)
        .collect();
    let (prev, next) = review::neighbours(&ids, application);
    let page = ItemPage {
        csrf,
        action: format!("/staff/final/{application}"),
        application,
        name: c.name.clone(),
        admission_no: c.admission_no.to_string(),
        id_no: c.id_no.clone(),
        major: format!(
            "{} {}（{}）",
            p.plan.plan.major_code.as_str(),
            p.plan.plan.major_name,
            p.plan.plan.level.label()
        ),
        office: db::reference::office_label(pool, &a.office_code).await?,
        state: a.state.label(),
        passes: p.audit.verdict == AuditVerdict::Graduates,
        verdict: p.audit.summary.clone(),
        conditions,
        steps,
        photo: db::photos::latest(pool, application).await?.map(|x| x.id),
        reasons: review::keyed(REASONS),
        prev,
        next,
        error: None,
    };
    Ok(Loaded {
        page,
        level: p.plan.plan.level,
        major_code: p.plan.plan.major_code.as_str().to_owned(),
        detail: a,
    })
}

async fn item(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(application): Path<i64>,
) -> WebResult<impl IntoResponse> {
    render(&load(&state, &staff, application, csrf).await?.page)
}

async fn decide(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(application): Path<i64>,
    FormBody(d): FormBody<review::Decision>,
) -> WebResult<Response> {
    let Loaded {
        mut page,
        detail,
        level,
        major_code,
    } = load(&state, &staff, application, csrf).await?;
    let verdict = match review::verdict(&d, REASONS)? {
        Ok(v) => v,
        Err(m) => {
            page.error = Some(m);
            return review::redisplay(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    if matches!(verdict, Verdict::Approve) && !page.passes && detail.state == S::OnsiteApproved {
        page.error = Some(format!(
            "自动审核现在未通过（{}），不能确认毕业；请核实后选择不通过并写明原因",
            page.verdict
        ));
        return review::redisplay(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let (event, reason) = match &verdict {
        Verdict::Approve => (E::FinalApproved, String::new()),
        Verdict::Reject(_, text) => (E::FinalRejected, text.clone()),
    };
    let now = state.clock.now();
    let mut tx = state.db.pool().begin().await?;
    if let Err(m) = review::move_or_tell(
        &state,
        &mut tx,
        &staff,
        application,
        S::OnsiteApproved,
        event,
        &reason,
    )
    .await?
    {
        page.error = Some(m);
        return review::redisplay(StatusCode::CONFLICT, &page);
    }
    if event == E::FinalApproved {
        let layout = state
            .config
            .certificate_layout()
            .map_err(WebError::internal)?;
        let office = OfficeCode::parse(&detail.office_code).map_err(WebError::internal)?;
        let batch = BatchCode::parse(&detail.batch_code).map_err(WebError::internal)?;
        let admission =
            crate::domain::AdmissionNo::parse(&page.admission_no).map_err(WebError::internal)?;
        let b = db::batches::get(state.db.pool(), batch)
            .await?
            .ok_or(WebError::NotFound)?;
        let g = Graduate {
            candidate: detail.candidate,
            application,
            level,
            major_code: &major_code,
            office: &office,
            batch,
            sequence: CertificateNo::sequence_of(&admission),
            issued_on: &b.graduation_date.to_string(),
        };
        db::decisions::issue_certificate(&mut tx, layout, &g).await?;
    }
    db::decisions::record_final_review(
        &mut tx,
        application,
        event == E::FinalApproved,
        staff.id,
        &reason,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(review::onward("/staff/final", page.next))
}

/// The certificate photo of an application, for the province.
async fn image(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path((application, id, which)): Path<(i64, i64, String)>,
) -> WebResult<Response> {
    review::provincial(&staff)?;
    super::capture::photo_bytes(&state, application, id, &which).await
}
