//! Certificate photos (毕业证照) and the capture tokens of the QR code.
//! A photo row names the capture and the fixed 480×640 file in the object
//! store (stored first) and keeps the engine's report.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

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

/// One capture and what became of it.
#[derive(Debug, Clone)]
pub struct PhotoRow {
    pub id: i64,
    pub original_key: String,
    pub fixed_key: Option<String>,
    /// `capture::Outcome` as JSON.
    pub report: String,
    pub compliant: bool,
    pub uploaded_at: String,
}

fn photo(r: &AnyRow) -> Result<PhotoRow, sqlx::Error> {
    Ok(PhotoRow {
        id: r.try_get("id")?,
        original_key: r.try_get("original_key")?,
        fixed_key: r.try_get("fixed_key")?,
        report: r.try_get("report")?,
        compliant: r.try_get::<i64, _>("compliant")? == 1,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

const COLUMNS: &str = "id, original_key, fixed_key, report, compliant, uploaded_at";

pub struct NewPhoto<'a> {
    pub candidate: CandidateId,
    pub application: i64,
    pub original_key: &'a str,
    pub fixed_key: Option<&'a str>,
    pub report: &'a str,
    pub compliant: bool,
}

pub async fn insert(
    conn: &mut AnyConnection,
    p: &NewPhoto<'_>,
    now: jiff::Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO photos (candidate_id, application_id, original_key, fixed_key, report, compliant, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(p.candidate.0)
    .bind(p.application)
    .bind(p.original_key)
    .bind(p.fixed_key)
    .bind(p.report)
    .bind(i64::from(p.compliant))
    .bind(super::timestamp(now))
    .fetch_one(conn)
    .await?
    .try_get("id")
}

/// The newest capture of an application.
pub async fn latest(pool: &AnyPool, application: i64) -> Result<Option<PhotoRow>, sqlx::Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM photos WHERE application_id = $1 ORDER BY id DESC LIMIT 1");
    let row = sqlx::query(&sql)
        .bind(application)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(photo).transpose()
}

/// A capture of this application (never another's).
pub async fn get(
    pool: &AnyPool,
    application: i64,
    id: i64,
) -> Result<Option<PhotoRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM photos WHERE application_id = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(application)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(photo).transpose()
}

/// A live capture token: its application, until when, whether used.
pub struct Token {
    pub application: i64,
    pub expires_at: jiff::Timestamp,
    pub used: bool,
}

pub async fn create_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    application: i64,
    now: jiff::Timestamp,
    expires_at: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO capture_tokens (token_hash, application_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(application)
    .bind(super::timestamp(now))
    .bind(super::timestamp(expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_token(pool: &AnyPool, token_hash: &str) -> Result<Option<Token>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT application_id, expires_at, used_at FROM capture_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Token {
            application: r.try_get("application_id")?,
            expires_at: r
                .try_get::<String, _>("expires_at")?
                .parse()
                .map_err(|_| super::bad("expires_at"))?,
            used: r.try_get::<Option<String>, _>("used_at")?.is_some(),
        })
    })
    .transpose()
}

/// Marks the token used; false when it already was (two taps on 提交).
pub async fn use_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: jiff::Timestamp,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE capture_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(super::timestamp(now))
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}
