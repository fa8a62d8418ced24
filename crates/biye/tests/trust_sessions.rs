//! Trust, sessions and forms: CSRF on every state-changing route, session
//! rotation, idle timeouts, sign-out everywhere, the fail-closed office scope,
//! cookies and headers. Through the real router on SQLite and PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use biye::demo::Case;
use common::{admission_of, demo_apps as demo, profile, TestApp, PASSWORD};

#[tokio::test]
async fn a_cross_site_post_to_every_state_changing_route_is_refused() {
    let passing = admission_of(Case::Passing);
    for mut app in demo().await {
        let routes = biye::web::route_list(&app.state);
        let unsafe_routes: Vec<_> = routes
            .iter()
            .filter(|r| r.method != axum::http::Method::GET)
            .collect();
        assert!(unsafe_routes.len() >= 7, "{routes:?}");
        for who in ["anonymous", "candidate", "staff"] {
            app.forget_cookies();
            match who {
                "candidate" => assert_eq!(app.sign_in(&passing).await, StatusCode::SEE_OTHER),
                "staff" => assert_eq!(app.sign_in_staff("gdsk").await, StatusCode::SEE_OTHER),
                _ => {
                    app.get("/login").await;
                }
            }
            let token = app.csrf();
            for r in &unsafe_routes {
                let path = r.path.replace("{token}", "x").replace("{application}", "1");
                let body = format!("csrf={token}&login=a&password=b");
                let attempts = [
                    // A forged form on another site: the browser says so.
                    vec![("sec-fetch-site", "cross-site")],
                    vec![("origin", "https://evil.example")],
                    vec![("origin", "null")],
                ];
                for headers in attempts {
                    let mut req = Request::post(&path)
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .header(header::COOKIE, cookie_header(&app));
                    for (k, v) in &headers {
                        req = req.header(*k, *v);
                    }
                    let (s, _, page) = app.send(req.body(Body::from(body.clone())).unwrap()).await;
                    assert_eq!(s, StatusCode::FORBIDDEN, "{who} {path} {headers:?}");
                    assert!(page.contains("页面已过期或来源不明"), "{path}");
                }
                // The capture routes carry their token in the path instead: a
                // wrong one is simply gone, and nothing changes.
                if biye::web::csrf::EXEMPT.contains(&r.path) {
                    assert!(
                        r.path.starts_with("/capture/{token}/"),
                        "{}: an exemption must be a capture route",
                        r.path
                    );
                    let req = Request::post(&path)
                        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
                        .header("sec-fetch-site", "same-origin")
                        .body(Body::from("--x--\r\n"))
                        .unwrap();
                    let (s, _, _) = app.send(req).await;
                    assert_eq!(s, StatusCode::GONE, "{who} {path}");
                    continue;
                }
                // Same site but without the token, or with another visitor's.
                for body in [
                    "login=a&password=b",
                    "csrf=forged-token-forged-token-forged-token-xx&login=a",
                ] {
                    let req = Request::post(&path)
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .header(header::COOKIE, cookie_header(&app))
                        .header("sec-fetch-site", "same-origin")
                        .body(Body::from(body))
                        .unwrap();
                    let (s, _, _) = app.send(req).await;
                    assert_eq!(s, StatusCode::FORBIDDEN, "{who} {path} {body}");
                }
                // A multipart upload without the token in its query.
                let req = Request::post(&path)
                    .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
                    .header(header::COOKIE, cookie_header(&app))
                    .body(Body::from("--x--\r\n"))
                    .unwrap();
                let (s, _, _) = app.send(req).await;
                assert_eq!(s, StatusCode::FORBIDDEN, "{who} {path} multipart");
            }
        }
    }
}

fn cookie_header(app: &TestApp) -> String {
    app.cookies()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn the_anonymous_token_is_bound_to_its_visitor() {
    for mut app in demo().await {
        app.get("/login").await;
        let mine = app.csrf();
        // Another visitor (a fresh cookie jar) cannot use my token.
        app.forget_cookies();
        app.get("/").await;
        let (s, _, _) = app
            .post_raw(
                "/login",
                &[("csrf", &mine), ("login", "a"), ("password", "b")],
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", app.backend);
    }
}

#[tokio::test]
async fn signing_in_rotates_the_session_and_its_token() {
    let passing = admission_of(Case::Passing);
    let bachelor = admission_of(Case::BachelorPassing);
    for mut app in demo().await {
        app.sign_in(&passing).await;
        app.get("/me").await;
        let first_cookies = app.cookies();
        let first_token = app.csrf();
        // Signing in again (as someone else) from the same browser.
        app.sign_in(&bachelor).await;
        let (_, _, body) = app.get("/me").await;
        assert!(body.contains(&profile(&app, &bachelor).await.name));
        assert_ne!(app.csrf(), first_token, "a fresh CSRF token");
        // The old session cookie no longer works.
        app.set_cookies(first_cookies);
        let (s, h, _) = app.get("/me").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", app.backend);
        assert!(h["location"].to_str().unwrap().starts_with("/login"));
    }
}

#[tokio::test]
async fn idle_sessions_end_after_two_hours_for_candidates_and_thirty_minutes_for_staff() {
    let passing = admission_of(Case::Passing);
    for mut app in demo().await {
        for (kind, idle_minutes, page) in [("candidate", 121, "/me"), ("staff", 31, "/staff")] {
            app.forget_cookies();
            if kind == "candidate" {
                app.sign_in(&passing).await;
            } else {
                app.sign_in_staff("sg0201").await;
            }
            let (s, _, _) = app.get(page).await;
            assert_eq!(s, StatusCode::OK);
            let before = app.state.clock.now() - jiff::SignedDuration::from_mins(idle_minutes - 2);
            set_last_seen(&app, kind, before).await;
            let (s, _, _) = app.get(page).await;
            assert_eq!(s, StatusCode::OK, "{kind}: still within the idle limit");
            let long_ago = app.state.clock.now() - jiff::SignedDuration::from_mins(idle_minutes);
            set_last_seen(&app, kind, long_ago).await;
            let (s, _, _) = app.get(page).await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{kind} {}", app.backend);
        }
    }
}

async fn set_last_seen(app: &TestApp, kind: &str, t: jiff::Timestamp) {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE principal_kind = $2")
        .bind(biye::db::timestamp(t))
        .bind(kind)
        .execute(app.db.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session() {
    let passing = admission_of(Case::Passing);
    for mut app in demo().await {
        app.sign_in(&passing).await;
        let phone = app.cookies();
        app.forget_cookies();
        app.sign_in(&passing).await;
        app.get("/me").await;
        let (s, h, _) = app.post("/logout/all", &[]).await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/")
        );
        app.set_cookies(phone);
        let (s, _, _) = app.get("/me").await;
        assert_eq!(
            s,
            StatusCode::SEE_OTHER,
            "the other device is signed out: {}",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_city_reviewer_without_a_valid_office_gets_no_session() {
    for mut app in demo().await {
        app.sign_in_staff("lc0202").await;
        let (s, _, _) = app.get("/staff").await;
        assert_eq!(s, StatusCode::OK);
        // The account's office becomes unreadable: the live session ends at once.
        sqlx::query("INSERT INTO offices (code, name) VALUES ('X202', '错误代码')")
            .execute(app.db.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE staff_users SET office_code = 'X202' WHERE username = 'lc0202'")
            .execute(app.db.pool())
            .await
            .unwrap();
        let (s, _, _) = app.get("/staff").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", app.backend);
        // And signing in again gives no session, with the reason.
        app.get("/staff/login").await;
        let (s, h, body) = app
            .post(
                "/staff/login",
                &[("login", "lc0202"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(body.contains("未绑定有效的考办"), "{body}");
        assert!(h.get(header::LOCATION).is_none());
        let (s, _, _) = app.get("/onsite/lookup").await;
        assert_eq!(
            s,
            StatusCode::SEE_OTHER,
            "not province-wide: not signed in at all"
        );
    }
}

#[tokio::test]
async fn https_sites_get_host_prefixed_secure_cookies_hsts_and_no_store() {
    let https = |c: &mut biye::config::Config| {
        c.public_url = Some("https://biye.example.gov.cn/".parse().unwrap())
    };
    for app in TestApp::all_with(https).await {
        let mut app_demo = app.with_demo(Case::ALL.len()).await;
        let (_, h, _) = app_demo.get("/login").await;
        let cookie = h[header::SET_COOKIE].to_str().unwrap();
        assert!(cookie.starts_with("__Host-biye_pre="), "{cookie}");
        assert!(
            cookie.contains("; Secure") && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(!cookie.contains("Domain"));
        assert_eq!(h[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        app_demo
            .post(
                "/login",
                &[
                    ("login", &admission_of(Case::Passing)),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert!(app_demo
            .cookies()
            .iter()
            .any(|(k, _)| k == "__Host-biye_session"));
        let (s, h, _) = app_demo.get("/static/app.css").await;
        assert_eq!(s, StatusCode::OK);
        assert!(h[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age"));
    }
    // Plain http (a loopback demo): no prefix is possible, no HSTS.
    for mut app in TestApp::all().await {
        let (_, h, _) = app.get("/").await;
        assert!(h[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("biye_pre="));
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
    }
}
