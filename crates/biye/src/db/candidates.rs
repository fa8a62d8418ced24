//! Reading candidates and their credentials.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::bad;
use crate::domain::candidate::CandidateProfile;
use crate::domain::{AdmissionNo, CandidateId, Gender, IdType, MajorCode, OfficeCode, SchoolCode};

pub struct CandidateLogin {
    pub id: CandidateId,
    pub password_hash: Option<String>,
}

/// Finds the candidate for a login name: an admission number or an ID number.
/// An ID number shared by two records (a person with a merged number) matches
/// neither, so the candidate is told to use the admission number.
pub async fn find_login(pool: &AnyPool, login: &str) -> Result<Vec<CandidateLogin>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, password_hash FROM candidates WHERE admission_no = $1 OR id_no = $1 LIMIT 2",
    )
    .bind(login)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CandidateLogin {
                id: CandidateId(r.try_get(0)?),
                password_hash: r.try_get(1)?,
            })
        })
        .collect()
}

const PROFILE_COLUMNS: &str = "admission_no, name, gender, id_type, id_no, birth_date, ethnicity, \
    political_status, native_place, education_level, occupation, employer, phone, address, \
    office_code, major_code, examining_school_code, course_group";

fn profile(row: &AnyRow) -> Result<CandidateProfile, sqlx::Error> {
    let text = |i: usize| row.try_get::<String, _>(i);
    let opt = |i: usize| row.try_get::<Option<String>, _>(i);
    Ok(CandidateProfile {
        admission_no: AdmissionNo::parse(&text(0)?).map_err(|_| bad("admission_no"))?,
        name: text(1)?,
        gender: Gender::from_db(&text(2)?).ok_or_else(|| bad("gender"))?,
        id_type: IdType::from_db(&text(3)?).ok_or_else(|| bad("id_type"))?,
        id_no: text(4)?,
        birth_date: text(5)?.parse().map_err(|_| bad("birth_date"))?,
        ethnicity: text(6)?,
        political_status: text(7)?,
        native_place: text(8)?,
        education_level: text(9)?,
        occupation: text(10)?,
        employer: text(11)?,
        phone: text(12)?,
        address: text(13)?,
        office_code: opt(14)?.and_then(|s| OfficeCode::parse(&s).ok()),
        major_code: opt(15)?.and_then(|s| MajorCode::parse(&s).ok()),
        examining_school_code: opt(16)?.and_then(|s| SchoolCode::parse(&s).ok()),
        course_group: text(17)?,
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
    let id = CandidateId(row.try_get(0)?);
    // The profile columns start after the id.
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM candidates WHERE id = $1");
    let row = sqlx::query(&sql).bind(id.0).fetch_one(pool).await?;
    Ok(Some((id, profile(&row)?)))
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

pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) FROM candidates")
        .fetch_one(pool)
        .await?
        .try_get(0)
}
