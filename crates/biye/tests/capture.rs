//! 毕业证照采集 through the real router: the desktop page makes a QR link, the
//! phone page (no sign-in, the token is the credential) uploads shots that
//! are fixed and checked, answers in Chinese (page or JSON), and submits the
//! fixed photo to the city office. SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use biye::demo::Case;
use biye::domain::ApplicationState as S;
use common::{admission_of, demo_apps, TestApp};

async fn state_of(app: &TestApp, admission_no: &str) -> S {
    common::application(app, admission_no)
        .await
        .expect("an application")
        .state
}

/// Applies; the photo step is next.
async fn applied(app: &mut TestApp, admission_no: &str) {
    common::applied(app, admission_no).await;
    assert_eq!(state_of(app, admission_no).await, S::PhotoNeeded);
}

fn link_in(page: &str) -> String {
    common::capture_link(page)
}

#[tokio::test]
async fn a_phone_capture_is_fixed_checked_and_submitted_to_the_city_office() {
    let passing = admission_of(Case::Passing);
    let phone_jpeg = photo::bench::phone_capture().expect("the bench's 12 MP phone capture");
    let small = include_bytes!("../../photo/tests/photos/sample_id_3_crop.jpg");
    for mut app in demo_apps().await {
        applied(&mut app, &passing).await;
        let (_, _, page) = app.get("/me/photo").await;
        assert!(
            page.contains("我已阅读并同意本次《考试采集相关条例》") && page.contains("80–100 厘米"),
            "{page}"
        );
        let (s, _, _) = app.post("/me/photo", &[]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        let (s, _, page) = app.post("/me/photo", &[("agree", "on")]).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains("data:image/svg+xml;base64,") && page.contains("在本机上传"),
            "{page}"
        );
        let link = link_in(&page);
        let desktop = app.cookies();

        // The phone: no session at all.
        app.forget_cookies();
        let (s, _, phone) = app.get(&link).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            phone.contains("请确认学生信息") && phone.contains("name=\"photo\""),
            "{phone}"
        );
        assert!(!phone.contains("我已摄像完成"), "nothing to submit yet");

        // Too small a shot: told why, in Chinese, as JSON.
        let (s, _, json) = app
            .multipart(
                &format!("{link}/photo"),
                &[("photo", "a.jpg", small)],
                "application/json",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{json}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["acceptable"], false);
        let rules: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        assert!(
            rules.contains(&"照片像素") && rules.contains(&"照片文件大小"),
            "{rules:?}"
        );
        assert!(v["accept"].is_null());

        // A real 12 MP phone shot: fixed into the 480×640 file and accepted.
        let (s, h, _) = app
            .post_multipart(
                &format!("{link}/photo"),
                &[("photo", "IMG_0001.jpg", &phone_jpeg)],
            )
            .await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, link.as_str())
        );
        let (_, _, phone) = app.get(&link).await;
        assert!(phone.contains("照片符合标准"), "{phone}");
        assert!(phone.contains("我已摄像完成，下一步"));
        let fixed_src = {
            let at = phone.find("/fixed.jpg").unwrap();
            let start = phone[..at].rfind('"').unwrap() + 1;
            phone[start..at + "/fixed.jpg".len()].to_owned()
        };
        let (s, h, _) = app.get(&fixed_src).await;
        assert_eq!(
            (s, h["content-type"].to_str().unwrap()),
            (StatusCode::OK, "image/jpeg")
        );

        // Submitted: the link is used up.
        let (s, _, _) = app.post(&format!("{link}/accept"), &[]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, &passing).await, S::PhotoCityReview);
        let (_, _, phone) = app.get(&link).await;
        assert!(phone.contains("照片已提交市考办审核"));
        let (s, _, json) = app
            .multipart(
                &format!("{link}/photo"),
                &[("photo", "b.jpg", &phone_jpeg)],
                "application/json",
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{json}");

        // The desktop followed it.
        app.set_cookies(desktop);
        let (_, _, latest) = app.get("/me/photo/latest.json").await;
        let v: serde_json::Value = serde_json::from_str(&latest).unwrap();
        assert_eq!(v["acceptable"], true, "{latest}");
        let (_, _, status) = app.get("/me/status").await;
        assert!(status.contains("提交毕业证照") && status.contains("毕业证照待市考办审核"));
        // The fixed photo is the one the form will print.
        let printed = biye::db::photos::accepted_fixed_key(app.db.pool(), {
            let (id, _) =
                biye::db::candidates::get_by_admission_no(app.db.pool(), &passing.parse().unwrap())
                    .await
                    .unwrap()
                    .unwrap();
            id
        })
        .await
        .unwrap();
        assert!(printed.is_some());
    }
}

#[tokio::test]
async fn unknown_and_expired_links_are_gone_with_a_chinese_message() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let (s, _, page) = app.get("/capture/not-a-real-token").await;
        assert_eq!(s, StatusCode::GONE, "{}", app.backend);
        assert!(page.contains("二维码已失效"));
        applied(&mut app, &passing).await;
        app.get("/me/photo").await;
        let (_, _, page) = app.post("/me/photo", &[("agree", "on")]).await;
        let link = link_in(&page);
        sqlx::query("UPDATE capture_tokens SET expires_at = $1")
            .bind(biye::db::timestamp(
                app.state.clock.now() - jiff::SignedDuration::from_secs(1),
            ))
            .execute(app.db.pool())
            .await
            .unwrap();
        let (s, _, page) = app.get(&link).await;
        assert_eq!(s, StatusCode::GONE);
        assert!(page.contains("重新生成二维码"));
        let (s, _, _) = app
            .post_multipart(&format!("{link}/photo"), &[("photo", "a.jpg", b"x")])
            .await;
        assert_eq!(s, StatusCode::GONE);
    }
}

#[tokio::test]
async fn no_photo_before_the_identity_is_settled() {
    let hk = admission_of(Case::HongKongPermit);
    for mut app in demo_apps().await {
        common::applied(&mut app, &hk).await;
        let (_, _, page) = app.get("/me/photo").await;
        assert!(
            page.contains("身份附件还未审核通过，请等待审核结果"),
            "{page}"
        );
        assert!(!page.contains("确认无误"));
        let (s, _, _) = app.post("/me/photo", &[("agree", "on")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{}", app.backend);
    }
}

/// Uploads `shot` through the phone link, expects "请稍候" (503), and
/// returns how long the answer took.
async fn told_to_wait(app: &mut TestApp, link: &str, shot: &[u8]) -> std::time::Duration {
    let started = std::time::Instant::now();
    let (s, _, json) = app
        .multipart(
            &format!("{link}/photo"),
            &[("photo", "a.jpg", shot)],
            "application/json",
        )
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{json}");
    assert!(json.contains("请稍候"), "{json}");
    started.elapsed()
}

#[tokio::test]
async fn a_burst_of_uploads_is_told_to_wait_never_crashes() {
    let passing = admission_of(Case::Passing);
    let mut app = demo_apps().await.remove(0);
    // Every core busy: no permit comes free within the queue's wait.
    app.state.capture_permits = biye::web::capture::Permits::new(0, 8);
    applied(&mut app, &passing).await;
    app.get("/me/photo").await;
    let (_, _, page) = app.post("/me/photo", &[("agree", "on")]).await;
    let link = link_in(&page);
    let shot = photo::bench::phone_capture().unwrap();
    let waited = told_to_wait(&mut app, &link, &shot).await;
    assert!(waited < std::time::Duration::from_secs(6));
    // As many captures held as allowed: the next is told at once, without
    // queueing its bytes.
    app.state.capture_permits = biye::web::capture::Permits::new(2, 0);
    let at_once = told_to_wait(&mut app, &link, &shot).await;
    assert!(at_once < waited / 2, "{at_once:?} vs {waited:?}");
    // Nothing was stored for the refused shot.
    let (_, _, latest) = app.get("/me/photo/latest.json").await;
    assert!(latest.contains("\"photo_id\":null"), "{latest}");
}

#[tokio::test]
async fn the_record_page_shows_the_photo_on_file() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        applied(&mut app, &passing).await;
        let (_, _, record) = app.get("/me/record").await;
        assert!(record.contains("尚未采集"), "{}", app.backend);
        app.get("/me/photo").await;
        let (_, _, page) = app.post("/me/photo", &[("agree", "on")]).await;
        let link = link_in(&page);
        let desktop = app.cookies();
        let shot = photo::bench::phone_capture().unwrap();
        app.forget_cookies();
        app.post_multipart(&format!("{link}/photo"), &[("photo", "a.jpg", &shot)])
            .await;
        app.set_cookies(desktop);
        let (_, _, record) = app.get("/me/record").await;
        assert!(
            record.contains("class=\"on-file\"") && record.contains("待市考办审核"),
            "{record}"
        );
    }
}
