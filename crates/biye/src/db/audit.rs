//! The append-only audit log. Every change a person makes to a candidate's
//! record or application writes a row here in the same transaction.

use serde_json::Value;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Candidate(i64),
    Staff(i64),
    System,
    Cli,
}

impl Actor {
    pub(crate) fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            Actor::Candidate(id) => ("candidate", Some(id)),
            Actor::Staff(id) => ("staff", Some(id)),
            Actor::System => ("system", None),
            Actor::Cli => ("cli", None),
        }
    }
}

pub async fn append(
    conn: &mut AnyConnection,
    at: jiff::Timestamp,
    actor: Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: Value,
) -> Result<(), sqlx::Error> {
    let (kind, id) = actor.parts();
    sqlx::query(
        "INSERT INTO audit_log (at, actor_kind, actor_id, action, entity, entity_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(super::timestamp(at))
    .bind(kind)
    .bind(id)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(detail.to_string())
    .execute(conn)
    .await?;
    Ok(())
}
