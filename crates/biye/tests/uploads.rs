//! The candidate's uploads other than the certificate photo, through the real
//! router on SQLite and PostgreSQL: ID-card attachments for the manual
//! identity review, and evidence for a record correction — taken by content,
//! size-capped, re-encoded without EXIF, served only to their owner.

mod common;

/// Multipart parts as `(field, file name, bytes)`, with the message expected.
type Parts<'a> = (&'a [(&'a str, &'a str, &'a [u8])], &'a str);

use axum::http::StatusCode;
use biye::demo::Case;
use biye::domain::ApplicationState as S;
use common::{admission_of, demo_apps, profile, TestApp};

async fn application(
    app: &TestApp,
    admission_no: &str,
) -> Option<biye::db::applications::ApplicationSummary> {
    common::application(app, admission_no).await
}

/// A real JPEG (a `photo fix` output) with an EXIF block carrying a location
/// spliced in after the start marker.
fn jpeg_with_exif() -> Vec<u8> {
    let jpeg = include_bytes!("../../forms/tests/photo.jpg");
    let payload = b"Exif\0\0GPS 23.1291N 113.2644E device: phone";
    let len = (payload.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[tokio::test]
async fn id_attachments_are_checked_by_content_cleaned_and_sent_to_review() {
    let hk = admission_of(Case::HongKongPermit);
    let other = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        common::applied(&mut app, &hk).await;
        let (_, _, page) = app.get("/me/identity").await;
        assert!(
            page.contains("提交身份证附件") && page.contains("小于 1M"),
            "{page}"
        );
        let good = jpeg_with_exif();
        let svg =
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
        let big = vec![0u8; 1024 * 1024 + 10];
        let cases: [Parts; 3] = [
            (
                &[("front", "a.jpg", &good), ("back", "b.jpg", &good)],
                "请选择手持身份证照片",
            ),
            (
                &[
                    ("front", "a.jpg", &good),
                    ("back", "b.jpg", &svg),
                    ("handheld", "c.jpg", &good),
                ],
                "身份证反面：附件应为 JPG、PNG 或 JPEG 格式",
            ),
            (
                &[
                    ("front", "a.jpg", &big),
                    ("back", "b.jpg", &good),
                    ("handheld", "c.jpg", &good),
                ],
                "应小于 1 MB",
            ),
        ];
        for (files, message) in cases {
            app.get("/me/identity").await;
            let (s, _, page) = app.post_multipart("/me/identity", files).await;
            assert_eq!(
                s,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{} {message}",
                app.backend
            );
            assert!(page.contains(message), "{message}: {page}");
        }
        assert_eq!(
            application(&app, &hk).await.unwrap().state,
            S::IdentityAttachmentsNeeded
        );
        app.get("/me/identity").await;
        let files: [(&str, &str, &[u8]); 3] = [
            ("front", "a.jpg", &good),
            ("back", "b.png", &good),
            ("handheld", "c.jpeg", &good),
        ];
        let (s, h, _) = app.post_multipart("/me/identity", &files).await;
        assert_eq!(
            (s, h["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/me/identity")
        );
        assert_eq!(
            application(&app, &hk).await.unwrap().state,
            S::IdentityCityReview
        );
        let (_, _, page) = app.get("/me/identity").await;
        assert!(page.contains("身份附件还未审核通过，请等待审核结果"));
        let (s, h, img) = app.get("/me/identity/handheld.jpg").await;
        assert_eq!(
            (s, h["content-type"].to_str().unwrap()),
            (StatusCode::OK, "image/jpeg")
        );
        assert!(
            !img.contains("Exif") && !img.contains("GPS"),
            "EXIF stripped"
        );
        // Nobody else sees them: another candidate has none to be served.
        app.forget_cookies();
        app.sign_in(&other).await;
        let (s, _, _) = app.get("/me/identity/handheld.jpg").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = app.get("/me/identity").await;
        assert_eq!(s, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_record_correction_is_filed_with_evidence_for_the_offices() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let p = profile(&app, &passing).await;
        app.sign_in(&passing).await;
        let (_, _, record) = app.get("/me/record").await;
        assert!(record.contains("href=\"/me/record/correction\""));
        app.get("/me/record/correction").await;
        let evidence = jpeg_with_exif();
        // Multipart text fields travel as parts too.
        let cases: [Parts; 4] = [
            (
                &[
                    ("field", "", b"id_upgrade"),
                    ("value", "", b"440203198001010010"),
                    ("evidence", "a.jpg", &evidence),
                ],
                "已是 18 位",
            ),
            (
                &[
                    ("field", "", b"name"),
                    ("value", "", p.name.as_bytes()),
                    ("evidence", "a.jpg", &evidence),
                ],
                "无需更正",
            ),
            (
                &[("field", "", b"name"), ("value", "", "陈𠇔".as_bytes())],
                "请上传证明材料",
            ),
            (
                &[
                    ("field", "", b"id_no"),
                    ("value", "", b"440203198001010011"),
                    ("evidence", "a.jpg", &evidence),
                ],
                "校验",
            ),
        ];
        for (parts, message) in cases {
            app.get("/me/record/correction").await;
            let (s, _, page) = app.post_multipart("/me/record/correction", parts).await;
            assert_eq!(
                s,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{message} {}",
                app.backend
            );
            assert!(page.contains(message), "{message}: {page}");
        }
        app.get("/me/record/correction").await;
        let parts: [(&str, &str, &[u8]); 3] = [
            ("field", "", b"name"),
            ("value", "", "陈𠇔".as_bytes()),
            ("evidence", "hukou.jpg", &evidence),
        ];
        let (s, _, _) = app.post_multipart("/me/record/correction", &parts).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, _, page) = app.get("/me/record/correction").await;
        assert!(
            page.contains("陈𠇔") && page.contains("待考办审核") && page.contains("1 个"),
            "{page}"
        );
        // Filed, not applied: the record is unchanged until the offices decide.
        assert_eq!(profile(&app, &passing).await.name, p.name);
    }
}
