//! 考籍信息更正 filed online: the field, the correct value and evidence
//! (JPG/PNG, each under 1 MB, re-encoded before storage). The city and then
//! the provincial office decide (the office pages); until a correction is
//! completed before the batch's 5 月 1 日 deadline, the record stays as it is.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::{civil, last_minute, Journey};
use crate::db;
use crate::domain::correction::{self, Field};
use crate::uploads::{self, MAX_BYTES};
use crate::web::error::{render, WebError, WebResult};
use crate::web::multipart::{broken, read_capped, within, PartError, INCOMPLETE};
use crate::web::session::{CsrfToken, CurrentCandidate};
use crate::web::AppState;

struct Filed {
    field: &'static str,
    old_value: String,
    new_value: String,
    status: &'static str,
    at: String,
    evidence: i64,
}

#[derive(Template)]
#[template(path = "candidate/correction.html")]
struct CorrectionPage {
    csrf: String,
    fields: Vec<(&'static str, &'static str)>,
    field: String,
    value: String,
    filed: Vec<Filed>,
    prework_due: String,
    error: Option<String>,
}

async fn build(state: &AppState, j: &Journey, csrf: String) -> WebResult<CorrectionPage> {
    let filed = db::corrections::of(state.db.pool(), j.id)
        .await?
        .into_iter()
        .map(|c| Filed {
            field: c.field.map_or("其他", Field::label),
            old_value: c.old_value,
            new_value: c.new_value,
            status: match c.status.as_str() {
                "approved" => "已更正",
                "rejected" => "不予更正",
                _ => "待考办审核",
            },
            at: c.requested_at,
            evidence: c.evidence,
        })
        .collect();
    Ok(CorrectionPage {
        csrf,
        fields: Field::ALL.iter().map(|f| (f.as_str(), f.label())).collect(),
        field: String::new(),
        value: String::new(),
        filed,
        prework_due: civil(last_minute(j.batch.prework_due)),
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

/// The form's fields and up to three evidence files, each read with a cap.
async fn read(multipart: &mut Multipart) -> Result<(String, String, Vec<Bytes>), String> {
    let (mut field, mut value, mut files) = (String::new(), String::new(), Vec::new());
    let mut parts = 0;
    while let Some(mut part) = multipart.next_field().await.map_err(|e| broken(&e))? {
        parts += 1;
        if parts > 10 {
            return Err("提交的内容有误，请刷新页面后重试".into());
        }
        let name = part.name().unwrap_or_default().to_owned();
        let buf = read_capped(&mut part, MAX_BYTES - 1)
            .await
            .map_err(|e| match e {
                PartError::Incomplete => INCOMPLETE.to_owned(),
                PartError::TooLarge(_) => "证明材料每个文件应小于 1 MB".to_owned(),
            })?;
        match name.as_str() {
            "field" => field = String::from_utf8_lossy(&buf).into_owned(),
            "value" => value = String::from_utf8_lossy(&buf).into_owned(),
            "evidence" if !buf.is_empty() && files.len() < 3 => files.push(buf.into()),
            _ => {}
        }
    }
    Ok((field, value, files))
}

pub(super) async fn file(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
    CsrfToken(csrf): CsrfToken,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let j = Journey::load(&state, id).await?;
    let mut page = build(&state, &j, csrf).await?;
    let refuse = |mut page: CorrectionPage, m: String| {
        page.error = Some(m);
        Ok::<_, WebError>((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    let (field, value, files) =
        match within(state.config.upload_timeout, read(&mut multipart)).await {
            Ok(x) => x,
            Err(m) => return refuse(page, m),
        };
    page.field = field.clone();
    page.value = value.clone();
    let Some(f) = Field::from_db(&field) else {
        return refuse(page, "请选择要更正的项目".into());
    };
    let new = match correction::new_value(f, &j.profile, &value) {
        Ok(v) => v,
        Err(m) => return refuse(page, m),
    };
    if files.is_empty() {
        return refuse(
            page,
            "请上传证明材料（如身份证、户口簿或公安部门证明的照片）".into(),
        );
    }
    let mut clean = Vec::new();
    for bytes in files {
        match tokio::task::spawn_blocking(move || uploads::attachment(&bytes)).await? {
            Ok(c) => clean.push(c),
            Err(e) => return refuse(page, format!("证明材料：{e}")),
        }
    }
    let mut keys = Vec::new();
    for c in clean {
        let len = c.jpeg.len();
        keys.push((state.storage.put(c.jpeg.into()).await?, len));
    }
    let now = db::timestamp(state.clock.now());
    let mut tx = state.db.pool().begin().await?;
    let Some(cid) =
        db::corrections::file(&mut tx, id, f, &f.current(&j.profile), &new, &now).await?
    else {
        return refuse(page, "同样的更正申请已提交，请等待审核".into());
    };
    for (key, len) in &keys {
        db::corrections::add_evidence(&mut tx, cid, key, *len, &now).await?;
    }
    db::audit::append(
        &mut tx,
        state.clock.now(),
        db::audit::Actor::Candidate(id.0),
        "record_correction_filed",
        "record_correction",
        &cid.to_string(),
        serde_json::json!({ "field": f.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/me/record/correction")]).into_response())
}
