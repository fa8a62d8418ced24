//! Counters of failed password and code checks, by key (an account, a client
//! address, a staff member's lookups). Kept in the database so that a lock
//! holds across several server processes.

use jiff::{SignedDuration, Timestamp};
use sqlx::{AnyPool, Row};

use super::timestamp;

/// When a key locks, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failures allowed before the first lock.
    pub max_failures: i64,
    /// Failures are forgotten this long after the last one.
    pub window: SignedDuration,
    /// The first lock; each further failure doubles it, up to `max_lock`
    /// (which stays below `window`, so the doubling holds).
    pub first_lock: SignedDuration,
    pub max_lock: SignedDuration,
}

impl Policy {
    /// The lock after `failures` failures, if any.
    pub fn lock_for(&self, failures: i64) -> Option<SignedDuration> {
        let over = failures - self.max_failures;
        if over < 0 {
            return None;
        }
        let factor = 1i64 << over.min(20);
        let secs = self.first_lock.as_secs().saturating_mul(factor);
        Some(SignedDuration::from_secs(secs.min(self.max_lock.as_secs())))
    }
}

/// Until when the key is locked, if it is.
pub async fn locked_until(
    pool: &AnyPool,
    key: &str,
    now: Timestamp,
) -> Result<Option<Timestamp>, sqlx::Error> {
    let row = sqlx::query("SELECT locked_until FROM throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    let until: Option<String> = match row {
        Some(r) => r.try_get("locked_until")?,
        None => None,
    };
    Ok(until
        .and_then(|t| t.parse::<Timestamp>().ok())
        .filter(|t| *t > now))
}

/// Counts one failure (atomically, whatever other processes do meanwhile) and
/// returns the lock it brings, if any.
pub async fn record_failure(
    pool: &AnyPool,
    key: &str,
    policy: Policy,
    now: Timestamp,
) -> Result<Option<Timestamp>, sqlx::Error> {
    let forgotten = now.checked_sub(policy.window).unwrap_or(now);
    let failures: i64 = sqlx::query(
        "INSERT INTO throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, NULL)
         ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN throttle.window_start <= $3 THEN 1 ELSE throttle.failures + 1 END,
             window_start = $2
         RETURNING failures",
    )
    .bind(key)
    .bind(timestamp(now))
    .bind(timestamp(forgotten))
    .fetch_one(pool)
    .await?
    .try_get("failures")?;
    let Some(lock) = policy.lock_for(failures) else {
        return Ok(None);
    };
    let until = now.checked_add(lock).unwrap_or(now);
    sqlx::query("UPDATE throttle SET locked_until = $1 WHERE key = $2")
        .bind(timestamp(until))
        .bind(key)
        .execute(pool)
        .await?;
    Ok(Some(until))
}

/// Forgets the failures of a key (after a successful check).
pub async fn clear(pool: &AnyPool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM throttle WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_double_and_stay_below_the_window() {
        let p = Policy {
            max_failures: 5,
            window: SignedDuration::from_hours(1),
            first_lock: SignedDuration::from_mins(1),
            max_lock: SignedDuration::from_mins(30),
        };
        assert_eq!(p.lock_for(4), None);
        assert_eq!(p.lock_for(5), Some(SignedDuration::from_mins(1)));
        assert_eq!(p.lock_for(6), Some(SignedDuration::from_mins(2)));
        assert_eq!(p.lock_for(9), Some(SignedDuration::from_mins(16)));
        assert_eq!(p.lock_for(10), Some(SignedDuration::from_mins(30)));
        assert_eq!(p.lock_for(i64::MAX), Some(SignedDuration::from_mins(30)));
    }
}
