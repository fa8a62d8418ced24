//! On-site review (现场审核) at the city office: the lookup a
//! reviewer opens by scanning the QR code on a printed registration form, or by
//! typing its admission number and 校验码, to see whose form it is, whether it
//! is genuine, and where the application stands — and, for the city office
//! of a submitted application, the way to its on-site review
//! (`onsite_review.rs`).
//!
//! A lookup that does not verify counts against the reviewer like a wrong
//! password (a 校验码 has 50 bits, but guesses are still limited), and every
//! successful one is written to the access log.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;

use super::error::{render, WebError, WebResult};
use super::routes::Area;
use super::session::{self, CsrfToken, CurrentStaff};
use super::throttle::{self, ClientAddr, Keys};
use super::AppState;
use crate::db;
use crate::db::access::Access;
use crate::domain::{AdmissionNo, ApplicationState, BatchCode, StaffRole};

pub fn area(state: &AppState) -> Area {
    Area::new()
        .get("/onsite/lookup", lookup)
        .limited(state.limits.lookup.clone())
}

/// The form being looked up, once its reference checked out.
struct Found {
    admission_no: String,
    name: String,
    gender: &'static str,
    id_no: String,
    batch: String,
    office: String,
    state: String,
    /// The application is in a state whose form the office may accept.
    acceptable: bool,
    /// The application to review on site, for its city's reviewer.
    onsite: Option<i64>,
}

#[derive(Template)]
#[template(path = "onsite/lookup.html")]
struct LookupPage {
    csrf: String,
    admission_no: String,
    code: String,
    error: Option<String>,
    found: Option<Found>,
}

const FORGED: &str = "登记表校验失败：二维码或校验码与准考证号不符，该表可能不是本系统打印的或已被改动。请核对原件。";

async fn lookup(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    addr: axum::Extension<ClientAddr>,
    RawQuery(query): RawQuery,
) -> WebResult<impl IntoResponse> {
    if staff.role == StaffRole::Admin {
        return Err(WebError::Forbidden(
            "登记表查验仅供市考办、省考办审核人员使用",
        ));
    }
    let param = |name: &str| {
        session::query_field(query.as_deref().unwrap_or_default().as_bytes(), name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (reference, admission_no, code) = (param("ref"), param("admission_no"), param("code"));
    let mut page = LookupPage {
        csrf,
        admission_no: admission_no.clone(),
        code: code.clone(),
        error: None,
        found: None,
    };
    if reference.is_empty() && admission_no.is_empty() && code.is_empty() {
        return render(&page);
    }
    let keys = Keys::new(addr.0).and(format!("lookup:{}", staff.id), throttle::LOOKUP);
    if let Err(e) = throttle::ensure_open(&state, &keys).await {
        page.error = Some(e.to_string());
        return render(&page);
    }
    let genuine = if !reference.is_empty() {
        state.keys.verify(&reference).ok_or(FORGED)
    } else {
        typed(&state, &admission_no, &code).await?
    };
    if genuine.is_err() {
        if let Err(e) = throttle::failed(&state, &keys).await {
            page.error = Some(e.to_string());
            return render(&page);
        }
    }
    match genuine {
        Ok((admission_no, batch)) => match found(&state, &staff, &admission_no, &batch).await? {
            Ok(f) => page.found = Some(f),
            Err(message) => page.error = Some(message.to_owned()),
        },
        Err(message) => page.error = Some(message.to_owned()),
    }
    render(&page)
}

/// The batch whose form carries this short code for this candidate.
async fn typed(
    state: &AppState,
    admission_no: &str,
    code: &str,
) -> WebResult<Result<(String, String), &'static str>> {
    let Ok(no) = AdmissionNo::parse(admission_no) else {
        return Ok(Err("准考证号应为 12 位数字，请核对登记表上的准考证号"));
    };
    if code.is_empty() {
        return Ok(Err("请填写登记表右下角的校验码"));
    }
    let batches = db::batches::all(state.db.pool()).await?;
    Ok(batches
        .iter()
        .map(|b| b.code.to_string())
        .find(|b| state.keys.short_code_matches(no.as_str(), b, code))
        .map(|b| (no.to_string(), b))
        .ok_or(FORGED))
}

/// What the reviewer sees of a genuine form, if it is theirs to see.
async fn found(
    state: &AppState,
    staff: &CurrentStaff,
    admission_no: &str,
    batch: &str,
) -> WebResult<Result<Found, &'static str>> {
    let pool = state.db.pool();
    let gone = "登记表校验通过，但系统中已找不到该考生或批次，请联系省考办";
    let (Ok(no), Ok(code)) = (AdmissionNo::parse(admission_no), BatchCode::parse(batch)) else {
        return Ok(Err(gone));
    };
    let (Some((id, c)), Some(batch)) = (
        db::candidates::get_by_admission_no(pool, &no).await?,
        db::batches::get(pool, code).await?,
    ) else {
        return Ok(Err(gone));
    };
    let application = db::applications::find(pool, id, &batch.code.to_string()).await?;
    let office_code =
        db::applications::handling_office(application.as_ref(), c.office_code.as_ref());
    if !staff.scope.covers(&office_code) {
        return Err(WebError::Forbidden(
            "该考生的办理地点不是您所在的考办，请让考生到所选办理地点提交材料",
        ));
    }
    db::access::record(pool, state.clock.now(), staff.id, id, Access::OnsiteLookup).await?;
    Ok(Ok(Found {
        admission_no: no.to_string(),
        name: c.name,
        gender: c.gender.label(),
        id_no: c.id_no,
        batch: batch.name,
        office: db::reference::office_label(pool, &office_code).await?,
        acceptable: application
            .as_ref()
            .is_some_and(|a| a.state.form_printable()),
        onsite: application
            .as_ref()
            .filter(|a| {
                staff.role == StaffRole::CityReviewer
                    && matches!(
                        a.state,
                        ApplicationState::Submitted | ApplicationState::OnsiteRejected
                    )
            })
            .map(|a| a.id),
        state: application.map_or_else(
            || "未提交毕业申请".to_owned(),
            |a| a.state.label().to_owned(),
        ),
    }))
}
