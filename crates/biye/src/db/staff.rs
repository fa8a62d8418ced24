//! Staff accounts (市考办, 省考办, administrators).

use sqlx::{AnyConnection, AnyPool, Row};

use crate::domain::{OfficeCode, StaffId, StaffRole};

pub struct StaffLogin {
    pub id: StaffId,
    pub password_hash: String,
    pub role: StaffRole,
    pub office: Option<OfficeCode>,
}

pub struct StaffView {
    pub id: StaffId,
    pub username: String,
    pub display_name: String,
    pub role: StaffRole,
    pub office: Option<OfficeCode>,
}

pub async fn upsert(
    conn: &mut AnyConnection,
    username: &str,
    display_name: &str,
    password_hash: &str,
    role: StaffRole,
    office: Option<&OfficeCode>,
) -> Result<StaffId, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO staff_users (username, display_name, password_hash, role, office_code)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name,
             password_hash = excluded.password_hash, role = excluded.role, office_code = excluded.office_code
         RETURNING id",
    )
    .bind(username)
    .bind(display_name)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(office.map(|o| o.as_str().to_owned()))
    .fetch_one(conn)
    .await?;
    Ok(StaffId(row.try_get(0)?))
}

pub async fn find_login(pool: &AnyPool, username: &str) -> Result<Option<StaffLogin>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, password_hash, role, office_code FROM staff_users WHERE username = $1 AND active = 1",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role: String = row.try_get(2)?;
    let Some(role) = StaffRole::from_db(&role) else {
        return Ok(None);
    };
    let office: Option<String> = row.try_get(3)?;
    Ok(Some(StaffLogin {
        id: StaffId(row.try_get(0)?),
        password_hash: row.try_get(1)?,
        role,
        office: office.and_then(|o| OfficeCode::parse(&o).ok()),
    }))
}

pub async fn get(pool: &AnyPool, id: StaffId) -> Result<Option<StaffView>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, username, display_name, role, office_code FROM staff_users WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role: String = row.try_get(3)?;
    let Some(role) = StaffRole::from_db(&role) else {
        return Ok(None);
    };
    let office: Option<String> = row.try_get(4)?;
    Ok(Some(StaffView {
        id: StaffId(row.try_get(0)?),
        username: row.try_get(1)?,
        display_name: row.try_get(2)?,
        role,
        office: office.and_then(|o| OfficeCode::parse(&o).ok()),
    }))
}
