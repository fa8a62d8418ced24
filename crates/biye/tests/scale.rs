//! Past one machine: two server processes on one database and one object
//! store. Two real `biye serve` processes share sessions, failed-sign-in
//! locks and photos (on S3 when `BIYE_TEST_S3_ENDPOINT` names a server);
//! background rounds run once across processes (two application states
//! with pools of their own stand for the two processes there, since a round
//! runs every ten minutes). SQLite and PostgreSQL.

mod common;

use biye::demo::Case;
use common::http::{self, Browser, Server};
use common::{admission_of, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_starting_at_once_on_a_new_database_both_migrate_it() {
    for backend in common::backends().await {
        let one = biye::db::Db::connect(&backend.url).await.expect("connects");
        let two = biye::db::Db::connect(&backend.url).await.expect("connects");
        let (a, b) = tokio::join!(biye::db::migrate::run(&one), biye::db::migrate::run(&two));
        let (a, b) = (a.expect("one migrates"), b.expect("two migrates"));
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(one.pool())
                .await
                .expect("versions");
        let latest = biye::db::migrate::latest();
        assert_eq!(
            versions,
            (1..=latest).collect::<Vec<_>>(),
            "{}",
            backend.name
        );
        assert_eq!(a + b, latest as usize, "{}: {a} + {b}", backend.name);
    }
}

#[tokio::test]
async fn a_background_round_runs_in_one_process_and_withdraws_once() {
    let bachelor = admission_of(Case::BachelorUnverified);
    // After the batch's fill-in deadline (7 月 3 日).
    for app in TestApp::all_with(|c| c.now = Some("2023-07-03T09:00".into())).await {
        let app = app.with_demo(Case::ALL.len()).await;
        let id = common::unfilled_fresh_graduate(&app, &bachelor).await;
        // The second process: its own pool on the same database.
        let db = biye::cli::open_db(&app.state.config).await.expect("opens");
        let other = biye::cli::serve::build_state(&app.state.config, db)
            .await
            .expect("state");
        let (a, b) = tokio::join!(
            biye::jobs::round(&app.state, "process-a"),
            biye::jobs::round(&other, "process-b"),
        );
        let (a, b) = (a.expect("round a"), b.expect("round b"));
        let ran: Vec<_> = [a, b].into_iter().flatten().collect();
        assert_eq!(ran.len(), 1, "{}: {a:?} {b:?}", app.backend);
        assert_eq!(ran[0].withdrawn, 1, "{}", app.backend);
        // The lease holds until it ends; its holder renews it.
        let holder = if a.is_some() {
            "process-a"
        } else {
            "process-b"
        };
        let state = if a.is_some() { &other } else { &app.state };
        let loser = if a.is_some() {
            "process-b"
        } else {
            "process-a"
        };
        assert_eq!(biye::jobs::round(state, loser).await.expect("round"), None);
        let now = app.state.clock.now();
        let later = now
            .checked_add(jiff::SignedDuration::from_mins(11))
            .expect("time");
        let pool = app.db.pool();
        assert!(
            biye::db::leases::take(pool, "background", holder, now, later)
                .await
                .expect("renew")
        );
        assert!(
            !biye::db::leases::take(pool, "background", loser, now, later)
                .await
                .expect("take")
        );
        // Once it has ended, another process takes it over.
        assert!(
            biye::db::leases::take(pool, "background", loser, later, later)
                .await
                .expect("take")
        );
        let events = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM application_events e JOIN graduation_applications a
             ON a.id = e.application_id WHERE a.candidate_id = $1 AND e.event = 'withdrawn'",
        )
        .bind(id.0)
        .fetch_one(pool)
        .await
        .expect("count");
        assert_eq!(events, 1, "{}", app.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_share_sessions_locks_and_photos() {
    let s3 = common::s3_server();
    let passing = admission_of(Case::Passing);
    let locked = admission_of(Case::ViolationServed);
    for backend in common::backends().await {
        let dir = backend.dir.path();
        let command = || {
            let mut c = http::installation(dir, &backend.url);
            if let Some((url, o)) = &s3 {
                c.env("BIYE_OBJECT_STORE_URL", url)
                    .env("AWS_ENDPOINT", o.endpoint.as_deref().unwrap_or_default())
                    .env("AWS_REGION", o.region.as_deref().unwrap_or_default())
                    .env(
                        "AWS_ACCESS_KEY_ID",
                        o.access_key_id.as_deref().unwrap_or_default(),
                    )
                    .env(
                        "AWS_SECRET_ACCESS_KEY",
                        o.secret_access_key.as_deref().unwrap_or_default(),
                    )
                    .env("AWS_ALLOW_HTTP", "true");
            }
            c
        };
        http::load_demo(command(), 24);
        let one = Server::start(command(), http::free_port());
        let two = Server::start(command(), http::free_port());
        let pool = http::pool();
        let name = backend.name;

        // A session begun on one process is good on the other.
        let mut on_one = Browser::new(&pool, &one.base);
        assert!(on_one
            .sign_in("/login", &passing, common::PASSWORD)
            .await
            .expect("answers"));
        let mut on_two = on_one.at(&two.base);
        let me = on_two.get("/me").await.expect("answers");
        assert_eq!(me.status, 200, "{name}: {}", me.text());

        // Five failed sign-ins, three on one process and two on the other,
        // lock the account on both: even the right password is refused.
        for (i, base) in [&one.base, &two.base, &one.base, &two.base, &one.base]
            .into_iter()
            .enumerate()
        {
            let mut b = Browser::new(&pool, base);
            let ok = b
                .sign_in("/login", &locked, "wrong-password-1")
                .await
                .expect("answers");
            assert!(!ok, "{name}: failure {}", i + 1);
        }
        for base in [&one.base, &two.base] {
            let mut b = Browser::new(&pool, base);
            b.get("/login").await.expect("answers");
            let a = b
                .post(
                    "/login",
                    &[("login", locked.as_str()), ("password", common::PASSWORD)],
                )
                .await
                .expect("answers");
            assert_eq!(a.status, 429, "{name}: {base}: {}", a.text());
            assert!(a.text().contains("尝试次数过多"), "{name}: {}", a.text());
        }

        // A photo taken through one process is reviewed through the other.
        http::applied(&mut on_one).await;
        let link = http::phone_link(&mut on_one)
            .await
            .expect("answers")
            .expect("a phone link");
        let jpeg = bytes::Bytes::from(photo::bench::phone_capture().expect("the capture"));
        let sent = on_one
            .upload_json(&format!("{link}/photo"), "photo", jpeg)
            .await
            .expect("answers");
        assert_eq!(sent.status, 200, "{name}: {}", sent.text());
        let v: serde_json::Value = serde_json::from_slice(&sent.body).expect("JSON");
        let photo = v["photo_id"].as_i64().expect("a photo id");
        let accepted = on_one
            .post(&format!("{link}/accept"), &[])
            .await
            .expect("answers");
        assert_eq!(accepted.status, 303, "{name}");
        let mut reviewer = Browser::new(&pool, &two.base);
        assert!(reviewer
            .sign_in("/staff/login", "sg0201", common::PASSWORD)
            .await
            .expect("answers"));
        let (application,): (i64,) =
            sqlx::query_as("SELECT application_id FROM photos WHERE id = $1")
                .bind(photo)
                .fetch_one(
                    biye::db::Db::connect(&backend.url)
                        .await
                        .expect("connects")
                        .pool(),
                )
                .await
                .expect("the photo");
        let fixed = reviewer
            .get(&format!(
                "/staff/photos/{application}/photo/{photo}/fixed.jpg"
            ))
            .await
            .expect("answers");
        assert_eq!(fixed.status, 200, "{name}");
        assert!(fixed.body.starts_with(&[0xFF, 0xD8]), "{name}");
        reviewer.get("/staff/photos").await.expect("answers");
        let decided = reviewer
            .post(
                &format!("/staff/photos/{application}"),
                &[("decision", "approve")],
            )
            .await
            .expect("answers");
        assert_eq!(decided.status, 303, "{name}: {}", decided.text());
        // The candidate, still on process one, sees the decision at once.
        let status = on_one.get("/me/status").await.expect("answers");
        assert!(
            status.text().contains("毕业证照审核通过"),
            "{name}: {}",
            status.text()
        );
        drop((one, two));
    }
}
