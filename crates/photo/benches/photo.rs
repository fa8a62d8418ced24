//! Criterion benchmarks of check and fix on the 480×640 delivered JPEG and the
//! 12 MP phone JPEG, with decoding alone as the floor. The same inputs as
//! `biye photo bench`. Run on one core for the targets' conditions:
//!
//! ```sh
//! taskset -c 0 cargo bench --workspace --bench photo
//! ```

use criterion::{criterion_group, criterion_main, Criterion};
use photo::{Engine, Input, PhotoSpec};

fn benches(c: &mut Criterion) {
    let engine = Engine::load().expect("models load");
    let spec = PhotoSpec::certificate();
    let inputs = photo::bench::inputs(&engine, &spec).expect("inputs");
    let mut group = c.benchmark_group("photo");
    group.sample_size(30);
    for input in &inputs {
        let label = if input.bytes.len() > 200_000 {
            "12mp"
        } else {
            "480x640"
        };
        group.bench_function(format!("{label}/decode"), |b| {
            b.iter(|| photo::bench::decode_only(input, &spec).expect("decodes"))
        });
        group.bench_function(format!("{label}/check"), |b| {
            b.iter(|| {
                engine.check_input(
                    &Input {
                        bytes: &input.bytes,
                        name: None,
                        stage: input.stage,
                    },
                    &spec,
                )
            })
        });
        group.bench_function(format!("{label}/fix"), |b| {
            b.iter(|| engine.fix(&input.bytes, &spec).ok())
        });
    }
    group.finish();
}

criterion_group!(photo_benches, benches);
criterion_main!(photo_benches);
