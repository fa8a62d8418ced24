//! What the office benchmarks share: a demo installation in a temporary
//! directory (SQLite, local objects), applications seeded in bulk in one
//! state with a stored photo each, and a staff session on the real router.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[path = "../../tests/common/config.rs"]
mod config;

pub use config::PASSWORD;

pub struct Install {
    pub db: biye::db::Db,
    pub state: biye::web::AppState,
    _dir: tempfile::TempDir,
}

pub async fn install(candidates: usize) -> Install {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = biye::config::Config {
        // Benchmarks sign in far more often than any test.
        sign_in_per_minute: 1_000_000,
        ..config::config(
            format!("sqlite://{}", dir.path().join("b.db").display()),
            dir.path(),
        )
    };
    let db = biye::cli::open_db(&config).await.expect("database");
    let state = biye::cli::serve::build_state(&config, db.clone())
        .await
        .expect("state");
    biye::cli::demo::load(&db, candidates, 2023, Some(PASSWORD), state.clock.now())
        .await
        .expect("demo data");
    Install {
        db,
        state,
        _dir: dir,
    }
}

/// `n` more candidates of office 0201, each with an application in `state`
/// (and a certificate when final-approved), all sharing one stored photo.
/// Inserted in one transaction, as fast as SQLite takes rows.
pub async fn seed(i: &Install, n: usize, state: &str) {
    let pool = i.db.pool();
    let jpeg = include_bytes!("../../../forms/tests/photo.jpg");
    let key = i
        .state
        .storage
        .put(bytes::Bytes::from_static(jpeg))
        .await
        .expect("stored");
    let plan: i64 = sqlx::query_scalar("SELECT id FROM plans ORDER BY id LIMIT 1")
        .fetch_one(pool)
        .await
        .expect("a plan");
    let report = serde_json::json!({
        "report": photo::Report::new("cert", Default::default(), vec![], Default::default()),
        "steps": [], "reasons": []
    })
    .to_string();
    let mut tx = pool.begin().await.expect("tx");
    for k in 0..n {
        let admission = format!("0201229{k:05}");
        let id_no = format!("4402{k:014}");
        let cid: i64 = sqlx::query_scalar(
            "INSERT INTO candidates (admission_no, name, gender, id_type, id_no, birth_date, ethnicity, office_code, updated_at)
             VALUES ($1, $2, 'male', 'resident_id', $3, '1990-01-01', '01', '0201', '2023-06-01T00:00:00Z') RETURNING id",
        )
        .bind(&admission)
        .bind(format!("考生{k}"))
        .bind(&id_no)
        .fetch_one(&mut *tx)
        .await
        .expect("candidate");
        let aid: i64 = sqlx::query_scalar(
            "INSERT INTO graduation_applications (candidate_id, batch_code, plan_id, office_code, phone, state, created_at, updated_at)
             VALUES ($1, '2023H1', $2, '0201', '13800000000', $3, '2023-06-15T01:00:00Z', $4) RETURNING id",
        )
        .bind(cid)
        .bind(plan)
        .bind(state)
        .bind(format!("2023-06-15T01:{:02}:{:02}Z", (k / 60) % 60, k % 60))
        .fetch_one(&mut *tx)
        .await
        .expect("application");
        sqlx::query(
            "INSERT INTO photos (candidate_id, application_id, original_key, fixed_key, report, compliant, uploaded_at)
             VALUES ($1, $2, $3, $3, $4, 1, '2023-06-15T01:00:00Z')",
        )
        .bind(cid)
        .bind(aid)
        .bind(&key)
        .bind(&report)
        .execute(&mut *tx)
        .await
        .expect("photo");
        if state == "final_approved" {
            sqlx::query(
                "INSERT INTO certificates (candidate_id, certificate_no, major_code, level, issued_on, application_id)
                 VALUES ($1, $2, (SELECT major_code FROM plans WHERE id = $3), 'associate', '2023-06-30', $4)",
            )
            .bind(cid)
            .bind(format!("66440201231{k:05}0"))
            .bind(plan)
            .bind(aid)
            .execute(&mut *tx)
            .await
            .expect("certificate");
        }
    }
    tx.commit().await.expect("commit");
}

/// The cookies of a signed-in person.
pub struct Session {
    pub cookie: String,
}

fn cookies_of(res: &axum::http::Response<Body>, jar: &mut Vec<(String, String)>) {
    for v in res.headers().get_all(header::SET_COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        let Some((k, rest)) = v.split_once('=') else {
            continue;
        };
        let value = rest.split(';').next().unwrap_or_default().to_owned();
        jar.retain(|(n, _)| n != k);
        if !value.is_empty() {
            jar.push((k.to_owned(), value));
        }
    }
}

fn header_of(jar: &[(String, String)]) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Signs a staff member in with the demo password.
pub async fn sign_in(i: &Install, user: &str) -> Session {
    sign_in_at(i, "/staff/login", user).await
}

/// Signs a candidate in with the demo password.
pub async fn sign_in_candidate(i: &Install, admission_no: &str) -> Session {
    sign_in_at(i, "/login", admission_no).await
}

/// The sign-in form at `path` (staff or candidate), as a browser fills it in.
async fn sign_in_at(i: &Install, path: &str, login: &str) -> Session {
    let mut jar = Vec::new();
    let res = biye::web::router(i.state.clone())
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("served");
    cookies_of(&res, &mut jar);
    let body = String::from_utf8(
        res.into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec(),
    )
    .expect("utf-8");
    let marker = "name=\"csrf\" value=\"";
    let at = body.find(marker).expect("a token") + marker.len();
    let csrf = &body[at..at + body[at..].find('"').expect("end")];
    let form =
        serde_urlencoded::to_string([("csrf", csrf), ("login", login), ("password", PASSWORD)])
            .expect("form");
    let res = biye::web::router(i.state.clone())
        .oneshot(
            Request::post(path)
                .header(header::COOKIE, header_of(&jar))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .expect("request"),
        )
        .await
        .expect("served");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed in");
    cookies_of(&res, &mut jar);
    Session {
        cookie: header_of(&jar),
    }
}

/// GETs a page on a router built once; returns the body.
pub async fn get(router: &axum::Router, s: &Session, path: &str) -> bytes::Bytes {
    let res = router
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("served");
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.into_body().collect().await.expect("body").to_bytes()
}
