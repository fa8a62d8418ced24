//! 毕业证照审核 by the city office: the queue of its applications whose photo
//! awaits review, one item at a time — the fixed photo large with the
//! automatic report drawn over it (head-top line, eye line, face-width bar and
//! the standard's bands), every finding, the capture and earlier attempts —
//! approve, or reject with a standard reason whose code is the photo engine's
//! finding code. Keyboard: J/K next/previous, A approve, R then a digit for a
//! reason (`static/review.js`); the next item is prefetched. Items whose
//! automatic report found nothing can be approved in bulk after a
//! confirmation showing how many.
//!
//! Every decision is a conditional transition (of two reviewers exactly one
//! wins; the other is told who decided) with a `photo_reviews` row; every
//! item opened is written to the access log.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;

use super::error::{render, WebError, WebResult};
use super::review::{self, Verdict};
use super::routes::Area;
use super::session::{CsrfToken, CurrentStaff, FormBody};
use super::AppState;
use crate::capture::Outcome;
use crate::db;
use crate::db::access::Access;
use crate::db::review::QueueItem;
use crate::domain::candidate::mask_id_no;
use crate::domain::{ApplicationEvent, ApplicationState as S, StaffRole};

pub fn area() -> Area {
    Area::new()
        .get("/staff/photos", queue)
        .get("/staff/photos/export", export)
        .get("/staff/photos/bulk", bulk_page)
        .post("/staff/photos/bulk", bulk_approve)
        .get("/staff/photos/{application}", item)
        .post("/staff/photos/{application}", decide)
        .get("/staff/photos/{application}/photo/{id}/{which}", image)
        .get("/staff/photos/{application}/on-file.jpg", on_file)
}

/// The standard reasons, by the photo engine's finding code; `R` + the digit
/// (1–9, then 0 for the tenth) picks one.
pub const REASONS: &[(&str, &str)] = &[
    ("background.colour", "背景颜色不符合要求"),
    ("background.uniform", "背景不均匀或有阴影"),
    ("geometry.head_top", "头部位置或大小不符合要求"),
    ("pose.yaw", "未正对镜头"),
    ("glasses.glare", "眼镜反光"),
    ("hair.covers_face", "头发遮挡眉毛、眼睛或耳朵"),
    ("attire.jewellery", "佩戴耳环、项链等饰品"),
    ("attire.headwear", "佩戴帽子或头饰"),
    ("lighting.even", "光线不均匀或脸部有阴影"),
    ("image.sharpness", "照片不清晰"),
    ("glasses.tinted", "佩戴有色眼镜"),
    ("eyes.open", "双眼未自然睁开"),
];

/// The reviewer's office and the application's candidate, when the
/// application is handled at that office.
async fn own_application(
    state: &AppState,
    staff: &CurrentStaff,
    application: i64,
) -> WebResult<(String, crate::domain::CandidateId)> {
    let office = reviewer(staff)?;
    let (candidate, a) = db::applications::get(state.db.pool(), application)
        .await?
        .ok_or(WebError::NotFound)?;
    if a.office_code != office {
        return Err(review::NOT_YOURS);
    }
    Ok((office, candidate))
}

/// A city reviewer, and the office whose applications they review.
fn reviewer(staff: &CurrentStaff) -> WebResult<String> {
    if staff.role != StaffRole::CityReviewer {
        return Err(WebError::Forbidden("毕业证照由办理地点的市考办审核"));
    }
    review::city(staff)
}

async fn pending(state: &AppState, office: &str) -> WebResult<Vec<QueueItem>> {
    Ok(db::review::queue(
        state.db.pool(),
        S::PhotoCityReview,
        Some(office),
        review::PAGE,
    )
    .await?)
}

#[derive(Template)]
#[template(path = "staff/photos.html")]
struct QueuePage {
    csrf: String,
    items: Vec<QueueItem>,
    clean: usize,
}

async fn queue(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let office = reviewer(&staff)?;
    let items = pending(&state, &office).await?;
    let clean = items.iter().filter(|i| i.clean).count();
    render(&QueuePage { csrf, items, clean })
}

/// The queue as a download (every item, not only the first page).
async fn export(
    State(state): State<AppState>,
    staff: CurrentStaff,
    axum::extract::Query(f): axum::extract::Query<super::tables::Format>,
) -> WebResult<Response> {
    let office = reviewer(&staff)?;
    let items =
        db::review::queue(state.db.pool(), S::PhotoCityReview, Some(&office), i64::MAX).await?;
    let table = super::tables::Table {
        title: "毕业证照审核",
        base: "/staff/photos",
        columns: vec!["准考证号", "姓名", "提交时间（UTC）", "自动检查"],
        rows: items
            .into_iter()
            .map(|i| super::tables::Row {
                id: i.application.to_string(),
                cells: vec![
                    i.admission_no,
                    i.name,
                    i.since,
                    if i.clean {
                        "无问题"
                    } else {
                        "需人工确认"
                    }
                    .to_owned(),
                ],
            })
            .collect(),
        note: String::new(),
    };
    table.download(&f.format, "photos")
}

struct Shown {
    rule: String,
    measured: String,
    limit: String,
    advice: String,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "staff/photo.html")]
struct ItemPage {
    csrf: String,
    application: i64,
    name: String,
    admission_no: String,
    id_no: String,
    photo: i64,
    overlay: String,
    findings: Vec<Shown>,
    /// What the fixer did, in Chinese, in order.
    steps: Vec<String>,
    /// The backdrop was replaced: the reviewer must compare with the original.
    replaced: bool,
    /// The whole image's colour and exposure were corrected.
    corrected: bool,
    /// The candidate has a photo on file, shown beside the capture.
    on_file: bool,
    /// The comparison with the photo on file (`identity.match`), pass or not.
    face_match: Option<Shown>,
    attempts: Vec<i64>,
    reasons: Vec<(usize, &'static str, &'static str)>,
    prev: Option<i64>,
    next: Option<i64>,
    error: Option<String>,
}

impl Shown {
    fn of(f: &photo::Finding) -> Shown {
        Shown {
            rule: f.rule.clone(),
            measured: f.measured.clone(),
            limit: f.limit.clone(),
            advice: f.advice.clone(),
            class: match f.outcome {
                photo::Outcome::Fail => "fail",
                photo::Outcome::Warn => "warn",
                photo::Outcome::Pass => "pass",
            },
        }
    }
}

/// The report drawn over the 480×640 photo: the standard's bands for head top
/// (50–110 px) and eyes (200–300 px), the measured lines, the face width.
fn overlay(o: &Outcome) -> String {
    let m = &o.report.measurements;
    let mut svg = String::from(
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 480 640' width='480' height='640'>\
         <rect x='0' y='50' width='480' height='60' fill='#e53935' fill-opacity='0.10'/>\
         <rect x='0' y='200' width='480' height='100' fill='#1e88e5' fill-opacity='0.10'/>",
    );
    if let Some(y) = m.head_top {
        svg.push_str(&format!("<line x1='0' x2='480' y1='{y:.0}' y2='{y:.0}' stroke='#e53935' stroke-width='2' stroke-dasharray='8 4'/>"));
    }
    if let Some(y) = m.eye_line {
        svg.push_str(&format!("<line x1='0' x2='480' y1='{y:.0}' y2='{y:.0}' stroke='#1e88e5' stroke-width='2' stroke-dasharray='8 4'/>"));
        if let Some(w) = m.face_width {
            let (x1, x2, yb) = (240.0 - w / 2.0, 240.0 + w / 2.0, y + 60.0);
            svg.push_str(&format!("<line x1='{x1:.0}' x2='{x2:.0}' y1='{yb:.0}' y2='{yb:.0}' stroke='#43a047' stroke-width='4'/>"));
        }
    }
    svg.push_str("</svg>");
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    )
}

async fn item_page(
    state: &AppState,
    staff: &CurrentStaff,
    application: i64,
    csrf: String,
) -> WebResult<ItemPage> {
    let (office, candidate) = own_application(state, staff, application).await?;
    let c = db::candidates::get(state.db.pool(), candidate)
        .await?
        .ok_or(WebError::NotFound)?;
    let p = db::photos::latest(state.db.pool(), application)
        .await?
        .ok_or(WebError::NotFound)?;
    db::access::record(
        state.db.pool(),
        state.clock.now(),
        staff.id,
        candidate,
        Access::PhotoReview,
    )
    .await?;
    let outcome: Option<Outcome> = serde_json::from_str(&p.report).ok();
    let all = outcome.as_ref().map_or(&[][..], |o| &o.report.findings[..]);
    let findings = all
        .iter()
        .filter(|f| f.outcome != photo::Outcome::Pass && f.code != photo::Code::IdentityMatch)
        .map(Shown::of)
        .collect();
    let face_match = all
        .iter()
        .find(|f| f.code == photo::Code::IdentityMatch)
        .map(Shown::of);
    let ids: Vec<i64> = pending(state, &office)
        .await?
        .iter()
        .map(|i| i.application)
        .collect();
    let (prev, next) = review::neighbours(&ids, application);
    Ok(ItemPage {
        csrf,
        application,
        name: c.name,
        admission_no: c.admission_no.to_string(),
        id_no: mask_id_no(&c.id_no),
        photo: p.id,
        overlay: outcome.as_ref().map(overlay).unwrap_or_default(),
        findings,
        steps: outcome
            .as_ref()
            .map(|o| o.steps.iter().map(photo::Step::describe).collect())
            .unwrap_or_default(),
        replaced: outcome.as_ref().is_some_and(|o| {
            o.steps
                .iter()
                .any(|s| matches!(s, photo::Step::ReplaceBackground { .. }))
        }),
        corrected: outcome.as_ref().is_some_and(|o| {
            o.steps
                .iter()
                .any(|s| matches!(s, photo::Step::CorrectColour { .. }))
        }),
        on_file: db::on_file::key(state.db.pool(), candidate)
            .await?
            .is_some(),
        face_match,
        attempts: db::review::photo_ids(state.db.pool(), application).await?,
        reasons: review::keyed(REASONS),
        prev,
        next,
        error: None,
    })
}

async fn item(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(application): Path<i64>,
) -> WebResult<impl IntoResponse> {
    render(&item_page(&state, &staff, application, csrf).await?)
}

async fn decide(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
    Path(application): Path<i64>,
    FormBody(d): FormBody<review::Decision>,
) -> WebResult<Response> {
    let mut page = item_page(&state, &staff, application, csrf).await?;
    let (event, code, reason) = match review::verdict(&d, REASONS)? {
        Ok(Verdict::Approve) => (ApplicationEvent::PhotoApproved, None, String::new()),
        Ok(Verdict::Reject(code, text)) => (ApplicationEvent::PhotoRejected, Some(code), text),
        Err(m) => {
            page.error = Some(m);
            return review::redisplay(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    match apply(
        &state,
        &staff,
        application,
        page.photo,
        event,
        code,
        &reason,
    )
    .await?
    {
        Ok(()) => Ok(review::onward("/staff/photos", page.next)),
        Err(message) => {
            page.error = Some(message);
            review::redisplay(StatusCode::CONFLICT, &page)
        }
    }
}

/// Records one decision; `Ok(Err(message))` when another reviewer decided first.
async fn apply(
    state: &AppState,
    staff: &CurrentStaff,
    application: i64,
    photo: i64,
    event: ApplicationEvent,
    code: Option<&str>,
    reason: &str,
) -> WebResult<Result<(), String>> {
    let mut tx = state.db.pool().begin().await?;
    let moved = review::move_or_tell(
        state,
        &mut tx,
        staff,
        application,
        S::PhotoCityReview,
        event,
        reason,
    )
    .await?;
    if let Err(m) = moved {
        return Ok(Err(m));
    }
    let approved = event == ApplicationEvent::PhotoApproved;
    let now = state.clock.now();
    db::review::record_photo_review(&mut tx, photo, approved, code, staff.id, reason, now).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

#[derive(Template)]
#[template(path = "staff/photos_bulk.html")]
struct BulkPage {
    csrf: String,
    count: usize,
}

async fn bulk_page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    CsrfToken(csrf): CsrfToken,
) -> WebResult<impl IntoResponse> {
    let office = reviewer(&staff)?;
    let count = pending(&state, &office)
        .await?
        .iter()
        .filter(|i| i.clean)
        .count();
    render(&BulkPage { csrf, count })
}

#[derive(Deserialize)]
struct Confirm {
    count: usize,
}

/// Approves every item whose automatic report found nothing, as confirmed.
async fn bulk_approve(
    State(state): State<AppState>,
    staff: CurrentStaff,
    FormBody(f): FormBody<Confirm>,
) -> WebResult<Response> {
    let office = reviewer(&staff)?;
    let clean: Vec<QueueItem> = pending(&state, &office)
        .await?
        .into_iter()
        .filter(|i| i.clean)
        .collect();
    if clean.len() != f.count {
        return Err(WebError::BadRequest(format!(
            "待批量通过的照片数量已变化（现为 {} 张），请返回重新确认",
            clean.len()
        )));
    }
    for i in &clean {
        if let Some(photo) = i.photo_id {
            let candidate = db::applications::get(state.db.pool(), i.application)
                .await?
                .map(|x| x.0);
            if let Some(c) = candidate {
                db::access::record(
                    state.db.pool(),
                    state.clock.now(),
                    staff.id,
                    c,
                    Access::PhotoReview,
                )
                .await?;
            }
            // Another reviewer's decision meanwhile is simply left as it is.
            let _ = apply(
                &state,
                &staff,
                i.application,
                photo,
                ApplicationEvent::PhotoApproved,
                None,
                "批量通过：自动检查未发现问题",
            )
            .await?;
        }
    }
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/staff/photos")]).into_response())
}

/// A photo of an application in the reviewer's office.
async fn image(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path((application, id, which)): Path<(i64, i64, String)>,
) -> WebResult<Response> {
    own_application(&state, &staff, application).await?;
    super::capture::photo_bytes(&state, application, id, &which).await
}

/// The photo on file of an application's candidate, for the reviewer in
/// that application's office.
async fn on_file(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path(application): Path<i64>,
) -> WebResult<Response> {
    let (_, candidate) = own_application(&state, &staff, application).await?;
    let key = db::on_file::key(state.db.pool(), candidate)
        .await?
        .ok_or(WebError::NotFound)?;
    super::capture::image_response(&state, &key).await
}
