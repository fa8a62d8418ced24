//! Plans, stored as their JSON definition plus one row per course.

use sqlx::{AnyPool, Row};

use crate::domain::plan::Plan;
use crate::domain::PlanId;

pub async fn get(pool: &AnyPool, id: PlanId) -> Result<Option<Plan>, sqlx::Error> {
    let row = sqlx::query("SELECT definition FROM plans WHERE id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        let json: String = r.try_get("definition")?;
        serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(e.into()))
    })
    .transpose()
}

/// The `app_meta` key whose value changes whenever an import changes a plan
/// or a substitution or exemption rule (read by `prediction::PlanCache` to
/// know when to reload). The name predates the rules joining the cache.
pub const GENERATION_KEY: &str = "plans_generation";

/// Marks the plans and rules as changed: servers reload them on next use.
pub async fn new_generation(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    let generation = format!("{:016x}", rand::random::<u64>());
    super::reference::set_meta(conn, GENERATION_KEY, &generation).await
}

/// The plans' generation ("" before any import recorded one).
pub async fn generation(pool: &AnyPool) -> Result<String, sqlx::Error> {
    Ok(super::reference::meta(pool, GENERATION_KEY)
        .await?
        .unwrap_or_default())
}

/// Every plan, in key order.
pub async fn all(pool: &AnyPool) -> Result<Vec<(PlanId, Plan)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, definition FROM plans ORDER BY major_code, examining_school_code, course_group, version",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let json: String = r.try_get("definition")?;
            let plan = serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(e.into()))?;
            Ok((PlanId(r.try_get("id")?), plan))
        })
        .collect()
}

/// The row id of a plan (by its natural key).
pub async fn id_of(pool: &AnyPool, p: &Plan) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query(
        "SELECT id FROM plans WHERE major_code = $1 AND examining_school_code = $2
         AND course_group = $3 AND version = $4",
    )
    .bind(p.major_code.as_str())
    .bind(p.examining_school_code.as_str())
    .bind(p.course_group.as_str())
    .bind(i64::from(p.version))
    .fetch_optional(pool)
    .await?
    .map(|r| r.try_get("id"))
    .transpose()
}
