//! The provincial office's exports: a batch's graduates for 学历证书电子注册
//! (CSV, xlsx, the photo ZIP; written by `crate::exports` into a temporary
//! directory and streamed from disk, so memory stays bounded), and marking
//! the exported graduates as reported (报送), which moves each application
//! to `Registered` with its event. Every export writes the access log, one
//! entry per candidate.

use askama::Template;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::{render, WebError, WebResult};
use super::review;
use super::routes::Area;
use super::session::{CsrfToken, CurrentStaff, FormBody};
use super::AppState;
use crate::db;
use crate::db::audit::Actor;
use crate::domain::{ApplicationEvent, ApplicationState as S, BatchCode};
use crate::exports::{Wanted, STATES};

pub fn area() -> Area {
    Area::new()
        .get("/staff/exports", page)
        .get("/staff/exports/graduates", download)
        .post("/staff/exports/graduates/registered", mark_registered)
}

struct BatchRow {
    code: String,
    name: String,
    approved: i64,
    registered: i64,
}

#[derive(Template)]
#[template(path = "staff/exports.html")]
struct Page {
    csrf: String,
    batches: Vec<BatchRow>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
struct Params {
    #[serde(default)]
    batch: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    marked: Option<u64>,
}

async fn count(state: &AppState, batch: &str, s: S) -> WebResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM graduation_applications WHERE batch_code = $1 AND state = $2",
    )
    .bind(batch)
    .bind(s.as_str())
    .fetch_one(state.db.pool())
    .await?)
}

async fn page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Query(p): Query<Params>,
) -> WebResult<impl IntoResponse> {
    review::provincial(&staff)?;
    let mut batches = Vec::new();
    for b in db::batches::all(state.db.pool()).await? {
        let code = b.code.to_string();
        batches.push(BatchRow {
            approved: count(&state, &code, S::FinalApproved).await?,
            registered: count(&state, &code, S::Registered).await?,
            code,
            name: b.name,
        });
    }
    render(&Page {
        csrf,
        batches,
        message: p
            .marked
            .map(|n| format!("已将 {n} 名毕业生标记为已报送电子注册。")),
    })
}

async fn batch_code(state: &AppState, code: &str) -> WebResult<String> {
    let c = BatchCode::parse(code).map_err(|e| WebError::BadRequest(e.to_string()))?;
    db::batches::get(state.db.pool(), c)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(c.to_string())
}

async fn download(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Query(p): Query<Params>,
) -> WebResult<Response> {
    review::provincial(&staff)?;
    let batch = batch_code(&state, &p.batch).await?;
    let (wanted, kind) = match p.format.as_str() {
        "csv" => (
            Wanted {
                csv: true,
                ..Wanted::default()
            },
            "text/csv; charset=utf-8",
        ),
        "xlsx" => (
            Wanted {
                xlsx: true,
                ..Wanted::default()
            },
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "zip" => (
            Wanted {
                zip: true,
                ..Wanted::default()
            },
            "application/zip",
        ),
        _ => return Err(WebError::BadRequest("下载格式应为 csv、xlsx 或 zip".into())),
    };
    db::access::record_export(
        state.db.pool(),
        state.clock.now(),
        staff.id,
        &batch,
        &STATES,
        "",
    )
    .await?;
    let dir = tempfile::tempdir().map_err(WebError::internal)?;
    let summary = crate::exports::graduates(
        &state.db,
        &state.storage,
        &batch,
        dir.path(),
        wanted,
        |_| {},
    )
    .await
    .map_err(WebError::internal)?;
    let path = summary
        .files
        .first()
        .ok_or_else(|| WebError::internal("the export wrote no file"))?;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(WebError::internal)?;
    // Open, the file outlives its directory: the directory goes now, the
    // bytes when the response is done.
    drop(dir);
    let name = format!("graduates-{batch}.{}", p.format);
    Ok((
        [
            (CONTENT_TYPE, kind.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        Body::from_stream(tokio_util::io::ReaderStream::new(file)),
    )
        .into_response())
}

#[derive(Deserialize)]
struct Mark {
    batch: String,
    count: i64,
}

/// Marks every final-approved graduate of the batch as reported, after a
/// confirmation showing how many (a stale count does nothing).
async fn mark_registered(
    State(state): State<AppState>,
    staff: CurrentStaff,
    FormBody(m): FormBody<Mark>,
) -> WebResult<Response> {
    review::provincial(&staff)?;
    let batch = batch_code(&state, &m.batch).await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM graduation_applications WHERE batch_code = $1 AND state = $2 ORDER BY id",
    )
    .bind(&batch)
    .bind(S::FinalApproved.as_str())
    .fetch_all(state.db.pool())
    .await?;
    if ids.len() as i64 != m.count {
        return Err(WebError::BadRequest(format!(
            "待报送人数已变化（现为 {} 名），请返回刷新后重新确认",
            ids.len()
        )));
    }
    let now = state.clock.now();
    let mut tx = state.db.pool().begin().await?;
    let mut moved = 0u64;
    for id in ids {
        let r = db::applications::transition(
            &mut tx,
            id,
            S::FinalApproved,
            ApplicationEvent::Exported,
            Actor::Staff(staff.id.0),
            "",
            now,
        )
        .await;
        match r {
            Ok(_) => moved += 1,
            Err(db::applications::TransitionFailure::Db(e)) => return Err(e.into()),
            // Decided otherwise meanwhile: left as it is.
            Err(_) => {}
        }
    }
    tx.commit().await?;
    Ok((
        StatusCode::SEE_OTHER,
        [(LOCATION, format!("/staff/exports?marked={moved}"))],
    )
        .into_response())
}
