//! The photo on file (P11): an accepted capture is compared with it, and the
//! city reviewer sees both photos with the similarity and the threshold —
//! locally with an imported photo on file, or through the authority's
//! service over HTTP (a stand-in on a loopback port). A comparison that
//! cannot be made never costs the candidate the upload.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Json;
use biye::demo::Case;
use common::{admission_of, application, biye, demo_apps, TestApp};

/// The reviewer's page of the application of `admission_no`.
async fn review_page(app: &mut TestApp, admission_no: &str) -> (i64, String) {
    app.forget_cookies();
    app.sign_in_staff("sg0201").await;
    let a = application(app, admission_no)
        .await
        .expect("an application");
    let (s, _, page) = app.get(&format!("/staff/photos/{}", a.id)).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    if let Some(at) = page.find("id=\"face-match\"") {
        let line = &page[at..];
        println!(
            "{}: {}",
            app.backend,
            &line[..line.find("</p>").unwrap_or(line.len())]
        );
    }
    (a.id, page)
}

#[tokio::test]
async fn the_reviewer_sees_the_photo_on_file_beside_the_capture_with_the_similarity() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        // The phone capture of the photo bench is made from this portrait.
        common::photo_on_file(
            &app,
            &passing,
            common::sample_photo("sample_id_3.png"),
            None,
        )
        .await;
        common::photo_submitted(&mut app, &passing).await;
        let (id, page) = review_page(&mut app, &passing).await;
        assert!(page.contains("人像比对一致"), "{page}");
        assert!(page.contains("相似度 0.9"), "{page}");
        assert!(page.contains("本地比对"), "{page}");
        let limit = format!("要求 不低于 {:.3}", photo::MATCH_THRESHOLD);
        assert!(page.contains(&limit), "{page}");
        let src = format!("/staff/photos/{id}/on-file.jpg");
        assert!(page.contains(&src), "{page}");
        let (s, h, _) = app.get(&src).await;
        assert_eq!(s, StatusCode::OK, "{}", app.backend);
        assert_eq!(h[header::CONTENT_TYPE], "image/png");
        assert_eq!(h[header::CACHE_CONTROL], "private, no-store");

        // Another city's reviewer, and the candidate, cannot read it.
        app.forget_cookies();
        app.sign_in_staff("lc0202").await;
        let (s, _, _) = app.get(&src).await;
        assert!(
            s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
            "{s}"
        );
        app.forget_cookies();
        app.sign_in(&passing).await;
        let (s, _, _) = app.get(&src).await;
        assert_ne!(s, StatusCode::OK);
    }
}

/// Records `image` as the candidate's photo on file, with a kept embedding
/// of `embedded` under the network name `model`.
async fn photo_on_file_embedded(
    app: &TestApp,
    admission_no: &str,
    image: &str,
    embedded: &str,
    model: &str,
) {
    let spec = photo::PhotoSpec::certificate();
    let values = biye::capture::engine()
        .unwrap()
        .embed(&common::sample_photo(embedded), &spec)
        .unwrap()
        .0;
    let kept = biye::db::on_file::StoredEmbedding {
        model: model.to_owned(),
        values,
    };
    common::photo_on_file(app, admission_no, common::sample_photo(image), Some(&kept)).await;
}

#[tokio::test]
async fn the_kept_embedding_is_compared_only_when_this_network_made_it() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        // The kept embedding is a stranger's: it is what the capture meets,
        // so the photo on file is not embedded again.
        let this = photo::embedding_model();
        photo_on_file_embedded(&app, &passing, "sample_id_3.png", "sample_id_1.png", this).await;
        common::photo_submitted(&mut app, &passing).await;
        let (_, page) = review_page(&mut app, &passing).await;
        assert!(
            page.contains("人像比对需人工核对"),
            "{}: {page}",
            app.backend
        );
    }
    for mut app in demo_apps().await {
        // Another network's embedding is ignored: the image is embedded.
        photo_on_file_embedded(
            &app,
            &passing,
            "sample_id_3.png",
            "sample_id_1.png",
            "old:0",
        )
        .await;
        common::photo_submitted(&mut app, &passing).await;
        let (_, page) = review_page(&mut app, &passing).await;
        assert!(page.contains("人像比对一致"), "{}: {page}", app.backend);
    }
}

#[tokio::test]
async fn another_persons_photo_on_file_goes_to_the_reviewer_and_the_capture_is_kept() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        common::photo_on_file(
            &app,
            &passing,
            common::sample_photo("sample_id_1.png"),
            None,
        )
        .await;
        // The candidate is not stopped: the capture reaches the city's queue.
        common::photo_submitted(&mut app, &passing).await;
        let (_, page) = review_page(&mut app, &passing).await;
        assert!(page.contains("人像比对需人工核对"), "{page}");
        assert!(page.contains("相似度低于阈值"), "{page}");
    }
}

#[tokio::test]
async fn without_a_photo_on_file_the_reviewer_is_told_to_check_by_hand() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        common::photo_submitted(&mut app, &passing).await;
        let (id, page) = review_page(&mut app, &passing).await;
        assert!(page.contains("无档案照片"), "{page}");
        assert!(!page.contains("on-file.jpg"), "{page}");
        let (s, _, _) = app.get(&format!("/staff/photos/{id}/on-file.jpg")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

/// The authority's comparison service: checks the documented request, and
/// answers as the path says.
async fn authority() -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = axum::Router::new()
        .route(
            "/compare",
            post(move |h: HeaderMap, Json(q): Json<serde_json::Value>| {
                counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    use base64::Engine as _;
                    let photo = q["photo"].as_str().unwrap_or_default();
                    let jpeg = base64::engine::general_purpose::STANDARD
                        .decode(photo)
                        .is_ok_and(|b| b.starts_with(&[0xFF, 0xD8]));
                    let ok = jpeg
                        && h.get(header::AUTHORIZATION)
                            .is_some_and(|v| v == "Bearer face-token")
                        && q["id_no"].as_str().is_some_and(|s| s.len() == 18)
                        && q["id_type"].is_string()
                        && q["name"].is_string();
                    Json(serde_json::json!({
                        "found": true, "similarity": if ok { 0.97 } else { 0.1 }, "threshold": 0.85
                    }))
                }
            }),
        )
        .route(
            "/unknown",
            post(|| async { Json(serde_json::json!({ "found": false })) }),
        )
        // Found, but no score: must not read as a match.
        .route(
            "/scoreless",
            post(|| async { Json(serde_json::json!({ "found": true })) }),
        )
        .route("/down", post(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), calls)
}

async fn with_service(url: String) -> Vec<TestApp> {
    // all_with takes a Copy closure: the URL lives for the test run.
    let url: &'static str = Box::leak(url.into_boxed_str());
    let mut apps = Vec::new();
    for app in TestApp::all_with(move |c| {
        c.face_match_service = Some(url.parse().unwrap());
        c.face_match_token = Some("face-token".into());
    })
    .await
    {
        apps.push(app.with_demo(Case::ALL.len()).await);
    }
    apps
}

#[tokio::test]
async fn the_authoritys_service_compares_with_the_register_and_its_outage_costs_nothing() {
    let passing = admission_of(Case::Passing);
    let (base, calls) = authority().await;
    for (path, shown) in [
        ("/compare", "相似度 0.970（公安人口库比对）"),
        ("/unknown", "无档案照片"),
        ("/down", "人像比对服务暂时无法访问"),
        ("/scoreless", "应答中缺少相似度或阈值"),
    ] {
        let before = calls.load(Ordering::SeqCst);
        for mut app in with_service(format!("{base}{path}")).await {
            common::photo_submitted(&mut app, &passing).await;
            let (_, page) = review_page(&mut app, &passing).await;
            assert!(page.contains(shown), "{path}: {page}");
        }
        if path == "/compare" {
            assert!(calls.load(Ordering::SeqCst) > before);
        }
    }
}

#[tokio::test]
async fn the_authoritys_service_is_asked_without_reading_the_photo_on_file_held_here() {
    let passing = admission_of(Case::Passing);
    let (base, calls) = authority().await;
    for mut app in with_service(format!("{base}/compare")).await {
        // A photo on file whose object is not in storage: reading it would
        // fail the comparison with 档案照片读取失败.
        let missing = biye::storage::key_for(b"never stored");
        common::on_file_row(&app, &passing, &missing, None).await;
        let before = calls.load(Ordering::SeqCst);
        common::photo_submitted(&mut app, &passing).await;
        let (_, page) = review_page(&mut app, &passing).await;
        assert!(page.contains("相似度 0.970（公安人口库比对）"), "{page}");
        assert!(calls.load(Ordering::SeqCst) > before);
    }
}

#[test]
fn import_photos_stores_good_files_and_names_each_bad_one() {
    let dir = common::demo_installed();
    let photos = dir.path().join("on-file");
    std::fs::create_dir(&photos).unwrap();
    let passing = admission_of(Case::Passing);
    let other = admission_of(Case::MissingElective);
    std::fs::write(
        photos.join(format!("{passing}.png")),
        common::sample_photo("sample_id_3.png"),
    )
    .unwrap();
    // An HTML page renamed .jpg, a landscape without a face, a stranger, a bad name.
    std::fs::write(
        photos.join(format!("{other}.jpg")),
        b"<html><script>x</script></html>",
    )
    .unwrap();
    std::fs::write(
        photos.join("020118100000.jpg"),
        common::sample_photo("sample_id_1.png"),
    )
    .unwrap();
    std::fs::write(
        photos.join("photo.jpg"),
        common::sample_photo("sample_id_1.png"),
    )
    .unwrap();
    let run = || {
        biye(dir.path())
            .args(["import-photos"])
            .arg(&photos)
            .output()
            .unwrap()
    };
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("已导入档案照片 1 张，跳过 3 张"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("{other}.jpg：")), "{stdout}");
    assert!(
        stdout.contains("没有准考证号为 020118100000 的考生"),
        "{stdout}"
    );
    assert!(
        stdout.contains("photo.jpg：文件名不是 12 位准考证号"),
        "{stdout}"
    );

    // Only the good file is kept; importing again replaces, never duplicates.
    std::fs::remove_file(photos.join(format!("{other}.jpg"))).unwrap();
    std::fs::remove_file(photos.join("020118100000.jpg")).unwrap();
    std::fs::remove_file(photos.join("photo.jpg")).unwrap();
    let again = run();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rows: i64 = rt.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("db/biye.db").display());
        let db = biye::db::Db::connect(&url).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM photos_on_file")
            .fetch_one(db.pool())
            .await
            .unwrap()
    });
    assert_eq!(rows, 1);
    // The import kept the photo's embedding, named by the network.
    let kept = rt.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("db/biye.db").display());
        let db = biye::db::Db::connect(&url).await.unwrap();
        let (candidate, _) = biye::db::candidates::get_by_admission_no(
            db.pool(),
            &biye::domain::AdmissionNo::parse(&passing).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        biye::db::on_file::get(db.pool(), candidate).await.unwrap()
    });
    let kept = kept.and_then(|f| f.embedding).expect("an embedding");
    assert_eq!(kept.model, photo::embedding_model());
    assert_eq!(kept.values.len(), photo::identity::EMBEDDING_LEN);
}
