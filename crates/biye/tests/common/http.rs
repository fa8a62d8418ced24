//! The real `biye serve` binary as a child process, and a browser-like HTTP
//! client for it: the crash test kills the one and drives the other, and the
//! final-day load benchmark (`benches/rush.rs`, which includes this file)
//! drives it at full speed. Unlike [`super::TestApp`] nothing here runs in
//! the test's process: what is measured and what is killed is the binary a
//! province would run.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `biye serve` process listening on a loopback port of its own.
pub struct Server {
    child: Child,
    pub base: String,
}

/// A free loopback port (the OS picks it; the listener is closed again
/// before the server binds it, which on loopback nothing else races for).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Server {
    /// Starts `command` (a `biye` command with its environment set) as
    /// `biye serve` on `port` and waits until it answers `/healthz`.
    pub fn start(mut command: Command, port: u16) -> Server {
        let base = format!("http://127.0.0.1:{port}");
        command
            .arg("serve")
            .env("BIYE_LISTEN", format!("127.0.0.1:{port}"))
            .env("BIYE_PUBLIC_URL", &base)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        let child = command.spawn().expect("biye serve starts");
        let mut server = Server { child, base };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let addr = self.base.trim_start_matches("http://").to_owned();
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait on biye serve") {
                panic!("biye serve exited before it served: {status}");
            }
            if health(&addr) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("biye serve did not answer /healthz within 120 s");
    }

    /// SIGKILL: no shutdown handler runs, no buffer is flushed.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One blocking `GET /healthz`, without an HTTP client's runtime.
fn health(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

/// A server's answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub body: bytes::Bytes,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One browser: its cookies and the CSRF token of the last page it read.
/// Clones share the connection pool but not the cookies.
#[derive(Clone)]
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
    csrf: String,
}

/// A connection pool for many [`Browser`]s: no redirects followed (the tests
/// look at them), no proxy from the environment.
pub fn pool() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client")
}

impl Browser {
    pub fn new(http: &reqwest::Client, base: &str) -> Browser {
        Browser {
            http: http.clone(),
            base: base.to_owned(),
            cookies: Vec::new(),
            csrf: String::new(),
        }
    }

    /// The same signed-in browser talking to another server of the same
    /// installation (a second process behind the load balancer).
    pub fn at(&self, base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            ..self.clone()
        }
    }

    /// A new browser on the same server and connection pool.
    pub fn signed_out(&self) -> Browser {
        Browser::new(&self.http, &self.base)
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> reqwest::Result<Answer> {
        let res = req.header("cookie", self.cookie_header()).send().await?;
        for v in res.headers().get_all("set-cookie") {
            if let Ok(v) = v.to_str() {
                super::keep_cookie(&mut self.cookies, v);
            }
        }
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = res.status().as_u16();
        let location = header("location");
        let content_type = header("content-type").unwrap_or_default();
        let body = res.bytes().await?;
        if content_type.starts_with("text/html") {
            if let Some(t) = super::hidden_csrf(&String::from_utf8_lossy(&body)) {
                self.csrf = t;
            }
        }
        Ok(Answer {
            status,
            location,
            content_type,
            body,
        })
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Result<Answer> {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// Posts a form with the CSRF token of the last page read.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Result<Answer> {
        let mut all = vec![("csrf", self.csrf.clone())];
        all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let body = serde_urlencoded::to_string(&all).expect("a form");
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req).await
    }

    /// A multipart upload of one JPEG in `field`, answered as JSON (as the
    /// phone page's script asks), with the CSRF token in the query.
    pub async fn upload_json(
        &mut self,
        path: &str,
        field: &str,
        jpeg: bytes::Bytes,
    ) -> reqwest::Result<Answer> {
        let boundary = "biye-http-boundary-5c1e";
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        let mut body = Vec::with_capacity(head.len() + jpeg.len() + tail.len());
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(&jpeg);
        body.extend_from_slice(tail.as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let req = self
            .http
            .post(format!("{}{path}{sep}csrf={}", self.base, self.csrf))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("accept", "application/json")
            .body(body);
        self.send(req).await
    }

    /// Signs a candidate (`/login`) or staff member (`/staff/login`) in;
    /// true when the server answered with the redirect of a success.
    pub async fn sign_in(
        &mut self,
        form: &str,
        login: &str,
        password: &str,
    ) -> reqwest::Result<bool> {
        self.get(form).await?;
        let a = self
            .post(form, &[("login", login), ("password", password)])
            .await?;
        Ok(a.status == 303)
    }
}

/// A signed-in candidate confirms the record and applies at 0201 (the
/// identity check passes): the photo step is next, and its page is open.
pub async fn applied(b: &mut Browser) {
    b.get("/me/record").await.expect("answers");
    b.post("/me/record/confirm", &[]).await.expect("answers");
    b.get("/me/application").await.expect("answers");
    let a = b
        .post(
            "/me/application",
            &[("office", "0201"), ("phone", "13609742208")],
        )
        .await
        .expect("answers");
    assert_eq!(a.status, 303, "{}", a.text());
    b.get("/me/photo").await.expect("answers");
}

/// The photo step's consent, answered with the phone link
/// (`/capture/{token}`), if the page gave one.
pub async fn phone_link(b: &mut Browser) -> reqwest::Result<Option<String>> {
    let page = b.post("/me/photo", &[("agree", "on")]).await?;
    Ok(capture_link(&page.text()))
}

/// `jpeg` made distinct by a comment segment holding `n` right after the
/// start marker: the same picture, other bytes, so that a content-addressed
/// store really writes each upload.
pub fn distinct(jpeg: &[u8], n: u64) -> bytes::Bytes {
    let text = format!("biye upload {n}");
    let mut out = Vec::with_capacity(jpeg.len() + text.len() + 4);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((text.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&jpeg[2..]);
    out.into()
}

/// The phone link (`/capture/{token}`) in a page.
pub fn capture_link(page: &str) -> Option<String> {
    let at = page.find("href=\"/capture/")? + "href=\"".len();
    let end = page[at..].find('"')?;
    Some(page[at..at + end].to_owned())
}

/// Loads the demo data set for `candidates` candidates with `command` (a
/// `biye` command with its environment set), as `biye demo` does.
pub fn load_demo(mut command: Command, candidates: usize) {
    let out = command
        .args(["demo", "--candidates", &candidates.to_string()])
        .output()
        .expect("biye demo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `biye` commands for an installation in `dir` on `database_url` (the demo
/// clock and password, as [`super::biye`]).
pub fn installation(dir: &Path, database_url: &str) -> Command {
    let mut c = super::biye(dir);
    c.env("BIYE_DATABASE_URL", database_url);
    c
}
