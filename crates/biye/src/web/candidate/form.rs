//! 打印《毕业生登记表》: the two-page PDF, only for a submitted application
//! (after the second 确认提交), rendered on the blocking pool.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::Journey;
use crate::prediction;
use crate::printing::{self, PrintContext, PrintError};
use crate::web::error::{WebError, WebResult};
use crate::web::session::CurrentCandidate;
use crate::web::AppState;

pub(super) async fn pdf(
    State(state): State<AppState>,
    CurrentCandidate(id): CurrentCandidate,
) -> WebResult<Response> {
    let j = Journey::load(&state, id).await?;
    if !j
        .application
        .as_ref()
        .is_some_and(|a| a.state.form_printable())
    {
        return Err(WebError::NotNow(
            "毕业申请提交成功后才能打印《毕业生登记表》：请先完成毕业证照采集，待市考办审核通过后在“毕业申请”页面点击“确认提交”",
        ));
    }
    let pool = state.db.pool();
    let plans = state.plans.get(pool).await.map_err(WebError::internal)?;
    let ctx = prediction::context(&plans, &j.batch, state.clock.civil_now());
    let public_url = state.config.public_url();
    let p = PrintContext {
        pool,
        storage: &state.storage,
        plans: &plans,
        batch: &j.batch,
        audit_context: &ctx,
        keys: &state.keys,
        public_url: &public_url,
        printed_at: state.clock.civil_now(),
    };
    let data = printing::form_data(&p, &j.profile.admission_no)
        .await
        .map_err(print_error)?;
    let bytes = printing::render(state.renderer.clone(), data)
        .await
        .map_err(print_error)?;
    let name = format!(
        "attachment; filename=\"registration-form-{}.pdf\"",
        j.profile.admission_no
    );
    Ok((
        [
            (CONTENT_TYPE, "application/pdf".to_owned()),
            (CONTENT_DISPOSITION, name),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

fn print_error(e: PrintError) -> WebError {
    match e {
        // A character no font has, a missing plan: the message says what to do.
        PrintError::Form(e) => WebError::BadRequest(e.to_string()),
        PrintError::NotPrintable { .. } | PrintError::Prediction(_) => {
            WebError::BadRequest(e.to_string())
        }
        other => WebError::internal(other),
    }
}
