//! Offices, examining schools, majors and the installation's facts.

use sqlx::{AnyConnection, AnyPool, Row};

pub struct Office {
    pub code: String,
    pub name: String,
    pub address: String,
    pub phone: String,
}

pub async fn offices(pool: &AnyPool) -> Result<Vec<Office>, sqlx::Error> {
    let rows = sqlx::query("SELECT code, name, address, phone FROM offices ORDER BY code")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Office {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                address: r.try_get("address")?,
                phone: r.try_get("phone")?,
            })
        })
        .collect()
}

/// An office as the notice writes it, 韶关市区（0201）; the bare code when no
/// such office exists.
pub async fn office_label(pool: &AnyPool, code: &str) -> Result<String, sqlx::Error> {
    let row = sqlx::query("SELECT name FROM offices WHERE code = $1")
        .bind(code)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => format!("{}（{code}）", r.try_get::<String, _>("name")?),
        None => code.to_owned(),
    })
}

pub async fn meta(pool: &AnyPool, key: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT value FROM app_meta WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    row.map(|r| r.try_get("value")).transpose()
}

/// Stores a fact unless one is stored already, and returns the stored value:
/// two processes starting at once agree on one value.
pub async fn meta_or_insert(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
) -> Result<String, sqlx::Error> {
    sqlx::query("INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(value)
        .execute(&mut *conn)
        .await?;
    sqlx::query("SELECT value FROM app_meta WHERE key = $1")
        .bind(key)
        .fetch_one(conn)
        .await?
        .try_get("value")
}

pub async fn set_meta(conn: &mut AnyConnection, key: &str, value: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

/// Updates an office's address and phone (shown to candidates); false when no such office.
pub async fn update_office(
    conn: &mut AnyConnection,
    code: &str,
    address: &str,
    phone: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE offices SET address = $1, phone = $2 WHERE code = $3")
        .bind(address)
        .bind(phone)
        .bind(code)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The form types (登记表类型): (code, name, active).
pub async fn form_types(pool: &AnyPool) -> Result<Vec<(String, String, bool)>, sqlx::Error> {
    sqlx::query("SELECT code, name, active FROM form_types ORDER BY code")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("code")?,
                r.try_get("name")?,
                r.try_get::<i64, _>("active")? == 1,
            ))
        })
        .collect()
}

/// Adds a form type or renames an existing one.
pub async fn save_form_type(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO form_types (code, name) VALUES ($1, $2)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name",
    )
    .bind(code)
    .bind(name)
    .execute(conn)
    .await?;
    Ok(())
}
