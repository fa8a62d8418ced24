//! `TestApp`: the real router on a real, fresh database per test.
//!
//! SQLite always (a file in a temporary directory); PostgreSQL too when
//! `BIYE_TEST_DATABASE_URL` points at a server, where each test creates its own
//! database and drops it afterwards. Tests loop over [`TestApp::all`] so one
//! test body checks both. With `BIYE_REQUIRE_ALL=1` (set by `.ci/run`) a
//! missing PostgreSQL, browser or tool fails the test instead of skipping it.

#![allow(dead_code)]

mod config;
pub mod http;
mod journeys;

// Not every test takes every step.
#[allow(unused_imports)]
pub use journeys::*;

pub use config::{config, PASSWORD};

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use biye::config::Config;
use biye::db::Db;
use biye::sms::{SendFuture, SmsMessage, SmsSender};
use biye::web::AppState;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Whether CI demands that nothing be skipped.
pub fn require_all() -> bool {
    std::env::var("BIYE_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Skips (returns false) or, under `BIYE_REQUIRE_ALL=1`, fails the test.
pub fn available(what: &str, present: bool) -> bool {
    if !present {
        assert!(
            !require_all(),
            "{what} is missing and BIYE_REQUIRE_ALL=1: this test must not be skipped"
        );
        eprintln!("{what} is missing: skipping");
    }
    present
}

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
        .env("BIYE_DEMO_PASSWORD", PASSWORD)
        .env_remove("BIYE_SIGNING_SECRET")
        .env_remove("BIYE_SIGNING_SECRET_FILE")
        .env("BIYE_LOG", "warn");
    c
}

/// A `biye` working directory ([`biye`]) with the 30-candidate demo loaded.
pub fn demo_installed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let demo = biye(dir.path())
        .args(["demo", "--candidates", "30"])
        .output()
        .expect("biye runs");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    dir
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

/// A local S3-compatible server's store for this run (a prefix of its own)
/// and options, or `None` (skip) when `BIYE_TEST_S3_ENDPOINT` names none.
pub fn s3_server() -> Option<(String, biye::config::S3Options)> {
    let endpoint = std::env::var("BIYE_TEST_S3_ENDPOINT").ok();
    if !available(
        "an S3-compatible server (BIYE_TEST_S3_ENDPOINT)",
        endpoint.is_some(),
    ) {
        return None;
    }
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let bucket = var("BIYE_TEST_S3_BUCKET", "biye-test");
    let options = biye::config::S3Options {
        endpoint,
        region: Some("us-east-1".into()),
        access_key_id: Some(var("BIYE_TEST_S3_ACCESS_KEY", "biye")),
        secret_access_key: Some(var("BIYE_TEST_S3_SECRET_KEY", "biye-secret")),
        allow_http: true,
    };
    // A prefix per test run, so that runs never see each other's objects.
    let prefix = format!(
        "run-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    Some((format!("s3://{bucket}/{prefix}"), options))
}

/// An SMS sender that keeps what it was asked to send.
#[derive(Debug, Default)]
pub struct Outbox(pub Mutex<Vec<(String, SmsMessage)>>);

impl SmsSender for Outbox {
    fn send<'a>(&'a self, phone: &'a str, message: &'a SmsMessage) -> SendFuture<'a> {
        if let Ok(mut v) = self.0.lock() {
            v.push((phone.to_owned(), message.clone()));
        }
        Box::pin(async { Ok(()) })
    }
}

impl Outbox {
    /// The newest code sent to `phone`.
    pub fn last_code(&self, phone: &str) -> Option<String> {
        let v = self.0.lock().ok()?;
        v.iter()
            .rev()
            .find(|(p, _)| p == phone)
            .map(|(_, m)| match m {
                SmsMessage::VerificationCode { code, .. } => code.clone(),
            })
    }
    pub fn count(&self) -> usize {
        self.0.lock().map_or(0, |v| v.len())
    }
}

pub struct TestApp {
    pub db: Db,
    pub state: AppState,
    pub backend: &'static str,
    pub outbox: Arc<Outbox>,
    /// The database and directory, dropped with the app.
    _backend: Backend,
    cookies: Vec<(String, String)>,
    csrf: String,
}

/// A fresh database to run against, with a working directory of its own.
pub struct Backend {
    pub name: &'static str,
    pub url: String,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database to drop afterwards, with the admin URL.
    drop: Option<(String, String)>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.drop.take() {
            drop_postgres(admin, name);
        }
    }
}

/// The databases to run against: SQLite, and PostgreSQL when configured.
pub async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut out = vec![Backend {
        name: "sqlite",
        url: sqlite,
        dir,
        drop: None,
    }];
    match std::env::var("BIYE_TEST_DATABASE_URL") {
        Ok(admin) => {
            let (url, name) = fresh_postgres(&admin).await;
            out.push(Backend {
                name: "postgres",
                url,
                dir: tempfile::tempdir().expect("temp dir"),
                drop: Some((admin, name)),
            });
        }
        // SQLite alone, said once per test only when CI demands both.
        Err(_) => assert!(
            !require_all(),
            "BIYE_TEST_DATABASE_URL is unset and BIYE_REQUIRE_ALL=1: PostgreSQL must run"
        ),
    }
    out
}

async fn fresh_postgres(admin_url: &str) -> (String, String) {
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
    (url.to_string(), name)
}

/// Drops a test's PostgreSQL database, on a thread of its own: this may run
/// inside a runtime.
fn drop_postgres(admin: String, name: String) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        if let Ok(rt) = rt {
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::Executor::execute(&mut c, sql.as_str()).await;
                }
            });
        }
    })
    .join();
}

impl TestApp {
    pub async fn all() -> Vec<TestApp> {
        let mut apps = Vec::new();
        for b in backends().await {
            apps.push(Self::new(b, |_| {}).await);
        }
        apps
    }

    /// Every backend, with the configuration changed first.
    pub async fn all_with(change: impl Fn(&mut Config) + Copy) -> Vec<TestApp> {
        let mut apps = Vec::new();
        for b in backends().await {
            apps.push(Self::new(b, change).await);
        }
        apps
    }

    async fn new(b: Backend, change: impl Fn(&mut Config)) -> TestApp {
        let mut config = config(b.url.clone(), b.dir.path());
        change(&mut config);
        let db = biye::cli::open_db(&config).await.expect("open and migrate");
        let mut state = biye::cli::serve::build_state(&config, db.clone())
            .await
            .expect("state");
        let outbox = Arc::new(Outbox::default());
        state.sms = outbox.clone();
        TestApp {
            db,
            state,
            backend: b.name,
            outbox,
            _backend: b,
            cookies: Vec::new(),
            csrf: String::new(),
        }
    }

    /// Loads a small demo data set (every case at least once).
    pub async fn with_demo(self, candidates: usize) -> Self {
        biye::cli::demo::load(
            &self.db,
            candidates,
            2023,
            Some(PASSWORD),
            self.state.clock.now(),
        )
        .await
        .expect("demo data");
        self
    }

    pub fn cookie_header(&self) -> String {
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
            if let Ok(v) = v.to_str() {
                keep_cookie(&mut self.cookies, v);
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8_lossy(&body).into_owned();
        if let Some(t) = hidden_csrf(&body) {
            self.csrf = t;
        }
        (status, headers, body)
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// Posts a form with the CSRF token of the last page that had one.
    pub async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let csrf = self.csrf.clone();
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

    /// Posts a multipart form (files as `(field, file name, bytes)`), with the
    /// CSRF token in the query as the pages' upload forms carry it.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        files: &[(&str, &str, &[u8])],
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        self.multipart(path, files, "text/html").await
    }

    /// A multipart upload asking for `accept` (e.g. `application/json`).
    pub async fn multipart(
        &mut self,
        path: &str,
        files: &[(&str, &str, &[u8])],
        accept: &str,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let boundary = "biye-test-boundary-7d3f";
        let mut body = Vec::new();
        for (field, name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let req = Request::post(format!("{path}{sep}csrf={}", self.csrf))
            .header(header::COOKIE, self.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::ACCEPT, accept)
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// The CSRF token the pages last handed out.
    pub fn csrf(&self) -> String {
        self.csrf.clone()
    }

    pub fn cookies(&self) -> Vec<(String, String)> {
        self.cookies.clone()
    }

    /// Another browser's cookies (e.g. a second device of the same person).
    pub fn set_cookies(&mut self, cookies: Vec<(String, String)>) {
        self.cookies = cookies;
    }

    pub fn forget_cookies(&mut self) {
        self.cookies.clear();
        self.csrf.clear();
    }

    /// Signs a candidate in through the form (fetching it first for a token).
    pub async fn sign_in(&mut self, login: &str) -> StatusCode {
        self.get("/login").await;
        self.post("/login", &[("login", login), ("password", PASSWORD)])
            .await
            .0
    }

    pub async fn sign_in_staff(&mut self, user: &str) -> StatusCode {
        self.get("/staff/login").await;
        let s = self
            .post("/staff/login", &[("login", user), ("password", PASSWORD)])
            .await
            .0;
        // A page of the new session, for its token.
        self.get("/staff").await;
        s
    }
}

/// Keeps the cookie a `Set-Cookie` value sets (an empty value deletes it),
/// as a browser's jar would.
pub fn keep_cookie(cookies: &mut Vec<(String, String)>, set_cookie: &str) {
    let Some((k, rest)) = set_cookie.split_once('=') else {
        return;
    };
    let value = rest.split(';').next().unwrap_or_default().to_owned();
    cookies.retain(|(n, _)| n != k);
    if !value.is_empty() {
        cookies.push((k.to_owned(), value));
    }
}

/// The value of the first field `name` of a page (`name="…" value="…"`).
pub fn field_value(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = body.find(&marker)? + marker.len();
    let end = body[at..].find('"')?;
    Some(body[at..at + end].to_owned())
}

/// The value of the first `name="csrf"` hidden field in a page.
pub fn hidden_csrf(body: &str) -> Option<String> {
    field_value(body, "csrf")
}

/// Every backend with a small demo data set (every case at least once).
pub async fn demo_apps() -> Vec<TestApp> {
    let mut out = Vec::new();
    for app in TestApp::all().await {
        out.push(app.with_demo(biye::demo::Case::ALL.len()).await);
    }
    out
}
