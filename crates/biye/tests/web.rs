//! The web skeleton through the real router: pages, sign-in, CSRF, and every
//! role trying every other role's pages.

mod common;

use axum::http::StatusCode;
use common::{TestApp, PASSWORD};

#[tokio::test]
async fn home_page_shows_the_batch_in_chinese() {
    for app in TestApp::all().await {
        let mut app = app.with_demo(20).await;
        let (status, headers, body) = app.get("/").await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        assert!(body.contains("2023 年上半年"));
        assert!(
            body.contains("正在办理"),
            "the test clock is inside the window"
        );
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        let cookie = headers["set-cookie"].to_str().unwrap();
        assert!(
            cookie.starts_with("biye_pre="),
            "first visit gets a pre-session cookie: {cookie}"
        );
    }
}

#[tokio::test]
async fn candidate_signs_in_by_admission_or_id_number() {
    for app in TestApp::all().await {
        let mut app = app.with_demo(20).await;
        let (_, profile) = biye::db::candidates::get_by_admission_no(
            app.db.pool(),
            &"020118100001".parse().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        app.get("/login").await;
        let (status, headers, _) = app
            .post(
                "/login",
                &[("login", "020118100001"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", app.backend);
        assert_eq!(headers["location"], "/me");
        let (status, _, body) = app.get("/me").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains(&profile.name));
        let (_, _, body) = app.get("/me/record?show_id=1").await;
        assert!(body.contains(&profile.id_no));

        // Sign out, then in again by ID number (lower-case x accepted).
        let (status, _, _) = app.post("/logout", &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, headers, _) = app.get("/me").await;
        assert_eq!(
            (status, headers["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/login?next=%2Fme")
        );
        let login = profile.id_no.to_ascii_lowercase();
        app.get("/login").await;
        let (status, _, _) = app
            .post("/login", &[("login", &login), ("password", PASSWORD)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_chinese_message() {
    for app in TestApp::all().await {
        let mut app = app.with_demo(20).await;
        app.get("/login").await;
        let (s1, _, b1) = app
            .post(
                "/login",
                &[("login", "020118100001"), ("password", "wrong-pass1")],
            )
            .await;
        let (s2, _, b2) = app
            .post(
                "/login",
                &[("login", "029999999999"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(s1, StatusCode::UNAUTHORIZED);
        assert_eq!(s2, StatusCode::UNAUTHORIZED);
        for b in [&b1, &b2] {
            assert!(b.contains("准考证号（或证件号码）或密码错误"));
            assert!(
                b.contains("href=\"/password\""),
                "the way to a first password"
            );
        }
        // What was typed is kept in the form.
        assert!(b2.contains("029999999999"));
        let (s3, _, b3) = app
            .post(
                "/staff/login",
                &[("login", "nobody"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(s3, StatusCode::UNAUTHORIZED);
        assert!(b3.contains("用户名或密码错误"));
    }
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    for app in TestApp::all().await {
        let mut app = app.with_demo(20).await;
        app.get("/login").await;
        let (status, _, body) = app
            .post_raw(
                "/login",
                &[("login", "020118100001"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("页面已过期或来源不明"));
        let (status, _, _) = app
            .post_raw(
                "/login",
                &[
                    ("csrf", "forged-token-forged-token-forged-token-xx"),
                    ("login", "a"),
                    ("password", "b"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A session cookie alone is not enough to sign out either.
        app.forget_cookies();
        let (status, _, _) = app.post_raw("/logout", &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn every_role_is_kept_to_its_own_pages() {
    for app in TestApp::all().await {
        let mut app = app.with_demo(20).await;
        // Anonymous: sent to the right login.
        let (s, h, _) = app.get("/me").await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/login?next=%2Fme")
        );
        let (s, h, _) = app.get("/staff").await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/staff/login?next=%2Fstaff")
        );

        // A candidate cannot open staff pages.
        app.sign_in("020118100001").await;
        let (s, _, body) = app.get("/staff").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", app.backend);
        assert!(body.contains("仅供考办工作人员使用"));
        app.post("/logout", &[]).await;

        // Each staff role signs in, sees its scope, and cannot open candidate pages.
        for (user, scope) in [
            ("sg0201", "韶关市区（0201）"),
            ("lc0202", "乐昌市（0202）"),
            ("gdsk", "全省"),
            ("admin", "全省"),
        ] {
            app.get("/staff/login").await;
            let (s, h, _) = app
                .post("/staff/login", &[("login", user), ("password", PASSWORD)])
                .await;
            assert_eq!(
                (s, h["location"].to_str().unwrap()),
                (StatusCode::SEE_OTHER, "/staff"),
                "{user}"
            );
            let (s, _, body) = app.get("/staff").await;
            assert_eq!(s, StatusCode::OK);
            assert!(body.contains(scope), "{user}: {body}");
            let (s, _, body) = app.get("/me").await;
            assert_eq!(s, StatusCode::FORBIDDEN);
            assert!(body.contains("仅供考生使用"));
            app.post("/logout", &[]).await;
        }
    }
}

#[tokio::test]
async fn unknown_pages_and_oversized_forms_get_chinese_errors() {
    for mut app in TestApp::all().await {
        let (s, _, body) = app.get("/no/such/page").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(body.contains("页面不存在"));
        app.get("/login").await;
        let big = "x".repeat(100_000);
        let (s, _, body) = app
            .post("/login", &[("login", &big), ("password", "p")])
            .await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(body.contains("提交的内容过大"));
        let (s, _, body) = app.get("/healthz").await;
        assert_eq!((s, body.as_str()), (StatusCode::OK, "ok"));
    }
}
