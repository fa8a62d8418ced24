//! All SQL lives here. One code path serves SQLite and PostgreSQL through sqlx's
//! `Any` driver: statements use `$n` placeholders, which both accept, and only the
//! migration runner knows the dialect (see `migrate.rs`).
//!
//! Error policy: repository functions return `sqlx::Error`; callers that turn a
//! unique violation into a user-facing message use [`is_unique_violation`].

pub mod access;
pub mod applications;
pub mod attachments;
pub mod audit;
pub mod batches;
pub mod candidates;
pub mod codes;
pub mod corrections;
pub mod decisions;
pub mod import;
pub mod leases;
pub mod migrate;
pub mod on_file;
pub mod photos;
pub mod plans;
pub mod prior;
pub mod reference;
pub mod review;
pub mod sessions;
pub mod staff;
pub mod throttle;
pub mod transcripts;
pub mod upsert;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("不支持的数据库地址“{0}”：应以 sqlite:// 或 postgres:// 开头")]
    Scheme(String),
    #[error("无法连接数据库：{0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("无法创建数据库目录 {0}：{1}")]
    Dir(String, std::io::Error),
}

/// A connection pool and the dialect behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
}

impl Db {
    /// Connects (creating a SQLite file and its directory when missing).
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            return Err(ConnectError::Scheme(url.to_owned()));
        };
        let url = match dialect {
            Dialect::Sqlite => sqlite_url(url)?,
            Dialect::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = AnyPoolOptions::new()
            .max_connections(match dialect {
                // One writer at a time anyway; a few readers beside it under WAL.
                Dialect::Sqlite => 4,
                Dialect::Postgres => 16,
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self { pool, dialect })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether the database answers (the health check).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Adds `mode=rwc` so a missing file is created, and creates its directory.
fn sqlite_url(url: &str) -> Result<String, ConnectError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if !path.is_empty() && path != ":memory:" {
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| ConnectError::Dir(dir.display().to_string(), e))?;
            }
        }
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// True when the error is a UNIQUE constraint violation (both dialects).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// The current instant as stored in the database (RFC 3339, UTC, whole seconds).
pub fn timestamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A stored value that does not parse: the database holds something no
/// migration or import could have written.
pub(crate) fn bad(col: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: col.into(),
        source: format!("invalid stored value in {col}").into(),
    }
}

/// Reads a boolean stored as 0/1.
pub fn flag(v: i64) -> bool {
    v != 0
}

/// `$first, $first+1, …` for `n` values bound in an `IN (…)` list.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
