//! 毕业申请: the form (办理地点 and 联系电话, button 申请), the server-side
//! rules of the notice (window, confirmed record, passing prediction, one
//! application per batch), the identity check that runs at once on applying,
//! and — once the city approved the photo — the second confirmation
//! (确认提交) that submits the application and unlocks the form.

use askama::Template;
use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{prediction, Journey};
use crate::db;
use crate::db::applications::{NewApplication, TransitionFailure};
use crate::db::audit::Actor;
use crate::domain::journey::{may_apply, next_step, ApplyFacts};
use crate::domain::{ApplicationEvent, ApplicationState, OfficeCode, PhoneNumber};
use crate::prediction::Prediction;
use crate::web::error::{render, WebError, WebResult};
use crate::web::session::{CsrfToken, CurrentCandidate, FormBody};
use crate::web::AppState;

struct OfficeOption {
    code: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "candidate/application.html")]
struct ApplicationPage {
    csrf: String,
    /// Why applying is not possible now (the form is not shown).
    refusal: Option<String>,
    /// A mistake in what was submitted (the form is shown again).
    error: Option<String>,
    offices: Vec<OfficeOption>,
    phone: String,
    state: Option<String>,
    confirmable: bool,
    next_text: &'static str,
    next_link: &'static str,
}

/// The page, and the prediction it rested on when the candidate may still
/// apply (so that applying does not predict a second time).
async fn build(
    state: &AppState,
    j: &Journey,
    csrf: String,
) -> WebResult<(ApplicationPage, Option<Prediction>)> {
    let current = j.application.as_ref().map(|a| a.state);
    let (next_text, next_link) = next_step(current);
    let mut page = ApplicationPage {
        csrf,
        refusal: None,
        error: None,
        offices: Vec::new(),
        phone: j.profile.phone.clone(),
        state: current.map(|s| s.label().to_owned()),
        confirmable: current == Some(ApplicationState::PhotoApproved),
        next_text,
        next_link,
    };
    if current.is_some_and(|s| s != ApplicationState::Withdrawn) {
        return Ok((page, None));
    }
    let p = prediction::predict(state, j).await?;
    let confirmed = db::candidates::confirmed_at(state.db.pool(), j.id)
        .await?
        .is_some();
    let facts = ApplyFacts {
        batch: &j.batch,
        now: state.clock.civil_now(),
        record_confirmed: confirmed,
        verdict: p.audit.verdict,
        prediction_summary: &p.audit.summary,
        existing: current,
    };
    page.refusal = may_apply(&facts).err().map(|e| e.to_string());
    let mine = j.profile.office_code.as_ref().map(|o| o.to_string());
    page.offices = db::reference::offices(state.db.pool())
        .await?
        .into_iter()
        .map(|o| OfficeOption {
            selected: Some(&o.code) == mine.as_ref(),
            label: format!("{}（{}）", o.name, o.code),
            code: o.code,
        })
        .collect();
    Ok((page, Some(p)))
}

pub(super) async fn page(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let j = Journey::load(&state, id).await?;
    render(&build(&state, &j, csrf).await?.0)
}

#[derive(Deserialize)]
pub(super) struct ApplyForm {
    #[serde(default)]
    office: String,
    #[serde(default)]
    phone: String,
    /// `confirm`: the second 确认提交 after the photo was approved.
    #[serde(default)]
    step: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
    FormBody(f): FormBody<ApplyForm>,
) -> WebResult<Response> {
    let j = Journey::load(&state, id).await?;
    if f.step == "confirm" {
        return confirm(&state, &j).await;
    }
    let again = |mut page: ApplicationPage, status: StatusCode, message: String| {
        page.error = Some(message);
        page.phone = f.phone.clone();
        Ok::<_, WebError>((status, render(&page)?).into_response())
    };
    let (page, prediction) = build(&state, &j, csrf).await?;
    if let Some(refusal) = page.refusal.clone().or_else(|| {
        page.state
            .clone()
            .map(|s| format!("您已提交本批次的毕业申请（{s}），每批次只能申请一次"))
    }) {
        return again(page, StatusCode::CONFLICT, refusal);
    }
    let office = match OfficeCode::parse(&f.office) {
        Ok(o) if page.offices.iter().any(|x| x.code == o.as_str()) => o,
        _ => {
            return again(
                page,
                StatusCode::UNPROCESSABLE_ENTITY,
                "请选择办理地点".into(),
            )
        }
    };
    let Ok(phone) = PhoneNumber::parse(&f.phone) else {
        let m = "联系电话应为 11 位手机号码，或带区号的固定电话（如 0751-8912116）".into();
        return again(page, StatusCode::UNPROCESSABLE_ENTITY, m);
    };
    let p =
        prediction.ok_or_else(|| WebError::internal("no prediction for an open application"))?;
    apply(&state, &j, p, &office, &phone).await
}

/// Files the application with the prediction it rests on, runs the identity
/// check, and moves the state by its answer — all or nothing.
async fn apply(
    state: &AppState,
    j: &Journey,
    p: Prediction,
    office: &OfficeCode,
    phone: &PhoneNumber,
) -> WebResult<Response> {
    let plan_id = crate::db::plans::id_of(state.db.pool(), &p.plan.plan)
        .await?
        .ok_or_else(|| WebError::internal("the predicted plan has no row"))?;
    let snapshot = serde_json::to_string(&p.audit).map_err(WebError::internal)?;
    // The authority may be slow or down: nothing is filed until it answers.
    let verdict = match state.identity.verify(&j.profile).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "identity service unavailable");
            return Err(WebError::Busy);
        }
    };
    let now = state.clock.now();
    let batch = j.batch.code.to_string();
    let mut tx = state.db.pool().begin().await?;
    let new = NewApplication {
        candidate: j.id,
        batch_code: &batch,
        plan_id,
        office_code: office.as_str(),
        phone: phone.as_str(),
        audit_snapshot: &snapshot,
    };
    let Some(app) = db::applications::create(&mut tx, &new, now).await? else {
        return Err(WebError::BadRequest(
            "您已提交本批次的毕业申请，每批次只能申请一次".into(),
        ));
    };
    db::applications::record_identity_check(
        &mut tx,
        app,
        verdict.passed,
        verdict.source,
        &verdict.detail,
        now,
    )
    .await?;
    let event = if verdict.passed {
        ApplicationEvent::IdentityCheckPassed
    } else {
        ApplicationEvent::IdentityCheckFailed
    };
    db::applications::transition(
        &mut tx,
        app,
        ApplicationState::Started,
        event,
        Actor::System,
        &verdict.detail,
        now,
    )
    .await
    .map_err(transition_error)?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me/status")]).into_response())
}

/// 确认提交: the photo was approved; the application is submitted.
async fn confirm(state: &AppState, j: &Journey) -> WebResult<Response> {
    let Some(a) = &j.application else {
        return Err(WebError::BadRequest("您还没有提交毕业申请".into()));
    };
    let mut tx = state.db.pool().begin().await?;
    db::applications::transition(
        &mut tx,
        a.id,
        a.state,
        ApplicationEvent::Confirmed,
        Actor::Candidate(j.id.0),
        "",
        state.clock.now(),
    )
    .await
    .map_err(transition_error)?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me/status")]).into_response())
}

fn transition_error(e: TransitionFailure) -> WebError {
    match e {
        TransitionFailure::Db(e) => e.into(),
        other => WebError::BadRequest(other.to_string()),
    }
}
