//! The photo on file per candidate (the exam system's registration photo),
//! which captures are compared with. The row names an object stored first.

use sqlx::{AnyPool, Row};

use crate::domain::CandidateId;

/// Records (or replaces) a candidate's photo on file.
pub async fn put(
    pool: &AnyPool,
    candidate: CandidateId,
    object_key: &str,
    source: &str,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO photos_on_file (candidate_id, object_key, source, imported_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (candidate_id) DO UPDATE SET \
         object_key = excluded.object_key, source = excluded.source, imported_at = excluded.imported_at",
    )
    .bind(candidate.0)
    .bind(object_key)
    .bind(source)
    .bind(super::timestamp(now))
    .execute(pool)
    .await?;
    Ok(())
}

/// The object key of a candidate's photo on file, if there is one.
pub async fn key(pool: &AnyPool, candidate: CandidateId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT object_key FROM photos_on_file WHERE candidate_id = $1")
        .bind(candidate.0)
        .fetch_optional(pool)
        .await?
        .map(|r| r.try_get("object_key"))
        .transpose()
}
