//! Staff accounts (市考办, 省考办, administrators).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::domain::{OfficeCode, StaffId, StaffRole};

pub struct StaffLogin {
    pub id: StaffId,
    pub password_hash: String,
    pub role: StaffRole,
    /// As stored; the scope is decided from it and the role at sign-in.
    pub office: Option<String>,
    pub must_change_password: bool,
}

pub struct StaffView {
    pub id: StaffId,
    pub username: String,
    pub display_name: String,
    pub role: StaffRole,
    pub office: Option<OfficeCode>,
}

/// A new account.
pub struct NewStaff<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: StaffRole,
    pub office: Option<&'a OfficeCode>,
    /// The password is one-time: changed at the first sign-in.
    pub must_change_password: bool,
}

/// Creates the account unless the user name exists; returns whether it did.
/// An existing account (and its password) is never touched.
pub async fn create_if_absent(
    conn: &mut AnyConnection,
    s: &NewStaff<'_>,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO staff_users (username, display_name, password_hash, role, office_code, must_change_password)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (username) DO NOTHING",
    )
    .bind(s.username)
    .bind(s.display_name)
    .bind(s.password_hash)
    .bind(s.role.as_str())
    .bind(s.office.map(|o| o.as_str().to_owned()))
    .bind(i64::from(s.must_change_password))
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn find_login(pool: &AnyPool, username: &str) -> Result<Option<StaffLogin>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, password_hash, role, office_code, must_change_password
         FROM staff_users WHERE username = $1 AND active = 1",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(role) = StaffRole::from_db(&row.try_get::<String, _>("role")?) else {
        return Ok(None);
    };
    Ok(Some(StaffLogin {
        id: StaffId(row.try_get("id")?),
        password_hash: row.try_get("password_hash")?,
        role,
        office: row.try_get("office_code")?,
        must_change_password: row.try_get::<i64, _>("must_change_password")? == 1,
    }))
}

fn view(row: &AnyRow) -> Result<Option<StaffView>, sqlx::Error> {
    let Some(role) = StaffRole::from_db(&row.try_get::<String, _>("role")?) else {
        return Ok(None);
    };
    let office: Option<String> = row.try_get("office_code")?;
    Ok(Some(StaffView {
        id: StaffId(row.try_get("id")?),
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
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
    Ok(row.as_ref().map(view).transpose()?.flatten())
}

pub async fn get_by_username(
    pool: &AnyPool,
    username: &str,
) -> Result<Option<StaffView>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, username, display_name, role, office_code FROM staff_users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    Ok(row.as_ref().map(view).transpose()?.flatten())
}

/// Sets a password; `one_time` marks it for change at the next sign-in.
pub async fn set_password(
    conn: &mut AnyConnection,
    id: StaffId,
    hash: &str,
    one_time: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE staff_users SET password_hash = $1, must_change_password = $2 WHERE id = $3",
    )
    .bind(hash)
    .bind(i64::from(one_time))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn password_hash(pool: &AnyPool, id: StaffId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT password_hash FROM staff_users WHERE id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await?
        .map(|r| r.try_get("password_hash"))
        .transpose()
}

pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM staff_users")
        .fetch_one(pool)
        .await?
        .try_get("n")
}

/// The rule of a reset: a one-time password, changed at the next sign-in,
/// and every session of the account ends now.
pub async fn reset_password(
    conn: &mut AnyConnection,
    id: StaffId,
    hash: &str,
) -> Result<(), sqlx::Error> {
    set_password(conn, id, hash, true).await?;
    end_sessions(conn, id).await
}

async fn end_sessions(conn: &mut AnyConnection, id: StaffId) -> Result<(), sqlx::Error> {
    // The role in the principal does not matter for ending its sessions.
    let who = crate::domain::Principal::Staff {
        id,
        role: StaffRole::Admin,
        scope: crate::domain::Scope::Province,
    };
    super::sessions::delete_all_of(conn, &who).await.map(|_| ())
}

/// Deactivates (no sign-in, sessions ended) or reactivates an account.
pub async fn set_active(
    conn: &mut AnyConnection,
    id: StaffId,
    active: bool,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE staff_users SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    if !active {
        end_sessions(conn, id).await?;
    }
    Ok(r.rows_affected() == 1)
}

/// An account as the administrator lists it.
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub office: Option<String>,
    pub active: bool,
    pub must_change_password: bool,
}

pub async fn list(pool: &AnyPool) -> Result<Vec<Account>, sqlx::Error> {
    sqlx::query(
        "SELECT id, username, display_name, role, office_code, active, must_change_password
         FROM staff_users ORDER BY role, office_code, username",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Account {
            id: r.try_get("id")?,
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            role: r.try_get("role")?,
            office: r.try_get("office_code")?,
            active: r.try_get::<i64, _>("active")? == 1,
            must_change_password: r.try_get::<i64, _>("must_change_password")? == 1,
        })
    })
    .collect()
}
