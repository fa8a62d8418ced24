//! The access log (who read which candidate's personal data, when and why),
//! searchable by the administrator.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;

use crate::db::access::{self, Entry, Filter};
use crate::web::error::{render, WebResult};
use crate::web::routes::Area;
use crate::web::session::{CsrfToken, CurrentAdmin};
use crate::web::AppState;

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
