//! 现场审核 at the city office, inside the batch's on-site dates and hours:
//! find the application (admission number, ID number, or the form's QR code
//! and 校验码 through `/onsite/lookup`), tick the checklist generated from the
//! case (`domain::onsite`), then accept, or return it with what is missing —
//! the list the candidate reads on `/me/status`. A returned application can
//! be accepted later in the window when the missing papers are brought.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::{render, WebError, WebResult};
use super::review::{self, NOT_YOURS};
use super::routes::Area;
use super::session::{CsrfToken, CurrentStaff, FormBody};
use super::tables::{Row, Table};
use super::AppState;
use crate::db;
use crate::db::access::Access;
use crate::domain::onsite::{self, Item};
use crate::domain::plan::SpecialCondition;
use crate::domain::{ApplicationEvent as E, ApplicationState as S};

pub fn area() -> Area {
    Area::new()
        .get("/staff/onsite", queue)
        .get("/staff/onsite/export", export)
        .get("/staff/onsite/{application}", item)
        .post("/staff/onsite/{application}", decide)
}

#[derive(Deserialize, Default)]
struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    format: String,
}

async fn table(state: &AppState, office: &str, limit: i64) -> WebResult<Table> {
    let pool = state.db.pool();
    let mut items = db::review::queue(pool, S::Submitted, Some(office), limit).await?;
    items.extend(db::review::queue(pool, S::OnsiteRejected, Some(office), limit).await?);
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let note = "<form method=\"get\" action=\"/staff/onsite\" class=\"filters\">\
        <label>准考证号或身份证号 <input name=\"q\" required maxlength=\"30\" autofocus></label> \
        <button type=\"submit\">查找</button>　<a href=\"/onsite/lookup\">扫码或输入校验码查验登记表</a></form>";
    Ok(Table {
        title: "现场审核（市考办）",
        base: "/staff/onsite",
        columns: vec!["准考证号", "姓名", "状态", "更新时间（UTC）"],
        rows: items
            .into_iter()
            .map(|i| Row {
                id: i.application.to_string(),
                cells: vec![i.admission_no, i.name, i.state_label.to_owned(), i.since],
            })
            .collect(),
        note: note.into(),
    })
}

async fn queue(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Query(s): Query<Search>,
) -> WebResult<Response> {
    let office = review::city(&staff)?;
    let q = s.q.trim().to_ascii_uppercase();
    if !q.is_empty() {
        let found = db::review::find_in_batch(state.db.pool(), "", &q).await?;
        if let Some((id, _)) = found.iter().find(|(_, o)| *o == office) {
            return Ok((
                StatusCode::SEE_OTHER,
                [(LOCATION, format!("/staff/onsite/{id}"))],
            )
                .into_response());
        }
        let message = if found.is_empty() {
            "没有找到该准考证号或身份证号的毕业申请，请核对后重试。"
        } else {
            "该考生的办理地点不是您所在的考办，请让考生到所选办理地点提交材料。"
        };
        let mut t = table(&state, &office, review::PAGE).await?;
        t.note = format!("<p class=\"alert\" role=\"alert\">{message}</p>{}", t.note);
        return t.page(csrf);
    }
    table(&state, &office, review::PAGE).await?.page(csrf)
}

async fn export(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Query(s): Query<Search>,
) -> WebResult<Response> {
    let office = review::city(&staff)?;
    table(&state, &office, i64::MAX)
        .await?
        .download(&s.format, "onsite")
}

#[derive(Template)]
#[template(path = "staff/onsite.html")]
struct ItemPage {
    csrf: String,
    application: i64,
    name: String,
    admission_no: String,
    id_type: &'static str,
    major: String,
    state: &'static str,
    decidable: bool,
    session: Result<String, String>,
    checklist: Vec<Item>,
    ticked: Vec<String>,
    error: Option<String>,
}

impl ItemPage {
    fn is_ticked(&self, key: &str) -> bool {
        self.ticked.iter().any(|t| t == key)
    }
}

/// The session open now for the office in the batch, or why none is.
async fn open_session(
    state: &AppState,
    batch: &str,
    office: &str,
) -> WebResult<Result<String, String>> {
    let now = state.clock.civil_now();
    let sessions = db::batches::sessions(state.db.pool(), batch, office).await?;
    let fmt = |d: jiff::civil::DateTime| d.strftime("%-m 月 %-d 日 %H:%M").to_string();
    if let Some(s) = sessions.iter().find(|s| s.opens <= now && now < s.closes) {
        return Ok(Ok(format!(
            "现场审核时间内（{} 至 {}，{}）",
            fmt(s.opens),
            s.closes.strftime("%H:%M"),
            s.location
        )));
    }
    let list = sessions
        .iter()
        .map(|s| format!("{} 至 {}", fmt(s.opens), s.closes.strftime("%H:%M")))
        .collect::<Vec<_>>()
        .join("；");
    Ok(Err(if list.is_empty() {
        "本批次未设置本考办的现场审核时间，请联系省考办".into()
    } else {
        format!("现在不在现场审核时间内。本考办现场审核时间：{list}")
    }))
}

async fn item_page(
    state: &AppState,
    staff: &CurrentStaff,
    application: i64,
    csrf: String,
) -> WebResult<(ItemPage, db::applications::Detail)> {
    let office = review::city(staff)?;
    let pool = state.db.pool();
    let a = db::applications::detail(pool, application)
        .await?
        .ok_or(WebError::NotFound)?;
    if a.office_code != office {
        return Err(NOT_YOURS);
    }
    let c = db::candidates::get(pool, a.candidate)
        .await?
        .ok_or(WebError::NotFound)?;
    db::access::record(
        pool,
        state.clock.now(),
        staff.id,
        a.candidate,
        Access::OnsiteReview,
    )
    .await?;
    let plan = db::plans::get(pool, crate::domain::PlanId(a.plan_id))
        .await?
        .ok_or_else(|| WebError::internal("application without its plan"))?;
    let prior = db::prior::get(pool, a.candidate).await?;
    let changed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM record_corrections WHERE candidate_id = $1 AND status = 'approved'
           AND field IN ('name', 'id_no', 'id_upgrade')",
    )
    .bind(a.candidate.0)
    .fetch_one(pool)
    .await?;
    let counted: Vec<String> = serde_json::from_str::<serde_json::Value>(&a.audit_snapshot)
        .ok()
        .and_then(|v| v.get("counted").and_then(|c| c.as_array()).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.get("code").and_then(|x| x.as_str()).map(str::to_owned))
        .collect();
    let counts_listed_courses = match &plan.special {
        Some(SpecialCondition::MedicalDiplomaFor { courses }) => courses
            .iter()
            .any(|k| counted.iter().any(|c| c == k.as_str())),
        _ => false,
    };
    let checklist = onsite::checklist(&onsite::Case {
        level: plan.level,
        id_type: c.id_type,
        prior: prior.as_ref().and_then(|p| p.kind),
        identity_changed: changed > 0,
        special: plan.special.as_ref(),
        counts_listed_courses,
    });
    let page = ItemPage {
        csrf,
        application,
        name: c.name,
        admission_no: c.admission_no.to_string(),
        id_type: c.id_type.label(),
        major: format!("{}（{}）", plan.major_name, plan.level.label()),
        state: a.state.label(),
        decidable: matches!(a.state, S::Submitted | S::OnsiteRejected),
        session: open_session(state, &a.batch_code, &office).await?,
        checklist,
        ticked: Vec::new(),
        error: None,
    };
    Ok((page, a))
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
    FormBody(fields): FormBody<Vec<(String, String)>>,
) -> WebResult<Response> {
    let (mut page, a) = item_page(&state, &staff, application, csrf).await?;
    let value = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    page.ticked = fields
        .iter()
        .filter(|(k, _)| k == "item")
        .map(|(_, v)| v.clone())
        .filter(|v| page.checklist.iter().any(|i| i.key == v))
        .collect();
    let comment = crate::domain::candidate::check_text("说明", value("comment"), 200)
        .map_err(WebError::BadRequest)?;
    if let Err(m) = &page.session {
        page.error = Some(m.clone());
        return review::redisplay(StatusCode::CONFLICT, &page);
    }
    let missing: Vec<String> = onsite::missing(&page.checklist, &page.ticked)
        .iter()
        .map(|i| i.label.clone())
        .collect();
    let (event, reason) = match value("decision") {
        "accept" if missing.is_empty() => (E::OnsiteApproved, String::new()),
        "accept" => {
            page.error = Some(format!(
                "还有 {} 项材料未勾选，不能通过；如材料不齐，请选择“退回补交”",
                missing.len()
            ));
            return review::redisplay(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        "return" if missing.is_empty() && comment.is_empty() => {
            page.error = Some("材料已全部勾选；如仍需退回，请在说明中写明原因".into());
            return review::redisplay(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        "return" => {
            let mut text = if missing.is_empty() {
                String::new()
            } else {
                format!("缺少材料：{}", missing.join("；"))
            };
            if !comment.is_empty() {
                text = if text.is_empty() {
                    comment.clone()
                } else {
                    format!("{text}。{comment}")
                };
            }
            (E::OnsiteRejected, text)
        }
        _ => return Err(WebError::BadRequest("审核结论应为通过或退回补交".into())),
    };
    let mut tx = state.db.pool().begin().await?;
    if let Err(m) = review::move_or_tell(
        &state,
        &mut tx,
        &staff,
        application,
        a.state,
        event,
        &reason,
    )
    .await?
    {
        page.error = Some(m);
        return review::redisplay(StatusCode::CONFLICT, &page);
    }
    let materials = serde_json::to_string(&page.ticked).map_err(WebError::internal)?;
    let moral = page.ticked.iter().any(|t| t == "moral");
    let approved = event == E::OnsiteApproved;
    db::decisions::record_onsite_review(
        &mut tx,
        application,
        approved,
        moral,
        &materials,
        staff.id,
        &reason,
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/staff/onsite")]).into_response())
}
