//! The object store on S3, not only the local directory: a province runs
//! several server processes against one S3-compatible store. These tests run
//! against a local S3-compatible server (`s3s-fs`, started by `.ci/run`) named
//! by `BIYE_TEST_S3_ENDPOINT`; without it they skip, except in CI.

mod common;

use biye::demo::Case;
use biye::storage::{Storage, StorageError};
use common::{admission_of, TestApp};

#[tokio::test]
async fn objects_round_trip_through_s3_by_their_content() {
    let Some((url, options)) = common::s3_server() else {
        return;
    };
    let store = Storage::open(&url, &options).expect("opens");
    let jpeg = b"biye s3 round trip ".repeat(1000);
    let key = store.put(jpeg.clone().into()).await.expect("stored");
    assert!(key.starts_with("sha256/"), "{key}");
    assert_eq!(store.get(&key).await.expect("read back"), jpeg);
    // The same bytes are the same object: a second put is harmless.
    assert_eq!(store.put(jpeg.into()).await.expect("stored again"), key);
    let absent = format!("sha256/00/{}", "0".repeat(62));
    assert!(matches!(
        store.get(&absent).await,
        Err(StorageError::Missing(_))
    ));
    assert!(store.get("../../etc/passwd").await.is_err());
}

#[tokio::test]
async fn a_phone_capture_is_stored_on_s3_and_the_reviewer_sees_it() {
    let Some((url, options)) = common::s3_server() else {
        return;
    };
    let (url, options) = (&url, &options);
    let passing = admission_of(Case::Passing);
    for app in TestApp::all_with(|c| {
        c.object_store_url = url.clone();
        c.s3 = options.clone();
    })
    .await
    {
        let mut app = app.with_demo(Case::ALL.len()).await;
        common::photo_submitted(&mut app, &passing).await;
        let a = common::application(&app, &passing).await.expect("applied");
        app.forget_cookies();
        app.sign_in_staff("sg0201").await;
        let (_, _, item) = app.get(&format!("/staff/photos/{}", a.id)).await;
        let src_at = format!("/staff/photos/{}/photo/", a.id);
        let at = item
            .find(&src_at)
            .expect("the reviewer's page shows the photo");
        let src = &item[at..at + item[at..].find('"').expect("an attribute")];
        let (s, h, _) = app.get(src).await;
        assert_eq!(s, axum::http::StatusCode::OK, "{}: {src}", app.backend);
        assert_eq!(h["content-type"], "image/jpeg");
        // The bytes are on S3, not in a local directory.
        let (key,): (String,) = sqlx::query_as(
            "SELECT fixed_key FROM photos WHERE application_id = $1 AND fixed_key IS NOT NULL",
        )
        .bind(a.id)
        .fetch_one(app.db.pool())
        .await
        .expect("the photo row");
        let direct = Storage::open(url, options).expect("opens");
        let bytes = direct.get(&key).await.expect("on S3");
        assert!(bytes.starts_with(&[0xFF, 0xD8]), "{}", app.backend);
    }
}
