//! 办理状态: every step of the application with its date and any reviewer's
//! reason, in one place — the notice sends no other notification.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use super::{civil, Journey};
use crate::db;
use crate::domain::journey::next_step;
use crate::domain::{ApplicationEvent, ApplicationState};
use crate::web::error::{render, WebResult};
use crate::web::session::{CsrfToken, CurrentCandidate};
use crate::web::AppState;

struct Step {
    at: String,
    what: String,
    state: &'static str,
    by: &'static str,
    reason: String,
}

#[derive(Template)]
#[template(path = "candidate/status.html")]
struct StatusPage {
    csrf: String,
    batch: String,
    state: Option<&'static str>,
    office: String,
    next_text: &'static str,
    next_link: &'static str,
    steps: Vec<Step>,
}

pub(super) async fn page(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let j = Journey::load(&state, id).await?;
    let current = j.application.as_ref().map(|a| a.state);
    let (next_text, next_link) = next_step(current);
    let mut steps = Vec::new();
    let mut office = String::new();
    if let Some(a) = &j.application {
        office = db::reference::office_label(state.db.pool(), &a.office_code).await?;
        for e in db::applications::events(state.db.pool(), a.id).await? {
            steps.push(Step {
                at: civil(state.clock.civil(e.at)),
                what: ApplicationEvent::label_of(&e.event),
                state: e.to_state.label(),
                by: if e.by_staff { "考办" } else { "" },
                reason: e.reason,
            });
        }
    }
    render(&StatusPage {
        csrf,
        batch: j.batch.name.clone(),
        state: current.map(ApplicationState::label),
        office,
        next_text,
        next_link,
        steps,
    })
}
