//! Batches and offices: create or edit a batch with every window and
//! deadline of the notice, its on-site sessions per office (dates, hours,
//! place), the offices' address and phone, and the form-type list. Every
//! change is in the audit log; a batch is data, so a new one needs no code.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::{Date, DateTime};
use serde::Deserialize;

use crate::db;
use crate::db::audit::Actor;
use crate::domain::{Batch, BatchCode, OfficeCode, Window};
use crate::web::error::{render, WebError, WebResult};
use crate::web::routes::Area;
use crate::web::session::{CsrfToken, CurrentAdmin, CurrentStaff, FormBody};
use crate::web::AppState;

pub fn area() -> Area {
    Area::new()
        .get("/admin/batches", page)
        .post("/admin/batches", save_batch)
        .post("/admin/batches/{code}/sessions", add_session)
        .post("/admin/batches/{code}/sessions/{id}/delete", remove_session)
        .post("/admin/offices/{code}", save_office)
        .post("/admin/form-types", save_form_type)
}

struct SessionRow {
    id: i64,
    batch: String,
    office: String,
    when: String,
    location: String,
}

#[derive(Template)]
#[template(path = "admin/batches.html")]
struct Page {
    csrf: String,
    batches: Vec<Batch>,
    sessions: Vec<SessionRow>,
    offices: Vec<db::reference::Office>,
    form_types: Vec<(String, String, bool)>,
    /// Always `None`: the blank form's batch.
    new_batch: Option<Batch>,
    error: Option<String>,
}

impl Page {
    /// A civil time as `datetime-local` inputs hold it.
    fn t(&self, d: &DateTime) -> String {
        t(*d)
    }
}

fn t(d: DateTime) -> String {
    d.strftime("%Y-%m-%dT%H:%M").to_string()
}

async fn load(state: &AppState, csrf: String) -> WebResult<Page> {
    let pool = state.db.pool();
    let batches = db::batches::all(pool).await?;
    let mut sessions = Vec::new();
    for b in &batches {
        for s in db::batches::sessions(pool, &b.code.to_string(), "").await? {
            sessions.push(SessionRow {
                id: s.id,
                batch: s.batch_code,
                office: s.office_code,
                when: format!(
                    "{} – {}",
                    s.opens.strftime("%Y-%m-%d %H:%M"),
                    s.closes.strftime("%H:%M")
                ),
                location: s.location,
            });
        }
    }
    Ok(Page {
        csrf,
        batches,
        sessions,
        offices: db::reference::offices(pool).await?,
        form_types: db::reference::form_types(pool).await?,
        new_batch: None,
        error: None,
    })
}

async fn page(
    State(state): State<AppState>,
    CurrentAdmin(_): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    render(&load(&state, csrf).await?)
}

async fn again(state: &AppState, csrf: String, message: String) -> WebResult<Response> {
    let mut p = load(state, csrf).await?;
    p.error = Some(message);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
}

fn back() -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, "/admin/batches")]).into_response()
}

async fn audit(
    state: &AppState,
    admin: &CurrentStaff,
    action: &str,
    entity: &str,
    id: &str,
    detail: serde_json::Value,
) -> WebResult<()> {
    let mut conn = state.db.pool().acquire().await?;
    db::audit::append(
        &mut conn,
        state.clock.now(),
        Actor::Staff(admin.id.0),
        action,
        entity,
        id,
        detail,
    )
    .await?;
    Ok(())
}

#[derive(Deserialize, serde::Serialize)]
struct BatchForm {
    code: String,
    name: String,
    application_opens: String,
    application_closes: String,
    prework_due: String,
    prior_education_due: String,
    prior_education_supplement_due: String,
    materials_due: String,
    graduation_date: String,
    #[serde(default)]
    certificate_note: String,
}

/// The batch the form describes, or what is wrong with it (in Chinese).
fn parse_batch(f: &BatchForm) -> Result<Batch, String> {
    let dt = |label: &str, v: &str| -> Result<DateTime, String> {
        v.trim()
            .parse::<DateTime>()
            .map_err(|_| format!("“{label}”应为日期和时间，如 2023-06-14T00:00"))
    };
    let code = BatchCode::parse(&f.code).map_err(|e| e.to_string())?;
    let name = crate::domain::candidate::check_text("批次名称", &f.name, 40)?;
    if name.is_empty() {
        return Err("请填写批次名称".into());
    }
    let application = Window::new(
        dt("网上申请开始", &f.application_opens)?,
        dt("网上申请结束", &f.application_closes)?,
    )
    .map_err(|_| "网上申请的结束时间应晚于开始时间".to_owned())?;
    Ok(Batch {
        code,
        name,
        application,
        prework_due: dt("前期工作截止", &f.prework_due)?,
        prior_education_due: dt("前置学历登记截止", &f.prior_education_due)?,
        prior_education_supplement_due: dt("应届生补填截止", &f.prior_education_supplement_due)?,
        materials_due: dt("材料提交截止", &f.materials_due)?,
        graduation_date: f
            .graduation_date
            .trim()
            .parse::<Date>()
            .map_err(|_| "“毕业日期”应为日期，如 2023-06-30".to_owned())?,
        certificate_note: crate::domain::candidate::check_text(
            "领证说明",
            &f.certificate_note,
            100,
        )?,
    })
}

async fn save_batch(
    State(state): State<AppState>,
    CurrentAdmin(admin): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
    FormBody(f): FormBody<BatchForm>,
) -> WebResult<Response> {
    let b = match parse_batch(&f) {
        Ok(b) => b,
        Err(m) => return again(&state, csrf, m).await,
    };
    let mut conn = state.db.pool().acquire().await?;
    db::batches::save(&mut conn, &b).await?;
    drop(conn);
    let detail = serde_json::to_value(&f).map_err(WebError::internal)?;
    audit(
        &state,
        &admin,
        "batch_saved",
        "batch",
        &b.code.to_string(),
        detail,
    )
    .await?;
    Ok(back())
}

#[derive(Deserialize)]
struct SessionForm {
    office: String,
    date: String,
    opens: String,
    closes: String,
    #[serde(default)]
    location: String,
}

async fn add_session(
    State(state): State<AppState>,
    CurrentAdmin(admin): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
    Path(code): Path<String>,
    FormBody(f): FormBody<SessionForm>,
) -> WebResult<Response> {
    let batch = BatchCode::parse(&code).map_err(|e| WebError::BadRequest(e.to_string()))?;
    db::batches::get(state.db.pool(), batch)
        .await?
        .ok_or(WebError::NotFound)?;
    let at = |time: &str| format!("{}T{}", f.date.trim(), time.trim()).parse::<DateTime>();
    let (Ok(opens), Ok(closes)) = (at(&f.opens), at(&f.closes)) else {
        return again(
            &state,
            csrf,
            "现场审核时间应填写日期和起止时刻，如 2023-06-19、08:30、11:30".into(),
        )
        .await;
    };
    let Ok(window) = Window::new(opens, closes) else {
        return again(&state, csrf, "现场审核的结束时刻应晚于开始时刻".into()).await;
    };
    let Ok(office) = OfficeCode::parse(f.office.trim()) else {
        return again(&state, csrf, "请选择考办".into()).await;
    };
    let location = crate::domain::candidate::check_text("地点", &f.location, 100)
        .map_err(WebError::BadRequest)?;
    let mut conn = state.db.pool().acquire().await?;
    let added = db::batches::add_session(
        &mut conn,
        &batch.to_string(),
        office.as_str(),
        window,
        &location,
    )
    .await;
    drop(conn);
    match added {
        Ok(true) => {}
        Ok(false) => return again(&state, csrf, "该考办在这一时刻已有现场审核安排".into()).await,
        Err(e) if db::is_unique_violation(&e) => {
            return again(&state, csrf, "该考办在这一时刻已有现场审核安排".into()).await
        }
        Err(e) => return Err(e.into()),
    }
    let detail = serde_json::json!({ "office": office.as_str(), "opens": t(opens), "closes": t(closes), "location": location });
    audit(
        &state,
        &admin,
        "onsite_session_added",
        "batch",
        &batch.to_string(),
        detail,
    )
    .await?;
    Ok(back())
}

async fn remove_session(
    State(state): State<AppState>,
    CurrentAdmin(admin): CurrentAdmin,
    Path((code, id)): Path<(String, i64)>,
) -> WebResult<Response> {
    let mut conn = state.db.pool().acquire().await?;
    if !db::batches::remove_session(&mut conn, &code, id).await? {
        return Err(WebError::NotFound);
    }
    drop(conn);
    audit(
        &state,
        &admin,
        "onsite_session_removed",
        "batch",
        &code,
        serde_json::json!({ "session": id }),
    )
    .await?;
    Ok(back())
}

#[derive(Deserialize)]
struct OfficeForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
}

async fn save_office(
    State(state): State<AppState>,
    CurrentAdmin(admin): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
    Path(code): Path<String>,
    FormBody(f): FormBody<OfficeForm>,
) -> WebResult<Response> {
    let (Ok(address), Ok(phone)) = (
        crate::domain::candidate::check_text("地址", &f.address, 100),
        crate::domain::candidate::check_text("电话", &f.phone, 30),
    ) else {
        return again(&state, csrf, "地址不超过 100 字，电话不超过 30 字".into()).await;
    };
    let mut conn = state.db.pool().acquire().await?;
    if !db::reference::update_office(&mut conn, &code, &address, &phone).await? {
        return Err(WebError::NotFound);
    }
    drop(conn);
    audit(
        &state,
        &admin,
        "office_saved",
        "office",
        &code,
        serde_json::json!({ "address": address, "phone": phone }),
    )
    .await?;
    Ok(back())
}

#[derive(Deserialize)]
struct FormTypeForm {
    code: String,
    name: String,
}

async fn save_form_type(
    State(state): State<AppState>,
    CurrentAdmin(admin): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
    FormBody(f): FormBody<FormTypeForm>,
) -> WebResult<Response> {
    let code = f.code.trim();
    let valid =
        (2..=40).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    let name = crate::domain::candidate::check_text("名称", &f.name, 20).unwrap_or_default();
    if !valid || name.is_empty() {
        return again(
            &state,
            csrf,
            "登记表类型代码应为 2–40 位小写字母或下划线，名称不超过 20 字".into(),
        )
        .await;
    }
    let mut conn = state.db.pool().acquire().await?;
    db::reference::save_form_type(&mut conn, code, &name).await?;
    drop(conn);
    audit(
        &state,
        &admin,
        "form_type_saved",
        "form_type",
        code,
        serde_json::json!({ "name": name }),
    )
    .await?;
    Ok(back())
}
