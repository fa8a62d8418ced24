//! Audits per second on one core: the demo plans, 200,000 generated
//! candidates covering every case, evaluated in memory (no database). The
//! bulk command's wall time, which adds reading from SQLite, is measured
//! separately (see docs/benchmarks.md).
//!
//! ```sh
//! taskset -c 0 cargo bench --workspace --bench audit
//! ```

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use biye::demo;
use biye::domain::audit::{evaluate, explain};

fn benches(c: &mut Criterion) {
    let n: usize = std::env::var("AUDIT_BENCH_CANDIDATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let data = demo::generate(n, 1);
    let audits = demo::facts::audits(&data, "2023-06-15T09:00".parse().expect("valid"));
    let subjects = &audits.subjects;
    let mut group = c.benchmark_group("audit");
    group.sample_size(10);
    group.throughput(Throughput::Elements(subjects.len() as u64));
    group.bench_function(format!("evaluate/{}_candidates", subjects.len()), |b| {
        b.iter(|| {
            let mut graduates = 0usize;
            for s in subjects {
                let e = evaluate(&audits.plans[s.plan], &s.facts, &audits.context);
                graduates += usize::from(e.failed == 0);
            }
            graduates
        })
    });
    // The explanation is built per candidate on pages, not in bulk; measured for scale.
    let sample = &subjects[..subjects.len().min(2_000)];
    group.throughput(Throughput::Elements(sample.len() as u64));
    group.bench_function("evaluate_and_explain/2000_candidates", |b| {
        b.iter(|| {
            sample
                .iter()
                .map(|s| {
                    let plan = &audits.plans[s.plan];
                    let e = evaluate(plan, &s.facts, &audits.context);
                    explain(plan, &s.facts, &audits.context, &e)
                        .conditions
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(audit_benches, benches);
criterion_main!(audit_benches);
