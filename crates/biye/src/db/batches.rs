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

/// One on-site session as stored (times civil, in the batch's zone).
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub batch_code: String,
    pub office_code: String,
    pub opens: jiff::civil::DateTime,
    pub closes: jiff::civil::DateTime,
    pub location: String,
}

/// The on-site sessions of a batch (of one office unless `office` is empty).
pub async fn sessions(
    pool: &AnyPool,
    batch: &str,
    office: &str,
) -> Result<Vec<Session>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, batch_code, office_code, opens, closes, location FROM onsite_sessions
         WHERE batch_code = $1 AND ($2 = '' OR office_code = $2) ORDER BY office_code, opens",
    )
    .bind(batch)
    .bind(office)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let dt = |col: &str| -> Result<jiff::civil::DateTime, sqlx::Error> {
                r.try_get::<String, _>(col)?.parse().map_err(|_| bad(col))
            };
            Ok(Session {
                id: r.try_get("id")?,
                batch_code: r.try_get("batch_code")?,
                office_code: r.try_get("office_code")?,
                opens: dt("opens")?,
                closes: dt("closes")?,
                location: r.try_get("location")?,
            })
        })
        .collect()
}

/// Creates or replaces a batch's dates (the administrator's form).
pub async fn save(conn: &mut sqlx::AnyConnection, b: &Batch) -> Result<(), sqlx::Error> {
    let t = |d: jiff::civil::DateTime| d.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    sqlx::query(
        "INSERT INTO batches (code, name, application_opens, application_closes, prework_due,
             prior_education_due, prior_education_supplement_due, materials_due, graduation_date, certificate_note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name,
             application_opens = excluded.application_opens, application_closes = excluded.application_closes,
             prework_due = excluded.prework_due, prior_education_due = excluded.prior_education_due,
             prior_education_supplement_due = excluded.prior_education_supplement_due,
             materials_due = excluded.materials_due, graduation_date = excluded.graduation_date,
             certificate_note = excluded.certificate_note",
    )
    .bind(b.code.to_string())
    .bind(&b.name)
    .bind(t(b.application.opens))
    .bind(t(b.application.closes))
    .bind(t(b.prework_due))
    .bind(t(b.prior_education_due))
    .bind(t(b.prior_education_supplement_due))
    .bind(t(b.materials_due))
    .bind(b.graduation_date.to_string())
    .bind(&b.certificate_note)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds an on-site session; false when the office already has one starting then.
pub async fn add_session(
    conn: &mut sqlx::AnyConnection,
    batch: &str,
    office: &str,
    window: Window,
    location: &str,
) -> Result<bool, sqlx::Error> {
    let t = |d: jiff::civil::DateTime| d.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let r = sqlx::query(
        "INSERT INTO onsite_sessions (batch_code, office_code, opens, closes, location)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_code, office_code, opens) DO NOTHING",
    )
    .bind(batch)
    .bind(office)
    .bind(t(window.opens))
    .bind(t(window.closes))
    .bind(location)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn remove_session(
    conn: &mut sqlx::AnyConnection,
    batch: &str,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM onsite_sessions WHERE id = $1 AND batch_code = $2")
        .bind(id)
        .bind(batch)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}
