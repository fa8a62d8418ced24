//! 毕业证照采集 on the desktop: confirm name and masked ID number
//! ("我已阅读并同意…"), read the guide, then scan the QR code with the phone
//! (or use the same link on this computer). The page follows the phone: a
//! small script polls `/me/photo/latest.json` and shows the capture, its
//! report and the fixed version the moment they exist.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use serde::Deserialize;

use super::Journey;
use crate::db;
use crate::domain::candidate::mask_id_no;
use crate::domain::ApplicationState as S;
use crate::web::capture::{hash, TOKEN_MINUTES};
use crate::web::error::{render, WebError, WebResult};
use crate::web::session::{self, CsrfToken, CurrentCandidate, FormBody};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "candidate/photo.html")]
struct PhotoPage {
    csrf: String,
    name: String,
    id_no: String,
    state: Option<&'static str>,
    /// Identity still under review: no photo yet.
    waiting_identity: bool,
    /// A photo may be taken now.
    open: bool,
    /// The QR code and link, once the candidate confirmed.
    link: Option<String>,
    qr: Option<String>,
    minutes: i64,
    latest: Option<i64>,
    latest_ok: bool,
    error: Option<String>,
}

async fn build(state: &AppState, j: &Journey, csrf: String) -> WebResult<PhotoPage> {
    let current = j.application.as_ref().map(|a| a.state);
    let latest = match &j.application {
        Some(a) => db::photos::latest(state.db.pool(), a.id).await?,
        None => None,
    };
    Ok(PhotoPage {
        csrf,
        name: j.profile.name.clone(),
        id_no: mask_id_no(&j.profile.id_no),
        state: current.map(S::label),
        waiting_identity: matches!(
            current,
            Some(
                S::Started
                    | S::IdentityAttachmentsNeeded
                    | S::IdentityCityReview
                    | S::IdentityProvincialReview
                    | S::IdentityRejected
            )
        ),
        open: matches!(current, Some(S::PhotoNeeded | S::PhotoRejected)),
        link: None,
        qr: None,
        minutes: TOKEN_MINUTES,
        latest_ok: latest.as_ref().is_some_and(|p| p.compliant),
        latest: latest.map(|p| p.id),
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

#[derive(Deserialize)]
pub(super) struct Agree {
    #[serde(default)]
    agree: String,
}

/// 确认无误: a fresh capture link for this application, shown as a QR code.
pub(super) async fn start(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
    FormBody(f): FormBody<Agree>,
) -> WebResult<Response> {
    let j = Journey::load(&state, id).await?;
    let mut page = build(&state, &j, csrf).await?;
    let Some(a) = j.application.as_ref().filter(|_| page.open) else {
        return Err(WebError::NotNow("当前不需要采集毕业证照"));
    };
    if f.agree != "on" {
        page.error = Some("请先阅读并勾选“我已阅读并同意本次《考试采集相关条例》”".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let token = session::random_token();
    let now = state.clock.now();
    let expires = now
        .checked_add(jiff::SignedDuration::from_mins(TOKEN_MINUTES))
        .unwrap_or(now);
    let mut conn = state.db.pool().acquire().await?;
    db::photos::create_token(&mut conn, &hash(&token), a.id, now, expires).await?;
    let link = state
        .config
        .public_url()
        .join(&format!("capture/{token}"))
        .map_err(WebError::internal)?
        .to_string();
    let svg = forms::qr_svg(&link).map_err(WebError::internal)?;
    page.qr = Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ));
    page.link = Some(format!("/capture/{token}"));
    Ok(render(&page)?.into_response())
}

/// What the desktop page polls: the newest capture and the state.
pub(super) async fn latest(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
) -> WebResult<Json<serde_json::Value>> {
    let j = Journey::load(&state, id).await?;
    let Some(a) = &j.application else {
        return Ok(Json(serde_json::json!({ "photo_id": null, "state": null })));
    };
    let p = db::photos::latest(state.db.pool(), a.id).await?;
    let outcome: Option<crate::capture::Outcome> = p
        .as_ref()
        .and_then(|p| serde_json::from_str(&p.report).ok());
    let findings: Vec<_> = outcome
        .as_ref()
        .map(|o| {
            o.shown()
                .into_iter()
                .map(|f| serde_json::json!({ "rule": f.rule, "measured": f.measured, "advice": f.advice, "outcome": f.outcome }))
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(serde_json::json!({
        "photo_id": p.as_ref().map(|p| p.id),
        "acceptable": p.as_ref().map(|p| p.compliant),
        "has_fixed": p.as_ref().map(|p| p.fixed_key.is_some()),
        "findings": findings,
        "state": a.state.label(),
    })))
}

/// One of the candidate's own captures.
pub(super) async fn image(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    Path((photo, which)): Path<(i64, String)>,
) -> WebResult<Response> {
    let j = Journey::load(&state, id).await?;
    let a = j.application.as_ref().ok_or(WebError::NotFound)?;
    crate::web::capture::photo_bytes(&state, a.id, photo, &which).await
}
