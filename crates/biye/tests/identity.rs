//! The authority's identity service over HTTP, against a stand-in on a
//! loopback port: the documented request, an answer either way, retries on
//! 5xx and silence, bounded time, and what the candidate sees when it is down.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Json;
use biye::demo::Case;
use biye::identity::{HttpVerifier, IdentityError};
use common::{admission_of, demo_apps, profile};

async fn authority() -> (String, Arc<AtomicUsize>) {
    let flaky = Arc::new(AtomicUsize::new(0));
    let counter = flaky.clone();
    let app = axum::Router::new()
        .route(
            "/match",
            post(
                |h: HeaderMap, Json(q): Json<serde_json::Value>| async move {
                    let ok = h
                        .get(header::AUTHORIZATION)
                        .is_some_and(|v| v == "Bearer id-token")
                        && q["id_type"].is_string()
                        && q["id_no"].is_string()
                        && q["name"].is_string()
                        && q["birth_date"].as_str().is_some_and(|d| d.len() == 10)
                        && q["gender"].is_string();
                    Json(serde_json::json!({ "match": ok, "reason": "请求不完整" }))
                },
            ),
        )
        .route(
            "/mismatch",
            post(|| async {
                Json(serde_json::json!({ "match": false, "reason": "与公安人口库照片不符" }))
            }),
        )
        .route(
            "/flaky",
            post(move || {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 2 {
                        (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({})))
                    } else {
                        (StatusCode::OK, Json(serde_json::json!({ "match": true })))
                    }
                }
            }),
        )
        .route(
            "/down",
            post(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Json(serde_json::json!({ "match": true }))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), flaky)
}

fn verifier(base: &str, path: &str) -> HttpVerifier {
    HttpVerifier::new(
        format!("{base}{path}").parse().unwrap(),
        Some("id-token".into()),
        Duration::from_millis(300),
    )
    .unwrap()
}

#[tokio::test]
async fn the_http_verifier_speaks_the_protocol_and_retries_what_may_be_retried() {
    let (base, flaky) = authority().await;
    let app = demo_apps().await.remove(0);
    let p = profile(&app, &admission_of(Case::Passing)).await;
    let v = verifier(&base, "/match").check(&p).await.unwrap();
    assert!(v.passed && v.source == "authority", "{v:?}");
    let v = verifier(&base, "/mismatch").check(&p).await.unwrap();
    assert!(!v.passed);
    assert_eq!(v.detail, "与公安人口库照片不符");
    // Two 503s, then an answer: retried.
    let v = verifier(&base, "/flaky").check(&p).await.unwrap();
    assert!(v.passed);
    assert_eq!(flaky.load(Ordering::SeqCst), 3);
    let down = verifier(&base, "/down").check(&p).await;
    assert!(matches!(down, Err(IdentityError::Unavailable(_))));
    // Silence: three attempts of 0.3 s and 1 s of backoff, then an answer.
    let started = Instant::now();
    let slow = verifier(&base, "/slow").check(&p).await;
    assert!(matches!(slow, Err(IdentityError::Unavailable(_))));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn applying_uses_the_configured_service() {
    let (base, _) = authority().await;
    let passing = admission_of(Case::Passing);
    for (path, expect) in [("/mismatch", Some("与公安人口库照片不符")), ("/down", None)] {
        for mut app in demo_apps().await {
            app.state.identity = Arc::new(verifier(&base, path));
            app.sign_in(&passing).await;
            let (s, page) = common::apply_at_0201(&mut app).await;
            match expect {
                Some(reason) => {
                    assert_eq!(s, StatusCode::SEE_OTHER, "{}", app.backend);
                    let (_, _, status) = app.get("/me/status").await;
                    assert!(
                        status.contains(reason) && status.contains("身份校验未通过"),
                        "{status}"
                    );
                }
                None => {
                    // Down: the candidate is told to retry and nothing was filed.
                    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
                    assert!(page.contains("系统繁忙，请稍候再试"));
                    let (_, _, form) = app.get("/me/application").await;
                    assert!(form.contains(">申请</button>"));
                }
            }
        }
    }
}
