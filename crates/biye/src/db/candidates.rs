//! Reading candidates and their credentials.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::bad;
use crate::domain::candidate::CandidateProfile;
use crate::domain::{AdmissionNo, CandidateId, Gender, IdType, MajorCode, OfficeCode, SchoolCode};

pub struct CandidateLogin {
    pub id: CandidateId,
    pub password_hash: Option<String>,
    pub name: String,
    pub phone: String,
}

/// The candidates a login name names: an admission number, or an ID number
/// (which two records may share: a person with a merged number), oldest first.
pub async fn find_login(pool: &AnyPool, login: &str) -> Result<Vec<CandidateLogin>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, password_hash, name, phone FROM candidates
         WHERE admission_no = $1 OR id_no = $1 ORDER BY id LIMIT 2",
    )
    .bind(login)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CandidateLogin {
                id: CandidateId(r.try_get("id")?),
                password_hash: r.try_get("password_hash")?,
                name: r.try_get("name")?,
                phone: r.try_get("phone")?,
            })
        })
        .collect()
}

const PROFILE_COLUMNS: &str = "admission_no, name, gender, id_type, id_no, birth_date, ethnicity, \
    political_status, native_place, education_level, occupation, employer, phone, address, \
    office_code, major_code, examining_school_code, course_group";

fn profile(row: &AnyRow) -> Result<CandidateProfile, sqlx::Error> {
    let text = |c: &str| row.try_get::<String, _>(c);
    let opt = |c: &str| row.try_get::<Option<String>, _>(c);
    Ok(CandidateProfile {
        admission_no: AdmissionNo::parse(&text("admission_no")?)
            .map_err(|_| bad("admission_no"))?,
        name: text("name")?,
        gender: Gender::from_db(&text("gender")?).ok_or_else(|| bad("gender"))?,
        id_type: IdType::from_db(&text("id_type")?).ok_or_else(|| bad("id_type"))?,
        id_no: text("id_no")?,
        birth_date: text("birth_date")?.parse().map_err(|_| bad("birth_date"))?,
        ethnicity: text("ethnicity")?,
        political_status: text("political_status")?,
        native_place: text("native_place")?,
        education_level: text("education_level")?,
        occupation: text("occupation")?,
        employer: text("employer")?,
        phone: text("phone")?,
        address: text("address")?,
        office_code: opt("office_code")?.and_then(|s| OfficeCode::parse(&s).ok()),
        major_code: opt("major_code")?.and_then(|s| MajorCode::parse(&s).ok()),
        examining_school_code: opt("examining_school_code")?
            .and_then(|s| SchoolCode::parse(&s).ok()),
        course_group: text("course_group")?,
    })
}

pub async fn get(pool: &AnyPool, id: CandidateId) -> Result<Option<CandidateProfile>, sqlx::Error> {
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM candidates WHERE id = $1");
    let row = sqlx::query(&sql).bind(id.0).fetch_optional(pool).await?;
    row.as_ref().map(profile).transpose()
}

pub async fn get_by_admission_no(
    pool: &AnyPool,
    no: &AdmissionNo,
) -> Result<Option<(CandidateId, CandidateProfile)>, sqlx::Error> {
    let sql = format!("SELECT id, {PROFILE_COLUMNS} FROM candidates WHERE admission_no = $1");
    let Some(row) = sqlx::query(&sql)
        .bind(no.as_str())
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((CandidateId(row.try_get("id")?), profile(&row)?)))
}

/// Every candidate, in admission-number order (for export).
pub async fn all(pool: &AnyPool) -> Result<Vec<CandidateProfile>, sqlx::Error> {
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM candidates ORDER BY admission_no");
    sqlx::query(&sql)
        .fetch_all(pool)
        .await?
        .iter()
        .map(profile)
        .collect()
}

pub async fn set_password(
    conn: &mut AnyConnection,
    id: CandidateId,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE candidates SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives every candidate without a password this hash (the demo's accounts);
/// returns how many.
pub async fn set_missing_passwords(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("UPDATE candidates SET password_hash = $1 WHERE password_hash IS NULL")
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM candidates")
        .fetch_one(pool)
        .await?
        .try_get("n")
}

/// 基本信息维护: the fields a candidate may change themselves.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    pub native_place: String,
    pub ethnicity: String,
    pub education_level: String,
    pub occupation: String,
    pub employer: String,
    pub phone: String,
    pub address: String,
}

/// Saves the candidate's own fields (the caller calls it only when one
/// differs); the change voids an earlier "信息无误" confirmation, since what
/// was confirmed is no longer what is held.
pub async fn update_contact(
    conn: &mut AnyConnection,
    id: CandidateId,
    c: &Contact,
    now: jiff::Timestamp,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE candidates SET native_place = $1, ethnicity = $2, education_level = $3,
             occupation = $4, employer = $5, phone = $6, address = $7, updated_at = $8,
             confirmed_at = NULL
         WHERE id = $9",
    )
    .bind(&c.native_place)
    .bind(&c.ethnicity)
    .bind(&c.education_level)
    .bind(&c.occupation)
    .bind(&c.employer)
    .bind(&c.phone)
    .bind(&c.address)
    .bind(super::timestamp(now))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records "信息无误" with its time.
pub async fn confirm(
    conn: &mut AnyConnection,
    id: CandidateId,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE candidates SET confirmed_at = $1 WHERE id = $2")
        .bind(super::timestamp(now))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// When the candidate confirmed the record, if they did.
pub async fn confirmed_at(
    pool: &AnyPool,
    id: CandidateId,
) -> Result<Option<jiff::Timestamp>, sqlx::Error> {
    let row = sqlx::query("SELECT confirmed_at FROM candidates WHERE id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    let at: Option<String> = match row {
        Some(r) => r.try_get("confirmed_at")?,
        None => None,
    };
    Ok(at.and_then(|t| t.parse().ok()))
}
