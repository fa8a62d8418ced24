//! `TestApp`: the real router on a real, fresh database per test.
//!
//! SQLite always (a file in a temporary directory); PostgreSQL too when
//! `BIYE_TEST_DATABASE_URL` points at a server, where each test creates its own
//! database. Tests loop over [`backends`] so one test body checks both.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use biye::config::Config;
use biye::db::Db;
use biye::web::AppState;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The `biye` binary working in `dir`: SQLite at `dir/db/biye.db`, objects in
/// `dir/objects`, the demo clock (2023-06-15 09:00, inside the batch window).
pub fn biye(dir: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_biye"));
    c.current_dir(dir)
        .env(
            "BIYE_DATABASE_URL",
            format!("sqlite://{}", dir.join("db/biye.db").display()),
        )
        .env("BIYE_OBJECT_STORE_URL", dir.join("objects"))
        .env("BIYE_NOW", "2023-06-15T09:00")
        .env("BIYE_LOG", "warn");
    c
}

/// The admission number of the demo candidate generated for `case`.
pub fn admission_of(case: biye::demo::Case) -> String {
    biye::demo::generate(biye::demo::Case::ALL.len(), 2023)
        .cases
        .into_iter()
        .find(|(_, c)| *c == case)
        .map(|(a, _)| a.to_string())
        .expect("every case is generated")
}

pub struct TestApp {
    pub db: Db,
    pub state: AppState,
    pub backend: &'static str,
    _dir: tempfile::TempDir,
    cookies: Vec<(String, String)>,
}

pub fn config(database_url: String, dir: &std::path::Path) -> Config {
    Config {
        database_url,
        object_store_url: dir.join("objects").display().to_string(),
        listen: "127.0.0.1:0".parse().expect("valid"),
        public_url: None,
        time_zone: "Asia/Shanghai".into(),
        session_secret: Some("test-secret-test-secret-test-secret!".into()),
        now: Some("2023-06-15T09:00".into()),
    }
}

/// The database URLs to run against: SQLite, and PostgreSQL when configured.
pub async fn backends() -> Vec<(&'static str, String, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut out = vec![("sqlite", sqlite, dir)];
    if let Ok(admin) = std::env::var("BIYE_TEST_DATABASE_URL") {
        out.push((
            "postgres",
            fresh_postgres(&admin).await,
            tempfile::tempdir().expect("temp dir"),
        ));
    }
    out
}

async fn fresh_postgres(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("biye_test_{:016x}", rand::random::<u64>());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to BIYE_TEST_DATABASE_URL");
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("valid postgres URL");
    url.set_path(&name);
    url.to_string()
}

impl TestApp {
    pub async fn all() -> Vec<TestApp> {
        let mut apps = Vec::new();
        for (backend, url, dir) in backends().await {
            apps.push(Self::new(backend, url, dir).await);
        }
        apps
    }

    async fn new(backend: &'static str, url: String, dir: tempfile::TempDir) -> TestApp {
        let config = config(url, dir.path());
        let db = biye::cli::open_db(&config).await.expect("open and migrate");
        let state = biye::cli::serve::build_state(&config, db.clone())
            .await
            .expect("state");
        TestApp {
            db,
            state,
            backend,
            _dir: dir,
            cookies: Vec::new(),
        }
    }

    /// Loads a small demo data set (every case at least once).
    pub async fn with_demo(self, candidates: usize) -> Self {
        biye::cli::demo::load(&self.db, candidates, 2023)
            .await
            .expect("demo data");
        self
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(
        &mut self,
        req: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let router = biye::web::router(self.state.clone());
        let res = router.oneshot(req).await.expect("router never fails");
        for v in res.headers().get_all(header::SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let Some((k, rest)) = v.split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or_default().to_owned();
            self.cookies.retain(|(n, _)| n != k);
            if !value.is_empty() {
                self.cookies.push((k.to_owned(), value));
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// Posts a form, adding the CSRF token from the cookie jar.
    pub async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let csrf = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    pub async fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let body = serde_urlencoded::to_string(fields).expect("form");
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    pub fn csrf(&self) -> String {
        self.cookies
            .iter()
            .find(|(k, _)| k == "biye_csrf")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn forget_cookies(&mut self) {
        self.cookies.clear();
    }
}
