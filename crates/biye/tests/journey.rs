//! The candidate's journey through the real router on SQLite and PostgreSQL:
//! 确认信息 → 毕业预测 → 毕业申请 (with the identity check) → 办理状态 → the
//! second 确认提交 → the form PDF. Reviewers' decisions (photo approval) are
//! driven through the same `db` functions the office pages will call.

mod common;

use axum::http::StatusCode;
use biye::db::applications::{self, TransitionFailure};
use biye::db::audit::Actor;
use biye::demo::Case;
use biye::domain::{ApplicationEvent as E, ApplicationState as S, CandidateId};
use common::{admission_of, demo_apps, profile, TestApp};

async fn application(
    app: &TestApp,
    admission_no: &str,
) -> Option<biye::db::applications::ApplicationSummary> {
    common::application(app, admission_no).await
}

/// What the photo journey and the city's review will do.
async fn photo_approved(app: &TestApp, admission_no: &str) {
    let a = application(app, admission_no).await.unwrap();
    let now = app.state.clock.now();
    let mut tx = app.db.pool().begin().await.unwrap();
    let s = applications::transition(
        &mut tx,
        a.id,
        a.state,
        E::PhotoSubmitted,
        Actor::System,
        "",
        now,
    )
    .await
    .unwrap();
    applications::transition(&mut tx, a.id, s, E::PhotoApproved, Actor::Staff(1), "", now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn confirm_record(app: &mut TestApp) {
    app.get("/me/record").await;
    let (s, h, _) = app.post("/me/record/confirm", &[]).await;
    assert_eq!(
        (s, h["location"].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/me/prediction")
    );
}

#[tokio::test]
async fn a_passing_candidate_goes_from_sign_in_to_the_form_pdf() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let p = profile(&app, &passing).await;
        assert_eq!(app.sign_in(&passing).await, StatusCode::SEE_OTHER);
        let (s, _, home) = app.get("/me").await;
        assert_eq!(s, StatusCode::OK, "{}", app.backend);
        assert!(
            home.contains("2023 年上半年") && home.contains("尚未申请毕业"),
            "{home}"
        );
        assert!(
            home.contains("提交《毕业生登记表》及材料"),
            "deadlines still ahead"
        );
        assert!(
            !home.contains("转考、免考、考籍信息更正办结"),
            "1 May has passed"
        );

        // Not yet confirmed: no application form.
        let (_, _, page) = app.get("/me/application").await;
        assert!(page.contains("请先在“确认信息”页面核对考籍信息"), "{page}");
        assert!(!page.contains("name=\"office\""));

        // 确认信息: the ID number masked unless asked for.
        let (_, _, record) = app.get("/me/record").await;
        assert!(
            !record.contains(&p.id_no) && record.contains(&p.id_no[14..]),
            "masked"
        );
        let (_, _, shown) = app.get("/me/record?show_id=1").await;
        assert!(shown.contains(&p.id_no));
        // 基本信息维护 with a bad phone number, then a good one.
        let mut fields = vec![
            ("native_place", "广东韶关"),
            ("ethnicity", "01"),
            ("education_level", "61"),
            ("occupation", "会计"),
            ("employer", "韶关市某某有限公司"),
            ("phone", "12345"),
            ("address", "韶关市武江区新华南路 1 号"),
        ];
        let (s, _, page) = app.post("/me/record", &fields).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("联系电话应为 11 位手机号码"), "{page}");
        assert!(page.contains("会计"), "what was typed is kept");
        fields[5].1 = "0751-8912116";
        let (s, h, _) = app.post("/me/record", &fields).await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/me/record?saved=1")
        );
        assert_eq!(profile(&app, &passing).await.occupation, "会计");
        confirm_record(&mut app).await;
        let (_, _, record) = app.get("/me/record").await;
        assert!(record.contains("确认信息无误"));

        // 毕业预测: a checklist, and the way to apply.
        let (_, _, pred) = app.get("/me/prediction").await;
        assert!(
            pred.contains("（一）必考课程成绩全部合格") && pred.contains("符合"),
            "{pred}"
        );
        assert!(pred.contains("href=\"/me/application\""));

        // Before applying, the status page has no office and no steps.
        let (s, _, status) = app.get("/me/status").await;
        assert_eq!(s, StatusCode::OK);
        assert!(status.contains("您尚未提交本批次的毕业申请"), "{status}");
        assert!(!status.contains("办理地点") && !status.contains("办理记录"));

        // 毕业申请.
        let (_, _, form) = app.get("/me/application").await;
        assert!(
            form.contains("韶关市区（0201）") && form.contains(">申请</button>"),
            "{form}"
        );
        let (s, _, page) = app
            .post(
                "/me/application",
                &[("office", "9999"), ("phone", "13609742208")],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("请选择办理地点"));
        let (s, h, _) = app
            .post(
                "/me/application",
                &[("office", "0201"), ("phone", "13609742208")],
            )
            .await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/me/status")
        );
        let a = application(&app, &passing).await.unwrap();
        assert_eq!(a.state, S::PhotoNeeded, "the identity check passed at once");
        assert_eq!(
            (a.office_code.as_str(), a.phone.as_str()),
            ("0201", "13609742208")
        );
        let snapshot: String =
            sqlx::query_scalar("SELECT audit_snapshot FROM graduation_applications WHERE id = $1")
                .bind(a.id)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert!(
            snapshot.contains("\"counted\"")
                && snapshot.contains("00015") == snapshot.contains("00015")
        );
        let (_, _, status) = app.get("/me/status").await;
        assert!(
            status.contains("身份校验通过")
                && status.contains("待采集毕业证照")
                && status.contains("办理地点：韶关市区（0201）"),
            "{status}"
        );

        // Once per batch, also from a second tab.
        app.get("/me/prediction").await;
        let (s, _, page) = app
            .post(
                "/me/application",
                &[("office", "0201"), ("phone", "13609742208")],
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(page.contains("每批次只能申请一次"), "{page}");

        // No form before the application is submitted.
        let (s, _, page) = app.get("/me/form.pdf").await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(page.contains("毕业申请提交成功后才能打印"));

        // The city approves the photo; the candidate confirms once more.
        photo_approved(&app, &passing).await;
        let (_, _, page) = app.get("/me/application").await;
        assert!(page.contains(">确认提交</button>"), "{page}");
        let (s, _, _) = app.post("/me/application", &[("step", "confirm")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(
            application(&app, &passing).await.unwrap().state,
            S::Submitted
        );
        let (s, h, pdf) = app.get("/me/form.pdf").await;
        assert_eq!(s, StatusCode::OK, "{pdf}");
        assert_eq!(h["content-type"], "application/pdf");
        assert!(pdf.starts_with("%PDF-"));
        let (_, _, status) = app.get("/me/status").await;
        for step in [
            "提交毕业申请",
            "身份校验通过",
            "提交毕业证照",
            "毕业证照审核通过（考办）",
            "确认提交毕业申请",
        ] {
            assert!(status.contains(step), "{step}: {status}");
        }
    }
}

#[tokio::test]
async fn a_document_the_system_cannot_verify_goes_to_manual_review() {
    let hk = admission_of(Case::HongKongPermit);
    for mut app in demo_apps().await {
        common::applied(&mut app, &hk).await;
        assert_eq!(
            application(&app, &hk).await.unwrap().state,
            S::IdentityAttachmentsNeeded
        );
        let (_, _, status) = app.get("/me/status").await;
        assert!(status.contains("非居民身份证无法自动核验"), "{status}");
        assert!(status.contains("上传身份证正面、反面及手持身份证照片"));
    }
}

#[tokio::test]
async fn failing_predictions_and_closed_windows_are_refused_by_the_server() {
    let short = admission_of(Case::MissingElective);
    for mut app in demo_apps().await {
        app.sign_in(&short).await;
        confirm_record(&mut app).await;
        let (_, _, pred) = app.get("/me/prediction").await;
        assert!(
            pred.contains("不符合") && !pred.contains("href=\"/me/application\" class"),
            "{pred}"
        );
        let (_, _, page) = app.get("/me/application").await;
        assert!(page.contains("毕业预测未通过，暂不能申请毕业"), "{page}");
        // Posting anyway (a forged form) changes nothing.
        let (s, _, _) = app
            .post(
                "/me/application",
                &[("office", "0201"), ("phone", "13609742208")],
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{}", app.backend);
        assert!(application(&app, &short).await.is_none());
    }
    let passing = admission_of(Case::Passing);
    for app in TestApp::all_with(|c| c.now = Some("2023-06-21T08:00".into())).await {
        let mut app = app.with_demo(Case::ALL.len()).await;
        app.sign_in(&passing).await;
        confirm_record(&mut app).await;
        let (_, _, page) = app.get("/me/application").await;
        assert!(
            page.contains("2023 年 6 月 14 日 00:00 至 2023 年 6 月 20 日 23:59"),
            "{page}"
        );
        let (s, _, _) = app
            .post(
                "/me/application",
                &[("office", "0201"), ("phone", "13609742208")],
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(application(&app, &passing).await.is_none());
    }
}

#[tokio::test]
async fn of_two_tabs_or_two_reviewers_exactly_one_wins() {
    let passing = admission_of(Case::Passing);
    for app in demo_apps().await {
        let (id, _) =
            biye::db::candidates::get_by_admission_no(app.db.pool(), &passing.parse().unwrap())
                .await
                .unwrap()
                .unwrap();
        let plan: i64 = sqlx::query_scalar("SELECT id FROM plans WHERE major_code = '670202'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        let new = applications::NewApplication {
            candidate: CandidateId(id.0),
            batch_code: "2023H1",
            plan_id: plan,
            office_code: "0201",
            phone: "13609742208",
            audit_snapshot: "{}",
        };
        let now = app.state.clock.now();
        let mut c1 = app.db.pool().acquire().await.unwrap();
        let first = applications::create(&mut c1, &new, now).await.unwrap();
        let second = applications::create(&mut c1, &new, now).await.unwrap();
        assert!(first.is_some() && second.is_none(), "{}", app.backend);
        let a = first.unwrap();
        let won = applications::transition(
            &mut c1,
            a,
            S::Started,
            E::IdentityCheckPassed,
            Actor::System,
            "",
            now,
        )
        .await;
        assert_eq!(won.unwrap(), S::PhotoNeeded);
        // The other acted on the state it had read: told, nothing changed.
        let lost = applications::transition(
            &mut c1,
            a,
            S::Started,
            E::IdentityCheckFailed,
            Actor::System,
            "",
            now,
        )
        .await;
        assert!(matches!(lost, Err(TransitionFailure::Conflict)), "{lost:?}");
        let not_allowed = applications::transition(
            &mut c1,
            a,
            S::PhotoNeeded,
            E::FinalApproved,
            Actor::Staff(1),
            "",
            now,
        )
        .await;
        assert!(matches!(not_allowed, Err(TransitionFailure::NotAllowed(_))));
        let history = applications::events(app.db.pool(), a).await.unwrap();
        assert_eq!(history.len(), 2);
        // The history cannot be rewritten.
        assert!(sqlx::query("DELETE FROM application_events")
            .execute(app.db.pool())
            .await
            .is_err());
    }
}

#[tokio::test]
async fn staff_cannot_open_candidate_pages_and_nobody_sees_another_record() {
    let passing = admission_of(Case::Passing);
    let other = admission_of(Case::BachelorPassing);
    for mut app in demo_apps().await {
        app.sign_in_staff("gdsk").await;
        for page in [
            "/me",
            "/me/record",
            "/me/prediction",
            "/me/application",
            "/me/status",
            "/me/form.pdf",
        ] {
            let (s, _, _) = app.get(page).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{page}");
        }
        app.forget_cookies();
        app.sign_in(&passing).await;
        let other_id = profile(&app, &other).await.id_no;
        let other_name = profile(&app, &other).await.name;
        for page in [
            "/me",
            "/me/record?show_id=1",
            "/me/prediction",
            "/me/status",
        ] {
            let (_, _, body) = app.get(&format!("{page}?candidate={other}")).await;
            assert!(!body.contains(&other_id), "{page}");
            let _ = &other_name;
        }
    }
}

#[tokio::test]
async fn bachelor_candidates_register_prior_education_and_fresh_graduates_fill_in_or_are_withdrawn()
{
    let bachelor = admission_of(Case::BachelorUnverified);
    let associate = admission_of(Case::Passing);
    // Before 6 月 1 日: registration is open.
    for app in TestApp::all_with(|c| c.now = Some("2023-05-20T10:00".into())).await {
        let mut app = app.with_demo(Case::ALL.len()).await;
        app.sign_in(&associate).await;
        let (s, _, _) = app.get("/me/prior-education").await;
        assert_eq!(s, StatusCode::CONFLICT, "only 本科: {}", app.backend);
        app.forget_cookies();
        app.sign_in(&bachelor).await;
        let (_, _, page) = app.get("/me/prior-education").await;
        assert!(
            page.contains("待省考办查验") && page.contains("学历认证方式"),
            "{page}"
        );
        let (s, _, page) = app
            .post(
                "/me/prior-education",
                &[
                    ("kind", "chsi_record"),
                    ("school", "韶关学院"),
                    ("major", "英语"),
                    ("graduated_on", "2019-06-30"),
                    ("diploma_no", "105761201905001234"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("请填写备案表在线验证码"), "{page}");
        let (s, _, _) = app
            .post(
                "/me/prior-education",
                &[
                    ("kind", "pending_fresh_graduate"),
                    ("school", "韶关学院"),
                    ("major", "英语"),
                    ("related", "yes"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (id, _) =
            biye::db::candidates::get_by_admission_no(app.db.pool(), &bachelor.parse().unwrap())
                .await
                .unwrap()
                .unwrap();
        let p = biye::db::prior::get(app.db.pool(), id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.kind.map(|k| k.as_str()), p.status.as_str()),
            (Some("pending_fresh_graduate"), "registered")
        );
    }
    // After 7 月 3 日: the job withdraws a fresh graduate who never filled in.
    for app in TestApp::all_with(|c| c.now = Some("2023-07-03T09:00".into())).await {
        let app = app.with_demo(Case::ALL.len()).await;
        let id = common::unfilled_fresh_graduate(&app, &bachelor).await;
        assert_eq!(
            biye::jobs::withdraw_unfilled(&app.state).await.unwrap(),
            1,
            "{}",
            app.backend
        );
        assert_eq!(
            biye::jobs::withdraw_unfilled(&app.state).await.unwrap(),
            0,
            "once"
        );
        let a = applications::find(app.db.pool(), id, "2023H1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.state, S::Withdrawn);
        let events = applications::events(app.db.pool(), a.id).await.unwrap();
        assert!(events
            .last()
            .unwrap()
            .reason
            .contains("视为放弃本批次毕业申请"));
    }
}
