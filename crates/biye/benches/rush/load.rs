//! The load of the final-day benchmark: closed loops of connections, each
//! sending one kind of request with its candidates' sessions, and uploads
//! arriving at a fixed rate; the latencies and failures they saw.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::common::{
    self,
    http::{self, Browser},
};
use super::{next_upload, Kind, People};

pub(super) struct Stats {
    pub kind: Kind,
    /// Connections in a closed loop, or the arrival rate.
    pub load: String,
    /// Successful requests a second.
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: usize,
}

/// Runs `mix` (a kind and its number of connections) for `duration`.
pub(super) async fn phase(
    people: &People,
    mix: &[(Kind, usize)],
    jpeg: &Bytes,
    bases: &[String],
    duration: Duration,
) -> Vec<Stats> {
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for &(kind, connections) in mix {
        for c in 0..connections {
            let base = bases[c % bases.len()].clone();
            let worker = Worker::new(people, kind, c, connections, &base, jpeg);
            tasks.push(tokio::spawn(worker.run(deadline)));
        }
    }
    let started = Instant::now();
    let mut by_kind: std::collections::BTreeMap<Kind, (usize, Vec<u32>, usize)> =
        Default::default();
    for t in tasks {
        let (kind, latencies, errors) = t.await.expect("a worker");
        let e = by_kind.entry(kind).or_default();
        e.0 += 1;
        e.1.extend(latencies);
        e.2 += errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    by_kind
        .into_iter()
        .map(|(kind, (connections, l, errors))| {
            let load = format!("{connections} connections");
            stats(kind, load, l, errors, elapsed)
        })
        .collect()
}

fn stats(kind: Kind, load: String, mut l: Vec<u32>, errors: usize, secs: f64) -> Stats {
    l.sort_unstable();
    let q = |p: f64| {
        l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
            .map_or(f64::NAN, |us| f64::from(*us) / 1000.0)
    };
    Stats {
        kind,
        load,
        per_second: (l.len() - errors) as f64 / secs,
        p50_ms: q(0.50),
        p99_ms: q(0.99),
        errors,
    }
}

/// Uploads arriving at `rate` a second whatever the answers (phones do not
/// wait for each other), for `duration`: "sustained" means that they all
/// succeed and the latency does not grow.
pub(super) async fn uploads_at(
    people: &People,
    rate: usize,
    jpeg: &Bytes,
    bases: &[String],
    duration: Duration,
) -> Stats {
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate as u32);
    let mut tasks = Vec::new();
    let mut i = 0;
    while started.elapsed() < duration {
        tick.tick().await;
        let (b, link) = &people.capturing[i % people.capturing.len()];
        let mut b = b.at(&bases[i % bases.len()]);
        let (link, jpeg) = (format!("{link}/photo"), http::distinct(jpeg, next_upload()));
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let a = b.upload_json(&link, "photo", jpeg).await;
            let ok = a.is_ok_and(|a| a.status == 200);
            (t.elapsed().as_micros() as u32, ok)
        }));
        i += 1;
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (us, ok) = t.await.expect("an upload");
        latencies.push(us);
        errors += usize::from(!ok);
    }
    // The rate is what was completed over the time until the last answer.
    let load = format!("{rate}/s arriving");
    stats(
        Kind::Upload,
        load,
        latencies,
        errors,
        started.elapsed().as_secs_f64(),
    )
}

/// One connection's loop: its browsers (rotated) and its kind of request.
struct Worker {
    kind: Kind,
    browsers: Vec<Browser>,
    links: Vec<String>,
    logins: Vec<String>,
    jpeg: Bytes,
}

impl Worker {
    fn new(people: &People, kind: Kind, c: usize, of: usize, base: &str, jpeg: &Bytes) -> Self {
        // Connection c takes every of-th browser from c; with fewer browsers
        // than connections, several connections share one.
        let pick = |all: &[Browser]| -> Vec<Browser> {
            all.iter()
                .skip(c % all.len())
                .step_by(of)
                .map(|b| b.at(base))
                .collect()
        };
        let (browsers, links) = match kind {
            Kind::Upload => people
                .capturing
                .iter()
                .skip(c)
                .step_by(of)
                .map(|(b, l)| (b.at(base), l.clone()))
                .unzip(),
            Kind::Pdf => (pick(&people.submitted), Vec::new()),
            Kind::SignIn => (vec![pick(&people.signed_in)[0].clone()], Vec::new()),
            Kind::Status | Kind::Prediction => (pick(&people.signed_in), Vec::new()),
        };
        assert!(!browsers.is_empty(), "no browser for {kind:?}");
        Worker {
            kind,
            browsers,
            links,
            logins: people.logins.iter().skip(c).step_by(of).cloned().collect(),
            jpeg: jpeg.clone(),
        }
    }

    /// Sends requests until the deadline: each one's latency in µs and the
    /// number that failed (a wrong status or content type, or no answer).
    async fn run(mut self, deadline: Instant) -> (Kind, Vec<u32>, usize) {
        let (mut latencies, mut errors) = (Vec::new(), 0);
        let mut i = 0;
        while Instant::now() < deadline {
            let t = Instant::now();
            let ok = self.one(i).await;
            latencies.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            errors += usize::from(!ok);
            i += 1;
        }
        (self.kind, latencies, errors)
    }

    async fn one(&mut self, i: usize) -> bool {
        let n = self.browsers.len();
        let b = &mut self.browsers[i % n];
        let answer = match self.kind {
            Kind::Status => b.get("/me/status").await,
            Kind::Prediction => b.get("/me/prediction").await,
            Kind::Pdf => b.get("/me/form.pdf").await,
            Kind::Upload => {
                let link = format!("{}/photo", self.links[i % n]);
                let jpeg = http::distinct(&self.jpeg, next_upload());
                b.upload_json(&link, "photo", jpeg).await
            }
            Kind::SignIn => {
                let login = &self.logins[i % self.logins.len()];
                let mut fresh = b.signed_out();
                return fresh
                    .sign_in("/login", login, common::PASSWORD)
                    .await
                    .unwrap_or(false);
            }
        };
        let Ok(a) = answer else { return false };
        let want = match self.kind {
            Kind::Pdf => "application/pdf",
            Kind::Upload => "application/json",
            _ => "text/html",
        };
        a.status == 200 && a.content_type.starts_with(want)
    }
}
