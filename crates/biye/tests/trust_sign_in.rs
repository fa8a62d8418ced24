//! Trust, signing in: rate limits and lock-outs, no account enumeration, the
//! first sign-in by SMS code (and the gateway protocol), one-time staff
//! passwords. Through the real router on SQLite and PostgreSQL.

mod common;

use axum::http::{header, StatusCode};
use biye::demo::Case;
use common::{admission_of, demo_apps as demo, profile, TestApp, PASSWORD};

#[tokio::test]
async fn sign_in_flooding_gets_429_and_the_server_stays_responsive() {
    for app in TestApp::all_with(|c| c.sign_in_per_minute = 5).await {
        let mut app = app.with_demo(Case::ALL.len()).await;
        app.get("/login").await;
        let mut statuses = Vec::new();
        // Many accounts from one address (so no single account locks first).
        for i in 0..8 {
            let login = format!("02011899{i:04}");
            let (s, _, body) = app
                .post(
                    "/login",
                    &[("login", &login), ("password", "wrong-password")],
                )
                .await;
            if s == StatusCode::TOO_MANY_REQUESTS {
                assert!(body.contains("请求过于频繁"), "{body}");
            }
            statuses.push(s);
        }
        assert_eq!(
            &statuses[..5],
            &[StatusCode::UNAUTHORIZED; 5],
            "{}",
            app.backend
        );
        assert!(statuses[5..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS));
        // Meanwhile the site answers everyone else.
        let (s, _, body) = app.get("/healthz").await;
        assert_eq!((s, body.as_str()), (StatusCode::OK, "ok"));
        let (s, _, _) = app.get("/").await;
        assert_eq!(s, StatusCode::OK);
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_a_chinese_message() {
    let passing = admission_of(Case::Passing);
    let other = admission_of(Case::BachelorPassing);
    for mut app in demo().await {
        app.get("/login").await;
        for i in 0..5 {
            let (s, _, body) = app
                .post(
                    "/login",
                    &[("login", &passing), ("password", "wrong-password")],
                )
                .await;
            if i < 4 {
                assert_eq!(s, StatusCode::UNAUTHORIZED, "{}", app.backend);
            } else {
                // The fifth failure locks.
                assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
                assert!(body.contains("尝试次数过多，已暂时锁定"), "{body}");
            }
        }
        // Even the right password is refused while locked, and the page says until when.
        let (s, _, body) = app
            .post("/login", &[("login", &passing), ("password", PASSWORD)])
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert!(body.contains("后再试（约 1 分钟）"), "{body}");
        // The same person by ID number is the same account.
        let id_no = profile(&app, &passing).await.id_no;
        let (s, _, _) = app
            .post("/login", &[("login", &id_no), ("password", PASSWORD)])
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        // Other accounts are not affected.
        assert_eq!(app.sign_in(&other).await, StatusCode::SEE_OTHER);
        // The lock lives in the database: another process sees it.
        let locked = biye::db::throttle::locked_until(
            app.db.pool(),
            &format!("login:candidate:{}", candidate_id(&app, &passing).await),
            app.state.clock.now(),
        )
        .await
        .unwrap();
        assert!(locked.is_some());
    }
}

async fn candidate_id(app: &TestApp, admission_no: &str) -> i64 {
    biye::db::candidates::get_by_admission_no(app.db.pool(), &admission_no.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .0
         .0
}

#[tokio::test]
async fn staff_lock_outs_hold_too() {
    for mut app in demo().await {
        app.get("/staff/login").await;
        for _ in 0..5 {
            app.post(
                "/staff/login",
                &[("login", "sg0201"), ("password", "nope-nope-nope")],
            )
            .await;
        }
        let (s, _, body) = app
            .post(
                "/staff/login",
                &[("login", "sg0201"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{}", app.backend);
        assert!(body.contains("已暂时锁定"));
    }
}

#[tokio::test]
async fn several_registrations_are_mentioned_only_after_the_right_password() {
    let passing = admission_of(Case::Passing);
    for mut app in demo().await {
        let p = profile(&app, &passing).await;
        // A second registration of the same person (before the numbers are merged).
        sqlx::query(
            "INSERT INTO candidates (admission_no, name, gender, id_type, id_no, birth_date, password_hash, updated_at)
             SELECT '020119999999', name, gender, id_type, id_no, birth_date, password_hash, updated_at
             FROM candidates WHERE admission_no = $1",
        )
        .bind(&passing)
        .execute(app.db.pool())
        .await
        .unwrap();
        app.get("/login").await;
        let (s, _, body) = app
            .post(
                "/login",
                &[("login", &p.id_no), ("password", "wrong-password")],
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{}", app.backend);
        assert!(
            !body.contains("多个准考证号"),
            "nothing revealed without the password"
        );
        assert!(body.contains("准考证号（或证件号码）或密码错误"));
        let (s, _, body) = app
            .post("/login", &[("login", &p.id_no), ("password", PASSWORD)])
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(body.contains("请使用准考证号登录"));
        // By admission number it works.
        let (s, _, _) = app
            .post("/login", &[("login", &passing), ("password", PASSWORD)])
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn first_sign_in_by_sms_code_sets_a_password() {
    let bachelor = admission_of(Case::BachelorPassing);
    for mut app in demo().await {
        sqlx::query("UPDATE candidates SET password_hash = NULL WHERE admission_no = $1")
            .bind(&bachelor)
            .execute(app.db.pool())
            .await
            .unwrap();
        let p = profile(&app, &bachelor).await;
        // Without a password nobody signs in, and the page points to the first sign-in.
        let (s, _, body) = app
            .post("/login", &[("login", &bachelor), ("password", PASSWORD)])
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "no token yet");
        let _ = body;
        app.get("/login").await;
        let (s, _, body) = app
            .post("/login", &[("login", &bachelor), ("password", PASSWORD)])
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(body.contains("首次登录"));

        // A wrong name: the same answer as an unknown number, and no SMS.
        app.get("/password").await;
        for (login, name) in [
            (bachelor.as_str(), "不是本人"),
            ("029999999999", p.name.as_str()),
        ] {
            let (s, _, body) = app
                .post("/password", &[("login", login), ("name", name)])
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
            assert!(body.contains("与姓名不匹配"), "{body}");
        }
        assert_eq!(app.outbox.count(), 0);

        let (s, _, body) = app
            .post("/password", &[("login", &bachelor), ("name", &p.name)])
            .await;
        assert_eq!(s, StatusCode::OK);
        let masked = format!("{}****{}", &p.phone[..3], &p.phone[7..]);
        assert!(body.contains(&masked) && !body.contains(&p.phone));
        let code = app.outbox.last_code(&p.phone).unwrap();
        let ticket = hidden(&body, "ticket");
        // Asking again within a minute: told to wait, nothing sent.
        app.get("/password").await;
        let (s, _, body) = app
            .post("/password", &[("login", &bachelor), ("name", &p.name)])
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert!(body.contains("秒后再重新获取"));
        assert_eq!(app.outbox.count(), 1);

        // The password rules: at least 10 characters, not a common one.
        for (pw, why) in [("short", "至少 10 个字符"), ("1234567890", "过于常见")] {
            let (s, _, body) = reset(&mut app, &ticket, &code, pw).await;
            assert_eq!(s, StatusCode::BAD_REQUEST);
            assert!(body.contains(why), "{body}");
        }
        let good = "a sentence I will remember";
        let (s, h, _) = reset(&mut app, &ticket, &code, good).await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/me")
        );
        let (s, _, body) = app.get("/me").await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains(&p.name));
        // Single use.
        let (s, _, body) = reset(&mut app, &ticket, &code, good).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("验证码已失效"));
        // The new password signs in.
        app.post("/logout", &[]).await;
        app.get("/login").await;
        let (s, _, _) = app
            .post("/login", &[("login", &bachelor), ("password", good)])
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn codes_expire_after_ten_minutes_and_five_wrong_tries() {
    let bachelor = admission_of(Case::BachelorPassing);
    for mut app in demo().await {
        let p = profile(&app, &bachelor).await;
        app.get("/password").await;
        let (_, _, body) = app
            .post("/password", &[("login", &bachelor), ("name", &p.name)])
            .await;
        let ticket = hidden(&body, "ticket");
        let code = app.outbox.last_code(&p.phone).unwrap();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let pw = "a sentence I will remember";
        for i in 0..5 {
            let (s, _, body) = reset(&mut app, &ticket, wrong, pw).await;
            if i < 4 {
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
                assert!(body.contains("验证码不正确"));
            } else {
                assert!(
                    body.contains("验证码已失效") || body.contains("已暂时锁定"),
                    "{body}"
                );
            }
        }
        // Even the right code is now void.
        let (s, _, _) = reset(&mut app, &ticket, &code, pw).await;
        assert_ne!(s, StatusCode::SEE_OTHER);

        // A fresh code that has expired.
        sqlx::query("DELETE FROM one_time_codes")
            .execute(app.db.pool())
            .await
            .unwrap();
        sqlx::query("DELETE FROM throttle")
            .execute(app.db.pool())
            .await
            .unwrap();
        app.get("/password").await;
        let (_, _, body) = app
            .post("/password", &[("login", &bachelor), ("name", &p.name)])
            .await;
        let ticket = hidden(&body, "ticket");
        let code = app.outbox.last_code(&p.phone).unwrap();
        sqlx::query("UPDATE one_time_codes SET expires_at = $1")
            .bind(biye::db::timestamp(
                app.state.clock.now() - jiff::SignedDuration::from_secs(1),
            ))
            .execute(app.db.pool())
            .await
            .unwrap();
        let (s, _, body) = reset(&mut app, &ticket, &code, pw).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("验证码已失效"));
    }
}

/// Posts the code and a new password with the ticket of a code page.
async fn reset(
    app: &mut TestApp,
    ticket: &str,
    code: &str,
    password: &str,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let fields = [
        ("ticket", ticket),
        ("code", code),
        ("password", password),
        ("password2", password),
    ];
    app.post("/password/reset", &fields).await
}

fn hidden(body: &str, name: &str) -> String {
    common::field_value(body, name).unwrap_or_else(|| panic!("no {name} in {body}"))
}

#[tokio::test]
async fn a_one_time_staff_password_must_be_changed_before_anything_else() {
    for mut app in demo().await {
        let staff = biye::db::staff::get_by_username(app.db.pool(), "sg0201")
            .await
            .unwrap()
            .unwrap();
        // The reviewer is signed in somewhere when the administrator resets.
        app.sign_in_staff("sg0201").await;
        let before = app.cookies();
        let one_time = "temporary-one-time-pw";
        let hash = biye::passwords::hash(one_time).unwrap();
        let mut conn = app.db.pool().acquire().await.unwrap();
        biye::db::staff::reset_password(&mut conn, staff.id, &hash)
            .await
            .unwrap();
        drop(conn);
        let (s, _, _) = app.get("/staff").await;
        assert_eq!(
            s,
            StatusCode::SEE_OTHER,
            "the reset ended the old session: {}",
            app.backend
        );

        app.forget_cookies();
        app.get("/staff/login").await;
        let (s, h, _) = app
            .post(
                "/staff/login",
                &[("login", "sg0201"), ("password", one_time)],
            )
            .await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/staff/password")
        );
        // Every working page sends back to the password change.
        for page in ["/staff", "/onsite/lookup"] {
            let (s, h, _) = app.get(page).await;
            assert_eq!(
                (s, h["location"].to_str().unwrap()),
                (StatusCode::SEE_OTHER, "/staff/password"),
                "{page}"
            );
        }
        let (s, _, body) = app.get("/staff/password").await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("一次性密码"));
        let (s, _, body) = app
            .post(
                "/staff/password",
                &[
                    ("current", one_time),
                    ("password", "qwertyuiop"),
                    ("password2", "qwertyuiop"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("过于常见"));
        let new = "reviewer's own long password";
        let (s, h, _) = app
            .post(
                "/staff/password",
                &[("current", one_time), ("password", new), ("password2", new)],
            )
            .await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/staff")
        );
        let (s, _, _) = app.get("/staff").await;
        assert_eq!(s, StatusCode::OK);
        app.set_cookies(before);
        let (s, _, _) = app.get("/staff").await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
}

/// A stand-in for the province's SMS gateway on a loopback port.
async fn gateway() -> String {
    use axum::routing::post;
    use axum::Json;
    async fn ok(
        headers: axum::http::HeaderMap,
        Json(v): Json<serde_json::Value>,
    ) -> Json<serde_json::Value> {
        let authorised = headers
            .get(header::AUTHORIZATION)
            .is_some_and(|h| h == "Bearer gateway-token");
        let well_formed = v["template"] == "verification_code"
            && v["params"]["code"] == "123456"
            && v["params"]["minutes"] == 10
            && v["phone"] == "13800138000"
            && v["text"].as_str().is_some_and(|t| t.contains("123456"));
        Json(serde_json::json!({ "ok": authorised && well_formed, "error": "bad request" }))
    }
    let app = axum::Router::new()
        .route("/ok", post(ok))
        .route(
            "/down",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "down") }),
        )
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "{\"ok\": true}"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn the_http_sms_sender_speaks_the_documented_protocol_with_timeouts() {
    use biye::sms::{HttpSender, SmsError, SmsMessage, SmsSender};
    let base = gateway().await;
    let message = SmsMessage::VerificationCode {
        code: "123456".into(),
        minutes: 10,
    };
    let sender = |path: &str, token: Option<&str>| {
        HttpSender::new(
            format!("{base}{path}").parse().unwrap(),
            token.map(str::to_owned),
            std::time::Duration::from_millis(800),
        )
        .unwrap()
    };
    sender("/ok", Some("gateway-token"))
        .send("13800138000", &message)
        .await
        .expect("accepted");
    let refused = sender("/ok", Some("wrong-token"))
        .send("13800138000", &message)
        .await;
    assert!(
        matches!(refused, Err(SmsError::Refused(ref e)) if e == "bad request"),
        "{refused:?}"
    );
    let down = sender("/down", None).send("13800138000", &message).await;
    assert!(
        matches!(down, Err(SmsError::Refused(ref e)) if e.contains("500")),
        "{down:?}"
    );
    let started = std::time::Instant::now();
    let slow = sender("/slow", None).send("13800138000", &message).await;
    assert!(matches!(slow, Err(SmsError::Transport(_))), "{slow:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "the timeout holds"
    );
    // Nothing listening at all.
    let nowhere = HttpSender::new(
        "http://127.0.0.1:9/".parse().unwrap(),
        None,
        std::time::Duration::from_millis(800),
    )
    .unwrap()
    .send("13800138000", &message)
    .await;
    assert!(matches!(nowhere, Err(SmsError::Transport(_))));
}

#[tokio::test]
async fn a_failed_sms_send_is_a_clear_chinese_message() {
    let bachelor = admission_of(Case::BachelorPassing);
    let app = TestApp::all().await.remove(0);
    let mut app = app.with_demo(Case::ALL.len()).await;
    let base = gateway().await;
    app.state.sms = std::sync::Arc::new(
        biye::sms::HttpSender::new(
            format!("{base}/down").parse().unwrap(),
            None,
            std::time::Duration::from_secs(2),
        )
        .unwrap(),
    );
    let p = profile(&app, &bachelor).await;
    app.get("/password").await;
    let (s, _, body) = app
        .post("/password", &[("login", &bachelor), ("name", &p.name)])
        .await;
    assert_eq!(s, StatusCode::BAD_GATEWAY);
    assert!(body.contains("短信发送失败，请稍后再试"), "{body}");
}
