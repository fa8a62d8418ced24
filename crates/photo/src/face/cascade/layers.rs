//! The layers the face cascade's three small nets are made of, on
//! channels-last tensors, in plain loops. Their widest layer has 64 channels
//! (the dense ones 256), so a layer is a few million multiply-adds; the inner
//! loop runs over output channels, which the compiler vectorises.

/// Height × width × channels, row-major with channels innermost.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Tensor {
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub data: Vec<f32>,
}

/// A square convolution, stride 1, no padding, then a PReLU when it has
/// slopes. Kernel `[k][k][in][out]`, as Keras stores it.
#[derive(Debug)]
pub(super) struct Conv {
    pub k: usize,
    pub ins: usize,
    pub outs: usize,
    pub kernel: Vec<f32>,
    pub bias: Vec<f32>,
    pub slopes: Option<Vec<f32>>,
}

impl Conv {
    pub fn apply(&self, x: &Tensor) -> Tensor {
        debug_assert_eq!(x.c, self.ins);
        let (k, co) = (self.k, self.outs);
        let (oh, ow) = ((x.h + 1).saturating_sub(k), (x.w + 1).saturating_sub(k));
        let span = k * self.ins;
        let mut data = vec![0f32; oh * ow * co];
        for (i, acc) in data.chunks_exact_mut(co.max(1)).enumerate() {
            let (y, xo) = (i / ow, i % ow);
            acc.copy_from_slice(&self.bias);
            for r in 0..k {
                // The k pixels of one kernel row lie side by side.
                let pixels = &x.data[((y + r) * x.w + xo) * x.c..][..span];
                let taps = &self.kernel[r * span * co..][..span * co];
                for (&v, tap) in pixels.iter().zip(taps.chunks_exact(co)) {
                    for (a, &t) in acc.iter_mut().zip(tap) {
                        *a += v * t;
                    }
                }
            }
            if let Some(s) = &self.slopes {
                prelu(acc, s);
            }
        }
        Tensor {
            h: oh,
            w: ow,
            c: co,
            data,
        }
    }
}

/// A fully connected layer on a flattened tensor, then a PReLU when it has
/// slopes. Kernel `[in][out]`.
#[derive(Debug)]
pub(super) struct Dense {
    pub ins: usize,
    pub outs: usize,
    pub kernel: Vec<f32>,
    pub bias: Vec<f32>,
    pub slopes: Option<Vec<f32>>,
}

impl Dense {
    pub fn apply(&self, x: &[f32]) -> Vec<f32> {
        debug_assert_eq!(x.len(), self.ins);
        let mut acc = self.bias.clone();
        for (&v, row) in x.iter().zip(self.kernel.chunks_exact(self.outs)) {
            for (a, &k) in acc.iter_mut().zip(row) {
                *a += v * k;
            }
        }
        if let Some(s) = &self.slopes {
            prelu(&mut acc, s);
        }
        acc
    }
}

fn prelu(values: &mut [f32], slopes: &[f32]) {
    for (v, &s) in values.iter_mut().zip(slopes) {
        if *v < 0.0 {
            *v *= s;
        }
    }
}

/// Max pooling over `k`×`k` windows, stride 2. `same` pads as Keras's
/// "same" does (output ⌈n/2⌉, the padding split with the odd one after, and
/// padded cells never win); otherwise only whole windows count.
pub(super) fn max_pool(x: &Tensor, k: usize, same: bool) -> Tensor {
    let out_len = |n: usize| {
        if same {
            n.div_ceil(2)
        } else {
            (n + 2).saturating_sub(k) / 2
        }
    };
    let (oh, ow) = (out_len(x.h), out_len(x.w));
    let before = |n: usize, o: usize| {
        if same {
            ((o.saturating_sub(1)) * 2 + k).saturating_sub(n) / 2
        } else {
            0
        }
    };
    let (ph, pw) = (before(x.h, oh), before(x.w, ow));
    let mut data = vec![f32::NEG_INFINITY; oh * ow * x.c];
    for y in 0..oh {
        for xo in 0..ow {
            let out = &mut data[(y * ow + xo) * x.c..][..x.c];
            for i in 0..k {
                let Some(sy) = (y * 2 + i).checked_sub(ph).filter(|&v| v < x.h) else {
                    continue;
                };
                for j in 0..k {
                    let Some(sx) = (xo * 2 + j).checked_sub(pw).filter(|&v| v < x.w) else {
                        continue;
                    };
                    for (o, &v) in out.iter_mut().zip(&x.data[(sy * x.w + sx) * x.c..][..x.c]) {
                        *o = o.max(v);
                    }
                }
            }
        }
    }
    Tensor {
        h: oh,
        w: ow,
        c: x.c,
        data,
    }
}

/// The probability of the second of two classes (a face) from their scores.
pub(super) fn face_probability(scores: &[f32]) -> f32 {
    match scores {
        [no, yes] => 1.0 / (1.0 + (no - yes).exp()),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(h: usize, w: usize, c: usize, f: impl Fn(usize) -> f32) -> Tensor {
        Tensor {
            h,
            w,
            c,
            data: (0..h * w * c).map(f).collect(),
        }
    }

    #[test]
    fn a_convolution_sums_its_window_per_output_channel() {
        // 2×2 kernel, 2 channels in, 2 out: out0 sums channel 0, out1 is minus channel 1.
        let mut kernel = vec![0f32; 2 * 2 * 2 * 2];
        for tap in 0..4 {
            kernel[tap * 4] = 1.0; // in 0 → out 0
            kernel[tap * 4 + 3] = -1.0; // in 1 → out 1
        }
        let conv = Conv {
            k: 2,
            ins: 2,
            outs: 2,
            kernel,
            bias: vec![0.5, 0.0],
            slopes: Some(vec![1.0, 0.25]),
        };
        let x = tensor(3, 3, 2, |i| i as f32); // pixel p: channels 2p and 2p+1
        let y = conv.apply(&x);
        assert_eq!((y.h, y.w, y.c), (2, 2, 2));
        // Top-left window: pixels 0, 1, 3, 4.
        assert_eq!(y.data[0], 0.5 + (2 + 6 + 8) as f32);
        assert_eq!(y.data[1], -((1 + 3 + 7 + 9) as f32) * 0.25);
    }

    #[test]
    fn a_convolution_larger_than_its_input_gives_nothing() {
        let conv = Conv {
            k: 3,
            ins: 1,
            outs: 1,
            kernel: vec![1.0; 9],
            bias: vec![0.0],
            slopes: None,
        };
        let y = conv.apply(&tensor(2, 5, 1, |_| 1.0));
        assert_eq!((y.h, y.w, y.data.len()), (0, 3, 0));
    }

    #[test]
    fn same_pooling_pads_after_and_valid_pooling_drops_the_rest() {
        let x = tensor(5, 5, 1, |i| i as f32);
        let same = max_pool(&x, 3, true);
        assert_eq!((same.h, same.w), (3, 3));
        // ⌈5/2⌉ = 3 outputs need 7 inputs: one padded row before, one after.
        assert_eq!(same.data[0], 6.0); // rows 0–1, columns 0–1
        assert_eq!(same.data[8], 24.0);
        let valid = max_pool(&x, 3, false);
        assert_eq!((valid.h, valid.w), (2, 2));
        assert_eq!(valid.data, vec![12.0, 14.0, 22.0, 24.0]);
        let two = max_pool(&tensor(3, 3, 1, |i| i as f32), 2, true);
        assert_eq!(two.data, vec![4.0, 5.0, 7.0, 8.0]);
    }

    #[test]
    fn a_dense_layer_is_a_matrix_product_then_prelu() {
        let dense = Dense {
            ins: 2,
            outs: 2,
            kernel: vec![1.0, 2.0, 3.0, -4.0],
            bias: vec![0.0, 1.0],
            slopes: Some(vec![0.5, 0.5]),
        };
        assert_eq!(dense.apply(&[1.0, 1.0]), vec![4.0, -0.5]);
    }

    #[test]
    fn face_probability_is_a_two_class_softmax() {
        assert!((face_probability(&[0.0, 0.0]) - 0.5).abs() < 1e-6);
        assert!(face_probability(&[-50.0, 50.0]) > 0.999);
        assert_eq!(face_probability(&[1.0]), 0.0);
        // NaN, which no threshold (`score > t`) lets through.
        assert!(face_probability(&[f32::NAN, 0.0]).is_nan());
    }
}
