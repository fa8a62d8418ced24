//! The one configuration struct, read from flags and `BIYE_*` environment
//! variables (see `.env.example`), plus the S3 client's conventional `AWS_*`
//! variables. It is built once in `main` and passed down; nothing reads the
//! environment anywhere else.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("未知时区“{0}”：{1}")]
    TimeZone(String, String),
    #[error("无法读取签名密钥文件 {0}：{1}")]
    SecretFile(String, std::io::Error),
    #[error("BIYE_PHOTO_BACKGROUND_REPLACEMENT 只能是 white、light-blue、light-grey 或 off，不能是“{0}”")]
    PhotoBackground(String),
}

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
    /// or s3://BUCKET/PREFIX (credentials and endpoint from the AWS_* variables below).
    #[arg(
        long,
        env = "BIYE_OBJECT_STORE_URL",
        default_value = "biye-data/objects"
    )]
    pub object_store_url: String,

    #[command(flatten)]
    pub s3: S3Options,

    /// Address the web server listens on.
    #[arg(long, env = "BIYE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Public base URL, used in QR codes and links that leave the site
    /// (default: http:// plus the listen address). With https, cookies are
    /// `__Host-` prefixed and Secure, and HSTS is sent.
    #[arg(long, env = "BIYE_PUBLIC_URL")]
    pub public_url: Option<url::Url>,

    /// Trust the last address of X-Forwarded-For as the client's (only behind
    /// a reverse proxy that sets it; rate limits count per client address).
    #[arg(long, env = "BIYE_TRUST_PROXY")]
    pub trust_proxy: bool,

    /// Time zone of batch windows and deadlines.
    #[arg(long, env = "BIYE_TIME_ZONE", default_value = "Asia/Shanghai")]
    pub time_zone: String,

    /// Key for signed references (QR codes, 校验码, sign-in forms): `KID:SECRET`
    /// or a bare secret of at least 32 characters. Required outside demo mode.
    #[arg(long, env = "BIYE_SIGNING_SECRET", hide_env_values = true)]
    pub signing_secret: Option<String>,

    /// A file of signing keys instead, one `KID:SECRET` per line, newest first;
    /// older keys still verify forms printed before a rotation.
    #[arg(long, env = "BIYE_SIGNING_SECRET_FILE")]
    pub signing_secret_file: Option<PathBuf>,

    /// Pretend the current time is this civil date-time in the time zone
    /// (e.g. 2023-06-15T09:00), advancing from there; `real` for the real clock.
    /// When unset, a server holding the demo data runs at 2023-06-15T09:00, inside
    /// the demo batch's application window.
    #[arg(long, env = "BIYE_NOW")]
    pub now: Option<String>,

    /// Password of the demo accounts when they are first created (for scripted
    /// tests); unset: a random one, printed once.
    #[arg(long, env = "BIYE_DEMO_PASSWORD", hide_env_values = true)]
    pub demo_password: Option<String>,

    /// SMS gateway for sign-in codes (POST JSON, see docs/integrations.md);
    /// unset: codes are written to the server log (development and demo only).
    #[arg(long, env = "BIYE_SMS_GATEWAY")]
    pub sms_gateway: Option<url::Url>,

    /// The authority's identity-check service (docs/integrations.md); unset:
    /// the local check (GB 11643 and the record), other documents to people.
    #[arg(long, env = "BIYE_IDENTITY_SERVICE")]
    pub identity_service: Option<url::Url>,

    /// Bearer token for the identity service.
    #[arg(long, env = "BIYE_IDENTITY_TOKEN", hide_env_values = true)]
    pub identity_token: Option<String>,

    /// The authority's face-comparison service, which compares an accepted
    /// capture with the population register's photo (docs/integrations.md);
    /// unset: compared here with the photo on file imported from the exam
    /// system (`biye import-photos`), when there is one.
    #[arg(long, env = "BIYE_FACE_MATCH_SERVICE")]
    pub face_match_service: Option<url::Url>,

    /// Bearer token for the face-comparison service.
    #[arg(long, env = "BIYE_FACE_MATCH_TOKEN", hide_env_values = true)]
    pub face_match_token: Option<String>,

    /// Bearer token for the SMS gateway.
    #[arg(long, env = "BIYE_SMS_TOKEN", hide_env_values = true)]
    pub sms_token: Option<String>,

    /// Log filter (tracing-subscriber syntax, e.g. `info,sqlx=warn`).
    #[arg(long, env = "BIYE_LOG", default_value = "info,sqlx=warn")]
    pub log: String,

    /// Seconds an upload's whole body may take to arrive (a 5 MB photo over
    /// a slow mobile link takes well under a minute); a client trickling
    /// bytes holds a connection no longer than this.
    #[arg(long, env = "BIYE_UPLOAD_TIMEOUT", default_value_t = 120)]
    pub upload_timeout: u64,

    /// Sign-in and code attempts allowed per client address per minute
    /// (a burst of as many is allowed at once).
    #[arg(long, env = "BIYE_SIGN_IN_PER_MINUTE", default_value_t = 20)]
    pub sign_in_per_minute: u32,

    /// Certificate numbers: the year whose two-digit year code is 00 (not
    /// published; the default gives 2023 the code 22, as the demo's issued
    /// certificates carry).
    #[arg(long, env = "BIYE_CERTIFICATE_YEAR_BASE", default_value_t = 2001)]
    pub certificate_year_base: i16,

    /// Certificate numbers: the check digit's rule, `luhn` or `fixed:N` (not published).
    #[arg(long, env = "BIYE_CERTIFICATE_CHECK", default_value = "luhn")]
    pub certificate_check: String,

    /// Phone captures failing only on their backdrop get a new one behind the
    /// person, where the outline is sure: `white`, `light-blue`, `light-grey`
    /// or `off`. Reviewers see the original beside the result.
    #[arg(
        long,
        env = "BIYE_PHOTO_BACKGROUND_REPLACEMENT",
        default_value = "white"
    )]
    pub photo_background_replacement: String,
}

/// The S3 client's settings, under the names every S3 tool uses.
#[derive(Debug, Clone, Default, Args)]
pub struct S3Options {
    /// S3 endpoint (for S3-compatible stores other than AWS).
    #[arg(long = "s3-endpoint", env = "AWS_ENDPOINT")]
    pub endpoint: Option<String>,
    #[arg(long = "s3-region", env = "AWS_REGION")]
    pub region: Option<String>,
    #[arg(long = "s3-access-key-id", env = "AWS_ACCESS_KEY_ID")]
    pub access_key_id: Option<String>,
    #[arg(
        long = "s3-secret-access-key",
        env = "AWS_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    pub secret_access_key: Option<String>,
    /// Allow plain http to the endpoint (local test servers).
    #[arg(long = "s3-allow-http", env = "AWS_ALLOW_HTTP")]
    pub allow_http: bool,
}

impl S3Options {
    /// The options as `object_store` names them.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut push = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                out.push((k.to_owned(), v.clone()));
            }
        };
        push("aws_endpoint", &self.endpoint);
        push("aws_region", &self.region);
        push("aws_access_key_id", &self.access_key_id);
        push("aws_secret_access_key", &self.secret_access_key);
        if self.allow_http {
            out.push(("aws_allow_http".into(), "true".into()));
        }
        out
    }
}

impl Config {
    /// The certificate-number layout this installation is configured with.
    pub fn certificate_layout(
        &self,
    ) -> Result<crate::domain::certificate::Layout, crate::domain::certificate::BadRule> {
        Ok(crate::domain::certificate::Layout {
            year_base: self.certificate_year_base,
            check: crate::domain::certificate::CheckRule::parse(&self.certificate_check)?,
        })
    }

    /// The photo standard with this installation's background policy.
    pub fn photo_spec(&self) -> Result<photo::PhotoSpec, ConfigError> {
        let spec = photo::PhotoSpec::certificate();
        match self.photo_background_replacement.as_str() {
            "off" => Ok(spec),
            setting => spec
                .with_replacement_setting(setting)
                .ok_or_else(|| ConfigError::PhotoBackground(setting.to_string())),
        }
    }

    pub fn public_url(&self) -> url::Url {
        self.public_url.clone().unwrap_or_else(|| {
            url::Url::parse(&format!("http://{}/", self.listen))
                .expect("a socket address makes a valid URL")
        })
    }

    /// Whether the public URL only reaches this machine (demo data may be
    /// served there and nowhere else).
    pub fn public_url_is_loopback(&self) -> bool {
        let url = self.public_url();
        match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
    }

    pub fn time_zone(&self) -> Result<jiff::tz::TimeZone, ConfigError> {
        jiff::tz::TimeZone::get(&self.time_zone)
            .map_err(|e| ConfigError::TimeZone(self.time_zone.clone(), e.to_string()))
    }

    /// The configured signing keys as text (`KID:SECRET` lines), if any.
    pub fn signing_keys_text(&self) -> Result<Option<String>, ConfigError> {
        if let Some(path) = &self.signing_secret_file {
            return std::fs::read_to_string(path)
                .map(Some)
                .map_err(|e| ConfigError::SecretFile(path.display().to_string(), e));
        }
        Ok(self.signing_secret.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        c: Config,
    }

    #[test]
    fn only_loopback_public_urls_count_as_local() {
        for (url, local) in [
            ("http://127.0.0.1:8080/", true),
            ("http://localhost:8080/", true),
            ("http://[::1]:8080/", true),
            ("https://biye.example.gov.cn/", false),
            ("http://0.0.0.0:8080/", false),
            ("http://10.1.2.3/", false),
        ] {
            let t = T::try_parse_from(["t", "--public-url", url]).unwrap();
            assert_eq!(t.c.public_url_is_loopback(), local, "{url}");
        }
        let t = T::try_parse_from(["t", "--listen", "0.0.0.0:8080"]).unwrap();
        assert!(!t.c.public_url_is_loopback());
    }

    #[test]
    fn the_background_policy_names_a_reference_colour_or_is_off() {
        let spec = |v: &str| {
            T::try_parse_from(["t", "--photo-background-replacement", v])
                .unwrap()
                .c
                .photo_spec()
        };
        let rgb = |v: &str| spec(v).unwrap().fix.replace_background.map(|c| c.rgb);
        assert_eq!(rgb("white"), Some([255, 255, 255]));
        assert_eq!(rgb("light-blue"), Some([100, 197, 255]));
        assert_eq!(rgb("off"), None);
        let e = spec("green").unwrap_err().to_string();
        assert!(
            e.contains("只能是 white、light-blue、light-grey 或 off"),
            "{e}"
        );
    }
}
