//! 身份证附件: the ID-card photos a candidate uploads when the automatic
//! identity check fails. The object is stored first, then the row.

use sqlx::{AnyConnection, AnyPool, Row};

/// Which of the three photos the notice asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Front,
    Back,
    Handheld,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Front, Kind::Back, Kind::Handheld];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Front => "front",
            Kind::Back => "back",
            Kind::Handheld => "handheld",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Front => "身份证正面",
            Kind::Back => "身份证反面",
            Kind::Handheld => "手持身份证",
        }
    }
}

pub async fn add(
    conn: &mut AnyConnection,
    application: i64,
    kind: Kind,
    object_key: &str,
    byte_size: usize,
    now: jiff::Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO id_attachments (application_id, kind, object_key, content_type, byte_size, uploaded_at)
         VALUES ($1, $2, $3, 'image/jpeg', $4, $5)",
    )
    .bind(application)
    .bind(kind.as_str())
    .bind(object_key)
    .bind(byte_size as i64)
    .bind(super::timestamp(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest object of a kind for the application, if any.
pub async fn latest(
    pool: &AnyPool,
    application: i64,
    kind: Kind,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query(
        "SELECT object_key FROM id_attachments WHERE application_id = $1 AND kind = $2
         ORDER BY id DESC LIMIT 1",
    )
    .bind(application)
    .bind(kind.as_str())
    .fetch_optional(pool)
    .await?
    .map(|r| r.try_get("object_key"))
    .transpose()
}
