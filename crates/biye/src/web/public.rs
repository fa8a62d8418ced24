//! Pages anyone may see: the home page with the current batch, health, assets.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::error::{render, WebResult};
use super::routes::Area;
use super::session::MaybePrincipal;
use super::AppState;
use crate::db;
use crate::domain::batch::Phase;
use crate::domain::Principal;

pub fn area() -> Area {
    Area::new()
        .get("/", home)
        .get("/healthz", health)
        .get("/static/app.css", css)
        .get("/static/capture.js", capture_js)
        .get("/static/photo.js", photo_js)
        .get("/static/review.js", review_js)
}

pub struct BatchView {
    pub name: String,
    pub window: String,
    pub phase: &'static str,
    pub materials_due: String,
    pub certificate_note: String,
}

impl BatchView {
    pub fn new(b: &crate::domain::Batch, now: jiff::civil::DateTime) -> Self {
        let fmt = |d: jiff::civil::DateTime| d.strftime("%Y 年 %-m 月 %-d 日 %H:%M").to_string();
        // Windows are half-open; people read "until 20 June 23:59", not "until 21 June 00:00".
        let last_minute = |t: jiff::civil::DateTime| {
            t.checked_sub(jiff::SignedDuration::from_mins(1))
                .unwrap_or(t)
        };
        Self {
            name: b.name.clone(),
            window: format!(
                "{} 至 {}",
                fmt(b.application.opens),
                fmt(last_minute(b.application.closes))
            ),
            phase: match b.phase(now) {
                Phase::BeforeApplication => "尚未开始",
                Phase::ApplicationOpen => "正在办理",
                Phase::AfterApplication => "已结束",
            },
            materials_due: fmt(last_minute(b.materials_due)),
            certificate_note: b.certificate_note.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    signed_in: Option<&'static str>,
    batches: Vec<BatchView>,
    now: String,
    simulated: bool,
}

async fn home(
    State(state): State<AppState>,
    MaybePrincipal(p): MaybePrincipal,
) -> WebResult<impl IntoResponse> {
    let now = state.clock.civil_now();
    let batches = db::batches::all(state.db.pool())
        .await?
        .iter()
        .map(|b| BatchView::new(b, now))
        .collect();
    let signed_in = p.map(|p| match p {
        Principal::Candidate { .. } => "/me",
        Principal::Staff { .. } => "/staff",
    });
    render(&Home {
        signed_in,
        batches,
        now: now.strftime("%Y-%m-%d %H:%M").to_string(),
        simulated: state.clock.is_simulated(),
    })
}

async fn health(State(state): State<AppState>) -> WebResult<&'static str> {
    state.db.ping().await?;
    Ok("ok")
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

fn script(body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

async fn capture_js() -> impl IntoResponse {
    script(include_str!("../../static/capture.js"))
}

async fn photo_js() -> impl IntoResponse {
    script(include_str!("../../static/photo.js"))
}

async fn review_js() -> impl IntoResponse {
    script(include_str!("../../static/review.js"))
}
