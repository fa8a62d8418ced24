//! 前置学历查验 by the provincial office: each registered prior education, per
//! verification type, is checked against its source (学信网 record, 认证报告,
//! 认证书, the candidate's own 专科 admission number) and marked verified or
//! not matching with a reason the candidate reads on the prior-education
//! page. A fresh graduate's registration appears once the diploma number is
//! filled in; a re-registration while the page was open is not overwritten.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::{render, WebError, WebResult};
use super::review::{self, Verdict};
use super::routes::Area;
use super::session::{CsrfToken, CurrentStaff, FormBody};
use super::tables::{Row, Table};
use super::AppState;
use crate::db;
use crate::db::access::Access;
use crate::db::audit::Actor;
use crate::db::review::PendingPrior;
use crate::domain::prior::PriorKind;
use crate::domain::CandidateId;

pub fn area() -> Area {
    Area::new()
        .get("/staff/prior-education", queue)
        .get("/staff/prior-education/export", export)
        .get("/staff/prior-education/{candidate}", item)
        .post("/staff/prior-education/{candidate}", decide)
}

pub const REASONS: &[(&str, &str)] = &[
    ("not_found", "按所填编号查询不到该学历"),
    ("mismatch", "学历信息与考生姓名或证件号码不一致"),
    ("code_invalid", "在线验证码无效或已过期"),
    ("wrong_document", "认证方式与所填材料不符"),
    ("level", "前置学历层次不符合申请本科毕业的要求"),
];

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    format: String,
}

fn kind_label(stored: &str) -> &'static str {
    PriorKind::from_db(stored).map_or("未知", PriorKind::label)
}

async fn table(state: &AppState, kind: &str, limit: i64) -> WebResult<Table> {
    let items = db::review::priors(state.db.pool(), kind, None, limit).await?;
    let mut note =
        String::from("<p class=\"filters\">认证方式：<a href=\"/staff/prior-education\">全部</a>");
    for k in PriorKind::ALL {
        note.push_str(&format!(
            " · <a href=\"/staff/prior-education?kind={}\">{}</a>",
            k.as_str(),
            k.label()
        ));
    }
    note.push_str("</p>");
    Ok(Table {
        title: "前置学历查验（省考办）",
        base: "/staff/prior-education",
        columns: vec![
            "准考证号",
            "姓名",
            "认证方式",
            "毕业学校",
            "毕业证书编号",
            "登记时间（UTC）",
        ],
        rows: items
            .into_iter()
            .map(|p| Row {
                id: p.candidate.to_string(),
                cells: vec![
                    p.admission_no,
                    p.name,
                    kind_label(&p.verification).to_owned(),
                    p.school,
                    p.diploma_no,
                    p.registered_at,
                ],
            })
            .collect(),
        note,
    })
}

fn kind_filter(f: &Filter) -> WebResult<&str> {
    if f.kind.is_empty() || PriorKind::from_db(&f.kind).is_some() {
        Ok(&f.kind)
    } else {
        Err(WebError::BadRequest("认证方式不存在".into()))
    }
}

async fn queue(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Query(f): Query<Filter>,
) -> WebResult<Response> {
    review::provincial(&staff)?;
    table(&state, kind_filter(&f)?, review::PAGE)
        .await?
        .page(csrf)
}

async fn export(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Query(f): Query<Filter>,
) -> WebResult<Response> {
    review::provincial(&staff)?;
    table(&state, kind_filter(&f)?, i64::MAX)
        .await?
        .download(&f.format, "prior-education")
}

#[derive(Template)]
#[template(path = "staff/prior.html")]
struct ItemPage {
    csrf: String,
    action: String,
    p: PendingPrior,
    kind: &'static str,
    reasons: Vec<(usize, &'static str, &'static str)>,
    next: Option<i64>,
    prev: Option<i64>,
    error: Option<String>,
}

async fn item_page(
    state: &AppState,
    staff: &CurrentStaff,
    candidate: i64,
    csrf: String,
) -> WebResult<ItemPage> {
    review::provincial(staff)?;
    let pool = state.db.pool();
    let p = db::review::priors(pool, "", Some(candidate), 1)
        .await?
        .into_iter()
        .next()
        .ok_or(WebError::Gone(
            "该前置学历已查验或考生已重新登记，请返回队列",
        ))?;
    db::access::record(
        pool,
        state.clock.now(),
        staff.id,
        CandidateId(candidate),
        Access::PriorReview,
    )
    .await?;
    let ids: Vec<i64> = db::review::priors(pool, &p.verification, None, review::PAGE)
        .await?
        .iter()
        .map(|x| x.candidate)
        .collect();
    let (prev, next) = review::neighbours(&ids, candidate);
    Ok(ItemPage {
        csrf,
        action: format!("/staff/prior-education/{candidate}"),
        kind: kind_label(&p.verification),
        p,
        reasons: review::keyed(REASONS),
        next,
        prev,
        error: None,
    })
}

async fn item(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(candidate): Path<i64>,
) -> WebResult<impl IntoResponse> {
    render(&item_page(&state, &staff, candidate, csrf).await?)
}

async fn decide(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(candidate): Path<i64>,
    FormBody(d): FormBody<review::Decision>,
) -> WebResult<Response> {
    let mut page = item_page(&state, &staff, candidate, csrf).await?;
    let verdict = match review::verdict(&d, REASONS)? {
        Ok(v) => v,
        Err(m) => {
            page.error = Some(m);
            return review::redisplay(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let (verified, note) = match &verdict {
        Verdict::Approve => (true, String::new()),
        Verdict::Reject(_, text) => (false, text.clone()),
    };
    let now = state.clock.now();
    let mut tx = state.db.pool().begin().await?;
    let who = CandidateId(candidate);
    // What was shown is what is decided: a re-registration since does not match.
    if !db::decisions::decide_prior(
        &mut tx,
        who,
        &page.p.registered_at,
        verified,
        staff.id,
        &note,
        now,
    )
    .await?
    {
        page.error = Some("该前置学历刚刚已被查验或考生已重新登记，请返回队列刷新".into());
        return review::redisplay(StatusCode::CONFLICT, &page);
    }
    let action = if verified {
        "prior_verified"
    } else {
        "prior_rejected"
    };
    let detail = serde_json::json!({ "note": note, "registered_at": page.p.registered_at });
    db::audit::append(
        &mut tx,
        now,
        Actor::Staff(staff.id.0),
        action,
        "prior_education",
        &candidate.to_string(),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(review::onward("/staff/prior-education", page.next))
}
