//! Crash safety: the real `biye serve` binary is killed with SIGKILL while a
//! hundred candidates upload phone photos and a reviewer decides on them, at
//! ten random moments (none before the run's first acknowledged upload and
//! decision), and restarted each time. After every restart:
//! - every upload the server acknowledged (200 with a photo id) is there, and
//!   its objects read back whole, through the reviewer's page too;
//! - no row names an object that is missing or damaged (a key is the SHA-256
//!   of its bytes, so "damaged" is exact);
//! - every application's state is the end of its own event history, each
//!   step one the state machine allows, and every photo decision event has
//!   its review row (one transaction writes both);
//! - every acknowledged submission and decision has its event.
//!
//! SQLite and PostgreSQL. The kill moments come from a seed that is printed;
//! `BIYE_CRASH_SEED=N` replays a run.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use biye::domain::{ApplicationEvent, ApplicationState as S};
use biye::storage::Storage;
use bytes::Bytes;
use common::http::{self, Browser, Server};
use rand::{Rng, SeedableRng};

const CANDIDATES: usize = 100;
/// Uploads sent so far, numbering each one's bytes.
static UPLOADS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
const KILL_POINTS: usize = 10;
/// One demo candidate in 24 is a passing 商务英语 one: this many give a hundred.
const DEMO: usize = CANDIDATES * biye::demo::Case::ALL.len();
/// Columns naming objects in the store; a new one belongs here.
const OBJECT_COLUMNS: [(&str, &str); 5] = [
    ("photos", "original_key"),
    ("photos", "fixed_key"),
    ("id_attachments", "object_key"),
    ("correction_evidence", "object_key"),
    ("photos_on_file", "object_key"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_uploads_and_decisions_loses_nothing_acknowledged() {
    let seed = std::env::var("BIYE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("crash test seed {seed} (BIYE_CRASH_SEED={seed} replays it)");
    let jpeg = Bytes::from(photo::bench::phone_capture().expect("the 12 MP phone capture"));
    for backend in common::backends().await {
        let started = Instant::now();
        let installation = Installation::new(&backend).await;
        let (kills, acks, cut) = installation.run(seed, &jpeg).await;
        installation.checks_catch_damage().await;
        let decisions: usize = acks
            .events
            .iter()
            .filter(|((_, e), _)| *e != "photo_submitted")
            .map(|(_, n)| n)
            .sum();
        eprintln!(
            "{}: {KILL_POINTS} kills at {kills:?} ms after the load began, cutting {cut:?} \
             requests in flight; {} uploads and {decisions} decisions acknowledged; \
             all checks held ({:.0} s)",
            backend.name,
            acks.uploads.len(),
            started.elapsed().as_secs_f64()
        );
        // A run that acknowledged nothing, or never killed a request in
        // flight, would prove nothing.
        assert!(!acks.uploads.is_empty() && decisions > 0);
        assert!(cut.iter().all(|n| *n > 0), "{cut:?}");
    }
}

/// Waits, at most a minute, until the run has acknowledged an upload and a
/// decision, and says how long it waited in ms. On a fast machine both come
/// within the first round's load. On a slow one (here, with four busy loops
/// beside the test) ten rounds cut at their random moments acknowledged one
/// upload and no decision in all, and a run that acknowledged nothing would
/// prove nothing.
async fn until_something_decided(acks: &Mutex<Acks>) -> u64 {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        {
            let a = acks.lock().expect("acks");
            let decided = a.events.keys().any(|(_, e)| *e != "photo_submitted");
            if !a.uploads.is_empty() && decided {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed().as_millis() as u64
}

/// Signs a candidate in, trying again while the server answers "busy" (503),
/// as its page asks: a hundred sign-ins at once queue for the password
/// hasher's few permits, and on a slow machine the last ones can wait longer
/// than the queue allows. Any other answer fails the test, with the page.
async fn sign_in_when_free(b: &mut Browser, admission: &str) {
    for _ in 0..10 {
        b.get("/login").await.expect("answers");
        let a = b
            .post(
                "/login",
                &[("login", admission), ("password", common::PASSWORD)],
            )
            .await
            .expect("answers");
        match a.status {
            303 => return,
            503 => tokio::time::sleep(Duration::from_secs(1)).await,
            s => panic!("{admission} not signed in ({s}): {}", a.text()),
        }
    }
    panic!("{admission}: the server stayed busy through ten sign-ins");
}

/// What the server acknowledged: only these must survive a crash.
#[derive(Default, Clone)]
struct Acks {
    /// (application, photo) of every upload answered 200 with a photo id.
    uploads: Vec<(i64, i64)>,
    /// Submissions and decisions answered with their redirect, by
    /// application and event.
    events: HashMap<(i64, &'static str), usize>,
}

struct Installation<'a> {
    backend: &'a common::Backend,
    db: biye::db::Db,
    storage: Storage,
    port: u16,
}

/// One candidate of the hundred, signed in.
struct Candidate {
    application: i64,
    browser: Browser,
}

impl<'a> Installation<'a> {
    async fn new(backend: &'a common::Backend) -> Self {
        let dir = backend.dir.path();
        http::load_demo(http::installation(dir, &backend.url), DEMO);
        let config = common::config(backend.url.clone(), dir);
        let db = biye::cli::open_db(&config)
            .await
            .expect("the database opens");
        let storage = Storage::open(&config.object_store_url, &config.s3).expect("the store");
        Installation {
            backend,
            db,
            storage,
            port: http::free_port(),
        }
    }

    fn serve(&self) -> Server {
        let mut c = http::installation(self.backend.dir.path(), &self.backend.url);
        c.env("BIYE_SIGN_IN_PER_MINUTE", "100000");
        Server::start(c, self.port)
    }

    /// Ten rounds of load, each ended by SIGKILL: the kill moments in ms,
    /// what was acknowledged, and how many requests each kill cut.
    async fn run(&self, seed: u64, jpeg: &Bytes) -> (Vec<u64>, Acks, Vec<usize>) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut server = self.serve();
        let (mut candidates, reviewer) = self.sign_in(&server.base).await;
        let acks = Arc::new(Mutex::new(Acks::default()));
        let (mut kills, mut cut) = (Vec::new(), Vec::new());
        for round in 0..KILL_POINTS {
            let states = self.states().await;
            let stop = Arc::new(AtomicBool::new(false));
            let mut tasks = Vec::new();
            for (i, mut c) in candidates.drain(..).enumerate() {
                let state = states[&c.application];
                let (mut reviewer, acks, stop, jpeg) =
                    (reviewer.clone(), acks.clone(), stop.clone(), jpeg.clone());
                let task_seed = seed ^ ((round * CANDIDATES + i) as u64);
                tasks.push(tokio::spawn(async move {
                    let mut rng = rand::rngs::StdRng::seed_from_u64(task_seed);
                    let cut =
                        journey(&mut c, state, &mut reviewer, &acks, &stop, jpeg, &mut rng).await;
                    (c, cut)
                }));
            }
            let at = rng.gen_range(300..4000);
            tokio::time::sleep(Duration::from_millis(at)).await;
            let at = at + until_something_decided(&acks).await;
            server.kill();
            stop.store(true, Ordering::SeqCst);
            kills.push(at);
            let mut cut_now = 0;
            for t in tasks {
                let (c, cut) = t.await.expect("a journey never panics");
                candidates.push(c);
                cut_now += usize::from(cut);
            }
            cut.push(cut_now);
            server = self.serve();
            let acks = acks.lock().expect("acks").clone();
            self.check(&acks, &reviewer.at(&server.base), round).await;
        }
        server.kill();
        let acks = acks.lock().expect("acks").clone();
        (kills, acks, cut)
    }

    /// Signs the hundred candidates in and applies for each (the photo step
    /// is next), and signs the city's photo reviewer in.
    async fn sign_in(&self, base: &str) -> (Vec<Candidate>, Browser) {
        let pool = http::pool();
        let admissions: Vec<String> = biye::demo::generate(DEMO, 2023)
            .cases
            .into_iter()
            .filter(|(_, c)| *c == biye::demo::Case::Passing)
            .map(|(a, _)| a.to_string())
            .take(CANDIDATES)
            .collect();
        assert_eq!(admissions.len(), CANDIDATES);
        let mut reviewer = Browser::new(&pool, base);
        assert!(reviewer
            .sign_in("/staff/login", "sg0201", common::PASSWORD)
            .await
            .expect("the server answers"));
        reviewer.get("/staff/photos").await.expect("the queue");
        let mut tasks = Vec::new();
        for a in admissions {
            let mut b = Browser::new(&pool, base);
            tasks.push(tokio::spawn(async move {
                sign_in_when_free(&mut b, &a).await;
                http::applied(&mut b).await;
                (a, b)
            }));
        }
        let mut candidates = Vec::new();
        for t in tasks {
            let (admission, browser) = t.await.expect("signed in");
            let application = common::application_in(&self.db, &admission)
                .await
                .expect("the application");
            candidates.push(Candidate {
                application: application.id,
                browser,
            });
        }
        (candidates, reviewer)
    }

    async fn states(&self) -> HashMap<i64, S> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, state FROM graduation_applications")
                .fetch_all(self.db.pool())
                .await
                .expect("states");
        rows.into_iter()
            .map(|(id, s)| (id, S::from_db(&s).expect("a known state")))
            .collect()
    }

    /// The invariants after a restart; panics with every one broken.
    async fn check(&self, acks: &Acks, reviewer: &Browser, round: usize) {
        let mut problems = self.acknowledged_missing(acks, reviewer, round).await;
        problems.extend(self.objects_damaged().await);
        problems.extend(self.histories_unexplained().await);
        assert!(
            problems.is_empty(),
            "{} after kill {}:\n{}",
            self.backend.name,
            round + 1,
            problems.join("\n")
        );
    }

    /// Acknowledged uploads that are gone, not whole, or not served;
    /// acknowledged submissions and decisions without their event.
    async fn acknowledged_missing(
        &self,
        acks: &Acks,
        reviewer: &Browser,
        round: usize,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let photos: HashMap<i64, (i64, Option<String>)> =
            sqlx::query_as::<_, (i64, i64, Option<String>)>(
                "SELECT id, application_id, fixed_key FROM photos",
            )
            .fetch_all(self.db.pool())
            .await
            .expect("photos")
            .into_iter()
            .map(|(id, a, f)| (id, (a, f)))
            .collect();
        let mut reviewer = reviewer.clone();
        for (n, (application, photo)) in acks.uploads.iter().enumerate() {
            match photos.get(photo) {
                None => problems.push(format!("acknowledged photo {photo} is gone")),
                Some((a, _)) if a != application => {
                    problems.push(format!("photo {photo} moved to application {a}"))
                }
                Some((_, None)) => problems.push(format!("photo {photo} lost its fixed file")),
                Some(_) => {}
            }
            // Served through the reviewer's page: a different seventh each round.
            if n % 7 == round % 7 {
                let path = format!("/staff/photos/{application}/photo/{photo}/original.jpg");
                let got = reviewer.get(&path).await.expect("the server answers");
                if got.status != 200 || got.content_type != "image/jpeg" {
                    problems.push(format!("{path}: {} {}", got.status, got.content_type));
                }
            }
        }
        let counts = self.event_counts().await;
        for ((application, event), acked) in &acks.events {
            let recorded = counts
                .get(&(*application, event.to_string()))
                .copied()
                .unwrap_or(0);
            if recorded < *acked {
                problems.push(format!(
                    "application {application}: {acked} acknowledged {event}, {recorded} recorded"
                ));
            }
        }
        problems
    }

    /// Keys in object columns that do not read back, or whose bytes do not
    /// hash to them.
    async fn objects_damaged(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (table, column) in OBJECT_COLUMNS {
            let sql = format!("SELECT {column} FROM {table} WHERE {column} IS NOT NULL");
            let keys: Vec<(String,)> = sqlx::query_as(&sql)
                .fetch_all(self.db.pool())
                .await
                .expect("keys");
            for (key,) in keys {
                match self.storage.get(&key).await {
                    Err(e) => problems.push(format!("{table}.{column} names {key}: {e}")),
                    Ok(bytes) if biye::storage::key_for(&bytes) != key => {
                        problems.push(format!("{table}.{column}: the object {key} is damaged"))
                    }
                    Ok(_) => {}
                }
            }
        }
        problems
    }

    /// Applications whose events, replayed through the state machine, do not
    /// lead to their state, and decisions without their review row.
    async fn histories_unexplained(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let events: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT application_id, event, from_state, to_state FROM application_events
             ORDER BY application_id, id",
        )
        .fetch_all(self.db.pool())
        .await
        .expect("events");
        let mut end: HashMap<i64, S> = HashMap::new();
        for (application, event, from, to) in events {
            let Some(to) = S::from_db(&to) else {
                problems.push(format!("application {application}: unknown state {to}"));
                continue;
            };
            let step = match end.get(&application) {
                None if event == "applied" && from.is_empty() && to == S::Started => Ok(()),
                None => Err(format!("begins with {event} to {to:?}")),
                Some(state) if from != state.as_str() => {
                    Err(format!("{event} from {from}, but it was {state:?}"))
                }
                Some(state) => {
                    let e = serde_json::from_value::<ApplicationEvent>(serde_json::Value::String(
                        event.clone(),
                    ));
                    match e.ok().and_then(|e| state.next(e).ok()) {
                        Some(next) if next == to => Ok(()),
                        _ => Err(format!("{event} cannot lead from {state:?} to {to:?}")),
                    }
                }
            };
            if let Err(m) = step {
                problems.push(format!("application {application}: {m}"));
            }
            end.insert(application, to);
        }
        for (application, state) in self.states().await {
            if end.get(&application) != Some(&state) {
                problems.push(format!(
                    "application {application} is {state:?}; its events end at {:?}",
                    end.get(&application)
                ));
            }
        }
        // Each photo decision was written with its review, or not at all.
        let reviews: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT p.application_id, COUNT(*) FROM photo_reviews r JOIN photos p ON p.id = r.photo_id
             GROUP BY p.application_id",
        )
        .fetch_all(self.db.pool())
        .await
        .expect("reviews");
        let counts = self.event_counts().await;
        for (application, n) in reviews {
            let decided: usize = ["photo_approved", "photo_rejected"]
                .iter()
                .filter_map(|e| counts.get(&(application, (*e).to_owned())))
                .sum();
            if decided != n as usize {
                problems.push(format!(
                    "application {application}: {decided} decision events, {n} reviews"
                ));
            }
        }
        problems
    }

    /// The checks themselves can fail: a truncated object, a state its
    /// events do not explain and a lost acknowledged upload are each reported.
    async fn checks_catch_damage(&self) {
        let (key,): (String,) =
            sqlx::query_as("SELECT fixed_key FROM photos WHERE fixed_key IS NOT NULL")
                .fetch_one(self.db.pool())
                .await
                .expect("a fixed photo");
        let path = self.backend.dir.path().join("objects").join(&key);
        let whole = std::fs::read(&path).expect("the object's file");
        std::fs::write(&path, &whole[..whole.len() / 2]).expect("truncated");
        let found = self.objects_damaged().await;
        std::fs::write(&path, &whole).expect("restored");
        assert!(found.iter().any(|p| p.contains("damaged")), "{found:?}");

        let (id, state): (i64, String) =
            sqlx::query_as("SELECT id, state FROM graduation_applications ORDER BY id")
                .fetch_one(self.db.pool())
                .await
                .expect("an application");
        let set = "UPDATE graduation_applications SET state = $1 WHERE id = $2";
        let other = if state == "submitted" {
            "registered"
        } else {
            "submitted"
        };
        sqlx::query(set)
            .bind(other)
            .bind(id)
            .execute(self.db.pool())
            .await
            .expect("set");
        let found = self.histories_unexplained().await;
        sqlx::query(set)
            .bind(&state)
            .bind(id)
            .execute(self.db.pool())
            .await
            .expect("reset");
        assert!(
            found.iter().any(|p| p.contains("its events end")),
            "{found:?}"
        );

        let lost = Acks {
            uploads: vec![(id, i64::MAX)],
            events: HashMap::from([((id, "photo_approved"), 1_000)]),
        };
        let nobody = Browser::new(&http::pool(), "http://127.0.0.1:9");
        let found = self.acknowledged_missing(&lost, &nobody, 1).await;
        assert_eq!(found.len(), 2, "{found:?}");
    }

    async fn event_counts(&self) -> HashMap<(i64, String), usize> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT application_id, event, COUNT(*) FROM application_events GROUP BY application_id, event",
        )
        .fetch_all(self.db.pool())
        .await
        .expect("event counts");
        rows.into_iter()
            .map(|(a, e, n)| ((a, e), n as usize))
            .collect()
    }
}

/// One candidate's photo step, driven until the server dies or the photo is
/// approved: open the phone link, upload, submit; the reviewer rejects (four
/// times in five) or approves; a rejected candidate starts again. True when
/// the kill cut one of its requests.
async fn journey(
    c: &mut Candidate,
    mut state: S,
    reviewer: &mut Browser,
    acks: &Mutex<Acks>,
    stop: &AtomicBool,
    jpeg: Bytes,
    rng: &mut impl Rng,
) -> bool {
    let application = c.application;
    let ack = |event: &'static str| {
        let mut a = acks.lock().expect("acks");
        *a.events.entry((application, event)).or_default() += 1;
    };
    while !stop.load(Ordering::SeqCst) {
        let step = match state {
            S::PhotoNeeded | S::PhotoRejected => upload(c, &jpeg, acks).await.map(|submitted| {
                if submitted {
                    ack("photo_submitted");
                    state = S::PhotoCityReview;
                }
            }),
            S::PhotoCityReview => {
                let approve = rng.gen_bool(0.2);
                let fields: &[(&str, &str)] = if approve {
                    &[("decision", "approve")]
                } else {
                    &[("decision", "reject"), ("reason", "background.uniform")]
                };
                let path = format!("/staff/photos/{application}");
                reviewer.post(&path, fields).await.map(|a| {
                    if a.status == 303 {
                        let (event, next) = if approve {
                            ("photo_approved", S::PhotoApproved)
                        } else {
                            ("photo_rejected", S::PhotoRejected)
                        };
                        ack(event);
                        state = next;
                    }
                })
            }
            _ => return false,
        };
        if step.is_err() {
            // The server is gone: what was not acknowledged may or may not be there.
            return true;
        }
    }
    false
}

/// Opens the phone link, uploads the shot and submits it: Ok(true) once the
/// submission was acknowledged.
async fn upload(c: &mut Candidate, jpeg: &Bytes, acks: &Mutex<Acks>) -> reqwest::Result<bool> {
    let Some(link) = http::phone_link(&mut c.browser).await? else {
        tokio::time::sleep(Duration::from_millis(100)).await;
        return Ok(false);
    };
    // Other bytes each time, so that every upload writes its objects.
    let n = UPLOADS.fetch_add(1, Ordering::SeqCst);
    let sent = c
        .browser
        .upload_json(&format!("{link}/photo"), "photo", http::distinct(jpeg, n))
        .await?;
    if sent.status != 200 {
        // Busy (503): the phone page says so and the candidate tries again.
        assert_eq!(sent.status, 503, "{}", sent.text());
        tokio::time::sleep(Duration::from_millis(100)).await;
        return Ok(false);
    }
    let v: serde_json::Value = serde_json::from_slice(&sent.body).expect("JSON");
    let photo = v["photo_id"].as_i64().expect("a photo id");
    assert_eq!(v["acceptable"], true, "the phone capture is compliant: {v}");
    acks.lock()
        .expect("acks")
        .uploads
        .push((c.application, photo));
    let submitted = c.browser.post(&format!("{link}/accept"), &[]).await?;
    Ok(submitted.status == 303)
}
