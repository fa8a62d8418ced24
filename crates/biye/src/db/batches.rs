//! Batches and their on-site sessions.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::bad;
use crate::domain::{Batch, BatchCode, Window};

fn batch(row: &AnyRow) -> Result<Batch, sqlx::Error> {
    let dt = |col: &str| -> Result<jiff::civil::DateTime, sqlx::Error> {
        row.try_get::<String, _>(col)?.parse().map_err(|_| bad(col))
    };
    Ok(Batch {
        code: BatchCode::parse(&row.try_get::<String, _>("code")?).map_err(|_| bad("code"))?,
        name: row.try_get("name")?,
        application: Window::new(dt("application_opens")?, dt("application_closes")?)
            .map_err(|_| bad("application window"))?,
        prework_due: dt("prework_due")?,
        prior_education_due: dt("prior_education_due")?,
        prior_education_supplement_due: dt("prior_education_supplement_due")?,
        materials_due: dt("materials_due")?,
        graduation_date: row
            .try_get::<String, _>("graduation_date")?
            .parse()
            .map_err(|_| bad("graduation_date"))?,
        certificate_note: row.try_get("certificate_note")?,
    })
}

const COLUMNS: &str = "code, name, application_opens, application_closes, prework_due, \
    prior_education_due, prior_education_supplement_due, materials_due, graduation_date, certificate_note";

pub async fn get(pool: &AnyPool, code: BatchCode) -> Result<Option<Batch>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM batches WHERE code = $1");
    let row = sqlx::query(&sql)
        .bind(code.to_string())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(batch).transpose()
}

/// All batches, newest first.
pub async fn all(pool: &AnyPool) -> Result<Vec<Batch>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM batches ORDER BY application_opens DESC");
    sqlx::query(&sql)
        .fetch_all(pool)
        .await?
        .iter()
        .map(batch)
        .collect()
}
