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

const PASSWORD: &str = "Demo@2023";

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
    let page = b.wait_for_text(&profile.name).await;
    assert!(page.contains(&profile.id_no), "{page}");

    b.click("button.link").await;
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
    let reference = biye::signing::form_reference(&app.state.secret, &admission_no, "2023H1");
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
    b.type_into("input[name=code]", "0000-0000").await;
    b.click("form[action='/onsite/lookup'] button[type=submit]")
        .await;
    b.wait_for_text("登记表校验失败").await;
}
