//! Criterion benchmarks of check and fix on the 480×640 delivered JPEG and the
//! 12 MP phone JPEG, with decoding alone as the floor. The same inputs as
//! `biye photo bench`, and a 12 MP shot in front of a warm wall fixed with
//! background replacement, one under a warm lamp fixed with colour-cast
//! correction, and the face embedding of a 12 MP capture (the
//! comparison with the photo on file). Run on one core for the targets' conditions:
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
    // Background replacement's cost: the same 12 MP shot in front of a warm
    // wall, fixed with replacement on (compare with 12mp/fix).
    let wall = photo::bench::phone_capture_on_wall([214, 186, 140]).expect("wall capture");
    let replacing = spec.clone().with_replacement("白色").expect("白色");
    assert!(
        engine.fix(&wall, &replacing).is_ok(),
        "the wall capture must be fixed by replacement, or this measures a refusal"
    );
    group.bench_function("12mp-warm-wall/fix-replacing", |b| {
        b.iter(|| engine.fix(&wall, &replacing).ok())
    });
    // Colour-cast correction's cost: the shot under a warm lamp (compare with
    // 12mp/fix).
    let lamp = photo::bench::phone_capture_under_light([1.0, 0.9, 0.72]).expect("lamp capture");
    assert!(
        engine.fix(&lamp, &spec).is_ok(),
        "the lamp capture must be corrected, or this measures a refusal"
    );
    group.bench_function("12mp-warm-lamp/fix-correcting", |b| {
        b.iter(|| engine.fix(&lamp, &spec).ok())
    });
    // The photo on file: one embedding per capture (the one on file is
    // embedded once and could be kept).
    let twelve = inputs
        .iter()
        .find(|i| i.bytes.len() > 200_000)
        .expect("12 MP input");
    engine
        .embed(&twelve.bytes, &spec)
        .expect("the 12 MP capture has a face");
    group.bench_function("12mp/embed", |b| {
        b.iter(|| engine.embed(&twelve.bytes, &spec).ok())
    });
    group.finish();
}

criterion_group!(photo_benches, benches);
criterion_main!(photo_benches);
