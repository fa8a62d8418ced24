//! Leases of background jobs: several server processes share one database,
//! and a job's round runs only in the process holding its lease. One
//! conditional upsert takes it, on SQLite and PostgreSQL alike (no advisory
//! locks, which SQLite lacks); a process that dies simply lets it expire.

use sqlx::AnyPool;

use super::timestamp;

/// Takes `job`'s lease for `holder` until `until`, unless another holder's
/// lease is still live at `now`. True when `holder` now holds it.
pub async fn take(
    pool: &AnyPool,
    job: &str,
    holder: &str,
    now: jiff::Timestamp,
    until: jiff::Timestamp,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO job_leases (job, holder, until_at) VALUES ($1, $2, $3)
         ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at
         WHERE job_leases.until_at <= $4 OR job_leases.holder = excluded.holder
         RETURNING job",
    )
    .bind(job)
    .bind(holder)
    .bind(timestamp(until))
    .bind(timestamp(now))
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}
