//! The pages in a real browser (headless Chromium through ChromeDriver): the
//! forms as a person fills them in, with the CSRF cookie, redirects and
//! security headers the browser actually enforces. Skipped where Chromium is
//! not installed; `.ci/run` installs it.

#[path = "common/browser.rs"]
mod browser;
mod common;

use biye::demo::Case;
use browser::Browser;
use common::{admission_of, TestApp};

use common::PASSWORD;

/// A browser, the demo data on SQLite, and the address the app is served at.
async fn open() -> Option<(Browser, TestApp, String)> {
    let b = Browser::start().await?;
    let app = TestApp::all()
        .await
        .remove(0)
        .with_demo(Case::ALL.len())
        .await;
    let base = browser::serve(app.state.clone()).await;
    Some((b, app, base))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_signs_in_sees_the_record_and_signs_out() {
    let Some((b, app, base)) = open().await else {
        return;
    };
    let admission_no = admission_of(Case::Passing);
    let (_, profile) =
        biye::db::candidates::get_by_admission_no(app.db.pool(), &admission_no.parse().unwrap())
            .await
            .unwrap()
            .unwrap();

    b.goto(&format!("{base}/")).await;
    b.click("a[href='/login']").await;
    b.wait_for_url(&format!("{base}/login")).await;
    b.type_into("input[name=login]", &admission_no).await;
    b.type_into("input[name=password]", "wrong password").await;
    b.click("button[type=submit]").await;
    b.wait_for_text("准考证号（或证件号码）或密码错误").await;

    b.type_into("input[name=password]", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for_url(&format!("{base}/me")).await;
    b.wait_for_text(&profile.name).await;
    b.goto(&format!("{base}/me/record?show_id=1")).await;
    let page = b.wait_for_text(&profile.id_no).await;
    assert!(page.contains("确认信息"), "{page}");

    b.click("form[action='/logout'] button").await;
    b.wait_for_url(&format!("{base}/")).await;
    // Signed out for real: the record page sends the browser to the login.
    b.goto(&format!("{base}/me")).await;
    b.wait_for_url(&format!("{base}/login?next=%2Fme")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_scans_a_form_signs_in_and_lands_on_the_lookup() {
    let Some((b, app, base)) = open().await else {
        return;
    };
    let admission_no = admission_of(Case::Passing);
    let reference = app.state.keys.form_reference(&admission_no, "2023H1");
    let lookup = format!("{base}/onsite/lookup?ref={reference}");

    b.goto(&lookup).await;
    let login = format!("{base}/staff/login?next=%2Fonsite%2Flookup%3Fref%3D{reference}");
    b.wait_for_url(&login).await;
    b.type_into("input[name=login]", "sg0201").await;
    b.type_into("input[name=password]", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for_url(&lookup).await;
    let page = b.wait_for_text("登记表校验通过").await;
    assert!(page.contains(&admission_no), "{page}");
    assert!(
        page.contains("未提交毕业申请"),
        "no application in the demo: {page}"
    );

    // Typed by hand with a wrong code: called out on the same page.
    b.type_into("input[name=admission_no]", &admission_no).await;
    b.type_into("input[name=code]", "00000-00000").await;
    b.click("form[action='/onsite/lookup'] button[type=submit]")
        .await;
    b.wait_for_text("登记表校验失败").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_without_a_password_signs_in_for_the_first_time_by_sms_code() {
    let Some((b, app, base)) = open().await else {
        return;
    };
    // An imported candidate has no password until they set one.
    let admission_no = admission_of(Case::BachelorPassing);
    sqlx::query("UPDATE candidates SET password_hash = NULL WHERE admission_no = $1")
        .bind(&admission_no)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (_, profile) =
        biye::db::candidates::get_by_admission_no(app.db.pool(), &admission_no.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
    let masked = format!("{}****{}", &profile.phone[..3], &profile.phone[7..]);

    b.goto(&format!("{base}/login")).await;
    b.click("a[href='/password']").await;
    b.wait_for_url(&format!("{base}/password")).await;
    b.type_into("input[name=login]", &profile.id_no).await;
    b.type_into("input[name=name]", &profile.name).await;
    b.click("button[type=submit]").await;
    let page = b.wait_for_text("验证码已发送至").await;
    assert!(page.contains(&masked), "{page}");
    assert!(
        !page.contains(&profile.phone),
        "the full number is never shown"
    );

    let code = app
        .outbox
        .last_code(&profile.phone)
        .expect("a code was sent");
    assert_eq!(code.len(), 6);
    // A wrong code first: said so, the form stays.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    b.type_into("input[name=code]", wrong).await;
    b.type_into("input[name=password]", "一句只有我知道的话2023")
        .await;
    b.type_into("input[name=password2]", "一句只有我知道的话2023")
        .await;
    b.click("button[type=submit]").await;
    b.wait_for_text("验证码不正确").await;

    b.type_into("input[name=code]", &code).await;
    b.type_into("input[name=password]", "一句只有我知道的话2023")
        .await;
    b.type_into("input[name=password2]", "一句只有我知道的话2023")
        .await;
    b.click("button[type=submit]").await;
    b.wait_for_url(&format!("{base}/me")).await;
    b.wait_for_text(&profile.name).await;

    // The new password works from now on.
    b.click("form[action='/logout'] button").await;
    b.wait_for_url(&format!("{base}/")).await;
    b.goto(&format!("{base}/login")).await;
    b.type_into("input[name=login]", &admission_no).await;
    b.type_into("input[name=password]", "一句只有我知道的话2023")
        .await;
    b.click("button[type=submit]").await;
    b.wait_for_url(&format!("{base}/me")).await;
}

/// `BIYE_REQUIRE_ALL=1` (set by `.ci/run`) turns a skipped browser test into
/// a failure: run one of this binary's own tests with Chromium missing.
#[test]
fn a_missing_browser_fails_the_test_when_everything_is_required() {
    let exe = std::env::current_exe().expect("this test binary");
    let run = |require: &str| {
        std::process::Command::new(&exe)
            .args([
                "--exact",
                "a_candidate_signs_in_sees_the_record_and_signs_out",
                "--nocapture",
            ])
            .env("BIYE_CHROMIUM", "/nonexistent/chromium")
            .env("BIYE_REQUIRE_ALL", require)
            .output()
            .expect("the test binary runs")
    };
    let required = run("1");
    let stderr = String::from_utf8_lossy(&required.stderr);
    assert!(!required.status.success(), "{stderr}");
    assert!(stderr.contains("must not be skipped"), "{stderr}");
    let optional = run("0");
    let stderr = String::from_utf8_lossy(&optional.stderr);
    assert!(optional.status.success(), "{stderr}");
    assert!(stderr.contains("skipping"), "{stderr}");
}

/// Takes the same page at a phone's width and a desktop's.
async fn both_widths(b: &Browser, name: &str) {
    for (w, h) in [(375, 812), (1280, 900)] {
        b.window(w, h).await;
        let path = b.screenshot(&format!("{name}-{w}")).await;
        assert!(std::fs::metadata(&path)
            .map(|m| m.len() > 1000)
            .unwrap_or(false));
    }
}

/// The whole journey in the browser for a 专科 and a 本科 candidate: sign in,
/// confirm, predict, (本科: prior education), apply, take the photo on the
/// phone page with the fake camera, the city's approval (through the db
/// function its page calls), 确认提交, and the form PDF; a screenshot of every
/// step at 375 and 1280 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn associate_and_bachelor_candidates_go_from_sign_in_to_the_form_pdf_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let flags = browser::fake_camera(dir.path(), &browser::portrait_frame());
    let Some(b) = Browser::start_with(&flags).await else {
        return;
    };
    let app = TestApp::all()
        .await
        .remove(0)
        .with_demo(Case::ALL.len())
        .await;
    let base = browser::serve(app.state.clone()).await;
    for (case, level) in [
        (Case::Passing, "associate"),
        (Case::BachelorPassing, "bachelor"),
    ] {
        let admission_no = admission_of(case);
        b.window(1280, 900).await;
        b.goto(&format!("{base}/login")).await;
        b.type_into("input[name=login]", &admission_no).await;
        b.type_into("input[name=password]", PASSWORD).await;
        b.click("button[type=submit]").await;
        b.wait_for_url(&format!("{base}/me")).await;
        b.wait_for_text("尚未申请毕业").await;
        both_widths(&b, &format!("journey-{level}-01-home")).await;

        b.goto(&format!("{base}/me/record")).await;
        b.wait_for_text("基本信息维护").await;
        both_widths(&b, &format!("journey-{level}-02-record")).await;
        b.click("form[action='/me/record/confirm'] button").await;
        b.wait_for_url(&format!("{base}/me/prediction")).await;
        b.wait_for_text("毕业条件").await;
        both_widths(&b, &format!("journey-{level}-03-prediction")).await;

        if level == "bachelor" {
            b.goto(&format!("{base}/me/prior-education")).await;
            b.wait_for_text("省考办查验通过").await;
            both_widths(&b, &format!("journey-{level}-04-prior-education")).await;
            b.goto(&format!("{base}/me/prediction")).await;
            b.wait_for_text("毕业条件").await;
        }

        b.click("a.button[href='/me/application']").await;
        b.wait_for_url(&format!("{base}/me/application")).await;
        b.wait_for_text("请选择毕业办理地点").await;
        b.select("select[name=office]", "0201").await;
        b.type_into("input[name=phone]", "13609742208").await;
        both_widths(&b, &format!("journey-{level}-05-application")).await;
        b.click("form[action='/me/application'] button[type=submit]")
            .await;
        b.wait_for_url(&format!("{base}/me/status")).await;
        let page = b.wait_for_text("身份校验通过").await;
        assert!(page.contains("待采集毕业证照"), "{page}");
        both_widths(&b, &format!("journey-{level}-06-status")).await;

        // 毕业证照采集: confirm, the QR code, then the phone page (在本机上传).
        b.goto(&format!("{base}/me/photo")).await;
        b.wait_for_text("请确认学生信息").await;
        both_widths(&b, &format!("journey-{level}-07-photo-confirm")).await;
        b.click("input[name=agree]").await;
        b.click("form[action='/me/photo'] button[type=submit]")
            .await;
        b.wait_for_text("在本机上传").await;
        both_widths(&b, &format!("journey-{level}-08-photo-qr")).await;
        b.click(".qr a").await;
        b.wait_for_text("请将头顶、双眼、下巴分别对准框线").await;
        both_widths(&b, &format!("journey-{level}-09-phone-camera")).await;
        b.click("#camera button.shoot").await;
        b.wait_for_text("照片符合标准").await;
        both_widths(&b, &format!("journey-{level}-10-phone-result")).await;
        b.click("form[action$='/accept'] button").await;
        b.wait_for_text("照片已提交市考办审核").await;

        // The city approves (the queue's own test drives its page).
        let (id, _) = biye::db::candidates::get_by_admission_no(
            app.db.pool(),
            &admission_no.parse().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        let a = biye::db::applications::find(app.db.pool(), id, "2023H1")
            .await
            .unwrap()
            .unwrap();
        let mut tx = app.db.pool().begin().await.unwrap();
        biye::db::applications::transition(
            &mut tx,
            a.id,
            a.state,
            biye::domain::ApplicationEvent::PhotoApproved,
            biye::db::audit::Actor::Staff(1),
            "",
            app.state.clock.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        b.goto(&format!("{base}/me/application")).await;
        b.wait_for_text("确认提交").await;
        both_widths(&b, &format!("journey-{level}-11-confirm")).await;
        b.click("form[action='/me/application'] button[type=submit]")
            .await;
        b.wait_for_url(&format!("{base}/me/status")).await;
        b.wait_for_text("毕业申请提交成功").await;
        both_widths(&b, &format!("journey-{level}-12-submitted")).await;
        let pdf = b
            .script_async(
                "const done = arguments[arguments.length - 1];\
                 fetch('/me/form.pdf').then(r => r.arrayBuffer().then(b => done([r.headers.get('content-type'), b.byteLength])));",
            )
            .await;
        assert_eq!(pdf[0], "application/pdf", "{pdf}");
        assert!(pdf[1].as_u64().unwrap_or(0) > 50_000, "{pdf}");
        b.click("form[action='/logout'] button").await;
        b.wait_for_url(&format!("{base}/")).await;
    }
}

/// The phone capture in Chromium with a fake camera playing the shared
/// portrait: the page opens the camera, the shot is uploaded, fixed and
/// checked, and the candidate submits it; the desktop page follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phone_page_takes_the_photo_with_the_camera_and_submits_it() {
    let dir = tempfile::tempdir().unwrap();
    let flags = browser::fake_camera(dir.path(), &browser::portrait_frame());
    let Some(b) = Browser::start_with(&flags).await else {
        return;
    };
    let mut app = TestApp::all()
        .await
        .remove(0)
        .with_demo(Case::ALL.len())
        .await;
    let base = browser::serve(app.state.clone()).await;
    let passing = admission_of(Case::Passing);

    // The desktop part through the router: apply, then the QR code's link.
    common::applied(&mut app, &passing).await;
    app.get("/me/photo").await;
    let (_, _, page) = app.post("/me/photo", &[("agree", "on")]).await;
    let link = common::capture_link(&page);

    // The phone.
    b.window(375, 812).await;
    b.goto(&format!("{base}{link}")).await;
    b.wait_for_text("请确认学生信息").await;
    b.wait_for_text("请将头顶、双眼、下巴分别对准框线").await;
    b.screenshot("capture-1-camera-375").await;
    b.click("#camera button.shoot").await;
    let page = b.wait_for_text("照片符合标准").await;
    assert!(page.contains("我已摄像完成，下一步"), "{page}");
    b.screenshot("capture-2-result-375").await;
    b.click("form[action$='/accept'] button").await;
    b.wait_for_text("照片已提交市考办审核").await;
    b.screenshot("capture-3-submitted-375").await;

    // The desktop page shows the result.
    let (_, _, latest) = app.get("/me/photo/latest.json").await;
    assert!(latest.contains("\"acceptable\":true"), "{latest}");
    let (_, _, status) = app.get("/me/status").await;
    assert!(status.contains("毕业证照待市考办审核"));
}

/// A compliant photo of the candidate waiting in the city's queue.
async fn in_photo_queue(app: &mut TestApp, admission_no: &str) -> i64 {
    common::photo_submitted(app, admission_no).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_reviewer_works_the_photo_queue_with_the_keyboard() {
    let Some((b, mut app, base)) = open().await else {
        return;
    };
    // Taken in front of a warm wall: the reviewer is told the backdrop was replaced.
    let wall = photo::bench::phone_capture_on_wall([214, 186, 140]).expect("the capture");
    let first = common::photo_submitted_with(&mut app, &admission_of(Case::Passing), &wall).await;
    // The second has a photo on file, shown beside the capture with the similarity.
    let served = admission_of(Case::ViolationServed);
    common::photo_on_file(&app, &served, common::sample_photo("sample_id_3.png"), None).await;
    let second = in_photo_queue(&mut app, &served).await;
    b.goto(&format!("{base}/staff/login")).await;
    b.type_into("input[name=login]", "sg0201").await;
    b.type_into("input[name=password]", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for_url(&format!("{base}/staff")).await;
    b.click("a[href='/staff/photos']").await;
    b.wait_for_text("待审核 2 张").await;
    b.screenshot("review-1-queue-1280").await;
    b.goto(&format!("{base}/staff/photos/{first}")).await;
    b.wait_for_text("已自动替换背景").await;
    for (w, h) in [(375, 812), (1280, 900)] {
        b.window(w, h).await;
        b.screenshot(&format!("review-2-item-replaced-{w}")).await;
    }
    // A approves and moves to the next item.
    b.keys("a").await;
    b.wait_for_url(&format!("{base}/staff/photos/{second}"))
        .await;
    b.wait_for_text("人像比对一致").await;
    for (w, h) in [(375, 812), (1280, 900)] {
        b.window(w, h).await;
        b.screenshot(&format!("review-3-item-on-file-{w}")).await;
    }
    // R then 6: rejected for hair over the face.
    b.wait_for_text("自动检查").await;
    b.keys("r6").await;
    b.wait_for_url(&format!("{base}/staff/photos")).await;
    b.wait_for_text("没有待审核的照片").await;
    let state = |id: i64| {
        let pool = app.db.pool().clone();
        async move {
            let s: String =
                sqlx::query_scalar("SELECT state FROM graduation_applications WHERE id = $1")
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            s
        }
    };
    assert_eq!(state(first).await, "photo_approved");
    assert_eq!(state(second).await, "photo_rejected");
    let code: String =
        sqlx::query_scalar("SELECT reason_code FROM photo_reviews WHERE approved = 0")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(code, "hair.covers_face");
}
