//! The one configuration struct, read from flags and `BIYE_*` environment
//! variables (see `.env.example`). It is built once in `main` and passed down;
//! nothing reads the environment anywhere else.

use std::net::SocketAddr;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database: sqlite://PATH (embedded, the default) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "BIYE_DATABASE_URL",
        default_value = "sqlite://biye-data/biye.db"
    )]
    pub database_url: String,

    /// Object store for photos, attachments and PDFs: a local directory, file:///ABS/PATH,
    /// or s3://BUCKET/PREFIX (credentials and endpoint from the usual AWS_* variables).
    #[arg(
        long,
        env = "BIYE_OBJECT_STORE_URL",
        default_value = "biye-data/objects"
    )]
    pub object_store_url: String,

    /// Address the web server listens on.
    #[arg(long, env = "BIYE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Public base URL, used in QR codes and links that leave the site
    /// (default: http:// plus the listen address).
    #[arg(long, env = "BIYE_PUBLIC_URL")]
    pub public_url: Option<url::Url>,

    /// Time zone of batch windows and deadlines.
    #[arg(long, env = "BIYE_TIME_ZONE", default_value = "Asia/Shanghai")]
    pub time_zone: String,

    /// Secret for signed references (QR codes). At least 32 characters. When unset, a
    /// random secret is generated once and kept in the database.
    #[arg(long, env = "BIYE_SESSION_SECRET", hide_env_values = true)]
    pub session_secret: Option<String>,

    /// Pretend the current time is this civil date-time in the time zone
    /// (e.g. 2023-06-15T09:00), advancing from there; `real` for the real clock.
    /// When unset, a server holding only the demo data runs at 2023-06-15T09:00, inside
    /// the demo batch's application window.
    #[arg(long, env = "BIYE_NOW")]
    pub now: Option<String>,
}

impl Config {
    pub fn public_url(&self) -> url::Url {
        self.public_url.clone().unwrap_or_else(|| {
            url::Url::parse(&format!("http://{}/", self.listen))
                .expect("a socket address makes a valid URL")
        })
    }

    pub fn time_zone(&self) -> anyhow::Result<jiff::tz::TimeZone> {
        jiff::tz::TimeZone::get(&self.time_zone)
            .map_err(|e| anyhow::anyhow!("未知时区“{}”：{e}", self.time_zone))
    }
}
