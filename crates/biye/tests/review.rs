//! The city office's photo queue through the real router: scope by office and
//! role, the report drawn over the photo, approval and rejection with a
//! standard reason, two reviewers at once, bulk approval — and with it the
//! candidate's whole journey to the printed form. SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use biye::demo::Case;
use biye::domain::ApplicationState as S;
use common::{admission_of, demo_apps, TestApp};

async fn application(
    app: &TestApp,
    admission_no: &str,
) -> biye::db::applications::ApplicationSummary {
    common::application(app, admission_no)
        .await
        .expect("an application")
}

async fn photo_submitted(app: &mut TestApp, admission_no: &str) {
    common::photo_submitted(app, admission_no).await;
}

#[tokio::test]
async fn the_city_approves_the_photo_and_the_candidate_prints_the_form() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        photo_submitted(&mut app, &passing).await;
        let a = application(&app, &passing).await;
        // Only the city reviewer of the candidate's office decides.
        for (user, status) in [
            ("lc0202", StatusCode::FORBIDDEN),
            ("gdsk", StatusCode::FORBIDDEN),
            ("admin", StatusCode::FORBIDDEN),
        ] {
            app.forget_cookies();
            app.sign_in_staff(user).await;
            let (s, _, _) = app.get(&format!("/staff/photos/{}", a.id)).await;
            assert_eq!(s, status, "{user} {}", app.backend);
            let (_, _, queue) = app.get("/staff/photos").await;
            assert!(!queue.contains(&passing), "{user} sees nothing of 0201");
        }
        app.forget_cookies();
        app.sign_in_staff("sg0201").await;
        let (_, _, dash) = app.get("/staff").await;
        assert!(dash.contains("href=\"/staff/photos\""));
        let (_, _, queue) = app.get("/staff/photos").await;
        assert!(queue.contains(&passing), "{queue}");
        let (s, _, item) = app.get(&format!("/staff/photos/{}", a.id)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            item.contains("data:image/svg+xml;base64,") && item.contains("通过（A）"),
            "{item}"
        );
        assert!(item.contains("/fixed.jpg") && item.contains("/original.jpg"));
        let photo_src = format!("/staff/photos/{}/photo/", a.id);
        let at = item.find(&photo_src).unwrap();
        let src = &item[at..at + item[at..].find('"').unwrap()];
        let (s, h, _) = app.get(src).await;
        assert_eq!(
            (s, h["content-type"].to_str().unwrap()),
            (StatusCode::OK, "image/jpeg")
        );
        let (s, _, _) = app
            .post(
                &format!("/staff/photos/{}", a.id),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(application(&app, &passing).await.state, S::PhotoApproved);
        // The same decision again (a second reviewer's tab): told who decided.
        app.get(&format!("/staff/photos/{}", a.id)).await;
        let (s, _, page) = app
            .post(
                &format!("/staff/photos/{}", a.id),
                &[("decision", "reject"), ("reason", "attire.jewellery")],
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(page.contains("该申请已由韶关市区审核员于"), "{page}");
        assert_eq!(application(&app, &passing).await.state, S::PhotoApproved);

        // The candidate confirms once more and prints the form.
        app.forget_cookies();
        app.sign_in(&passing).await;
        app.get("/me/application").await;
        let (s, _, _) = app.post("/me/application", &[("step", "confirm")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, h, pdf) = app.get("/me/form.pdf").await;
        assert_eq!(
            (s, h["content-type"].to_str().unwrap()),
            (StatusCode::OK, "application/pdf")
        );
        assert!(pdf.starts_with("%PDF-"));
        let (_, _, status) = app.get("/me/status").await;
        assert!(status.contains("毕业证照审核通过（考办）"), "{status}");
    }
}

#[tokio::test]
async fn a_rejection_carries_its_standard_reason_to_the_candidate() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        photo_submitted(&mut app, &passing).await;
        let a = application(&app, &passing).await;
        app.sign_in_staff("sg0201").await;
        app.get(&format!("/staff/photos/{}", a.id)).await;
        let (s, _, page) = app
            .post(
                &format!("/staff/photos/{}", a.id),
                &[("decision", "reject"), ("reason", "")],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(page.contains("请选择不通过的原因"));
        let (s, _, _) = app
            .post(
                &format!("/staff/photos/{}", a.id),
                &[
                    ("decision", "reject"),
                    ("reason", "attire.jewellery"),
                    ("comment", "请摘下耳环"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(application(&app, &passing).await.state, S::PhotoRejected);
        let code: Option<String> =
            sqlx::query_scalar("SELECT reason_code FROM photo_reviews ORDER BY id DESC LIMIT 1")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert_eq!(
            code.as_deref(),
            Some("attire.jewellery"),
            "the engine's finding code"
        );
        app.forget_cookies();
        app.sign_in(&passing).await;
        let (_, _, status) = app.get("/me/status").await;
        assert!(
            status.contains("佩戴耳环、项链等饰品：请摘下耳环")
                && status.contains("毕业证照审核不通过"),
            "{status}"
        );
        // And the photo can be taken again.
        let (_, _, page) = app.get("/me/photo").await;
        assert!(page.contains("确认无误"));
        // The reviewer's look is in the access log.
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM access_log WHERE action = 'photo_review'")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert!(n >= 1);
    }
}

#[tokio::test]
async fn photos_with_nothing_found_are_approved_in_bulk_after_confirmation() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        photo_submitted(&mut app, &passing).await;
        let a = application(&app, &passing).await;
        common::clean_report(&app, a.id).await;
        app.sign_in_staff("sg0201").await;
        let (_, _, page) = app.get("/staff/photos/bulk").await;
        assert!(page.contains("将通过 <strong>1</strong> 张"), "{page}");
        // A stale confirmation (the count changed) does nothing.
        let (s, _, _) = app.post("/staff/photos/bulk", &[("count", "2")]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{}", app.backend);
        assert_eq!(application(&app, &passing).await.state, S::PhotoCityReview);
        app.get("/staff/photos/bulk").await;
        let (s, _, _) = app.post("/staff/photos/bulk", &[("count", "1")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(application(&app, &passing).await.state, S::PhotoApproved);
    }
}

#[tokio::test]
async fn a_capture_in_front_of_a_warm_wall_gets_a_white_backdrop_the_reviewer_sees() {
    let passing = admission_of(Case::Passing);
    // A living-room wall under warm light: fails on the backdrop alone.
    let shot = photo::bench::phone_capture_on_wall([214, 186, 140]).expect("the capture");
    for mut app in demo_apps().await {
        common::applied(&mut app, &passing).await;
        app.get("/me/photo").await;
        let (_, _, page) = app.post("/me/photo", &[("agree", "on")]).await;
        let link = common::capture_link(&page);
        let (s, _, _) = app
            .post_multipart(&format!("{link}/photo"), &[("photo", "a.jpg", &shot)])
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", app.backend);
        let (_, _, result) = app.get(&link).await;
        assert!(!result.contains("背景偏黄"), "{result}");
        let (s, _, _) = app.post(&format!("{link}/accept"), &[]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);

        app.forget_cookies();
        app.sign_in_staff("sg0201").await;
        let a = application(&app, &passing).await;
        let (_, _, item) = app.get(&format!("/staff/photos/{}", a.id)).await;
        assert!(item.contains("已自动替换背景"), "{item}");
        assert!(item.contains("背景替换为白色"), "{item}");
        assert!(item.contains("/original.jpg"));
    }
}

#[tokio::test]
async fn a_capture_under_a_warm_lamp_is_corrected_as_a_whole_and_the_reviewer_is_told() {
    let passing = admission_of(Case::Passing);
    // An off-white wall and the face under a 3000 K lamp: blue light missing.
    let shot = photo::bench::phone_capture_under_light([1.0, 0.9, 0.72]).expect("the capture");
    for mut app in demo_apps().await {
        let id = common::photo_submitted_with(&mut app, &passing, &shot).await;
        app.sign_in_staff("sg0201").await;
        let (_, _, item) = app.get(&format!("/staff/photos/{id}")).await;
        assert!(item.contains("已自动校正色彩与亮度"), "{item}");
        assert!(item.contains("全图同一线性变换"), "{item}");
        assert!(!item.contains("已自动替换背景"), "{item}");
    }
}
