//! Hostile uploads through the real router, on the phone's capture upload
//! (the largest body the site takes) and the ID-card attachments: each is
//! answered with a clear Chinese message, within bounded time and memory,
//! and the server goes on serving others meanwhile.
//!
//! Memory is measured as the growth of this process's peak resident set
//! (`VmHWM`); the cases run one after another in one test so that nothing
//! else runs beside them.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use biye::demo::Case;
use common::{admission_of, demo_apps, TestApp};
use http_body_util::BodyExt;
use tower::ServiceExt;

const BOUNDARY: &str = "hostile-boundary-5c1e";

/// Peak resident memory of this process so far, in MB (Linux).
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// Padded past the capture's 50 KB floor, so the decoder is what refuses.
fn padded(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.resize(bytes.len().max(60 * 1024), 0);
    bytes
}

/// A PNG whose header promises 100,000 × 100,000 pixels (30 GB decoded).
fn png_bomb() -> Vec<u8> {
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    // A little zlib stream of zeros, as a real bomb would carry.
    out.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    ));
    out.extend(png_chunk(b"IEND", &[]));
    padded(out)
}

/// A real JPEG whose frame header says 65,000 × 65,000.
fn jpeg_bomb() -> Vec<u8> {
    let mut out = include_bytes!("../../forms/tests/photo.jpg").to_vec();
    let at = out
        .windows(2)
        .position(|m| m == [0xFF, 0xC0] || m == [0xFF, 0xC2])
        .expect("a frame header");
    out[at + 5..at + 7].copy_from_slice(&65_000u16.to_be_bytes());
    out[at + 7..at + 9].copy_from_slice(&65_000u16.to_be_bytes());
    padded(out)
}

/// A lossless WebP (VP8L) whose header says 16,384 × 16,384 (1 GB decoded).
/// image-webp reads this header as 0 × 0, which the capture's size gate
/// refuses before any decoder runs; either way no pixel buffer is made.
fn webp_bomb() -> Vec<u8> {
    let side = 16_383u32; // stored as size − 1, 14 bits each
    let bits = side | (side << 14);
    let mut vp8l = vec![0x2f];
    vp8l.extend_from_slice(&bits.to_le_bytes());
    vp8l.extend_from_slice(&[0u8; 64]);
    let mut body = b"WEBPVP8L".to_vec();
    body.extend_from_slice(&(vp8l.len() as u32).to_le_bytes());
    body.extend_from_slice(&vp8l);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    padded(out)
}

fn pretending(markup: &str) -> Vec<u8> {
    let mut s = markup.to_owned();
    while s.len() < 60 * 1024 {
        s.push_str("<!-- filler -->");
    }
    s.into_bytes()
}

/// Uploads `bytes` as the phone would (asking for JSON); the status, the
/// error shown, and the time it took.
async fn upload(
    app: &mut TestApp,
    link: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, String, Duration) {
    let t = Instant::now();
    let (s, _, body) = app
        .multipart(
            &format!("{link}/photo"),
            &[("photo", name, bytes)],
            "application/json",
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let shown = match v["error"].as_str() {
        Some(e) => e.to_owned(),
        None => v["findings"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|x| x["advice"].as_str())
                    .collect::<Vec<_>>()
                    .join("；")
            })
            .unwrap_or_default(),
    };
    (s, shown, t.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bombs_disguises_and_broken_files_are_refused_in_chinese_within_bounds() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let link = common::phone_link(&mut app, &passing).await;
        let shot = photo::bench::phone_capture().expect("the phone capture");
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("PNG bomb", png_bomb(), "像素"),
            ("JPEG bomb", jpeg_bomb(), "像素"),
            ("WebP bomb", webp_bomb(), "像素"),
            ("SVG named .jpg", pretending(svg), "无法读取"),
            (
                "HTML named .jpg",
                pretending("<html><body><script>alert(1)</script>"),
                "无法读取",
            ),
            (
                "truncated JPEG",
                shot[..shot.len() * 3 / 5].to_vec(),
                "不完整",
            ),
        ];
        let before = peak_mb();
        for (what, bytes, says) in cases {
            let (s, shown, took) = upload(&mut app, &link, "photo.jpg", &bytes).await;
            println!(
                "{}: {what}: HTTP {} in {:?}: {shown}",
                app.backend,
                s.as_u16(),
                took
            );
            assert!(s.is_client_error() || s == StatusCode::OK, "{what}: {s}");
            assert!(
                shown.contains(says) && has_chinese(&shown),
                "{what}: {shown}"
            );
            assert!(took < Duration::from_secs(5), "{what}: {took:?}");
        }
        let grown = peak_mb() - before;
        println!(
            "{}: peak memory grew {grown:.0} MB over the six",
            app.backend
        );
        assert!(grown < 256.0, "{grown} MB");
    }
}

#[tokio::test]
async fn polyglots_are_served_back_only_as_images() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let link = common::phone_link(&mut app, &passing).await;
        let shot = photo::bench::phone_capture().expect("the phone capture");
        for tail in [
            &b"<html><script>alert(document.cookie)</script></html>"[..],
            &b"PK\x03\x04\x14\x00\x00\x00\x08\x00evil.exe"[..],
        ] {
            let mut polyglot = shot.clone();
            polyglot.extend_from_slice(tail);
            let (s, _, body) = app
                .multipart(
                    &format!("{link}/photo"),
                    &[("photo", "p.jpg", &polyglot)],
                    "application/json",
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{body}");
            let v: serde_json::Value = serde_json::from_str(&body).expect("json");
            let original = v["original"].as_str().expect("original's address");
            let (s, h, _) = app.get(original).await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(h[header::CONTENT_TYPE], "image/jpeg");
            assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert!(h[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("default-src 'self'"));
            // The fixed file is re-encoded: nothing of the tail survives.
            let fixed = v["fixed"].as_str().expect("fixed's address");
            let bytes = app
                .state
                .storage
                .get(&fixed_key(&app, fixed).await)
                .await
                .expect("stored");
            assert!(!bytes.windows(7).any(|w| w == b"<script" || w == b"evil.ex"));
        }
    }
}

/// The object key of the photo behind a `/capture/…/photo/{id}/fixed.jpg` address.
async fn fixed_key(app: &TestApp, address: &str) -> String {
    let id: i64 = address
        .rsplit('/')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("photo id");
    sqlx::query_scalar("SELECT fixed_key FROM photos WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .expect("the photo row")
}

/// A streaming multipart body: the photo part's header, then `chunks` of
/// `chunk` bytes, each pulled counted in `pulled`, `pause` apart.
fn stream_body(chunks: usize, chunk: usize, pause: Duration, pulled: Arc<AtomicUsize>) -> Body {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    );
    let first =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) });
    let rest = futures_util::stream::unfold(0usize, move |i| {
        let pulled = pulled.clone();
        async move {
            if i >= chunks {
                return None;
            }
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            pulled.fetch_add(chunk, Ordering::SeqCst);
            Some((Ok(Bytes::from(vec![0xAB; chunk])), i + 1))
        }
    });
    Body::from_stream(futures_util::StreamExt::chain(first, rest))
}

fn multipart_request(app: &TestApp, link: &str, body: Body) -> Request<Body> {
    Request::post(format!("{link}/photo?csrf={}", app.csrf()))
        .header(header::COOKIE, app.cookie_header())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::ACCEPT, "application/json")
        .body(body)
        .expect("request")
}

async fn answer(app: &TestApp, req: Request<Body>) -> (StatusCode, String) {
    let res = biye::web::router(app.state.clone())
        .oneshot(req)
        .await
        .expect("router");
    let status = res.status();
    let body = res
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_gigabyte_body_is_cut_off_at_the_limit_not_read() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let link = common::phone_link(&mut app, &passing).await;
        let pulled = Arc::new(AtomicUsize::new(0));
        // 16,384 chunks of 64 KB: a gigabyte, if anyone read it all.
        let body = stream_body(16_384, 64 * 1024, Duration::ZERO, pulled.clone());
        let t = Instant::now();
        let (s, text) = answer(&app, multipart_request(&app, &link, body)).await;
        let read = pulled.load(Ordering::SeqCst) as f64 / 1_048_576.0;
        println!(
            "{}: 1 GB body: HTTP {} after {read:.0} MB in {:?}: {text}",
            app.backend,
            s.as_u16(),
            t.elapsed()
        );
        assert!(s.is_client_error(), "{s}");
        assert!(text.contains("过大") && has_chinese(&text), "{text}");
        assert!(read < 40.0, "{read} MB read");
    }
}

#[tokio::test]
async fn ten_thousand_tiny_parts_are_refused_after_a_few() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let link = common::phone_link(&mut app, &passing).await;
        let mut body = String::new();
        for i in 0..10_000 {
            body.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x{i}\"\r\n\r\nx\r\n"
            ));
        }
        body.push_str(&format!("--{BOUNDARY}--\r\n"));
        let t = Instant::now();
        let (s, text) = answer(&app, multipart_request(&app, &link, Body::from(body))).await;
        println!(
            "{}: 10,000 parts: HTTP {} in {:?}: {text}",
            app.backend,
            s.as_u16(),
            t.elapsed()
        );
        assert!(s.is_client_error(), "{s}");
        assert!(has_chinese(&text), "{text}");
        assert!(t.elapsed() < Duration::from_secs(2));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_upload_times_out_and_others_are_served_meanwhile() {
    let passing = admission_of(Case::Passing);
    for app in TestApp::all_with(|c| c.upload_timeout = 2).await {
        let mut app = app.with_demo(Case::ALL.len()).await;
        let link = common::phone_link(&mut app, &passing).await;
        let pulled = Arc::new(AtomicUsize::new(0));
        // One byte every quarter second, for ever (well: an hour).
        let body = stream_body(14_400, 1, Duration::from_millis(250), pulled.clone());
        let slow = answer(&app, multipart_request(&app, &link, body));
        let others = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let t = Instant::now();
            let res = biye::web::router(app.state.clone())
                .oneshot(Request::get("/login").body(Body::empty()).expect("request"))
                .await
                .expect("router");
            (res.status(), t.elapsed())
        };
        let t = Instant::now();
        let ((s, text), (other, other_took)) = tokio::join!(slow, others);
        println!(
            "{}: trickle: HTTP {} after {:?} ({} bytes): {text}; /login meanwhile {} in {other_took:?}",
            app.backend,
            s.as_u16(),
            t.elapsed(),
            pulled.load(Ordering::SeqCst),
            other.as_u16()
        );
        assert!(text.contains("上传超时"), "{text}");
        assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
        assert_eq!(other, StatusCode::OK);
        assert!(other_took < Duration::from_secs(1), "{other_took:?}");
    }
}

#[tokio::test]
async fn a_body_that_breaks_off_inside_the_photo_is_told_in_chinese() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let link = common::phone_link(&mut app, &passing).await;
        // The photo part starts and the body ends: no closing boundary.
        let body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\r\npartial"
        );
        let (s, text) = answer(&app, multipart_request(&app, &link, Body::from(body))).await;
        assert!(s.is_client_error(), "{s}");
        assert!(text.contains("上传未完成或内容不完整"), "{text}");
        assert!(
            !text.contains("stream"),
            "the parser's English stays in the log: {text}"
        );
    }
}
