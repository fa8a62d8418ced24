//! The phone capture's server work, as `POST /capture/{token}/photo` does it:
//! fix a 12 MP phone JPEG into the 480×640 file, check the result, and store
//! both objects durably (fsync). Targets (issue 9): a median ≤ 150 ms on one
//! core, and ≥ 20 uploads/s on two cores (the second group: 2 threads × 10
//! uploads, so uploads/s = 20 / its median).
//!
//! Run: `taskset -c 0 cargo bench --workspace --bench capture -- "one core"`
//! and `cargo bench --workspace --bench capture -- "two cores"`.

use std::sync::atomic::{AtomicU64, Ordering};

use biye::config::S3Options;
use biye::storage::Storage;
use criterion::{criterion_group, criterion_main, Criterion};

/// Every stored capture differs (bytes after the JPEG's end marker, which
/// decoders ignore), so each put really writes instead of finding the object.
fn unique(bytes: &[u8], n: u64) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v.extend_from_slice(&n.to_le_bytes());
    v
}

fn upload(
    engine: &photo::Engine,
    spec: &photo::PhotoSpec,
    storage: &Storage,
    rt: &tokio::runtime::Runtime,
    bytes: Vec<u8>,
) {
    let (outcome, fixed) = biye::capture::process(engine, &bytes, spec);
    assert!(outcome.acceptable(), "the bench's capture must be usable");
    rt.block_on(async {
        storage.put(bytes.into()).await.expect("stored");
        if let Some(f) = fixed {
            storage.put(f.into()).await.expect("stored");
        }
    });
}

fn bench(c: &mut Criterion) {
    let engine = biye::capture::engine().expect("models load");
    let spec = photo::PhotoSpec::certificate();
    let capture = photo::bench::phone_capture().expect("the 12 MP capture");
    let dir = tempfile::tempdir().expect("temp dir");
    let storage =
        Storage::open(dir.path().to_str().expect("utf-8"), &S3Options::default()).expect("store");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let n = AtomicU64::new(0);
    let mut g = c.benchmark_group("capture upload");
    g.sample_size(20);
    g.bench_function("one core: 12 MP fix + check + store", |b| {
        b.iter(|| {
            let bytes = unique(&capture, n.fetch_add(1, Ordering::Relaxed));
            upload(engine, &spec, &storage, &rt, bytes);
        })
    });
    g.sample_size(10);
    g.bench_function("two cores: 20 uploads on 2 threads", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .expect("runtime");
                        for _ in 0..10 {
                            let bytes = unique(&capture, n.fetch_add(1, Ordering::Relaxed));
                            upload(engine, &spec, &storage, &rt, bytes);
                        }
                    });
                }
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
