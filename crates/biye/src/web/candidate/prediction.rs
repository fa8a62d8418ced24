//! 毕业预测: the audit's explanation as a checklist, condition by condition,
//! with the courses counted and what is still missing; the 申请毕业 button
//! only when the prediction passes and the batch's window is open.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use super::Journey;
use crate::domain::audit::{Outcome, Verdict};
use crate::domain::batch::Phase;
use crate::domain::Level;
use crate::prediction::{self, Prediction, PredictionError};
use crate::web::error::{render, WebError, WebResult};
use crate::web::session::{CsrfToken, CurrentCandidate};
use crate::web::AppState;

/// The candidate's prediction in the journey's batch, as of now.
pub(super) async fn predict(state: &AppState, j: &Journey) -> WebResult<Prediction> {
    let pool = state.db.pool();
    let plans = state.plans.get(pool).await.map_err(web_error)?;
    let ctx = prediction::context(&plans, &j.batch, state.clock.civil_now());
    prediction::predict(
        pool,
        &plans,
        &ctx,
        &j.batch,
        j.profile.admission_no.as_str(),
    )
    .await
    .map_err(web_error)
}

fn web_error(e: PredictionError) -> WebError {
    match e {
        PredictionError::NoPlan { .. } => {
            WebError::NotNow("系统中找不到您报考专业在本批次有效的考试计划，请联系办理地点考办")
        }
        other => WebError::internal(other),
    }
}

/// The level of the plan the candidate would graduate under, if there is one.
pub(super) async fn level_of(state: &AppState, j: &Journey) -> WebResult<Option<Level>> {
    match predict(state, j).await {
        Ok(p) => Ok(Some(p.plan.plan.level)),
        Err(WebError::NotNow(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

struct Line {
    title: String,
    badge: &'static str,
    class: &'static str,
    summary: String,
    details: Vec<String>,
}

struct Course {
    code: String,
    name: String,
    credits: String,
    mark: String,
    how: String,
}

#[derive(Template)]
#[template(path = "candidate/prediction.html")]
struct PredictionPage {
    csrf: String,
    major: String,
    school: String,
    passes: bool,
    summary: String,
    lines: Vec<Line>,
    courses: Vec<Course>,
    total_credits: u32,
    can_apply: bool,
    applied: bool,
    window_open: bool,
}

pub(super) async fn page(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let j = Journey::load(&state, id).await?;
    let p = predict(&state, &j).await?;
    let a = &p.audit;
    let lines = a
        .conditions
        .iter()
        .map(|c| {
            let (badge, class) = match c.outcome {
                Outcome::Pass => ("符合", "pass"),
                Outcome::Fail => ("不符合", "fail"),
                Outcome::Pending => ("待审核", "pending"),
                Outcome::NotApplicable => ("不适用", "na"),
            };
            Line {
                title: c.title.clone(),
                badge,
                class,
                summary: c.summary.clone(),
                details: c.details.clone(),
            }
        })
        .collect();
    let courses = a
        .counted
        .iter()
        .map(|c| Course {
            code: c.code.clone(),
            name: c.name.clone(),
            credits: c.credits.map(|x| x.to_string()).unwrap_or_default(),
            mark: c.mark.clone(),
            how: c.obtained_by.clone(),
        })
        .collect();
    let passes = a.verdict == Verdict::Graduates;
    let window_open = j.batch.phase(state.clock.civil_now()) == Phase::ApplicationOpen;
    let applied = j
        .application
        .as_ref()
        .is_some_and(|x| x.state != crate::domain::ApplicationState::Withdrawn);
    render(&PredictionPage {
        csrf,
        major: a.major.clone(),
        school: a.examining_school.clone(),
        passes,
        summary: a.summary.clone(),
        lines,
        courses,
        total_credits: a.total_credits,
        can_apply: passes && window_open && !applied,
        applied,
        window_open,
    })
}
