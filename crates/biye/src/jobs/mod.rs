//! Background work of a running server. Each job is a loop with its own period;
//! a failing round is logged and retried next period, never fatal.

use std::time::Duration;

use crate::web::AppState;

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match crate::db::sessions::delete_expired(state.db.pool(), state.clock.now()).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    });
}
