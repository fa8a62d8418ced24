//! The runtime against tract on the bundled models: the same outputs, to
//! within float rounding, for inputs across the models' ranges.

use proptest::prelude::*;
use tract_onnx::prelude::*;

use super::{Net, Op};

static DETECTOR: &[u8] = include_bytes!("../../../models/face_detection_short_range.onnx");
static MESH: &[u8] = include_bytes!("../../../models/face_landmark.onnx");

fn tract_outputs(bytes: &[u8], shape: [usize; 4], input: &[f32]) -> Vec<Vec<f32>> {
    let plan = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .and_then(|m| m.with_input_fact(0, f32::fact(shape).into()))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .expect("tract loads the model");
    let tensor = Tensor::from_shape(&shape, input).expect("tensor");
    plan.run(tvec!(tensor.into()))
        .expect("tract runs")
        .iter()
        .map(|t| {
            t.try_as_plain_ram()
                .and_then(|v| v.as_slice::<f32>().map(<[f32]>::to_vec))
                .expect("f32")
        })
        .collect()
}

/// A smooth picture with edges, in the model's input range: enough structure
/// that every layer's activations are far from zero.
fn picture(shape: [usize; 4], range: (f32, f32)) -> Vec<f32> {
    let [_, c, h, w] = shape;
    (0..c * h * w)
        .map(|i| {
            let (ch, y, x) = (i / (h * w), (i / w) % h, i % w);
            let t = ((x as f32 * 0.11 + ch as f32).sin() * (y as f32 * 0.07).cos() + 1.0) / 2.0;
            let t = if (x / 16 + y / 16) % 2 == 0 {
                t
            } else {
                1.0 - t * 0.5
            };
            range.0 + t * (range.1 - range.0)
        })
        .collect()
}

fn assert_close(got: &[Vec<f32>], want: &[Vec<f32>], model: &str) {
    assert_eq!(got.len(), want.len(), "{model}: number of outputs");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.len(), w.len(), "{model}: output length");
        let scale = w.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        let worst = g
            .iter()
            .zip(w)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(
            worst <= 1e-4 * scale,
            "{model}: differs by {worst} (largest output {scale})"
        );
    }
}

#[test]
fn the_detector_computes_what_tract_computes() {
    let shape = [1, 3, 128, 128];
    let input = picture(shape, (-1.0, 1.0));
    let net = Net::load(DETECTOR, shape).expect("loads");
    let got = net.run(input.clone()).expect("runs");
    assert_close(&got, &tract_outputs(DETECTOR, shape, &input), "detector");
}

#[test]
fn the_mesh_computes_what_tract_computes() {
    let shape = [1, 3, 192, 192];
    let input = picture(shape, (0.0, 1.0));
    let net = Net::load(MESH, shape).expect("loads");
    let got = net.run(input.clone()).expect("runs");
    assert_close(&got, &tract_outputs(MESH, shape, &input), "mesh");
}

#[test]
fn a_wrong_input_is_an_error_not_a_panic() {
    let net = Net::load(DETECTOR, [1, 3, 128, 128]).expect("loads");
    assert!(net.run(vec![0.0; 10]).is_err());
    assert!(Net::load(DETECTOR, [1, 3, 2, 2]).is_err());
    assert!(Net::load(b"not a model", [1, 3, 128, 128]).is_err());
    // Every byte of a valid model after the first few hundred cut off.
    for cut in [16, 300, DETECTOR.len() / 2, DETECTOR.len() - 1] {
        assert!(
            Net::load(&DETECTOR[..cut], [1, 3, 128, 128]).is_err(),
            "cut at {cut}"
        );
    }
}

/// Every addition and activation of both models is folded into the
/// convolution before it (`fuse.rs`): none is left to run as its own pass.
#[test]
fn every_element_wise_layer_is_folded_into_a_convolution() {
    for (bytes, shape) in [(DETECTOR, [1, 3, 128, 128]), (MESH, [1, 3, 192, 192])] {
        let net = Net::load(bytes, shape).expect("loads");
        let left: Vec<_> = net
            .steps
            .iter()
            .filter(|s| matches!(s.op, Op::Add | Op::Act(_) | Op::Min(_) | Op::MulChannel(_)))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A damaged model file (bytes flipped anywhere) is refused at load or
    /// runs; it never panics or asks for an absurd buffer.
    #[test]
    fn a_damaged_model_is_refused_or_runs(
        flips in prop::collection::vec((0..DETECTOR.len(), 1u8..=255), 1..6)
    ) {
        let mut bytes = DETECTOR.to_vec();
        for (at, mask) in flips {
            bytes[at] ^= mask;
        }
        if let Ok(net) = Net::load(&bytes, [1, 3, 128, 128]) {
            let _ = net.run(vec![0.5; 3 * 128 * 128]);
        }
    }
}
