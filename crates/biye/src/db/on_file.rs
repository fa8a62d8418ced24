//! The photo on file per candidate (the exam system's registration photo),
//! which captures are compared with. The row names an object stored first,
//! and keeps the photo's face embedding when the import computed one.

use sqlx::{AnyPool, Row};

use crate::domain::CandidateId;

/// A face embedding as stored, with the network that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEmbedding {
    /// `photo::embedding_model()` of the process that computed it.
    pub model: String,
    pub values: Vec<f32>,
}

/// A candidate's photo on file.
#[derive(Debug, Clone)]
pub struct OnFile {
    pub object_key: String,
    /// None for photos imported before embeddings were kept.
    pub embedding: Option<StoredEmbedding>,
}

/// Records (or replaces) a candidate's photo on file.
pub async fn put(
    pool: &AnyPool,
    candidate: CandidateId,
    object_key: &str,
    source: &str,
    embedding: Option<&StoredEmbedding>,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    let values = embedding
        .map(|e| serde_json::to_string(&e.values))
        .transpose()
        .map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query(
        "INSERT INTO photos_on_file (candidate_id, object_key, source, imported_at, embedding, embedding_model) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (candidate_id) DO UPDATE SET \
         object_key = excluded.object_key, source = excluded.source, imported_at = excluded.imported_at, \
         embedding = excluded.embedding, embedding_model = excluded.embedding_model",
    )
    .bind(candidate.0)
    .bind(object_key)
    .bind(source)
    .bind(super::timestamp(now))
    .bind(values)
    .bind(embedding.map(|e| e.model.clone()))
    .execute(pool)
    .await?;
    Ok(())
}

/// The object key of a candidate's photo on file, if there is one.
pub async fn key(pool: &AnyPool, candidate: CandidateId) -> Result<Option<String>, sqlx::Error> {
    Ok(get(pool, candidate).await?.map(|f| f.object_key))
}

/// A candidate's photo on file, if there is one.
pub async fn get(pool: &AnyPool, candidate: CandidateId) -> Result<Option<OnFile>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT object_key, embedding, embedding_model FROM photos_on_file WHERE candidate_id = $1",
    )
    .bind(candidate.0)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let values: Option<String> = row.try_get("embedding")?;
    let model: Option<String> = row.try_get("embedding_model")?;
    let embedding = match (values, model) {
        (Some(v), Some(model)) => Some(StoredEmbedding {
            model,
            values: serde_json::from_str(&v).map_err(|_| super::bad("embedding"))?,
        }),
        _ => None,
    };
    Ok(Some(OnFile {
        object_key: row.try_get("object_key")?,
        embedding,
    }))
}
