//! A real browser for page tests: Debian's headless Chromium driven through
//! ChromeDriver's W3C WebDriver protocol (plain JSON over HTTP, so no client
//! library is needed), against the real router served on a loopback port.
//!
//! `Browser::start` returns `None`, and the test says it skipped, where
//! Chromium or ChromeDriver is missing (`BIYE_CHROMIUM`, `BIYE_CHROMEDRIVER`
//! override `/usr/bin/chromium` and `/usr/bin/chromedriver`); under
//! `BIYE_REQUIRE_ALL=1` a missing browser fails the test. `.ci/run` installs
//! both and sets it, so CI always runs these tests.

// Each test binary uses some of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    base: String,
    _profile: tempfile::TempDir,
}

fn binary(var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| default.into());
    path.exists().then_some(path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium session, or `None` when
    /// they are not installed.
    pub async fn start() -> Option<Browser> {
        Self::start_with(&[]).await
    }

    /// A browser with extra Chromium flags (e.g. a fake camera).
    pub async fn start_with(extra: &[String]) -> Option<Browser> {
        let (Some(chromium), Some(chromedriver)) = (
            binary("BIYE_CHROMIUM", "/usr/bin/chromium"),
            binary("BIYE_CHROMEDRIVER", "/usr/bin/chromedriver"),
        ) else {
            super::common::available("Chromium and ChromeDriver", false);
            return None;
        };
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            let ready = http.get(format!("{base}/status")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-quic",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .chain(extra.iter().cloned())
        .collect::<Vec<_>>();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        }}});
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session JSON");
        let session = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {res}"))
            .to_owned();
        Some(Browser {
            driver,
            http,
            session,
            base,
            _profile: profile,
        })
    }

    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> Result<Value, String> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        // ChromeDriver refuses a body on GET.
        if !body.is_null() {
            req = req.json(&body);
        }
        let res: Value = req
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        match res["value"].get("error") {
            Some(_) => Err(format!("webdriver {path}: {}", res["value"])),
            None => Ok(res["value"].clone()),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    async fn try_url(&self) -> Result<String, String> {
        let v = self
            .try_call(reqwest::Method::GET, "/url", Value::Null)
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// The visible text of the page, read in one step so that a page
    /// replaced meanwhile cannot leave a stale element behind.
    async fn try_text(&self) -> Result<String, String> {
        let script =
            json!({ "script": "return document.body ? document.body.innerText : '';", "args": [] });
        let v = self
            .try_call(reqwest::Method::POST, "/execute/sync", script)
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Waits (up to ten seconds) for the page to show `needle`: a click that
    /// submits a form returns before the next page has loaded.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let mut text = String::new();
        for _ in 0..100 {
            // Between pages the document may be gone: try again.
            text = self.try_text().await.unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed “{needle}”: {text}");
    }

    /// Waits (up to ten seconds) for the browser to arrive at `url`.
    pub async fn wait_for_url(&self, url: &str) {
        let mut at = String::new();
        for _ in 0..100 {
            at = self.try_url().await.unwrap_or_default();
            if at == url {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser stayed at {at}, expected {url}");
    }

    pub async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/clear"),
            json!({}),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    /// Resizes the window (375 px: a phone; 1280 px: a desktop).
    pub async fn window(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            json!({ "width": width, "height": height }),
        )
        .await;
    }

    /// Saves a PNG of the page as a test artefact and returns its path:
    /// `$CARGO_TARGET_TMPDIR/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine as _;
        let v = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }

    /// Runs an async script (its last argument is the callback) and returns
    /// what it passed back.
    pub async fn script_async(&self, body: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            json!({ "script": body, "args": [] }),
        )
        .await
    }

    /// Presses keys on the page (not in a field), one after another.
    pub async fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|k| {
                [
                    json!({ "type": "keyDown", "value": k.to_string() }),
                    json!({ "type": "keyUp", "value": k.to_string() }),
                ]
            })
            .collect();
        self.call(
            reqwest::Method::POST,
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await;
    }

    /// Forgets every cookie of the site (signs out without a form).
    pub async fn clear_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", Value::Null)
            .await;
    }

    /// Chooses an option of a `<select>` by its value.
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value='{value}']")).await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            json!({}),
        )
        .await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium; then the driver goes.
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    let _ = rt.block_on(reqwest::Client::new().delete(url).send());
                }
            })
            .join()
        });
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Serves the app's real router on a loopback port for the browser.
pub async fn serve(state: biye::web::AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let app =
            biye::web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// A one-frame Y4M video (4:2:0) of an RGB image, for Chromium's fake camera
/// (`--use-file-for-fake-video-capture`).
pub fn y4m(img: &photo::raster::Rgb) -> Vec<u8> {
    let (w, h) = (img.width & !1, img.height & !1);
    let mut out = format!("YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    let yuv = |p: [u8; 3]| {
        let (r, g, b) = (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]));
        let y = 0.299 * r + 0.587 * g + 0.114 * b;
        (y, 128.0 + 0.564 * (b - y), 128.0 + 0.713 * (r - y))
    };
    let clamp = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    for y in 0..h {
        for x in 0..w {
            out.push(clamp(yuv(img.at(x, y)).0));
        }
    }
    for plane in [1, 2] {
        for y in (0..h).step_by(2) {
            for x in (0..w).step_by(2) {
                let v = yuv(img.at(x, y));
                out.push(clamp(if plane == 1 { v.1 } else { v.2 }));
            }
        }
    }
    out
}

/// Chromium flags for a fake camera playing `frame` (written under `dir`).
pub fn fake_camera(dir: &std::path::Path, frame: &photo::raster::Rgb) -> Vec<String> {
    let video = dir.join("portrait.y4m");
    std::fs::write(&video, y4m(frame)).expect("y4m written");
    vec![
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
    ]
}

/// A 960×1280 portrait frame made from the photo bench's phone capture (the
/// shared sample portrait on its grey backdrop).
pub fn portrait_frame() -> photo::raster::Rgb {
    let capture = photo::bench::phone_capture().expect("a phone capture");
    let img = photo::decode::decode(
        &capture,
        photo::decode::Want {
            min_short_side: 1280,
            max_pixels: 50_000_000,
        },
    )
    .expect("decodes")
    .image;
    img.resample((0.0, 0.0, img.width as f32, img.height as f32), 960, 1280)
}
