//! 办理状态: every step of the application with its date and any reviewer's
//! reason, in one place — the notice sends no other notification.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use super::{civil, current_batch};
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
    // Three queries in all (session, batches, this one): the page every
    // candidate reloads on the last day of the window.
    let batch = current_batch(&state).await?;
    let history = db::applications::history(state.db.pool(), id, &batch.code.to_string()).await?;
    let current = history.as_ref().map(|h| h.application.state);
    let (next_text, next_link) = next_step(current);
    let mut steps = Vec::new();
    let mut office = String::new();
    if let Some(h) = history {
        office = h.office;
        for e in h.events {
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
        batch: batch.name,
        state: current.map(ApplicationState::label),
        office,
        next_text,
        next_link,
        steps,
    })
}
