//! The office journeys in a real browser (headless Chromium): every queue
//! worked as a reviewer works it — the keyboard (J/K, A, R + digit), the
//! photo queue's bulk approval, the on-site checklist, the final review, the
//! export and 报送, prior education, a record correction at both levels, the
//! administrator adding on-site hours — from the
//! applications of the demo batch to its registered graduates. Screenshots
//! of each page at 375 and 1280 px are kept in
//! `$CARGO_TARGET_TMPDIR/screenshots/office-*.png`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use biye::demo::Case;
use biye::domain::ApplicationState as S;
use browser::Browser;
use common::{admission_of, TestApp, PASSWORD};

async fn sign_in(b: &Browser, base: &str, user: &str) {
    b.clear_cookies().await;
    b.goto(&format!("{base}/staff/login")).await;
    b.type_into("input[name=login]", user).await;
    b.type_into("input[name=password]", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for_url(&format!("{base}/staff")).await;
}

/// Screenshots of the page at a phone's width and a desktop's; leaves 1280 px.
async fn both_widths(b: &Browser, name: &str) {
    for (w, h) in [(375, 812), (1280, 900)] {
        b.window(w, h).await;
        let path = b.screenshot(&format!("{name}-{w}")).await;
        assert!(
            std::fs::metadata(&path).is_ok_and(|m| m.len() > 1000),
            "{name}-{w}"
        );
    }
}

async fn state_of(app: &TestApp, admission_no: &str) -> S {
    common::application(app, admission_no)
        .await
        .expect("an application")
        .state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_batch_goes_from_applications_to_registered_graduates_in_the_browser() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let mut app = TestApp::all()
        .await
        .remove(0)
        .with_demo(Case::ALL.len())
        .await;
    let hk = admission_of(Case::HongKongPermit);
    let passing = admission_of(Case::Passing);
    let served = admission_of(Case::ViolationServed);
    // Candidates do their part (their pages have browser tests of their own).
    common::applied(&mut app, &hk).await;
    common::id_attachments_uploaded(&mut app, &hk).await;
    let first = common::photo_submitted(&mut app, &passing).await;
    let second = common::photo_submitted(&mut app, &served).await;
    common::clean_report(&app, first).await;
    common::clean_report(&app, second).await;
    let base = browser::serve(app.state.clone()).await;
    b.window(1280, 900).await;

    // The city: the dashboard, then ID attachments approved with A.
    sign_in(&b, &base, "sg0201").await;
    b.wait_for_text("毕业申请统计").await;
    both_widths(&b, "office-1-dashboard-city").await;
    b.click("a[href='/staff/identity']").await;
    b.wait_for_text("身份证附件审核（市考办）").await;
    both_widths(&b, "office-2-identity-queue").await;
    let hk_app = common::application(&app, &hk).await.unwrap().id;
    b.goto(&format!("{base}/staff/identity/{hk_app}")).await;
    b.wait_for_text("手持身份证").await;
    both_widths(&b, "office-3-identity-item").await;
    b.keys("a").await;
    b.wait_for_text("没有待处理的事项").await;
    assert_eq!(state_of(&app, &hk).await, S::IdentityProvincialReview);

    // Photos: both reports found nothing; bulk approval after confirming the count.
    b.goto(&format!("{base}/staff/photos")).await;
    b.wait_for_text("批量通过自动检查无问题的照片（2 张）")
        .await;
    both_widths(&b, "office-4-photo-queue").await;
    b.click("a[href='/staff/photos/bulk']").await;
    b.wait_for_text("将通过").await;
    both_widths(&b, "office-5-photo-bulk").await;
    b.click("form[action='/staff/photos/bulk'] button[type=submit]")
        .await;
    b.wait_for_text("没有待审核的照片").await;
    assert_eq!(state_of(&app, &passing).await, S::PhotoApproved);
    assert_eq!(state_of(&app, &served).await, S::PhotoApproved);

    // The province approves the ID attachments with the keyboard too.
    sign_in(&b, &base, "gdsk").await;
    b.goto(&format!("{base}/staff/identity/{hk_app}")).await;
    b.wait_for_text("市考办 韶关市区审核员 已于").await;
    b.keys("a").await;
    b.wait_for_text("没有待处理的事项").await;
    assert_eq!(state_of(&app, &hk).await, S::PhotoNeeded);

    // The candidates confirm; the administrator opens on-site hours for today.
    for who in [&passing, &served] {
        app.forget_cookies();
        app.sign_in(who).await;
        app.get("/me/application").await;
        app.post("/me/application", &[("step", "confirm")]).await;
        assert_eq!(state_of(&app, who).await, S::Submitted);
    }
    sign_in(&b, &base, "admin").await;
    b.click("a[href='/admin/batches']").await;
    b.wait_for_text("现场审核时间").await;
    let form = "form[action='/admin/batches/2023H1/sessions']";
    // Date and time pickers differ by locale: their values are set directly.
    b.script_async(&format!(
        "const f = document.querySelector(\"{form}\"); f.date.value = '2023-06-15'; \
         f.opens.value = '08:00'; f.closes.value = '18:00'; arguments[0](true);"
    ))
    .await;
    b.type_into(
        &format!("{form} input[name=location]"),
        "市教育局大楼 902 室",
    )
    .await;
    b.click(&format!("{form} button[type=submit]")).await;
    b.wait_for_text("2023-06-15 08:00 – 18:00").await;
    both_widths(&b, "office-6-admin-batches").await;
    b.goto(&format!("{base}/admin/staff")).await;
    b.wait_for_text("新建账号").await;
    both_widths(&b, "office-6b-admin-staff").await;
    b.goto(&format!("{base}/admin/audit-log")).await;
    b.wait_for_text("photo_approved").await;
    both_widths(&b, "office-6c-admin-audit-log").await;

    // On-site review: found by admission number, the checklist ticked.
    sign_in(&b, &base, "sg0201").await;
    b.goto(&format!("{base}/staff/onsite")).await;
    b.wait_for_text("现场审核（市考办）").await;
    both_widths(&b, "office-7a-onsite-queue").await;
    b.type_into("input[name=q]", &passing).await;
    b.click("form[action='/staff/onsite'] button[type=submit]")
        .await;
    b.wait_for_text("材料清单").await;
    b.click("input[value=forms]").await;
    b.click("input[value=moral]").await;
    both_widths(&b, "office-7-onsite-item").await;
    b.click("button[value=accept]").await;
    b.wait_for_text("现场审核（市考办）").await;
    assert_eq!(state_of(&app, &passing).await, S::OnsiteApproved);
    // The other returned with what is missing.
    b.type_into("input[name=q]", &served).await;
    b.click("form[action='/staff/onsite'] button[type=submit]")
        .await;
    b.wait_for_text("材料清单").await;
    b.click("input[value=forms]").await;
    b.click("button[value=return]").await;
    b.wait_for_text("现场审核（市考办）").await;
    assert_eq!(state_of(&app, &served).await, S::OnsiteRejected);

    // The province: final review with the keyboard, the export, 报送.
    sign_in(&b, &base, "gdsk").await;
    b.click("a[href='/staff/final']").await;
    b.wait_for_text("毕业复核（省考办）").await;
    both_widths(&b, "office-8a-final-queue").await;
    let passing_app = common::application(&app, &passing).await.unwrap().id;
    b.goto(&format!("{base}/staff/final/{passing_app}")).await;
    b.wait_for_text("符合毕业条件").await;
    both_widths(&b, "office-8-final-item").await;
    b.keys("a").await;
    b.wait_for_text("没有待处理的事项").await;
    assert_eq!(state_of(&app, &passing).await, S::FinalApproved);
    b.goto(&format!("{base}/staff/exports")).await;
    b.wait_for_text("将 1 名标记为已报送").await;
    both_widths(&b, "office-9-exports").await;
    b.click("form[action='/staff/exports/graduates/registered'] button")
        .await;
    b.wait_for_text("已将 1 名毕业生标记为已报送电子注册").await;
    assert_eq!(state_of(&app, &passing).await, S::Registered);

    // Prior education: R then 1 rejects with the first standard reason.
    b.goto(&format!("{base}/staff/prior-education")).await;
    b.wait_for_text("前置学历查验（省考办）").await;
    both_widths(&b, "office-10-prior-queue").await;
    let unverified = admission_of(Case::BachelorUnverified);
    let (cid, _) =
        biye::db::candidates::get_by_admission_no(app.db.pool(), &unverified.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
    b.goto(&format!("{base}/staff/prior-education/{}", cid.0))
        .await;
    b.wait_for_text("认证方式").await;
    b.keys("r1").await;
    // The page after the decision reads much like the one before: wait for the row.
    let mut status = String::new();
    for _ in 0..100 {
        let p = biye::db::prior::get(app.db.pool(), cid).await.unwrap();
        status = p.map(|p| p.status).unwrap_or_default();
        if status != "registered" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "rejected");
    // A record correction: the city (A), then the province (A) changes the record.
    let (correction, _) =
        common::name_correction_filed(&app, &served, "欧阳新名", "2023-04-01T01:00:00Z").await;
    sign_in(&b, &base, "sg0201").await;
    b.click("a[href='/staff/corrections']").await;
    b.wait_for_text("考籍信息更正审核（市考办）").await;
    both_widths(&b, "office-12a-correction-queue").await;
    b.goto(&format!("{base}/staff/corrections/{correction}"))
        .await;
    b.wait_for_text("欧阳新名").await;
    both_widths(&b, "office-12-correction-item").await;
    b.keys("a").await;
    b.wait_for_text("没有待处理的事项").await;
    sign_in(&b, &base, "gdsk").await;
    b.goto(&format!("{base}/staff/corrections/{correction}"))
        .await;
    b.wait_for_text("市考办已通过，待省考办审核").await;
    b.keys("a").await;
    b.wait_for_text("没有待处理的事项").await;
    assert_eq!(common::profile(&app, &served).await.name, "欧阳新名");

    b.goto(&format!("{base}/staff")).await;
    b.wait_for_text("毕业申请统计").await;
    both_widths(&b, "office-11-dashboard-province").await;
}
