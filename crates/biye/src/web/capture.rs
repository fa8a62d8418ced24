//! 图像采集 on the phone: the page the QR code opens (WeChat's scanner or any
//! browser), with no sign-in — the token in the path is the credential: 256
//! random bits, bound to one application, valid 15 minutes, used up when a
//! photo is submitted.
//!
//! The page confirms name and masked ID number, shows the guide, opens the
//! rear camera with an outline (`static/capture.js`), and falls back to a
//! plain file form that works without JavaScript. Each shot is fixed and
//! checked on the blocking pool, at most one per core at a time (a burst gets
//! "请稍候", never a crash); the answer lists every finding in Chinese beside
//! the fixed 480×640 version, as a page or as JSON for `Accept:
//! application/json`. Accepting submits the fixed photo to the city office.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::Semaphore;

use super::error::{render, WebError, WebResult};
use super::multipart::{broken, read_capped, within, PartError, INCOMPLETE};
use super::routes::Area;
use super::AppState;
use crate::capture::{self, Outcome};
use crate::db;
use crate::db::applications::ApplicationSummary;
use crate::db::audit::Actor;
use crate::db::photos::{NewPhoto, PhotoRow};
use crate::domain::candidate::mask_id_no;
use crate::domain::{ApplicationEvent, ApplicationState as S, CandidateId};
use crate::face_match::{self, FaceMatchError, OnFilePhoto, Subject};

pub fn area() -> Area {
    Area::new()
        .get("/capture/{token}", page)
        .post("/capture/{token}/photo", upload)
        .post("/capture/{token}/accept", accept)
        .get("/capture/{token}/photo/{id}/{which}", image)
}

/// How long a capture link lives.
pub const TOKEN_MINUTES: i64 = 15;

/// At most one photo per core is processed at once; a request waits this long.
const QUEUE_WAIT: Duration = Duration::from_secs(3);

/// Shared permits for photo processing: one per core to process, and a
/// bounded number of received captures held in memory for a turn. Past that
/// bound a capture is turned away at once instead of queueing, so that a
/// rush costs time, not memory (at 20 arriving a second with 3–5 MB shots
/// the unbounded queue reached 540 MB).
#[derive(Clone, Debug)]
pub struct Permits {
    pub processing: Arc<Semaphore>,
    pub held: Arc<Semaphore>,
}

impl Permits {
    pub fn per_core() -> Self {
        let n = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(n, n * HELD_PER_CORE)
    }

    pub fn new(processing: usize, held: usize) -> Self {
        Permits {
            processing: Arc::new(Semaphore::new(processing)),
            held: Arc::new(Semaphore::new(held)),
        }
    }
}

/// Captures held per core (processing or waiting): enough to keep every
/// core busy, few enough that the wait stays well under [`QUEUE_WAIT`].
const HELD_PER_CORE: usize = 4;

pub fn hash(token: &str) -> String {
    db::sessions::hash_token(token)
}

/// The application a token opens, if it is still good for `purpose`.
struct Opened {
    application: ApplicationSummary,
    candidate: CandidateId,
    used: bool,
}

const GONE: &str =
    "二维码已失效（有效期 15 分钟）。请在电脑上的“毕业证照采集”页面重新生成二维码后再扫码。";

async fn open(state: &AppState, token: &str) -> WebResult<Opened> {
    let t = db::photos::find_token(state.db.pool(), &hash(token))
        .await?
        .ok_or(WebError::Gone(GONE))?;
    if t.expires_at <= state.clock.now() && !t.used {
        return Err(WebError::Gone(GONE));
    }
    let (candidate, application) = db::applications::get(state.db.pool(), t.application)
        .await?
        .ok_or(WebError::Gone(GONE))?;
    Ok(Opened {
        application,
        candidate,
        used: t.used,
    })
}

struct Shown {
    rule: String,
    measured: String,
    limit: String,
    advice: String,
    fail: bool,
}

struct Result_ {
    id: i64,
    acceptable: bool,
    findings: Vec<Shown>,
    has_fixed: bool,
}

fn result_of(p: &PhotoRow) -> Result_ {
    let outcome: Option<Outcome> = serde_json::from_str(&p.report).ok();
    let findings = outcome
        .as_ref()
        .map(|o| {
            o.shown()
                .into_iter()
                .map(|f| Shown {
                    rule: f.rule.clone(),
                    measured: f.measured.clone(),
                    limit: f.limit.clone(),
                    advice: f.advice.clone(),
                    fail: f.outcome == photo::Outcome::Fail,
                })
                .collect()
        })
        .unwrap_or_default();
    Result_ {
        id: p.id,
        acceptable: p.compliant,
        findings,
        has_fixed: p.fixed_key.is_some(),
    }
}

#[derive(Template)]
#[template(path = "capture/phone.html")]
struct PhonePage {
    token: String,
    name: String,
    id_no: String,
    /// Photos may be taken now.
    open: bool,
    submitted: bool,
    result: Option<Result_>,
    error: Option<String>,
}

async fn phone_page(state: &AppState, token: &str) -> WebResult<PhonePage> {
    let o = open(state, token).await?;
    let c = db::candidates::get(state.db.pool(), o.candidate)
        .await?
        .ok_or(WebError::Gone(GONE))?;
    let can_take = matches!(o.application.state, S::PhotoNeeded | S::PhotoRejected);
    let latest = db::photos::latest(state.db.pool(), o.application.id).await?;
    Ok(PhonePage {
        token: token.to_owned(),
        name: c.name,
        id_no: mask_id_no(&c.id_no),
        open: can_take && !o.used,
        submitted: o.used || o.application.state == S::PhotoCityReview,
        result: latest.as_ref().map(result_of),
        error: None,
    })
}

async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> WebResult<impl IntoResponse> {
    render(&phone_page(&state, &token).await?)
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// Reads the `photo` field, refusing it past the spec's byte limit.
async fn read_photo(multipart: &mut Multipart, limit: u64) -> Result<Vec<u8>, String> {
    let mut parts = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| broken(&e))? {
        parts += 1;
        if parts > 5 {
            break;
        }
        if field.name() != Some("photo") {
            continue;
        }
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        let buf = read_capped(&mut field, cap).await.map_err(|e| match e {
            PartError::Incomplete => INCOMPLETE.to_owned(),
            PartError::TooLarge(_) => format!(
                "照片文件过大（超过 {} MB），请用手机相机的标准设置拍摄",
                limit / 1_048_576
            ),
        })?;
        return Ok(buf);
    }
    Err("请先拍摄或选择照片".into())
}

/// The answer to an upload, as a page (redirect to the result) or JSON.
fn answer(json: bool, token: &str, status: StatusCode, body: serde_json::Value) -> Response {
    if json {
        return (status, Json(body)).into_response();
    }
    if status.is_success() {
        return (
            StatusCode::SEE_OTHER,
            [(LOCATION, format!("/capture/{token}"))],
        )
            .into_response();
    }
    let message = body["error"]
        .as_str()
        .unwrap_or("上传失败，请重试")
        .to_owned();
    super::error::page(status, &message)
}

async fn upload(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let json = wants_json(&headers);
    let o = open(&state, &token).await?;
    if o.used || !matches!(o.application.state, S::PhotoNeeded | S::PhotoRejected) {
        let e = "照片已提交，当前不能再上传。请在电脑上查看审核状态。";
        return Ok(answer(
            json,
            &token,
            StatusCode::CONFLICT,
            serde_json::json!({ "error": e }),
        ));
    }
    let spec = state.config.photo_spec().map_err(WebError::internal)?;
    let read = read_photo(&mut multipart, spec.capture.max_bytes);
    let bytes = match within(state.config.upload_timeout, read).await {
        Ok(b) => b,
        Err(e) => {
            return Ok(answer(
                json,
                &token,
                StatusCode::UNPROCESSABLE_ENTITY,
                serde_json::json!({ "error": e }),
            ))
        }
    };
    let busy = || {
        let e = "当前上传人数较多，请稍候几秒再试";
        Ok(answer(
            json,
            &token,
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "error": e }),
        ))
    };
    let Ok(_held) = state.capture_permits.held.clone().try_acquire_owned() else {
        return busy();
    };
    let waited = state.capture_permits.processing.clone().acquire_owned();
    let Ok(permit) = tokio::time::timeout(QUEUE_WAIT, waited).await else {
        return busy();
    };
    let permit = permit.map_err(WebError::internal)?;
    let original = bytes::Bytes::from(bytes);
    let input = original.clone();
    let (mut outcome, fixed, permit) = tokio::task::spawn_blocking(move || {
        let engine = capture::engine()?;
        let (outcome, fixed) = capture::process(engine, &input, &spec);
        Ok::<_, photo::ModelError>((outcome, fixed, permit))
    })
    .await?
    .map_err(WebError::internal)?;
    if let (true, Some(f)) = (outcome.acceptable(), &fixed) {
        // Still under the permit: a local comparison is CPU work too.
        outcome
            .report
            .findings
            .push(compare_with_file(&state, o.candidate, f).await?);
        outcome.report.findings.sort_by_key(|f| f.code);
    }
    drop(permit);
    // Objects first, then the row that names them.
    let original_key = state.storage.put(original).await?;
    let fixed_key = match fixed {
        Some(f) => Some(state.storage.put(f.into()).await?),
        None => None,
    };
    let report = serde_json::to_string(&outcome).map_err(WebError::internal)?;
    let mut conn = state.db.pool().acquire().await?;
    let new = NewPhoto {
        candidate: o.candidate,
        application: o.application.id,
        original_key: &original_key,
        fixed_key: fixed_key.as_deref(),
        report: &report,
        compliant: outcome.acceptable(),
    };
    let id = db::photos::insert(&mut conn, &new, state.clock.now()).await?;
    drop(conn);
    let findings: Vec<_> = outcome
        .shown()
        .into_iter()
        .map(|f| {
            serde_json::json!({
                "code": f.code.as_str(), "outcome": f.outcome, "rule": f.rule,
                "measured": f.measured, "limit": f.limit, "advice": f.advice,
            })
        })
        .collect();
    let body = serde_json::json!({
        "photo_id": id,
        "acceptable": outcome.acceptable(),
        "findings": findings,
        "steps": outcome.steps,
        "original": format!("/capture/{token}/photo/{id}/original.jpg"),
        "fixed": fixed_key.as_ref().map(|_| format!("/capture/{token}/photo/{id}/fixed.jpg")),
        "accept": outcome.acceptable().then(|| format!("/capture/{token}/accept")),
    });
    Ok(answer(json, &token, StatusCode::OK, body))
}

/// The `identity.match` finding for an accepted capture: compared with the
/// photo on file here or by the authority. The comparison never fails the
/// upload: when it cannot be made, the finding says so to the reviewer.
async fn compare_with_file(
    state: &AppState,
    candidate: CandidateId,
    capture: &[u8],
) -> WebResult<photo::Finding> {
    let profile = db::candidates::get(state.db.pool(), candidate)
        .await?
        .ok_or(WebError::NotFound)?;
    let row = if state.faces.uses_photo_on_file() {
        db::on_file::get(state.db.pool(), candidate).await?
    } else {
        None
    };
    // The embedding the import kept, when this network made it; else the image.
    let kept = row
        .as_ref()
        .and_then(|r| r.embedding.as_ref())
        .filter(|e| {
            e.model == photo::embedding_model() && e.values.len() == photo::identity::EMBEDDING_LEN
        })
        .map(|e| photo::Embedding(e.values.clone()));
    let image = match (&row, &kept) {
        (Some(r), None) => Some(state.storage.get(&r.object_key).await.map_err(|e| {
            tracing::error!(candidate = candidate.0, error = %e, "photo on file unreadable");
            FaceMatchError::Unreadable("档案照片读取失败".into())
        })),
        _ => None,
    };
    let result = match image.transpose() {
        Ok(image) => {
            let on_file = match (&kept, &image) {
                (Some(e), _) => Some(OnFilePhoto::Embedding(e)),
                (None, Some(bytes)) => Some(OnFilePhoto::Image(bytes)),
                (None, None) => None,
            };
            let subject = Subject {
                candidate: &profile,
                capture,
                on_file,
            };
            state.faces.compare(subject).await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = &result {
        tracing::warn!(candidate = candidate.0, error = %e, "face match not made");
    }
    Ok(face_match::finding(&result))
}

/// 我已摄像完成，下一步: submits the newest photo, if it can be used, to the
/// city office; the link is used up.
async fn accept(State(state): State<AppState>, Path(token): Path<String>) -> WebResult<Response> {
    let o = open(&state, &token).await?;
    let latest = db::photos::latest(state.db.pool(), o.application.id).await?;
    let usable = latest
        .as_ref()
        .is_some_and(|p| p.compliant && p.fixed_key.is_some());
    if o.used || !usable {
        let mut page = phone_page(&state, &token).await?;
        page.error = Some(if o.used {
            "照片已提交，无需重复提交".into()
        } else {
            "还没有符合标准的照片，请按提示重新拍摄".into()
        });
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    let now = state.clock.now();
    let mut tx = state.db.pool().begin().await?;
    if !db::photos::use_token(&mut tx, &hash(&token), now).await? {
        return Err(WebError::Gone(GONE));
    }
    db::applications::transition(
        &mut tx,
        o.application.id,
        o.application.state,
        ApplicationEvent::PhotoSubmitted,
        Actor::Candidate(o.candidate.0),
        "",
        now,
    )
    .await
    .map_err(|e| WebError::BadRequest(e.to_string()))?;
    tx.commit().await?;
    Ok((
        StatusCode::SEE_OTHER,
        [(LOCATION, format!("/capture/{token}"))],
    )
        .into_response())
}

/// A capture (`original.jpg`) or its fixed version (`fixed.jpg`), only
/// through a token of the photo's own application.
async fn image(
    State(state): State<AppState>,
    Path((token, id, which)): Path<(String, i64, String)>,
) -> WebResult<Response> {
    let o = open(&state, &token).await?;
    photo_bytes(&state, o.application.id, id, &which).await
}

/// The bytes of one of an application's photos, as a JPEG response.
pub(super) async fn photo_bytes(
    state: &AppState,
    application: i64,
    id: i64,
    which: &str,
) -> WebResult<Response> {
    let p = db::photos::get(state.db.pool(), application, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let key = match which {
        "original.jpg" => Some(p.original_key),
        "fixed.jpg" => p.fixed_key,
        _ => None,
    }
    .ok_or(WebError::NotFound)?;
    image_response(state, &key).await
}

/// An image object as a private response, typed by its content: a capture
/// or a photo on file is whatever was sent; only a fixed file is surely JPEG.
pub(super) async fn image_response(state: &AppState, key: &str) -> WebResult<Response> {
    let bytes = state.storage.get(key).await?;
    let kind = match photo::container::Format::sniff(&bytes) {
        photo::container::Format::Png => "image/png",
        photo::container::Format::WebP => "image/webp",
        _ => "image/jpeg",
    };
    Ok((
        [(CONTENT_TYPE, kind), (CACHE_CONTROL, "private, no-store")],
        bytes,
    )
        .into_response())
}
