//! Trust, personal data: the access log, failed lookups counted, 500 pages
//! that show only a request id. Request logs without personal data are
//! checked in `request_log.rs`.

mod common;

use axum::http::StatusCode;
use biye::demo::Case;
use common::{admission_of, demo_apps as demo, TestApp};

#[tokio::test]
async fn every_office_lookup_is_in_the_access_log_for_the_administrator() {
    let passing = admission_of(Case::Passing);
    for mut app in demo().await {
        let code = app.state.keys.short_code(&passing, "2023H1");
        app.sign_in_staff("sg0201").await;
        let (s, _, body) = app
            .get(&format!(
                "/onsite/lookup?admission_no={passing}&code={code}"
            ))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("登记表校验通过"), "{body}");
        let (s, _, _) = app.get("/admin/access-log").await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "reviewers do not read the access log"
        );
        app.post("/logout", &[]).await;

        app.sign_in_staff("admin").await;
        let (s, _, body) = app.get("/admin/access-log").await;
        assert_eq!(s, StatusCode::OK, "{}", app.backend);
        assert!(body.contains("sg0201") && body.contains(&passing), "{body}");
        assert!(body.contains("查验《毕业生登记表》"));
        let (_, _, body) = app.get("/admin/access-log?staff=gdsk").await;
        assert!(body.contains("没有符合条件的记录"));
        let (_, _, body) = app
            .get(&format!(
                "/admin/access-log?admission_no={passing}&from=2023-06-01&to=2023-06-30"
            ))
            .await;
        assert!(body.contains("sg0201"), "{body}");
        // The log cannot be rewritten.
        let r = sqlx::query("DELETE FROM access_log")
            .execute(app.db.pool())
            .await;
        assert!(r.is_err());
    }
}

#[tokio::test]
async fn failed_lookups_are_counted_like_passwords() {
    let passing = admission_of(Case::Passing);
    for mut app in demo().await {
        app.sign_in_staff("sg0201").await;
        let mut last = String::new();
        for i in 0..11 {
            let (_, _, body) = app
                .get(&format!(
                    "/onsite/lookup?admission_no={passing}&code=ZZZZZ-{i:05}"
                ))
                .await;
            last = body;
        }
        assert!(last.contains("尝试次数过多"), "{}: {last}", app.backend);
        // Even the right code waits for the lock to pass.
        let code = app.state.keys.short_code(&passing, "2023H1");
        let (_, _, body) = app
            .get(&format!(
                "/onsite/lookup?admission_no={passing}&code={code}"
            ))
            .await;
        assert!(!body.contains("登记表校验通过"));
    }
}

#[tokio::test]
async fn an_internal_error_shows_only_the_request_id() {
    for mut app in TestApp::all().await {
        app.db.close().await;
        let (s, h, body) = app.get("/healthz").await;
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{}", app.backend);
        let id = h["x-request-id"].to_str().unwrap();
        assert!(body.contains(&format!("错误编号 {id}")), "{body}");
        assert!(!body.contains("sqlx") && !body.contains("Pool"), "{body}");
    }
}
