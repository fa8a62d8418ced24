//! Certificate photos (毕业证照): which stored object is the candidate's
//! current compliant photo.

use sqlx::{AnyPool, Row};

use crate::domain::CandidateId;

/// Object key of the newest compliant, fixed 480×640 photo, if any.
pub async fn accepted_fixed_key(
    pool: &AnyPool,
    candidate: CandidateId,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query(
        "SELECT fixed_key FROM photos WHERE candidate_id = $1 AND compliant = 1 AND fixed_key IS NOT NULL \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(candidate.0)
    .fetch_optional(pool)
    .await?
    .map(|r| r.try_get("fixed_key"))
    .transpose()
}
