//! The candidate's own pages. For now: the record as the exam system holds it.
//! The graduation journey (prediction, application, photo, form) builds here.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use super::error::{render, WebError, WebResult};
use super::routes::Area;
use super::session::{CsrfToken, CurrentCandidate};
use super::AppState;
use crate::db;
use crate::domain::candidate::CandidateProfile;
use crate::domain::level::{ethnicity_label, label_of, EDUCATION_LEVEL, POLITICAL_STATUS};

pub fn area() -> Area {
    Area::new().get("/me", dashboard)
}

#[derive(Template)]
#[template(path = "candidate/dashboard.html")]
struct Dashboard {
    csrf: String,
    c: CandidateProfile,
    id_type: &'static str,
    gender: &'static str,
    ethnicity: &'static str,
    political_status: &'static str,
    education_level: &'static str,
}

async fn dashboard(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let c = db::candidates::get(state.db.pool(), id)
        .await?
        .ok_or(WebError::NotFound)?;
    render(&Dashboard {
        csrf,
        id_type: c.id_type.label(),
        gender: c.gender.label(),
        ethnicity: ethnicity_label(&c.ethnicity).unwrap_or(""),
        political_status: label_of(POLITICAL_STATUS, &c.political_status).unwrap_or(""),
        education_level: label_of(EDUCATION_LEVEL, &c.education_level).unwrap_or(""),
        c,
    })
}
