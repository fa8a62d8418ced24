use super::layers::Tensor;
use super::*;
use proptest::prelude::*;

/// A fixed input no face is in: sin(0.37 i) × 0.9 over the flat index.
fn wave(h: usize, w: usize) -> Tensor {
    Tensor {
        h,
        w,
        c: 3,
        data: (0..h * w * 3)
            .map(|i| ((i as f64 * 0.37).sin() * 0.9) as f32)
            .collect(),
    }
}

fn logit(p: f32) -> f32 {
    (p / (1.0 - p)).ln()
}

fn close(got: &[f32], want: &[f32], tolerance: f32) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tolerance, "got {got:?}, want {want:?}");
    }
}

/// The reference values come from an independent NumPy port of the Keras
/// model in the `mtcnn` package (its `network/factory.py`), run on the same
/// weights and inputs: they pin the weights' layout and each layer's
/// padding. Logits, because the probabilities of a face-free input are tiny.
#[test]
fn the_three_nets_compute_what_the_reference_port_computes() {
    let c = Cascade::load().expect("bundled weights load");
    let cells = c.proposal.run(&wave(20, 16));
    assert_eq!((cells.h, cells.w, cells.c), (5, 3, 5));
    let cell = |a: usize, b: usize| &cells.data[(a * 3 + b) * 5..][..5];
    close(
        &[logit(cell(0, 0)[0]), logit(cell(4, 2)[0])],
        &[-2.16113, -2.88644],
        1e-3,
    );
    close(
        &cell(4, 2)[1..],
        &[0.010113, -0.058860, -0.101520, 0.015691],
        1e-4,
    );

    let (p, o) = c.refine.run(&wave(24, 24));
    close(&[logit(p)], &[-13.0698], 2e-3);
    close(&o, &[-0.164182, -0.320778, 0.216762, 0.420960], 1e-4);

    let (p, o) = c.output.run(&wave(48, 48));
    close(&[logit(p)], &[-8.79022], 2e-3);
    close(&o, &[0.020576, -0.075219, -0.034748, 0.014798], 1e-4);
}

fn candidate(bbox: [f32; 4], score: f32) -> Candidate {
    Candidate {
        bbox,
        score,
        offsets: [0.0; 4],
    }
}

#[test]
fn suppression_keeps_the_surest_of_overlapping_boxes() {
    let boxes = vec![
        candidate([0.0, 0.0, 9.0, 9.0], 0.8),
        candidate([1.0, 1.0, 10.0, 10.0], 0.9),
        candidate([20.0, 20.0, 29.0, 29.0], 0.7),
        // Inside the surest box: a small overlap by union, all of it by the smaller box.
        candidate([2.0, 2.0, 4.0, 4.0], 0.95),
    ];
    let union = suppress(boxes.clone(), 0.5, Overlap::Union);
    let scores: Vec<f32> = union.iter().map(|c| c.score).collect();
    assert_eq!(scores, vec![0.95, 0.9, 0.7]);
    let smaller = suppress(boxes, 0.5, Overlap::Smaller);
    let scores: Vec<f32> = smaller.iter().map(|c| c.score).collect();
    assert_eq!(scores, vec![0.95, 0.7]);
}

#[test]
fn offsets_move_each_side_and_squaring_keeps_the_centre() {
    let mut c = candidate([10.0, 20.0, 29.0, 59.0], 1.0);
    c.offsets = [0.1, -0.1, 0.0, 0.05];
    let r = c.regressed(true); // 20 wide, 40 high, edges counted
    assert_eq!(r.bbox, [12.0, 16.0, 29.0, 61.0]);
    let s = candidate([10.0, 20.0, 30.0, 60.0], 1.0).squared();
    assert_eq!(s.bbox, [0.0, 20.0, 40.0, 60.0]);
}

#[test]
fn crops_are_black_beyond_the_picture_and_refuse_absurd_boxes() {
    let img = Rgb::from_fn(40, 30, |_, _| [255, 255, 255]);
    let t = crop(&img, [-20.0, 0.0, 19.0, 39.0], 4).expect("partly inside");
    // Transposed: the first rows are the crop's left columns, beyond the picture.
    assert!(t.data[..3].iter().all(|&v| v < -0.99));
    assert!(t.data[(3 * 4) * 3..][..3].iter().all(|&v| v > 0.99));
    for b in [
        [50.0, 0.0, 60.0, 10.0],
        [0.0, 0.0, 0.5, 0.5],
        [0.0, 0.0, 1e9, 1e9],
        [f32::NAN, 0.0, 10.0, 10.0],
        [0.0, f32::NEG_INFINITY, 10.0, 10.0],
    ] {
        assert!(crop(&img, b, 24).is_none(), "{b:?}");
    }
}

#[test]
fn pictures_too_small_and_sizes_that_are_not_numbers_find_nothing() {
    let c = Cascade::load().expect("bundled weights load");
    let small = Rgb::from_fn(11, 200, |_, _| [128, 128, 128]);
    assert!(c.detect(&small, 12.0, None).is_empty());
    let img = Rgb::from_fn(60, 60, |x, y| [(x * 4) as u8, (y * 4) as u8, 90]);
    for min_face in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(c.detect(&img, min_face, None).is_empty());
    }
    // Under the window, or below zero: the smallest face the window sees.
    assert_eq!(c.detect(&img, -5.0, None), c.detect(&img, 12.0, None));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Whatever the pixels, the cascade returns sure, finite boxes, surest first.
    #[test]
    fn any_picture_gives_finite_boxes_surest_first(
        w in 12u32..72,
        h in 12u32..72,
        seed in any::<u64>(),
        min_face in 0.0f32..40.0,
    ) {
        let img = Rgb::from_fn(w, h, |x, y| {
            let v = (u64::from(x) * 7919 + u64::from(y) * 104_729 + seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            [(v >> 56) as u8, (v >> 48) as u8, (v >> 40) as u8]
        });
        let found = Cascade::load().expect("bundled weights load").detect(&img, min_face, None);
        for f in &found {
            prop_assert!(f.bbox.iter().all(|v| v.is_finite()));
            prop_assert!(f.score > OUTPUT_SCORE && f.score <= 1.0);
        }
        prop_assert!(found.windows(2).all(|p| p[0].score >= p[1].score));
    }
}

#[test]
fn weights_of_another_length_are_refused_at_load() {
    assert!(super::nets::load(&WEIGHTS[..WEIGHTS.len() - 4]).is_err());
    let mut longer = WEIGHTS.to_vec();
    longer.extend_from_slice(&[0; 4]);
    assert!(super::nets::load(&longer).is_err());
    assert!(super::nets::load(&[]).is_err());
}
