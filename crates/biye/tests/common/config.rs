//! The configuration of a test or benchmark installation: SQLite or the
//! given database, objects in `dir`, the demo password, a fixed clock. Shared
//! by `tests/common` and `benches/support` (by path), so a new setting is
//! added in one place.

use biye::config::Config;

pub const PASSWORD: &str = "Demo-2023-pass";

pub fn config(database_url: String, dir: &std::path::Path) -> Config {
    Config {
        database_url,
        object_store_url: dir.join("objects").display().to_string(),
        s3: Default::default(),
        listen: "127.0.0.1:0".parse().expect("valid"),
        public_url: None,
        trust_proxy: false,
        time_zone: "Asia/Shanghai".into(),
        signing_secret: Some("test:test-secret-test-secret-test-secret!".into()),
        signing_secret_file: None,
        now: Some("2023-06-15T09:00".into()),
        demo_password: Some(PASSWORD.into()),
        sms_gateway: None,
        sms_token: None,
        identity_service: None,
        identity_token: None,
        face_match_service: None,
        face_match_token: None,
        log: "warn".into(),
        // High enough that only the flooding tests meet it.
        sign_in_per_minute: 10_000,
        upload_timeout: 120,
        certificate_year_base: 2001,
        certificate_check: "luhn".into(),
        photo_background_replacement: "white".into(),
    }
}
