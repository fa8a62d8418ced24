//! 身份证附件: when the automatic identity check fails, the candidate uploads
//! 身份证正面, 身份证反面 and 手持身份证 (JPG/PNG/JPEG by content, each under
//! 1 MB), re-encoded without EXIF before storage, and submits them with
//! 提交身份证附件 for review by the city office and then the province. The
//! page shows where the review stands; the images are served only to their
//! owner (and, later, reviewers in scope), at paths that hold no key.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::Journey;
use crate::db;
use crate::db::attachments::Kind;
use crate::db::audit::Actor;
use crate::domain::{ApplicationEvent, ApplicationState as S};
use crate::uploads::{self, UploadError, MAX_BYTES};
use crate::web::error::{render, WebError, WebResult};
use crate::web::multipart::{broken, read_capped, within, PartError};
use crate::web::session::{CsrfToken, CurrentCandidate};
use crate::web::AppState;

struct Slot {
    kind: &'static str,
    label: &'static str,
    uploaded: bool,
}

#[derive(Template)]
#[template(path = "candidate/identity.html")]
struct IdentityPage {
    csrf: String,
    state: Option<&'static str>,
    /// The upload form is open (the check failed, or a review rejected).
    open: bool,
    waiting: bool,
    slots: Vec<Slot>,
    error: Option<String>,
}

async fn build(state: &AppState, j: &Journey, csrf: String) -> WebResult<IdentityPage> {
    let current = j.application.as_ref().map(|a| a.state);
    let mut slots = Vec::new();
    for kind in Kind::ALL {
        let uploaded = match &j.application {
            Some(a) => db::attachments::latest(state.db.pool(), a.id, kind)
                .await?
                .is_some(),
            None => false,
        };
        slots.push(Slot {
            kind: kind.as_str(),
            label: kind.label(),
            uploaded,
        });
    }
    Ok(IdentityPage {
        csrf,
        state: current.map(S::label),
        open: matches!(
            current,
            Some(S::IdentityAttachmentsNeeded | S::IdentityRejected)
        ),
        waiting: matches!(
            current,
            Some(S::IdentityCityReview | S::IdentityProvincialReview)
        ),
        slots,
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

/// Reads one file field under the notice's limit ("小于1M").
async fn read_field(field: &mut axum::extract::multipart::Field<'_>) -> Result<Bytes, UploadError> {
    match read_capped(field, MAX_BYTES - 1).await {
        Ok(b) => Ok(b.into()),
        Err(PartError::Incomplete) => Err(UploadError::Broken),
        Err(PartError::TooLarge(n)) => Err(UploadError::TooLarge(n.div_ceil(1024))),
    }
}

/// Collects the three files; the first problem is named with its photo.
async fn collect(multipart: &mut Multipart) -> Result<Vec<(Kind, Bytes)>, String> {
    let mut files: Vec<(Kind, Bytes)> = Vec::new();
    let mut parts = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| broken(&e))? {
        parts += 1;
        if parts > 10 {
            return Err("提交的内容有误，请刷新页面后重新上传".into());
        }
        let Some(kind) = field.name().and_then(Kind::parse) else {
            continue;
        };
        let bytes = read_field(&mut field)
            .await
            .map_err(|e| format!("{}：{e}", kind.label()))?;
        files.retain(|(k, _)| *k != kind);
        files.push((kind, bytes));
    }
    Ok(files)
}

pub(super) async fn submit(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let j = Journey::load(&state, id).await?;
    let mut page = build(&state, &j, csrf).await?;
    let Some(a) = j.application.as_ref().filter(|_| page.open) else {
        return Err(WebError::NotNow("当前不需要上传身份证附件"));
    };
    let files = match within(state.config.upload_timeout, collect(&mut multipart)).await {
        Ok(f) => f,
        Err(m) => {
            page.error = Some(m);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let mut clean = Vec::new();
    for kind in Kind::ALL {
        let Some((_, bytes)) = files.iter().find(|(k, _)| *k == kind) else {
            page.error = Some(format!("请选择{}照片", kind.label()));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        };
        let bytes = bytes.clone();
        let result = tokio::task::spawn_blocking(move || uploads::attachment(&bytes)).await?;
        match result {
            Ok(c) => clean.push((kind, c)),
            Err(e) => {
                page.error = Some(format!("{}：{e}", kind.label()));
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
            }
        }
    }
    // Objects first, then the rows that name them, with the state change.
    let mut keys = Vec::new();
    for (kind, c) in &clean {
        let len = c.jpeg.len();
        keys.push((*kind, state.storage.put(c.jpeg.clone().into()).await?, len));
    }
    let now = state.clock.now();
    let mut tx = state.db.pool().begin().await?;
    for (kind, key, len) in &keys {
        db::attachments::add(&mut tx, a.id, *kind, key, *len, now).await?;
    }
    db::applications::transition(
        &mut tx,
        a.id,
        a.state,
        ApplicationEvent::AttachmentsSubmitted,
        Actor::Candidate(id.0),
        "",
        now,
    )
    .await
    .map_err(|e| WebError::BadRequest(e.to_string()))?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me/identity")]).into_response())
}

/// One of the candidate's own attachments, as stored (re-encoded JPEG).
pub(super) async fn image(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    Path(kind): Path<String>,
) -> WebResult<Response> {
    let kind = Kind::parse(kind.trim_end_matches(".jpg")).ok_or(WebError::NotFound)?;
    let j = Journey::load(&state, id).await?;
    let a = j.application.as_ref().ok_or(WebError::NotFound)?;
    let key = db::attachments::latest(state.db.pool(), a.id, kind)
        .await?
        .ok_or(WebError::NotFound)?;
    let bytes = state.storage.get(&key).await?;
    Ok((
        [
            (CONTENT_TYPE, "image/jpeg"),
            (CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}
