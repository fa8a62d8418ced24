//! 登记前置学历 (本科 only): one of the notice's five ways, before the batch's
//! registration deadline (6 月 1 日); fresh graduates fill in the diploma
//! number and its verification before the fill-in deadline (7 月 3 日), after
//! which a job withdraws the application. The page shows the province's check.

use askama::Template;
use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{civil, last_minute, prediction, Journey};
use crate::db;
use crate::domain::prior::{self, PriorForm, PriorKind};
use crate::domain::Level;
use crate::web::error::{render, WebError, WebResult};
use crate::web::session::{CsrfToken, CurrentCandidate, FormBody};
use crate::web::AppState;

struct KindOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "candidate/prior.html")]
struct PriorPage {
    csrf: String,
    status: Option<&'static str>,
    note: String,
    form: PriorForm,
    kinds: Vec<KindOption>,
    /// Registration (or the fresh graduate's fill-in) is open.
    open: bool,
    fill_in: bool,
    due: String,
    fill_in_due: String,
    error: Option<String>,
}

fn status_label(s: &str) -> &'static str {
    match s {
        "verified" => "省考办查验通过",
        "rejected" => "省考办查验不通过",
        _ => "已登记，待省考办查验",
    }
}

async fn build(state: &AppState, j: &Journey, csrf: String) -> WebResult<PriorPage> {
    if prediction::level_of(state, j).await? != Some(Level::Bachelor) {
        return Err(WebError::NotNow("只有申请本科毕业的考生需要登记前置学历"));
    }
    let now = state.clock.civil_now();
    let current = db::prior::get(state.db.pool(), j.id).await?;
    let verified = current.as_ref().is_some_and(|p| p.status == "verified");
    let pending = current
        .as_ref()
        .is_some_and(|p| p.kind == Some(PriorKind::PendingFreshGraduate));
    let fill_in = pending && !verified && prior::fill_in_open(&j.batch, now);
    let open = !verified && (prior::registration_open(&j.batch, now) || fill_in);
    let form = current
        .as_ref()
        .map_or_else(PriorForm::default, |p| PriorForm {
            kind: p.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            school: p.school.clone(),
            major: p.major.clone(),
            graduated_on: p.graduated_on.clone().unwrap_or_default(),
            diploma_no: p.diploma_no.clone(),
            code: p.code.clone(),
            associate_admission_no: p.associate_admission_no.clone().unwrap_or_default(),
            related: if p.category == "related" {
                "yes".into()
            } else {
                "no".into()
            },
        });
    let kinds = PriorKind::ALL
        .into_iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label: k.label(),
            selected: form.kind == k.as_str(),
        })
        .collect();
    Ok(PriorPage {
        csrf,
        status: current.as_ref().map(|p| status_label(&p.status)),
        note: current.map(|p| p.note).unwrap_or_default(),
        form,
        kinds,
        open,
        fill_in,
        due: civil(last_minute(j.batch.prior_education_due)),
        fill_in_due: civil(last_minute(j.batch.prior_education_supplement_due)),
        error: None,
    })
}

pub(super) async fn page(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let j = Journey::load(&state, id).await?;
    render(&build(&state, &j, csrf).await?)
}

pub(super) async fn save(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
    FormBody(f): FormBody<PriorForm>,
) -> WebResult<Response> {
    let j = Journey::load(&state, id).await?;
    let mut page = build(&state, &j, csrf).await?;
    let now = state.clock.civil_now();
    let again = |mut page: PriorPage, status: StatusCode, m: String, f: PriorForm| {
        page.error = Some(m);
        page.form = f;
        Ok::<_, WebError>((status, render(&page)?).into_response())
    };
    if !page.open {
        let m = format!(
            "前置学历登记已截止（{} 前）或已查验通过，不能再修改",
            page.due
        );
        return again(page, StatusCode::CONFLICT, m, f);
    }
    let reg = match prior::parse(&f) {
        Ok(r) => r,
        Err(m) => return again(page, StatusCode::UNPROCESSABLE_ENTITY, m, f),
    };
    // After 6 月 1 日 only the fresh graduate's fill-in remains: a diploma
    // number and its verification, not a change of kind.
    let fill_in_only = page.fill_in && !prior::registration_open(&j.batch, now);
    if fill_in_only && (reg.kind == PriorKind::PendingFreshGraduate || reg.diploma_no.is_empty()) {
        let m = "请补填前置学历毕业证号，并选择学历认证方式（备案表、认证报告或认证书）".to_owned();
        return again(page, StatusCode::UNPROCESSABLE_ENTITY, m, f);
    }
    let at = db::timestamp(state.clock.now());
    let mut tx = state.db.pool().begin().await?;
    if !db::prior::register(&mut tx, id, &reg, &at).await? {
        page.error = Some("前置学历已查验通过，不能再修改".into());
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    db::audit::append(
        &mut tx,
        state.clock.now(),
        db::audit::Actor::Candidate(id.0),
        "prior_education_registered",
        "candidate",
        &id.to_string(),
        serde_json::json!({ "kind": reg.kind.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me/prior-education")]).into_response())
}
