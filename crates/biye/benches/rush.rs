//! The final-day rush (issue 12): the real `biye serve` (release build) on a
//! 100,000-candidate demo database, driven over loopback at 64 connections by
//! the requests of the last application day: sign-in, `/me/status`,
//! `/me/prediction`, 3–5 MB phone captures and the form PDF. Each kind runs
//! alone for a fixed time, then all of them together; prints requests per
//! second, p50/p99 latency and errors per kind, and the servers' peak
//! resident memory (`VmHWM`).
//!
//! Targets: status ≥ 5,000 req/s with p99 ≤ 50 ms; prediction ≥ 1,000 req/s;
//! uploads ≥ 20/s with no error; PDFs ≥ 100/s; ≤ 400 MB resident.
//!
//! Run: `cargo bench --workspace --bench rush`. Settings:
//! - `BIYE_BENCH_CANDIDATES=N` (100,000), `BIYE_RUSH_SECONDS=S` per phase (10);
//! - `BIYE_BENCH_DATABASE_URL=postgres://…` an empty database for PostgreSQL;
//! - `BIYE_RUSH_SERVERS=2` runs two server processes on the one database and
//!   spreads the connections over both (on SQLite they share the file);
//! - `BIYE_BENCH_OBJECT_STORE_URL=s3://BUCKET/PREFIX` with the `AWS_*`
//!   variables puts the objects on S3.
//!
//! The load generator runs on the same two cores as the servers, so every
//! figure here includes its cost.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::http::{self, Browser, Server};
use load::{phase, uploads_at};

#[path = "rush/load.rs"]
mod load;

const CONNECTIONS: usize = 64;

/// A new number for each upload's bytes: every upload is distinct, so the
/// content-addressed store writes every one, as it would on the day.
fn next_upload() -> u64 {
    static UPLOADS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    UPLOADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    SignIn,
    Status,
    Prediction,
    Upload,
    Pdf,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Status,
        Kind::Prediction,
        Kind::Pdf,
        Kind::Upload,
        Kind::SignIn,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::SignIn => "sign-in",
            Kind::Status => "status",
            Kind::Prediction => "prediction",
            Kind::Upload => "upload",
            Kind::Pdf => "pdf",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::SignIn => "sign-in (POST /login)",
            Kind::Status => "GET /me/status",
            Kind::Prediction => "GET /me/prediction",
            Kind::Upload => "capture upload (3–5 MB)",
            Kind::Pdf => "GET /me/form.pdf",
        }
    }
}

/// The browsers each kind of request is sent from.
struct People {
    /// Signed-in candidates (status and prediction rotate through them).
    signed_in: Vec<Browser>,
    /// Candidates at the photo step with their phone link.
    capturing: Vec<(Browser, String)>,
    /// Candidates whose application is submitted (the form prints).
    submitted: Vec<Browser>,
    /// Admission numbers to sign in again during the mix.
    logins: Vec<String>,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes --bench; anything else (e.g. `cargo test`) only
    // checks that the benchmark builds.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(run());
}

async fn run() {
    let n = env_usize("BIYE_BENCH_CANDIDATES", 100_000);
    let seconds = env_usize("BIYE_RUSH_SECONDS", 10) as u64;
    let servers = env_usize("BIYE_RUSH_SERVERS", 1).max(1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = std::env::var("BIYE_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("db/biye.db").display()));
    let command = || {
        let mut c = http::installation(dir.path(), &url);
        c.env("BIYE_SIGN_IN_PER_MINUTE", "10000000");
        if let Ok(store) = std::env::var("BIYE_BENCH_OBJECT_STORE_URL") {
            c.env("BIYE_OBJECT_STORE_URL", store);
        }
        c
    };
    let t = Instant::now();
    http::load_demo(command(), n);
    println!(
        "demo data: {n} candidates on {} in {:.1} s",
        url.split(':').next().unwrap_or("?"),
        t.elapsed().as_secs_f64()
    );
    let running: Vec<Server> = (0..servers)
        .map(|_| Server::start(command(), http::free_port()))
        .collect();
    let bases: Vec<String> = running.iter().map(|s| s.base.clone()).collect();
    println!(
        "{servers} server process(es): {}",
        running
            .iter()
            .map(|s| format!("{} (pid {})", s.base, s.pid()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let jpeg = Bytes::from(photo::bench::phone_capture_full_quality().expect("the phone capture"));
    assert!(
        (3 << 20..=5 << 20).contains(&jpeg.len()),
        "the capture is {} bytes, not 3–5 MB",
        jpeg.len()
    );
    let pool = http::pool();
    let db = biye::db::Db::connect(&url).await.expect("the database");
    let people = prepare(&pool, &bases, &db, n, &jpeg).await;
    let duration = Duration::from_secs(seconds);
    // BIYE_RUSH_PHASES=status,prediction,… picks phases (and "mixed").
    let chosen = std::env::var("BIYE_RUSH_PHASES").ok();
    let wanted = |name: &str| {
        chosen
            .as_deref()
            .is_none_or(|c| c.split(',').any(|p| p == name))
    };
    let pids: Vec<u32> = running.iter().map(Server::pid).collect();
    println!(
        "peak resident memory while preparing: {:?} MiB",
        peak(&pids)
    );
    let mut table = Vec::new();
    let upload_rate = env_usize("BIYE_RUSH_UPLOADS_PER_SECOND", 20);
    for kind in Kind::ALL.into_iter().filter(|k| wanted(k.name())) {
        reset_peak(&pids);
        let stats = if kind == Kind::Upload {
            vec![uploads_at(&people, upload_rate, &jpeg, &bases, duration).await]
        } else {
            phase(&people, &[(kind, CONNECTIONS)], &jpeg, &bases, duration).await
        };
        table.push((kind.name(), stats, peak(&pids)));
    }
    if wanted("mixed") {
        let mix = [
            (Kind::Status, 36),
            (Kind::Prediction, 12),
            (Kind::Upload, 6),
            (Kind::Pdf, 6),
            (Kind::SignIn, 4),
        ];
        reset_peak(&pids);
        let stats = phase(&people, &mix, &jpeg, &bases, duration).await;
        table.push(("mixed", stats, peak(&pids)));
    }
    println!(
        "\n| phase | request | load | ok/s | p50 ms | p99 ms | errors | peak RSS MiB |\n|---|---|---|---|---|---|---|---|"
    );
    for (phase, stats, peak) in &table {
        for s in stats {
            println!(
                "| {phase} | {} | {} | {:.0} | {:.1} | {:.1} | {} | {peak:?} |",
                s.kind.label(),
                s.load,
                s.per_second,
                s.p50_ms,
                s.p99_ms,
                s.errors
            );
        }
    }
    for pid in &pids {
        let (peak, now) = memory(*pid);
        println!(
            "server pid {pid}: peak resident {peak} MiB since the last phase began, now {now} MiB"
        );
    }
}

/// Resets the servers' peak resident memory (`VmHWM`), so that each phase's
/// peak is its own.
fn reset_peak(pids: &[u32]) {
    for pid in pids {
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    }
}

/// Each server's peak resident memory in MiB since the last reset.
fn peak(pids: &[u32]) -> Vec<u64> {
    pids.iter().map(|p| memory(*p).0).collect()
}

/// Signs candidates in (timed: the sign-in figure alone), applies for some
/// at the photo step, and takes some to a submitted application.
async fn prepare(
    pool: &reqwest::Client,
    bases: &[String],
    db: &biye::db::Db,
    n: usize,
    jpeg: &Bytes,
) -> People {
    let passing: Vec<String> = biye::demo::generate(n.min(24 * 600), 2023)
        .cases
        .into_iter()
        .filter(|(_, c)| *c == biye::demo::Case::Passing)
        .map(|(a, _)| a.to_string())
        .collect();
    assert!(passing.len() >= 512, "too few candidates for the benchmark");
    let at = |i: usize| bases[i % bases.len()].clone();
    let t = Instant::now();
    let signed_in = in_parallel(passing[..512].to_vec(), |i, a| {
        let mut b = Browser::new(pool, &at(i));
        async move {
            assert!(b
                .sign_in("/login", &a, common::PASSWORD)
                .await
                .expect("answers"));
            b.get("/me").await.expect("answers");
            b
        }
    })
    .await;
    println!(
        "signed in 512 candidates in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // The photo step: 64 candidates with a phone link each.
    let capturing = in_parallel(signed_in[..CONNECTIONS].to_vec(), |_, mut b| async move {
        let link = apply(&mut b).await;
        (b, link)
    })
    .await;
    // Submitted: 32 more candidates upload, submit, are approved, confirm.
    let mut reviewer = Browser::new(pool, &at(0));
    assert!(reviewer
        .sign_in("/staff/login", "sg0201", common::PASSWORD)
        .await
        .expect("answers"));
    reviewer.get("/staff/photos").await.expect("answers");
    let reviewer = Arc::new(tokio::sync::Mutex::new(reviewer));
    let chosen: Vec<(Browser, String)> = signed_in[CONNECTIONS..CONNECTIONS + 32]
        .iter()
        .cloned()
        .zip(passing[CONNECTIONS..].iter().cloned())
        .collect();
    let submitted = in_parallel(chosen, |_, (mut b, admission)| {
        let (jpeg, reviewer, db) = (jpeg.clone(), reviewer.clone(), db.clone());
        async move {
            submit(&mut b, &admission, &db, &jpeg, &reviewer).await;
            b
        }
    })
    .await;
    println!(
        "prepared in {:.1} s: 64 at the photo step, 32 submitted",
        t.elapsed().as_secs_f64()
    );
    People {
        signed_in,
        capturing,
        submitted,
        logins: passing[512..].to_vec(),
    }
}

/// Confirms the record, applies at 0201 and opens the photo step: the link.
async fn apply(b: &mut Browser) -> String {
    http::applied(b).await;
    let link = http::phone_link(b).await.expect("answers");
    link.expect("a phone link")
}

/// Applies, uploads and submits the photo, has it approved, and confirms.
async fn submit(
    b: &mut Browser,
    admission: &str,
    db: &biye::db::Db,
    jpeg: &Bytes,
    reviewer: &tokio::sync::Mutex<Browser>,
) {
    let link = apply(b).await;
    loop {
        let a = b
            .upload_json(
                &format!("{link}/photo"),
                "photo",
                http::distinct(jpeg, next_upload()),
            )
            .await
            .expect("answers");
        if a.status == 200 {
            break;
        }
        assert_eq!(a.status, 503, "{}", a.text());
    }
    let a = b
        .post(&format!("{link}/accept"), &[])
        .await
        .expect("answers");
    assert_eq!(a.status, 303);
    let application = common::application_in(db, admission)
        .await
        .expect("the application")
        .id;
    let d = reviewer
        .lock()
        .await
        .post(
            &format!("/staff/photos/{application}"),
            &[("decision", "approve")],
        )
        .await
        .expect("answers");
    assert_eq!(d.status, 303, "{}", d.text());
    b.get("/me/application").await.expect("answers");
    let c = b
        .post("/me/application", &[("step", "confirm")])
        .await
        .expect("answers");
    assert_eq!(c.status, 303, "{}", c.text());
    let pdf = b.get("/me/form.pdf").await.expect("answers");
    assert_eq!(pdf.content_type, "application/pdf", "{}", pdf.text());
}

/// Runs `f` over `items` with at most 64 at a time, keeping their order.
async fn in_parallel<T, U, F, Fut>(items: Vec<T>, f: F) -> Vec<U>
where
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(usize, T) -> Fut,
    Fut: std::future::Future<Output = U> + Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS));
    let mut tasks = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let permit = permits.clone().acquire_owned().await.expect("open");
        let fut = f(i, item);
        tasks.push(tokio::spawn(async move {
            let out = fut.await;
            drop(permit);
            out
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("a task"));
    }
    out
}

/// The server's peak and current resident memory in MiB (`/proc`).
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmHWM:"), field("VmRSS:"))
}
