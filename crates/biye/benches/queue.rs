//! Pages through the real router on SQLite, signed in. A review queue page as
//! the city office opens it: `GET /staff/photos` with 50 items waiting (of
//! 2,000 in the office), each with its thumbnail. Target (issue 10): ≤ 50 ms
//! server time for the page with its 50 thumbnails. And a candidate's
//! `GET /me/prediction` (the final day's second most frequent page).
//!
//! Run: `cargo bench --workspace --bench queue`.

mod support;

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (install, session, thumbs) = rt.block_on(async {
        let i = support::install(50).await;
        support::seed(&i, 2_000, "photo_city_review").await;
        let s = support::sign_in(&i, "sg0201").await;
        let router = biye::web::router(i.state.clone());
        let page = String::from_utf8(support::get(&router, &s, "/staff/photos").await.to_vec())
            .expect("utf-8");
        let thumbs: Vec<String> = page
            .match_indices("src=\"/staff/photos/")
            .map(|(at, _)| {
                let rest = &page[at + 5..];
                rest[..rest.find('"').expect("end")].to_owned()
            })
            .collect();
        assert_eq!(thumbs.len(), 50, "one thumbnail per item on the page");
        (i, s, thumbs)
    });
    let router = biye::web::router(install.state.clone());
    let mut g = c.benchmark_group("photo queue");
    g.sample_size(30);
    g.bench_function("page of 50 items", |b| {
        b.iter(|| rt.block_on(support::get(&router, &session, "/staff/photos")))
    });
    g.bench_function("page of 50 items + their 50 thumbnails", |b| {
        b.iter(|| {
            rt.block_on(async {
                support::get(&router, &session, "/staff/photos").await;
                for t in &thumbs {
                    support::get(&router, &session, t).await;
                }
            })
        })
    });
    g.finish();
    let candidate = rt.block_on(support::sign_in_candidate(&install, "020118100001"));
    let mut g = c.benchmark_group("candidate pages");
    g.sample_size(30);
    g.bench_function("prediction page", |b| {
        b.iter(|| rt.block_on(support::get(&router, &candidate, "/me/prediction")))
    });
    // The same page loading and compiling every plan, as before the cache.
    g.bench_function("prediction page, plans loaded per request", |b| {
        b.iter(|| {
            install.state.plans.forget();
            rt.block_on(support::get(&router, &candidate, "/me/prediction"))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
