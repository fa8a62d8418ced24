//! Median time of a warm render and the size of the PDF, for the ordinary
//! and the longest form (see tests/render.rs for the data).
//!
//! ```sh
//! taskset -c 0 cargo bench --workspace --bench form
//! ```

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../tests/render.rs"]
#[allow(dead_code, unused_imports)]
mod render;

fn benches(c: &mut Criterion) {
    // Once, not a statistic: what a server pays at start and on its first form.
    let started = std::time::Instant::now();
    let renderer = forms::Renderer::new().expect("fonts load");
    let loaded = started.elapsed();
    renderer
        .render(&render::business_english())
        .expect("renders");
    eprintln!(
        "cold: fonts and library {:.1} ms, first form {:.1} ms",
        loaded.as_secs_f64() * 1e3,
        (started.elapsed() - loaded).as_secs_f64() * 1e3
    );
    let mut group = c.benchmark_group("form");
    for (name, data) in [
        ("ordinary", render::business_english()),
        ("longest_30_courses", render::longest()),
    ] {
        let pdf = renderer.render(&data).expect("renders");
        eprintln!("{name}: {} bytes of PDF", pdf.len());
        group.bench_function(name, |b| {
            b.iter(|| renderer.render(&data).expect("renders"))
        });
    }
    group.finish();
}

criterion_group!(form_benches, benches);
criterion_main!(form_benches);
