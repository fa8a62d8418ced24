//! The steps of the candidates' and offices' journeys that many tests take
//! on the way to what they test, through the real router as a user would
//! (sign in, apply, capture a photo, upload ID attachments), and the few
//! fixtures written directly to the database where no page makes them.

use axum::http::StatusCode;

use super::TestApp;

/// A candidate's record as the database holds it.
pub async fn profile(
    app: &TestApp,
    admission_no: &str,
) -> biye::domain::candidate::CandidateProfile {
    biye::db::candidates::get_by_admission_no(app.db.pool(), &admission_no.parse().expect("valid"))
        .await
        .expect("database")
        .expect("candidate")
        .1
}

/// Signs a candidate in, confirms the record and applies at 0201: the photo
/// step (or, for a document the system cannot verify, the ID attachments) is next.
pub async fn applied(app: &mut TestApp, admission_no: &str) {
    assert_eq!(app.sign_in(admission_no).await, StatusCode::SEE_OTHER);
    let (s, page) = apply_at_0201(app).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
}

/// The signed-in candidate confirms the record and applies at 0201; the
/// answer to the application form.
pub async fn apply_at_0201(app: &mut TestApp) -> (StatusCode, String) {
    app.get("/me/record").await;
    app.post("/me/record/confirm", &[]).await;
    app.get("/me/application").await;
    let (s, _, page) = app
        .post(
            "/me/application",
            &[("office", "0201"), ("phone", "13609742208")],
        )
        .await;
    (s, page)
}

/// The candidate's application in the demo batch, if any.
pub async fn application(
    app: &TestApp,
    admission_no: &str,
) -> Option<biye::db::applications::ApplicationSummary> {
    application_in(&app.db, admission_no).await
}

/// As [`application`], in any database (e.g. a running server's).
pub async fn application_in(
    db: &biye::db::Db,
    admission_no: &str,
) -> Option<biye::db::applications::ApplicationSummary> {
    let (id, _) =
        biye::db::candidates::get_by_admission_no(db.pool(), &admission_no.parse().expect("valid"))
            .await
            .expect("database")
            .expect("candidate");
    biye::db::applications::find(db.pool(), id, "2023H1")
        .await
        .expect("database")
}

/// The phone link (`/capture/{token}`) on the desktop photo page.
pub fn capture_link(page: &str) -> String {
    let at = page.find("href=\"/capture/").expect("a capture link") + "href=\"".len();
    page[at..at + page[at..].find('"').expect("the link ends")].to_owned()
}

/// The candidate applies and a compliant photo (the photo bench's 12 MP
/// phone shot) reaches the city's queue through the phone page, as a
/// candidate would do it; returns the application's id. Leaves no session.
pub async fn photo_submitted(app: &mut TestApp, admission_no: &str) -> i64 {
    let shot = photo::bench::phone_capture().expect("the phone capture");
    photo_submitted_with(app, admission_no, &shot).await
}

/// The candidate applies and opens the photo step: the phone page's link
/// (`/capture/{token}`). Leaves the candidate signed in.
pub async fn phone_link(app: &mut TestApp, admission_no: &str) -> String {
    app.forget_cookies();
    applied(app, admission_no).await;
    app.get("/me/photo").await;
    let (_, _, page) = app.post("/me/photo", &[("agree", "on")]).await;
    capture_link(&page)
}

/// As [`photo_submitted`], with `shot` as the phone's capture.
pub async fn photo_submitted_with(app: &mut TestApp, admission_no: &str, shot: &[u8]) -> i64 {
    let link = phone_link(app, admission_no).await;
    let (s, _, _) = app
        .post_multipart(&format!("{link}/photo"), &[("photo", "a.jpg", shot)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = app.post(&format!("{link}/accept"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    app.forget_cookies();
    let a = application(app, admission_no)
        .await
        .expect("an application");
    assert_eq!(a.state, biye::domain::ApplicationState::PhotoCityReview);
    a.id
}

/// The candidate (whose identity check failed) uploads the three ID-card
/// photos for review. Leaves the candidate signed in.
pub async fn id_attachments_uploaded(app: &mut TestApp, admission_no: &str) {
    let jpeg: &[u8] = include_bytes!("../../../forms/tests/photo.jpg");
    let files: [(&str, &str, &[u8]); 3] = [
        ("front", "a.jpg", jpeg),
        ("back", "b.jpg", jpeg),
        ("handheld", "c.jpg", jpeg),
    ];
    app.forget_cookies();
    app.sign_in(admission_no).await;
    app.get("/me/identity").await;
    let (s, _, page) = app.post_multipart("/me/identity", &files).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
}

/// A portrait of the photo crate's samples (`sample_id_3.png` is the one the
/// photo bench's phone capture is made from).
pub fn sample_photo(name: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../photo/tests/photos");
    std::fs::read(dir.join(name)).expect("sample photo")
}

/// Stores `bytes` as the photo on file of the candidate `admission_no`, as
/// `biye import-photos` does, with the embedding `kept` (None: as a photo
/// imported before embeddings were kept).
pub async fn photo_on_file(
    app: &TestApp,
    admission_no: &str,
    bytes: Vec<u8>,
    kept: Option<&biye::db::on_file::StoredEmbedding>,
) {
    let key = app.state.storage.put(bytes.into()).await.expect("stored");
    on_file_row(app, admission_no, &key, kept).await;
}

/// Records the object `key` as the photo on file of the candidate
/// `admission_no`, whether or not the store holds it.
pub async fn on_file_row(
    app: &TestApp,
    admission_no: &str,
    key: &str,
    kept: Option<&biye::db::on_file::StoredEmbedding>,
) {
    let no = biye::domain::AdmissionNo::parse(admission_no).expect("admission number");
    let (candidate, _) = biye::db::candidates::get_by_admission_no(app.db.pool(), &no)
        .await
        .expect("query")
        .expect("the candidate");
    let now = jiff::Timestamp::now();
    biye::db::on_file::put(
        app.db.pool(),
        candidate,
        key,
        "exam_registration",
        kept,
        now,
    )
    .await
    .expect("recorded");
}

/// Makes the stored report of the application's photo one that found
/// nothing at all (as bulk approval expects).
pub async fn clean_report(app: &TestApp, application: i64) {
    let spec = photo::PhotoSpec::certificate();
    let clean = biye::capture::Outcome {
        report: photo::Report::new(&spec.name, Default::default(), vec![], Default::default()),
        steps: vec![],
        reasons: vec![],
    };
    sqlx::query("UPDATE photos SET report = $1 WHERE application_id = $2")
        .bind(serde_json::to_string(&clean).unwrap())
        .bind(application)
        .execute(app.db.pool())
        .await
        .unwrap();
}

/// Makes the candidate a fresh graduate (应届) who has not filled in the
/// diploma number, with an application in the demo batch: after the batch's
/// fill-in deadline the background job withdraws it.
pub async fn unfilled_fresh_graduate(
    app: &TestApp,
    admission_no: &str,
) -> biye::domain::CandidateId {
    let (id, _) = biye::db::candidates::get_by_admission_no(
        app.db.pool(),
        &admission_no.parse().expect("valid"),
    )
    .await
    .expect("query")
    .expect("the candidate");
    sqlx::query("UPDATE prior_educations SET verification = 'pending_fresh_graduate', diploma_no = '' WHERE candidate_id = $1")
        .bind(id.0)
        .execute(app.db.pool())
        .await
        .expect("update");
    let plan: i64 = sqlx::query_scalar("SELECT id FROM plans WHERE major_code = '050201'")
        .fetch_one(app.db.pool())
        .await
        .expect("the plan");
    let new = biye::db::applications::NewApplication {
        candidate: id,
        batch_code: "2023H1",
        plan_id: plan,
        office_code: "0201",
        phone: "13609742208",
        audit_snapshot: "{}",
    };
    let mut conn = app.db.pool().acquire().await.expect("a connection");
    biye::db::applications::create(&mut conn, &new, app.state.clock.now())
        .await
        .expect("applied");
    id
}

/// Files a correction of the candidate's name to `new_name` at `at`, as the
/// candidate's page does: the correction's id and the name it corrects.
pub async fn name_correction_filed(
    app: &TestApp,
    admission_no: &str,
    new_name: &str,
    at: &str,
) -> (i64, String) {
    let (cid, c) =
        biye::db::candidates::get_by_admission_no(app.db.pool(), &admission_no.parse().unwrap())
            .await
            .unwrap()
            .expect("the candidate");
    let mut conn = app.db.pool().acquire().await.unwrap();
    let id = biye::db::corrections::file(
        &mut conn,
        cid,
        biye::domain::correction::Field::Name,
        &c.name,
        new_name,
        at,
    )
    .await
    .unwrap()
    .expect("filed");
    (id, c.name)
}
