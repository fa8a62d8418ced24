//! Background work of a running server. Each job is a loop with its own period;
//! a failing round is logged and retried next period, never fatal. Jobs change
//! applications only through `db::applications::transition`, whose update is
//! conditional on the state read, so two processes running the same job do
//! the work once (the second is told it lost and moves on).

use std::time::Duration;

use crate::db::{self, applications::TransitionFailure, audit::Actor};
use crate::domain::{ApplicationEvent, ApplicationState};
use crate::web::AppState;

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match db::sessions::delete_expired(state.db.pool(), state.clock.now()).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
            match withdraw_unfilled(&state).await {
                Ok(n) if n > 0 => {
                    tracing::info!(withdrawn = n, "unfilled fresh graduates withdrawn")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "fill-in sweep failed"),
            }
        }
    });
}

/// 未按时补填的，视为放弃本批次毕业申请: once a batch's fill-in deadline has
/// passed, withdraws the applications of fresh graduates who never filled in
/// their diploma number. Returns how many it withdrew.
pub async fn withdraw_unfilled(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.civil_now();
    let mut withdrawn = 0;
    for batch in db::batches::all(state.db.pool()).await? {
        if now < batch.prior_education_supplement_due {
            continue;
        }
        let code = batch.code.to_string();
        let reason = format!(
            "未在 {} 前补填前置学历毕业证号，视为放弃本批次毕业申请",
            batch.prior_education_supplement_due.date()
        );
        for (id, state_text, _) in
            db::prior::unfilled_fresh_graduates(state.db.pool(), &code).await?
        {
            let Some(from) = ApplicationState::from_db(&state_text) else {
                continue;
            };
            let mut tx = state.db.pool().begin().await?;
            let moved = db::applications::transition(
                &mut tx,
                id,
                from,
                ApplicationEvent::Withdrawn,
                Actor::System,
                &reason,
                state.clock.now(),
            )
            .await;
            match moved {
                Ok(_) => {
                    tx.commit().await?;
                    withdrawn += 1;
                }
                Err(TransitionFailure::Db(e)) => return Err(e),
                // Another process got there first, or the state cannot be withdrawn.
                Err(_) => tx.rollback().await?,
            }
        }
    }
    Ok(withdrawn)
}
