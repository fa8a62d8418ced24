//! Administration pages. For now: the access log (who read which candidate's
//! personal data, when and why), searchable by the administrator. Batches,
//! offices and staff accounts come with the office journeys.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;

use super::error::{render, WebResult};
use super::routes::Area;
use super::session::{CsrfToken, CurrentAdmin};
use super::AppState;
use crate::db::access::{self, Entry, Filter};

pub fn area() -> Area {
    Area::new().get("/admin/access-log", access_log)
}

/// Entries shown at most; narrow the search for older ones.
const LIMIT: i64 = 500;

#[derive(Template)]
#[template(path = "admin/access_log.html")]
struct AccessLogPage {
    csrf: String,
    f: Filter,
    entries: Vec<Entry>,
    limit: i64,
}

async fn access_log(
    State(state): State<AppState>,
    CurrentAdmin(_): CurrentAdmin,
    CsrfToken(csrf): CsrfToken,
    Query(f): Query<Filter>,
) -> WebResult<impl IntoResponse> {
    let entries = access::search(state.db.pool(), &f, LIMIT).await?;
    render(&AccessLogPage {
        csrf,
        f,
        entries,
        limit: LIMIT,
    })
}
