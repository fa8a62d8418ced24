//! Background work of a running server: one round every ten minutes. A
//! province runs several server processes on one database; a round runs only
//! in the process that holds the jobs' lease (`db::leases`), so it runs once
//! across them, and a process that dies hands it over when its lease
//! expires. As a second guard, jobs change applications only through
//! `db::applications::transition`, whose update is conditional on the state
//! read: even two rounds at once would withdraw an application once.
//! A failing round is logged and retried next period, never fatal.

use std::time::Duration;

use crate::db::{self, applications::TransitionFailure, audit::Actor};
use crate::domain::{ApplicationEvent, ApplicationState};
use crate::web::AppState;

/// How often a round runs.
pub const PERIOD: Duration = Duration::from_secs(600);
/// The lease ends a little before its holder's next round (which renews
/// it): if the holder has died, whichever process ticks next takes over,
/// within one period.
const LEASE: jiff::SignedDuration = jiff::SignedDuration::from_secs(590);

pub fn spawn(state: AppState) {
    let holder = crate::web::session::random_token();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PERIOD);
        loop {
            tick.tick().await;
            match round(&state, &holder).await {
                Ok(Some(r)) if r.sessions_removed > 0 || r.withdrawn > 0 => tracing::info!(
                    sessions_removed = r.sessions_removed,
                    withdrawn = r.withdrawn,
                    "background round"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "background round failed"),
            }
        }
    });
}

/// What one round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sessions_removed: u64,
    pub withdrawn: usize,
}

/// Runs one round if `holder` can take the lease; `None` when another
/// process holds it.
pub async fn round(state: &AppState, holder: &str) -> Result<Option<Round>, sqlx::Error> {
    let now = state.clock.now();
    let until = now.checked_add(LEASE).unwrap_or(now);
    if !db::leases::take(state.db.pool(), "background", holder, now, until).await? {
        return Ok(None);
    }
    let sessions_removed = db::sessions::delete_expired(state.db.pool(), now).await?;
    let withdrawn = withdraw_unfilled(state).await?;
    Ok(Some(Round {
        sessions_removed,
        withdrawn,
    }))
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
