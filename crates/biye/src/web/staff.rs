//! Office staff pages. For now: who is signed in and in which scope. The review
//! queues of the city and provincial offices build here.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;

use super::error::{render, WebError, WebResult};
use super::routes::Area;
use super::session::{CsrfToken, CurrentStaff};
use super::AppState;
use crate::db;
use crate::domain::StaffRole;

pub fn area() -> Area {
    Area::new().get("/staff", dashboard)
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct Dashboard {
    csrf: String,
    display_name: String,
    role: &'static str,
    scope: String,
    candidates: i64,
    /// City and provincial reviewers check printed forms; administrators do not.
    reviewer: bool,
    admin: bool,
    city: bool,
}

async fn dashboard(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let me = db::staff::get(state.db.pool(), staff.id)
        .await?
        .ok_or(WebError::NotFound)?;
    let scope = match staff.scope.office() {
        Some(code) => db::reference::office_label(state.db.pool(), code.as_str()).await?,
        None => "全省".to_owned(),
    };
    render(&Dashboard {
        csrf,
        display_name: me.display_name,
        role: me.role.label(),
        scope,
        candidates: db::candidates::count(state.db.pool()).await?,
        reviewer: staff.role != StaffRole::Admin,
        admin: staff.role == StaffRole::Admin,
        city: staff.role == StaffRole::CityReviewer,
    })
}
