//! The registration form through the application, on SQLite and PostgreSQL:
//! a demo candidate's form gathered from the database (record, application,
//! counted courses, accepted photo, signed QR reference), `biye form` for one
//! candidate and for a batch, and the office's lookup of a printed form.

mod common;

use axum::http::StatusCode;
use biye::demo::Case;
use biye::domain::{AdmissionNo, BatchCode};
use biye::prediction::{self, Plans};
use biye::printing::{self, PrintContext, PrintError};
use common::{admission_of, biye, TestApp};

use common::PASSWORD;

/// A `biye photo fix` output, as the photo journey will store it.
static PHOTO: &[u8] = include_bytes!("../../forms/tests/photo.jpg");

async fn form_for(app: &TestApp, admission_no: &str) -> Result<forms::FormData, PrintError> {
    let pool = app.db.pool();
    let batch = biye::db::batches::get(pool, BatchCode::parse("2023H1").unwrap())
        .await
        .unwrap()
        .expect("the demo batch");
    let now = "2023-06-15T09:00".parse().unwrap();
    let plans = Plans::load(pool).await.unwrap();
    let audit_context = prediction::context(&plans, &batch, now);
    let public_url = app.state.config.public_url();
    let ctx = PrintContext {
        pool,
        storage: &app.state.storage,
        plans: &plans,
        batch: &batch,
        audit_context: &audit_context,
        keys: &app.state.keys,
        public_url: &public_url,
        printed_at: now,
    };
    printing::form_data(&ctx, &AdmissionNo::parse(admission_no).unwrap()).await
}

/// Files an application in the state given, as the journey will.
async fn apply(pool: &sqlx::AnyPool, admission_no: &str, office: &str, state: &str) {
    sqlx::query(
        "INSERT INTO graduation_applications \
         (candidate_id, batch_code, plan_id, office_code, phone, state, created_at, updated_at) \
         SELECT c.id, '2023H1', p.id, $2, c.phone, $3, '2023-06-14T10:00:00Z', '2023-06-14T10:00:00Z' \
         FROM candidates c JOIN plans p ON p.major_code = c.major_code \
           AND p.examining_school_code = c.examining_school_code AND p.course_group = c.course_group \
         WHERE c.admission_no = $1",
    )
    .bind(admission_no)
    .bind(office)
    .bind(state)
    .execute(pool)
    .await
    .unwrap();
}

/// Stores a compliant photo for the candidate, object first, as the journey will.
async fn accept_photo(app: &TestApp, admission_no: &str) {
    let key = app
        .state
        .storage
        .put(bytes::Bytes::from_static(PHOTO))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO photos (candidate_id, original_key, fixed_key, report, compliant, uploaded_at) \
         SELECT id, $2, $2, '{}', 1, '2023-06-14T10:00:00Z' FROM candidates WHERE admission_no = $1",
    )
    .bind(admission_no)
    .bind(key)
    .execute(app.db.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn a_demo_candidates_form_carries_the_record_courses_photo_and_a_signed_reference() {
    let passing = admission_of(Case::Passing);
    for app in TestApp::all().await {
        let app = app.with_demo(Case::ALL.len()).await;
        apply(app.db.pool(), &passing, "0201", "submitted").await;
        accept_photo(&app, &passing).await;
        let data = form_for(&app, &passing).await.unwrap();
        let (_, c) = biye::db::candidates::get_by_admission_no(
            app.db.pool(),
            &AdmissionNo::parse(&passing).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(data.name, c.name, "{}", app.backend);
        assert_eq!(data.id_no, c.id_no);
        assert_eq!(data.form_type, "非公开学院");
        assert_eq!(data.office, "韶关市区（0201）");
        assert_eq!(data.batch, "2023 年上半年");
        assert_eq!(data.major, "670202 商务英语");
        assert!(!data.courses.is_empty());
        let total: u32 = data
            .courses
            .iter()
            .filter_map(|c| c.credits.parse::<u32>().ok())
            .sum();
        assert_eq!(
            data.total_credits,
            total.to_string(),
            "the total is the sum of the printed credits"
        );
        assert_eq!(data.photo_jpeg.as_deref(), Some(PHOTO));
        let qr = url::Url::parse(data.qr_payload.as_deref().unwrap()).unwrap();
        let reference = qr
            .query_pairs()
            .find(|(k, _)| k == "ref")
            .unwrap()
            .1
            .into_owned();
        assert_eq!(
            app.state.keys.verify(&reference),
            Some((passing.clone(), "2023H1".into()))
        );
        assert!(app
            .state
            .keys
            .short_code_matches(&passing, "2023H1", &data.reference));

        let (pdf, pages) = forms::Renderer::new()
            .unwrap()
            .render_counted(&data)
            .unwrap();
        assert_eq!(pages, 2);
        assert!(pdf.starts_with(b"%PDF-"));
    }
}

#[tokio::test]
async fn an_unknown_candidate_gets_a_chinese_error() {
    for app in TestApp::all().await {
        let app = app.with_demo(Case::ALL.len()).await;
        let e = form_for(&app, "029999999999").await.unwrap_err();
        assert_eq!(e.to_string(), "考生 029999999999 不存在", "{}", app.backend);
    }
}

#[test]
fn biye_form_prints_one_candidate_and_a_whole_batch() {
    let dir = common::demo_installed();
    let d = dir.path();
    let passing = admission_of(Case::Passing);

    // No application, no form: the form exists only for a submitted application.
    let out = d.join("one.pdf");
    let refused = biye(d)
        .args(["form", &passing, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("不能打印登记表"), "{stderr}");
    assert!(!out.exists());

    // Nobody has applied yet: a batch print says so and succeeds.
    let forms_dir = d.join("forms");
    let none = biye(d)
        .args(["form", "--all-in-batch", "--out"])
        .arg(&forms_dir)
        .output()
        .unwrap();
    assert!(none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("没有毕业申请"));

    // Two applicants at 0201: one PDF each.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bachelor = admission_of(Case::BachelorPassing);
    rt.block_on(async {
        let url = format!("sqlite://{}", d.join("db/biye.db").display());
        let db = biye::db::Db::connect(&url).await.unwrap();
        for a in [&passing, &bachelor] {
            apply(db.pool(), a, "0201", "submitted").await;
        }
        db.close().await;
    });
    let batch = biye(d)
        .args([
            "form",
            "--all-in-batch",
            "--batch",
            "2023H1",
            "--office",
            "0201",
            "--out",
        ])
        .arg(&forms_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&batch.stderr);
    assert!(batch.status.success(), "{stderr}");
    assert!(stderr.contains("已打印 2 份登记表"), "{stderr}");
    for a in [&passing, &bachelor] {
        assert!(std::fs::read(forms_dir.join(format!("{a}.pdf")))
            .unwrap()
            .starts_with(b"%PDF-"));
    }
    let one = biye(d)
        .args(["form", &passing, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF-"));

    // Mistakes are named in Chinese and fail.
    let fails_with = |args: &[&str], out: &std::path::Path, needle: &str| {
        let o = biye(d).args(args).arg("--out").arg(out).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    };
    let x = d.join("x.pdf");
    fails_with(&["form", "12345"], &x, "准考证号");
    fails_with(&["form", "029999999999"], &x, "不存在");
    fails_with(
        &["form", "--all-in-batch", "--office", "02O1"],
        &forms_dir,
        "办理地点代码应为 4 位数字",
    );
    fails_with(
        &["form", &passing, "--batch", "2031H2"],
        &x,
        "批次 2031H2 不存在",
    );
}

async fn sign_in_staff(app: &mut TestApp, user: &str) {
    app.get("/staff/login").await;
    let (s, _, _) = app
        .post("/staff/login", &[("login", user), ("password", PASSWORD)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{user}");
}

#[tokio::test]
async fn the_office_scans_a_printed_form_and_sees_whose_it_is() {
    let passing = admission_of(Case::Passing);
    for app in TestApp::all().await {
        let mut app = app.with_demo(Case::ALL.len()).await;
        apply(app.db.pool(), &passing, "0201", "submitted").await;
        let data = form_for(&app, &passing).await.unwrap();
        let qr = url::Url::parse(data.qr_payload.as_deref().unwrap()).unwrap();
        let lookup = format!("{}?{}", qr.path(), qr.query().unwrap());

        // Scanned before signing in: sent to the staff login, then back.
        let (s, h, _) = app.get(&lookup).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", app.backend);
        let login_page = h["location"].to_str().unwrap().to_owned();
        assert!(
            login_page.starts_with("/staff/login?next=%2Fonsite%2Flookup%3Fref%3D"),
            "{login_page}"
        );
        let (_, _, body) = app.get(&login_page).await;
        assert!(
            body.contains("name=\"next\""),
            "the login form carries the way back"
        );
        let (s, h, _) = app
            .post(
                "/staff/login",
                &[
                    ("login", "sg0201"),
                    ("password", PASSWORD),
                    ("next", &lookup),
                ],
            )
            .await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, lookup.as_str())
        );
        let (s, _, body) = app.get(&lookup).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("登记表校验通过"), "{body}");
        assert!(body.contains(&data.name));
        assert!(body.contains("毕业申请提交成功"));
        assert!(!body.contains("不应受理"));

        // Typed in by hand: admission number and 校验码, any case, with or without the dash.
        let typed = format!(
            "/onsite/lookup?admission_no={passing}&code={}",
            data.reference.to_lowercase()
        );
        let (_, _, body) = app.get(&typed).await;
        assert!(body.contains("登记表校验通过"), "{body}");

        // A tampered reference or a wrong code is called out, not shown.
        let forged = lookup.replace(&passing, &admission_of(Case::MissingElective));
        for bad in [
            forged,
            format!("/onsite/lookup?admission_no={passing}&code=00000-00000"),
            "/onsite/lookup?ref=%FF%FE".into(),
        ] {
            let (s, _, body) = app.get(&bad).await;
            assert_eq!(s, StatusCode::OK, "{bad}");
            assert!(body.contains("登记表校验失败"), "{bad}: {body}");
            assert!(!body.contains(&data.name), "{bad}");
        }
        let (_, _, body) = app.get("/onsite/lookup?admission_no=12ab&code=1").await;
        assert!(body.contains("准考证号应为 12 位数字"));

        // A genuine code whose application has not been submitted is flagged
        // (the system refuses to print such a form, but a code can be typed).
        let other = admission_of(Case::MissingElective);
        apply(app.db.pool(), &other, "0201", "photo_city_review").await;
        assert!(matches!(
            form_for(&app, &other).await,
            Err(PrintError::NotPrintable { .. })
        ));
        let code = app.state.keys.short_code(&other, "2023H1");
        let (_, _, body) = app
            .get(&format!("/onsite/lookup?admission_no={other}&code={code}"))
            .await;
        assert!(body.contains("不应受理"), "{body}");
        app.post("/logout", &[]).await;

        // Another city's reviewer, the administrator and candidates may not look.
        sign_in_staff(&mut app, "lc0202").await;
        let (s, _, body) = app.get(&lookup).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(body.contains("办理地点不是您所在的考办"));
        app.post("/logout", &[]).await;
        sign_in_staff(&mut app, "admin").await;
        let (s, _, _) = app.get(&lookup).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, _, body) = app.get("/staff").await;
        assert!(
            !body.contains("/onsite/lookup"),
            "no lookup link for the administrator"
        );
        app.post("/logout", &[]).await;
        app.get("/login").await;
        app.post("/login", &[("login", &passing), ("password", PASSWORD)])
            .await;
        let (s, _, _) = app.get(&lookup).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        app.post("/logout", &[]).await;

        // The province sees every office; reviewers find the lookup on their dashboard.
        sign_in_staff(&mut app, "gdsk").await;
        let (_, _, body) = app.get("/staff").await;
        assert!(body.contains("href=\"/onsite/lookup\""));
        let (s, _, body) = app.get(&lookup).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains(&data.name));
    }
}

#[tokio::test]
async fn sign_in_never_follows_a_way_back_to_another_site() {
    for app in TestApp::all().await {
        let mut app = app.with_demo(Case::ALL.len()).await;
        app.get("/staff/login?next=%2F%2Fevil.example%2F").await;
        let (s, h, _) = app
            .post(
                "/staff/login",
                &[
                    ("login", "sg0201"),
                    ("password", PASSWORD),
                    ("next", "//evil.example/"),
                ],
            )
            .await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/staff"),
            "{}",
            app.backend
        );
        app.post("/logout", &[]).await;
        let (_, _, body) = app.get("/login?next=https%3A%2F%2Fevil.example%2F").await;
        assert!(
            !body.contains("evil.example"),
            "a foreign way back is dropped from the form"
        );
    }
}
