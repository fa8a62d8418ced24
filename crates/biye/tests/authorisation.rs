//! The authorisation matrix: every route of the router (`web::route_list`) ×
//! every role — anonymous, a candidate, the other city's reviewer, the
//! application's own city reviewer, the province, the administrator — with
//! the expected allow or deny, all asserted. The expectations are a table
//! here, keyed by method and route template; a route without a row fails the
//! test, so a new page cannot ship without saying who may open it.
//!
//! "Denied" is what the extractors and scope checks answer: 403, or a
//! redirect to a sign-in page. Anything else (200, 303 elsewhere, 400 for
//! the deliberately bogus form, 404 for an absent attachment …) got past
//! authorisation. POSTs carry a form that no handler accepts as a decision,
//! so the walk changes nothing that matters.

mod common;

use axum::http::StatusCode;
use biye::demo::Case;
use common::{admission_of, demo_apps, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    Candidate,
    OtherCity,
    OwnCity,
    Provincial,
    Admin,
}
use Role::*;

const ROLES: [Role; 6] = [Anonymous, Candidate, OtherCity, OwnCity, Provincial, Admin];
const EVERYONE: &[Role] = &ROLES;
const CANDIDATE: &[Role] = &[Candidate];
const STAFF: &[Role] = &[OtherCity, OwnCity, Provincial, Admin];
const REVIEWERS: &[Role] = &[OtherCity, OwnCity, Provincial];
const SCOPED: &[Role] = &[OwnCity, Provincial];
const CITIES: &[Role] = &[OtherCity, OwnCity];
const OWN_CITY: &[Role] = &[OwnCity];
const PROVINCE: &[Role] = &[Provincial];
const ADMIN: &[Role] = &[Admin];

/// (method, route template, who is allowed).
const MATRIX: &[(&str, &str, &[Role])] = &[
    ("GET", "/", EVERYONE),
    ("GET", "/healthz", EVERYONE),
    ("GET", "/static/app.css", EVERYONE),
    ("GET", "/static/capture.js", EVERYONE),
    ("GET", "/static/photo.js", EVERYONE),
    ("GET", "/static/review.js", EVERYONE),
    ("GET", "/login", EVERYONE),
    ("POST", "/login", EVERYONE),
    ("GET", "/staff/login", EVERYONE),
    ("POST", "/staff/login", EVERYONE),
    ("GET", "/password", EVERYONE),
    ("POST", "/password", EVERYONE),
    ("POST", "/password/reset", EVERYONE),
    // Signing out without a session does nothing and says so.
    ("POST", "/logout", EVERYONE),
    ("POST", "/logout/all", EVERYONE),
    // The phone page answers to its token, whoever holds it.
    ("GET", "/capture/{token}", EVERYONE),
    ("POST", "/capture/{token}/photo", EVERYONE),
    ("POST", "/capture/{token}/accept", EVERYONE),
    ("GET", "/capture/{token}/photo/{id}/{which}", EVERYONE),
    ("GET", "/me", CANDIDATE),
    ("GET", "/me/record", CANDIDATE),
    ("POST", "/me/record", CANDIDATE),
    ("POST", "/me/record/confirm", CANDIDATE),
    ("GET", "/me/record/correction", CANDIDATE),
    ("POST", "/me/record/correction", CANDIDATE),
    ("GET", "/me/prediction", CANDIDATE),
    ("GET", "/me/prior-education", CANDIDATE),
    ("POST", "/me/prior-education", CANDIDATE),
    ("GET", "/me/application", CANDIDATE),
    ("POST", "/me/application", CANDIDATE),
    ("GET", "/me/identity", CANDIDATE),
    ("POST", "/me/identity", CANDIDATE),
    ("GET", "/me/identity/{kind}", CANDIDATE),
    ("GET", "/me/photo", CANDIDATE),
    ("POST", "/me/photo", CANDIDATE),
    ("GET", "/me/photo/latest.json", CANDIDATE),
    ("GET", "/me/photo/{id}/{which}", CANDIDATE),
    ("GET", "/me/status", CANDIDATE),
    ("GET", "/me/form.pdf", CANDIDATE),
    ("GET", "/staff", STAFF),
    ("GET", "/staff/password", STAFF),
    ("POST", "/staff/password", STAFF),
    ("GET", "/onsite/lookup", REVIEWERS),
    ("GET", "/staff/identity", REVIEWERS),
    ("GET", "/staff/identity/export", REVIEWERS),
    ("GET", "/staff/identity/{application}", SCOPED),
    ("POST", "/staff/identity/{application}", SCOPED),
    ("GET", "/staff/identity/{application}/{kind}", SCOPED),
    ("GET", "/staff/corrections", REVIEWERS),
    ("GET", "/staff/corrections/export", REVIEWERS),
    ("GET", "/staff/corrections/{id}", SCOPED),
    ("POST", "/staff/corrections/{id}", SCOPED),
    ("GET", "/staff/corrections/{id}/evidence/{n}", SCOPED),
    ("GET", "/staff/photos", CITIES),
    ("GET", "/staff/photos/export", CITIES),
    ("GET", "/staff/photos/bulk", CITIES),
    ("POST", "/staff/photos/bulk", CITIES),
    ("GET", "/staff/photos/{application}", OWN_CITY),
    ("POST", "/staff/photos/{application}", OWN_CITY),
    (
        "GET",
        "/staff/photos/{application}/photo/{id}/{which}",
        OWN_CITY,
    ),
    ("GET", "/staff/photos/{application}/on-file.jpg", OWN_CITY),
    ("GET", "/staff/onsite", CITIES),
    ("GET", "/staff/onsite/export", CITIES),
    ("GET", "/staff/onsite/{application}", OWN_CITY),
    ("POST", "/staff/onsite/{application}", OWN_CITY),
    ("GET", "/staff/prior-education", PROVINCE),
    ("GET", "/staff/prior-education/export", PROVINCE),
    ("GET", "/staff/prior-education/{candidate}", PROVINCE),
    ("POST", "/staff/prior-education/{candidate}", PROVINCE),
    ("GET", "/staff/final", PROVINCE),
    ("GET", "/staff/final/export", PROVINCE),
    ("GET", "/staff/final/{application}", PROVINCE),
    ("POST", "/staff/final/{application}", PROVINCE),
    (
        "GET",
        "/staff/final/{application}/photo/{id}/{which}",
        PROVINCE,
    ),
    ("GET", "/staff/exports", PROVINCE),
    ("GET", "/staff/exports/graduates", PROVINCE),
    ("POST", "/staff/exports/graduates/registered", PROVINCE),
    ("GET", "/admin/access-log", ADMIN),
    ("GET", "/admin/audit-log", ADMIN),
    ("GET", "/admin/batches", ADMIN),
    ("POST", "/admin/batches", ADMIN),
    ("POST", "/admin/batches/{code}/sessions", ADMIN),
    ("POST", "/admin/batches/{code}/sessions/{id}/delete", ADMIN),
    ("POST", "/admin/offices/{code}", ADMIN),
    ("POST", "/admin/form-types", ADMIN),
    ("GET", "/admin/staff", ADMIN),
    ("POST", "/admin/staff", ADMIN),
    ("POST", "/admin/staff/{id}/active", ADMIN),
    ("POST", "/admin/staff/{id}/password", ADMIN),
];

/// The ids the route templates are filled with: all of office 0201.
struct Fixture {
    application: i64,
    photo: i64,
    correction: i64,
    prior_candidate: i64,
    session: i64,
    staff_target: i64,
}

async fn fixture(app: &mut TestApp) -> Fixture {
    let passing = admission_of(Case::Passing);
    let application = common::photo_submitted(app, &passing).await;
    let photo = biye::db::photos::latest(app.db.pool(), application)
        .await
        .unwrap()
        .expect("a photo")
        .id;
    let (correction, _) =
        common::name_correction_filed(app, &passing, "王小明", "2023-06-15T01:00:00Z").await;
    let mut conn = app.db.pool().acquire().await.unwrap();
    let prior_candidate: i64 =
        sqlx::query_scalar("SELECT candidate_id FROM prior_educations ORDER BY id LIMIT 1")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let session: i64 = sqlx::query_scalar("SELECT id FROM onsite_sessions ORDER BY id LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let hash = biye::passwords::hash("matrix-target-password").unwrap();
    let office = biye::domain::OfficeCode::parse("0202").unwrap();
    biye::db::staff::create_if_absent(
        &mut conn,
        &biye::db::staff::NewStaff {
            username: "matrix_target",
            display_name: "矩阵测试",
            password_hash: &hash,
            role: biye::domain::StaffRole::CityReviewer,
            office: Some(&office),
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let staff_target = biye::db::staff::get_by_username(app.db.pool(), "matrix_target")
        .await
        .unwrap()
        .unwrap()
        .id
        .0;
    Fixture {
        application,
        photo,
        correction,
        prior_candidate,
        session,
        staff_target,
    }
}

fn concrete(path: &str, f: &Fixture) -> String {
    let code = if path.starts_with("/admin/offices") {
        "0201"
    } else {
        "2023H1"
    };
    let id = if path.starts_with("/admin/staff") {
        f.staff_target
    } else if path.starts_with("/admin/batches") {
        f.session
    } else if path.starts_with("/staff/corrections") {
        f.correction
    } else {
        f.photo
    };
    path.replace("{application}", &f.application.to_string())
        .replace("{candidate}", &f.prior_candidate.to_string())
        .replace("{token}", "0123456789abcdef0123456789abcdef")
        .replace("{which}", "fixed.jpg")
        .replace("{kind}", "front.jpg")
        .replace("{code}", code)
        .replace("{n}", "0")
        .replace("{id}", &id.to_string())
}

async fn become_(app: &mut TestApp, role: Role) {
    app.forget_cookies();
    match role {
        Anonymous => {
            app.get("/login").await;
        }
        Candidate => {
            app.sign_in(&admission_of(Case::MissingElective)).await;
            app.get("/me/record").await;
        }
        OtherCity => assert_eq!(app.sign_in_staff("lc0202").await, StatusCode::SEE_OTHER),
        OwnCity => assert_eq!(app.sign_in_staff("sg0201").await, StatusCode::SEE_OTHER),
        Provincial => assert_eq!(app.sign_in_staff("gdsk").await, StatusCode::SEE_OTHER),
        Admin => assert_eq!(app.sign_in_staff("admin").await, StatusCode::SEE_OTHER),
    }
}

/// A form no handler takes as a decision, but every extractor parses.
const BOGUS: &[(&str, &str)] = &[
    ("decision", "bogus"),
    ("count", "999999"),
    ("batch", "2023H1"),
    ("active", "1"),
];

fn denied(status: StatusCode, headers: &axum::http::HeaderMap) -> bool {
    let to_login = headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.starts_with("/login") || l.starts_with("/staff/login"));
    status == StatusCode::FORBIDDEN || (status == StatusCode::SEE_OTHER && to_login)
}

#[tokio::test]
async fn every_route_by_every_role_is_allowed_or_denied_as_the_matrix_says() {
    for mut app in demo_apps().await {
        let f = fixture(&mut app).await;
        let routes = biye::web::route_list(&app.state);
        let mut failures = Vec::new();
        for r in &routes {
            let method = r.method.as_str();
            let Some((_, _, allowed)) =
                MATRIX.iter().find(|(m, p, _)| *m == method && *p == r.path)
            else {
                failures.push(format!("{method} {}: no row in the matrix", r.path));
                continue;
            };
            let path = concrete(r.path, &f);
            for role in ROLES {
                become_(&mut app, role).await;
                let (status, headers, body) = if method == "GET" {
                    app.get(&path).await
                } else {
                    app.post(&path, BOGUS).await
                };
                let expected_allowed = allowed.contains(&role);
                if denied(status, &headers) == expected_allowed {
                    let snippet: String = body.chars().take(160).collect();
                    failures.push(format!(
                        "{method} {path} as {role:?}: {status}, expected {} ({snippet})",
                        if expected_allowed {
                            "allowed"
                        } else {
                            "denied"
                        }
                    ));
                }
                if status == StatusCode::FORBIDDEN && role != Anonymous {
                    assert!(
                        body.contains("</html>") && !body.contains("Forbidden"),
                        "a refusal is a Chinese page: {method} {path} {body}"
                    );
                }
            }
        }
        // Rows for routes that no longer exist are mistakes too.
        for (m, p, _) in MATRIX {
            if !routes
                .iter()
                .any(|r| r.method.as_str() == *m && r.path == *p)
            {
                failures.push(format!("{m} {p}: in the matrix but not in the router"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} ({} failures):\n{}",
            app.backend,
            failures.len(),
            failures.join("\n")
        );
    }
}
