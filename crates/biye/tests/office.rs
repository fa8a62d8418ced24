//! The office journeys through the real router, on SQLite and PostgreSQL:
//! ID attachments reviewed by the city then the province (a rejection's
//! reason reaches the candidate), on-site review inside the batch's hours
//! with the case's checklist, the final review assigning the certificate
//! number, the graduates' export and its 报送; prior-education verification;
//! record corrections (city, then province, the record changed and the old
//! value kept); two reviewers at once; the administrator's pages.

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

fn at(app: &mut TestApp, when: &str) {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    app.state.clock = biye::clock::Clock::starting_at(tz, when.parse().unwrap()).unwrap();
}

async fn staff(app: &mut TestApp, user: &str) {
    app.forget_cookies();
    assert_eq!(
        app.sign_in_staff(user).await,
        StatusCode::SEE_OTHER,
        "{user}"
    );
}

async fn decide(app: &mut TestApp, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    app.get(path).await;
    let (s, _, body) = app.post(path, fields).await;
    (s, body)
}

#[tokio::test]
async fn id_attachments_go_through_the_city_then_the_province() {
    let hk = admission_of(Case::HongKongPermit);
    for mut app in demo_apps().await {
        common::applied(&mut app, &hk).await;
        let id = common::application(&app, &hk).await.unwrap().id;
        common::id_attachments_uploaded(&mut app, &hk).await;
        assert_eq!(state_of(&app, &hk).await, S::IdentityCityReview);
        // The province sees nothing before the city has decided.
        staff(&mut app, "gdsk").await;
        let (_, _, q) = app.get("/staff/identity").await;
        assert!(!q.contains(&hk), "{}", app.backend);
        // The city rejects with a standard reason and a note.
        staff(&mut app, "sg0201").await;
        let (_, _, q) = app.get("/staff/identity").await;
        assert!(
            q.contains(&hk) && q.contains("身份证附件审核（市考办）"),
            "{q}"
        );
        let (_, _, item) = app.get(&format!("/staff/identity/{id}")).await;
        assert!(
            item.contains(&format!("/staff/identity/{id}/front.jpg")),
            "{item}"
        );
        let (s, _, img) = app.get(&format!("/staff/identity/{id}/handheld.jpg")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(img.len() > 100);
        let path = format!("/staff/identity/{id}");
        let (s, body) = decide(&mut app, &path, &[("decision", "reject")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("请选择不通过的原因"));
        let (s, _) = decide(
            &mut app,
            &path,
            &[
                ("decision", "reject"),
                ("reason", "unclear"),
                ("comment", "反面反光"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, &hk).await, S::IdentityRejected);
        app.forget_cookies();
        app.sign_in(&hk).await;
        let (_, _, status) = app.get("/me/status").await;
        assert!(
            status.contains("证件照片不清晰或不完整：反面反光"),
            "{status}"
        );
        // Uploaded again: the city approves, then the province.
        common::id_attachments_uploaded(&mut app, &hk).await;
        staff(&mut app, "sg0201").await;
        let (s, _) = decide(&mut app, &path, &[("decision", "approve")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, &hk).await, S::IdentityProvincialReview);
        // The city's second click (another tab) is told who decided.
        let (s, body) = decide(&mut app, &path, &[("decision", "approve")]).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(body.contains("该申请已由韶关市区审核员于"), "{body}");
        staff(&mut app, "gdsk").await;
        let (_, _, item) = app.get(&path).await;
        assert!(item.contains("市考办 韶关市区审核员 已于"), "{item}");
        let (s, _) = decide(&mut app, &path, &[("decision", "approve")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, &hk).await, S::PhotoNeeded);
        let levels: Vec<String> = sqlx::query_scalar(
            "SELECT level FROM id_attachment_reviews WHERE application_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
        assert_eq!(levels, ["city", "city", "provincial"]);
    }
}

/// The passing candidate's application, submitted (photo approved, confirmed).
async fn submitted(app: &mut TestApp, admission_no: &str) -> i64 {
    let id = common::photo_submitted(app, admission_no).await;
    staff(app, "sg0201").await;
    let (s, _) = decide(
        app,
        &format!("/staff/photos/{id}"),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    app.forget_cookies();
    app.sign_in(admission_no).await;
    app.get("/me/application").await;
    let (s, _, _) = app.post("/me/application", &[("step", "confirm")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    id
}

#[tokio::test]
async fn from_on_site_review_to_the_graduates_export() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let id = submitted(&mut app, &passing).await;
        staff(&mut app, "sg0201").await;
        // Found by admission number; outside the on-site hours nothing is decided.
        let (s, h, _) = app.get(&format!("/staff/onsite?q={passing}")).await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (
                StatusCode::SEE_OTHER,
                format!("/staff/onsite/{id}").as_str()
            )
        );
        // Not found, and found but handled elsewhere, are told apart.
        let (_, _, page) = app.get("/staff/onsite?q=000000000000").await;
        assert!(
            page.contains("没有找到该准考证号或身份证号的毕业申请"),
            "{page}"
        );
        staff(&mut app, "lc0202").await;
        let (s, _, page) = app.get(&format!("/staff/onsite?q={passing}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("办理地点不是您所在的考办"), "{page}");
        staff(&mut app, "sg0201").await;
        let path = format!("/staff/onsite/{id}");
        let (_, _, page) = app.get(&path).await;
        assert!(
            page.contains("现在不在现场审核时间内") && page.contains("6 月 19 日 08:30"),
            "{page}"
        );
        assert!(
            page.contains("《毕业生登记表》一式两份") && page.contains("思想品德表现"),
            "{page}"
        );
        let (s, body) = decide(
            &mut app,
            &path,
            &[("decision", "accept"), ("item", "forms"), ("item", "moral")],
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        assert_eq!(state_of(&app, &passing).await, S::Submitted);
        // Inside the hours: a missing item cannot be accepted, only returned.
        at(&mut app, "2023-06-19T09:00");
        // Four days on, the old session has timed out.
        staff(&mut app, "sg0201").await;
        let (s, body) = decide(
            &mut app,
            &path,
            &[("decision", "accept"), ("item", "forms")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("还有 1 项材料未勾选"), "{body}");
        let (s, _) = decide(
            &mut app,
            &path,
            &[("decision", "return"), ("item", "forms")],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, &passing).await, S::OnsiteRejected);
        app.forget_cookies();
        app.sign_in(&passing).await;
        let (_, _, status) = app.get("/me/status").await;
        assert!(
            status.contains("缺少材料：“考生思想品德表现”栏"),
            "{status}"
        );
        // Brought later the same day.
        staff(&mut app, "sg0201").await;
        let (s, _) = decide(
            &mut app,
            &path,
            &[("decision", "accept"), ("item", "forms"), ("item", "moral")],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, &passing).await, S::OnsiteApproved);

        // The province's final review assigns the certificate number.
        staff(&mut app, "gdsk").await;
        let (_, _, q) = app.get("/staff/final").await;
        assert!(q.contains(&passing), "{q}");
        let fpath = format!("/staff/final/{id}");
        let (_, _, page) = app.get(&fpath).await;
        assert!(
            page.contains("符合毕业条件") && page.contains("现场审核通过</td>"),
            "{page}"
        );
        let (s, _) = decide(&mut app, &fpath, &[("decision", "approve")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, &passing).await, S::FinalApproved);
        let cert: String =
            sqlx::query_scalar("SELECT certificate_no FROM certificates WHERE application_id = $1")
                .bind(id)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        // 6 (self-study) 6 (专科) 44 0201 22 (2023, base 2001) 1 (H1) + the admission sequence + check.
        assert_eq!(cert.len(), 17);
        assert!(cert.starts_with("66440201221"), "{cert}");
        assert_eq!(&cert[11..16], &passing[7..12]);

        // The export: the national fields, the photo named by ID number.
        let (s, h, csv) = app
            .get("/staff/exports/graduates?batch=2023H1&format=csv")
            .await;
        assert_eq!(s, StatusCode::OK, "{csv}");
        assert!(h["content-disposition"]
            .to_str()
            .unwrap()
            .contains("graduates-2023H1.csv"));
        let id_no = common::profile(&app, &passing).await.id_no;
        assert!(
            csv.starts_with('\u{feff}')
                && csv.contains("毕业证书编号")
                && csv.contains(&cert)
                && csv.contains(&id_no),
            "{csv}"
        );
        // A format or batch that does not exist is refused in Chinese.
        let (s, _, body) = app
            .get("/staff/exports/graduates?batch=2023H1&format=pdf")
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("下载格式应为 csv、xlsx 或 zip"), "{body}");
        let (s, _, body) = app
            .get("/staff/exports/graduates?batch=23H1&format=csv")
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("批次代码应形如 2023H1"), "{body}");
        let (s, _, body) = app.get("/staff/final/export?format=doc").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("下载格式应为 csv 或 xlsx"), "{body}");
        let (s, _, list) = app.get("/staff/final/export?format=csv").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            list.starts_with('\u{feff}') && list.contains("准考证号"),
            "{list}"
        );
        let (s, _, xlsx) = app
            .get("/staff/exports/graduates?batch=2023H1&format=xlsx")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(xlsx.starts_with("PK"));
        let dir = tempfile::tempdir().unwrap();
        let summary = biye::exports::graduates(
            &app.db,
            &app.state.storage,
            "2023H1",
            dir.path(),
            biye::exports::Wanted::ALL,
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!((summary.graduates, summary.photos), (1, 1));
        let zip = std::fs::File::open(dir.path().join("graduates-2023H1.zip")).unwrap();
        let mut archive = zip::ZipArchive::new(zip).unwrap();
        let mut photo = archive.by_name(&format!("{id_no}.jpg")).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut photo, &mut bytes).unwrap();
        let decoded = photo::container::Format::sniff(&bytes);
        assert_eq!(decoded, photo::container::Format::Jpeg);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_log WHERE action = 'export'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(n, 2, "one entry per candidate and download");
        // 报送: confirmed with the count shown.
        let (_, _, page) = app.get("/staff/exports").await;
        assert!(page.contains("将 1 名标记为已报送"), "{page}");
        let (s, _, _) = app
            .post(
                "/staff/exports/graduates/registered",
                &[("batch", "2023H1"), ("count", "1")],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(state_of(&app, &passing).await, S::Registered);
        // The dashboard counts it, with its chart.
        let (_, _, dash) = app.get("/staff").await;
        assert!(
            dash.contains("<svg") && dash.contains("已报送学历证书电子注册"),
            "{dash}"
        );
    }
}

#[tokio::test]
async fn the_province_verifies_prior_education_with_a_reason() {
    for mut app in demo_apps().await {
        staff(&mut app, "gdsk").await;
        let (_, _, q) = app.get("/staff/prior-education").await;
        let unverified = admission_of(Case::BachelorUnverified);
        assert!(q.contains(&unverified), "{}: {q}", app.backend);
        let (cid, _) =
            biye::db::candidates::get_by_admission_no(app.db.pool(), &unverified.parse().unwrap())
                .await
                .unwrap()
                .unwrap();
        let path = format!("/staff/prior-education/{}", cid.0);
        let (s, _) = decide(
            &mut app,
            &path,
            &[("decision", "reject"), ("reason", "code_invalid")],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let p = biye::db::prior::get(app.db.pool(), cid)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.status.as_str(), p.note.as_str()),
            ("rejected", "在线验证码无效或已过期")
        );
        // Decided: no longer in the queue, and the page says so.
        let (s, _, _) = app.get(&path).await;
        assert_eq!(s, StatusCode::GONE);
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'prior_rejected'")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert_eq!(n, 1);
        // A city reviewer has no prior-education queue.
        staff(&mut app, "sg0201").await;
        let (s, _, _) = app.get("/staff/prior-education").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_correction_is_decided_by_the_city_then_the_province_and_changes_the_record() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let (id, old_name) =
            common::name_correction_filed(&app, &passing, "王新名", "2023-04-01T01:00:00Z").await;
        let path = format!("/staff/corrections/{id}");
        // Not the province's yet; not the other city's at all.
        staff(&mut app, "gdsk").await;
        let (s, body) = decide(&mut app, &path, &[("decision", "approve")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        staff(&mut app, "lc0202").await;
        let (s, _, _) = app.get(&path).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        staff(&mut app, "sg0201").await;
        let (_, _, page) = app.get(&path).await;
        assert!(
            page.contains("王新名") && page.contains("待市考办审核"),
            "{page}"
        );
        let (s, _) = decide(&mut app, &path, &[("decision", "approve")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        staff(&mut app, "gdsk").await;
        let (_, _, q) = app.get("/staff/corrections").await;
        assert!(q.contains("王新名"), "{q}");
        let (s, _) = decide(&mut app, &path, &[("decision", "approve")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(common::profile(&app, &passing).await.name, "王新名");
        let detail: String =
            sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'correction_applied'")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert!(
            detail.contains(&old_name) && detail.contains("王新名"),
            "{detail}"
        );
        // The administrator reads it in the audit-log viewer.
        staff(&mut app, "admin").await;
        let (_, _, log) = app.get("/admin/audit-log?entity=record_correction").await;
        assert!(
            log.contains("考籍更正：省考办审核通过，已更正（correction_applied）")
                && log.contains("省考办审核员"),
            "{log}"
        );
    }
}

#[tokio::test]
async fn the_administrator_manages_accounts_and_on_site_hours() {
    for mut app in demo_apps().await {
        staff(&mut app, "admin").await;
        let (_, _, page) = app.get("/admin/staff").await;
        assert!(page.contains("sg0201") && page.contains("新建账号"));
        let (s, _, page) = app
            .post(
                "/admin/staff",
                &[
                    ("username", "sg0201b"),
                    ("display_name", "韶关审核员二"),
                    ("role", "city_reviewer"),
                    ("office", ""),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("市考办审核员必须选择所属考办"));
        let (s, _, page) = app
            .post(
                "/admin/staff",
                &[
                    ("username", "sg0201b"),
                    ("display_name", "韶关审核员二"),
                    ("role", "city_reviewer"),
                    ("office", "0201"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let password = page
            .split("<code>")
            .nth(1)
            .and_then(|r| r.split("</code>").next())
            .expect("a one-time password")
            .to_owned();
        // The new reviewer must change it first.
        app.forget_cookies();
        app.get("/staff/login").await;
        app.post(
            "/staff/login",
            &[("login", "sg0201b"), ("password", &password)],
        )
        .await;
        let (s, h, _) = app.get("/staff/photos").await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/staff/password")
        );
        // Deactivated: no sign-in.
        staff(&mut app, "admin").await;
        let target = biye::db::staff::get_by_username(app.db.pool(), "sg0201b")
            .await
            .unwrap()
            .unwrap()
            .id
            .0;
        let (s, _, _) = app
            .post(&format!("/admin/staff/{target}/active"), &[("active", "0")])
            .await;
        assert_eq!(s, StatusCode::OK);
        app.forget_cookies();
        app.get("/staff/login").await;
        let (s, _, _) = app
            .post(
                "/staff/login",
                &[("login", "sg0201b"), ("password", &password)],
            )
            .await;
        assert_ne!(
            s,
            StatusCode::SEE_OTHER,
            "a deactivated account cannot sign in"
        );

        // An on-site session added today opens the on-site review now.
        staff(&mut app, "admin").await;
        let (s, _, page) = app
            .post(
                "/admin/batches/2023H1/sessions",
                &[
                    ("office", "0201"),
                    ("date", "2023-06-15"),
                    ("opens", "10:00"),
                    ("closes", "08:00"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("结束时刻应晚于开始时刻"));
        let (s, _, _) = app
            .post(
                "/admin/batches/2023H1/sessions",
                &[
                    ("office", "0201"),
                    ("date", "2023-06-15"),
                    ("opens", "08:00"),
                    ("closes", "18:00"),
                    ("location", "902 室"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, _, page) = app.get("/admin/batches").await;
        assert!(
            page.contains("2023-06-15 08:00 – 18:00")
                && page.contains("value=\"2023-06-14T00:00\""),
            "{page}"
        );
        let passing = admission_of(Case::Passing);
        let id = submitted(&mut app, &passing).await;
        staff(&mut app, "sg0201").await;
        let (_, _, page) = app.get(&format!("/staff/onsite/{id}")).await;
        assert!(page.contains("现场审核时间内"), "{page}");
        // A batch saved with its window the wrong way round is refused.
        staff(&mut app, "admin").await;
        let mut form: Vec<(&str, &str)> = vec![
            ("code", "2023H2"),
            ("name", "2023 年下半年"),
            ("application_opens", "2023-12-10T00:00"),
            ("application_closes", "2023-12-01T00:00"),
            ("prework_due", "2023-11-01T00:00"),
            ("prior_education_due", "2023-12-01T00:00"),
            ("prior_education_supplement_due", "2024-01-03T00:00"),
            ("materials_due", "2023-12-21T00:00"),
            ("graduation_date", "2023-12-31"),
            ("certificate_note", ""),
        ];
        let (s, _, page) = app.post("/admin/batches", &form).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("结束时间应晚于开始时间"));
        form[3] = ("application_closes", "2023-12-21T00:00");
        let (s, _, _) = app.post("/admin/batches", &form).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, _, page) = app.get("/admin/batches").await;
        assert!(page.contains("2023 年下半年（2023H2）"));
        // Form types and office details are checked too.
        let (s, _, page) = app
            .post(
                "/admin/form-types",
                &[("code", "公开"), ("name", "公开学院")],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("登记表类型代码应为 2–40 位小写字母或下划线"),
            "{page}"
        );
        let (s, _, _) = app
            .post(
                "/admin/form-types",
                &[("code", "open_college"), ("name", "开放学院")],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let long = "路".repeat(101);
        let (s, _, page) = app
            .post(
                "/admin/offices/0201",
                &[("address", long.as_str()), ("phone", "0751")],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("地址不超过 100 字"), "{page}");
        let (_, _, page) = app.get("/admin/batches").await;
        assert!(page.contains("开放学院（open_college）"), "{page}");
    }
}
