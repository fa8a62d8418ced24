//! The arithmetic of the face models' layers, on one image in NCHW order
//! (batch 1): convolution as a matrix product (1×1 directly, larger kernels
//! through im2col) or per channel (depthwise), channel padding, 2×2 pooling.
//! Shapes are checked when a network is loaded (`super::Net::load`), so these
//! functions take them as given; slices are still indexed with bounds checks.

use super::{simd, Finish};

/// A convolution's geometry. Pads are top, left, bottom, right (ONNX's
/// `[y_begin, x_begin, y_end, x_end]`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Conv {
    pub out_c: usize,
    pub in_c: usize,
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub pads: [usize; 4],
    /// 1 (every output channel sees every input channel) or `in_c` (depthwise).
    pub group: usize,
    /// `[out_c, in_c / group, kh, kw]`, ONNX's order.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    /// `weights` laid out for the matrix product (empty when depthwise).
    pub packed: simd::Packed,
}

impl Conv {
    /// Output height and width for an input of `(h, w)`; `None` when the
    /// kernel does not fit even once.
    pub fn out_size(&self, (h, w): (usize, usize)) -> Option<(usize, usize)> {
        let (kh, kw) = self.kernel;
        let (sh, sw) = self.stride;
        let ph = h + self.pads[0] + self.pads[2];
        let pw = w + self.pads[1] + self.pads[3];
        if ph < kh || pw < kw || sh == 0 || sw == 0 {
            return None;
        }
        Some(((ph - kh) / sh + 1, (pw - kw) / sw + 1))
    }

    /// The convolution of `x`, each output finished by `finish` as it is
    /// computed.
    pub fn run(&self, x: &[f32], (h, w): (usize, usize), finish: &Finish) -> Vec<f32> {
        let Some((oh, ow)) = self.out_size((h, w)) else {
            return Vec::new();
        };
        if self.group == 1 {
            let pointwise = self.kernel == (1, 1) && self.stride == (1, 1) && self.pads == [0; 4];
            if pointwise {
                self.matmul(&simd::Dense { x, n: oh * ow }, self.in_c, oh * ow, finish)
            } else if ow >= 8 {
                self.phased(x, (h, w), (oh, ow), finish)
            } else {
                let cols = self.im2col(x, (h, w), (oh, ow));
                let k = self.in_c * self.kernel.0 * self.kernel.1;
                self.matmul(
                    &simd::Dense {
                        x: &cols,
                        n: oh * ow,
                    },
                    k,
                    oh * ow,
                    finish,
                )
            }
        } else {
            self.depthwise(x, (h, w), (oh, ow), finish)
        }
    }

    /// Weights `[out_c × k]` times `b` `[k × n]`, plus the bias per row.
    fn matmul(&self, b: &impl simd::Columns, k: usize, n: usize, finish: &Finish) -> Vec<f32> {
        let mut out = biases(&self.bias, n);
        let dims = (self.out_c, k, n);
        simd::gemm(&mut out, &self.weights, &self.packed, b, dims, finish);
        out
    }

    /// The input laid out so that each output pixel's receptive field is a
    /// column: rows are (channel, ky, kx), zero where the kernel hangs over
    /// the padding. Read from the stride phases, every row is a run of
    /// contiguous copies.
    fn im2col(&self, x: &[f32], (h, w): (usize, usize), (oh, ow): (usize, usize)) -> Vec<f32> {
        let taps = self.kernel.0 * self.kernel.1;
        let mut split = Phases::new(self, (h, w));
        // Written in order, every element once: no zeroing first.
        let mut cols = Vec::with_capacity(self.in_c * taps * oh * ow);
        for c in 0..self.in_c {
            split.fill(&x[c * h * w..(c + 1) * h * w]);
            for &off in &split.offsets {
                for oy in 0..oh {
                    let start = oy * split.row_step + off;
                    cols.extend_from_slice(&split.data[start..start + ow]);
                }
            }
        }
        cols
    }

    /// What `im2col` and the matrix product compute, to the bit, with the
    /// product reading each row of columns from the channels' stride phases
    /// where `im2col` would copy it from: the models' first layers (3
    /// channels, 3×3 and 5×5 kernels over 96×96 and 64×64 outputs) made
    /// about a megabyte of columns each. Rows are in `im2col`'s order,
    /// channel by channel, taps in `offsets` order. A tile's columns lie in
    /// one output row, so rows at least a tile wide go this way.
    fn phased(
        &self,
        x: &[f32],
        (h, w): (usize, usize),
        (oh, ow): (usize, usize),
        finish: &Finish,
    ) -> Vec<f32> {
        let mut split = Phases::new(self, (h, w));
        let len = split.data.len();
        let mut data = Vec::with_capacity(self.in_c * len);
        for c in 0..self.in_c {
            split.fill(&x[c * h * w..(c + 1) * h * w]);
            data.extend_from_slice(&split.data);
        }
        let starts: Vec<usize> = (0..self.in_c)
            .flat_map(|c| split.offsets.iter().map(move |&off| c * len + off))
            .collect();
        let input = simd::Phased {
            data: &data,
            starts: &starts,
            row_step: split.row_step,
            width: ow,
        };
        self.matmul(&input, starts.len(), oh * ow, finish)
    }

    /// One kernel per channel over its stride phases.
    fn depthwise(
        &self,
        x: &[f32],
        (h, w): (usize, usize),
        (oh, ow): (usize, usize),
        finish: &Finish,
    ) -> Vec<f32> {
        let taps = self.kernel.0 * self.kernel.1;
        let mut split = Phases::new(self, (h, w));
        let mut out = biases(&self.bias, oh * ow);
        for (c, plane_out) in out.chunks_exact_mut(oh * ow).enumerate() {
            split.fill(&x[c * h * w..(c + 1) * h * w]);
            let taps = simd::Taps {
                kernel: &self.weights[c * taps..(c + 1) * taps],
                offsets: &split.offsets,
                row_step: split.row_step,
            };
            simd::depthwise(plane_out, &split.data, &taps, ow, (finish, c));
        }
        out
    }
}

/// Each channel's bias repeated over its plane: the sums start from it, and
/// the buffer is written once instead of zeroed and then filled.
fn biases(bias: &[f32], plane: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(bias.len() * plane);
    for &b in bias {
        out.resize(out.len() + plane, b);
    }
    out
}

/// One channel, zero-padded, with each padded row split into its `stride`
/// phases (columns 0, s, 2s… then 1, s+1…): whatever the stride, the input
/// under one tap across an output row is then contiguous.
struct Phases {
    data: Vec<f32>,
    /// The input's width.
    width: usize,
    phase_len: usize,
    stride: usize,
    pads: (usize, usize),
    /// Where each tap (ky, kx) reads, from the start of its output row's
    /// first input row.
    offsets: Vec<usize>,
    /// Distance between the input rows of two successive output rows.
    row_step: usize,
}

impl Phases {
    fn new(conv: &Conv, (h, w): (usize, usize)) -> Phases {
        let [pt, pl, pb, pr] = conv.pads;
        let (sh, sw) = conv.stride;
        let phase_len = (w + pl + pr).div_ceil(sw);
        Phases {
            data: vec![0.0; (h + pt + pb) * sw * phase_len],
            width: w,
            phase_len,
            stride: sw,
            pads: (pt, pl),
            offsets: simd::Taps::offsets(conv.kernel, conv.stride, phase_len),
            row_step: sh * sw * phase_len,
        }
    }

    /// Copies one channel in; the padding stays zero from `new`.
    fn fill(&mut self, plane: &[f32]) {
        let (sw, pt, len) = (self.stride, self.pads.0, self.phase_len);
        for (iy, row) in plane.chunks_exact(self.width.max(1)).enumerate() {
            let base = (iy + pt) * sw * len;
            let dst = &mut self.data[base..base + sw * len];
            match sw {
                1 => dst[self.pads.1..self.pads.1 + row.len()].copy_from_slice(row),
                2 => pairs(dst, row, self.pads.1, len),
                _ => scatter(dst, row, sw, self.pads.1, len),
            }
        }
    }
}

/// Stride 2, the models' downsampling layers: input columns `2j` and
/// `2j + 1` land in the two phases at `j` plus a fixed offset, so a row
/// is split without a division per element, and the loop vectorises.
fn pairs(dst: &mut [f32], row: &[f32], pl: usize, len: usize) {
    let (first, second) = dst.split_at_mut(len);
    let (even, odd) = if pl % 2 == 0 {
        (first, second)
    } else {
        (second, first)
    };
    let (even, odd) = (&mut even[pl / 2..], &mut odd[pl.div_ceil(2)..]);
    let two = row.chunks_exact(2);
    if let (Some(&v), Some(d)) = (two.remainder().first(), even.get_mut(row.len() / 2)) {
        *d = v;
    }
    for ((e, o), two) in even.iter_mut().zip(odd.iter_mut()).zip(two) {
        (*e, *o) = (two[0], two[1]);
    }
}

/// Any stride: each phase takes every `stride`-th column.
fn scatter(dst: &mut [f32], row: &[f32], sw: usize, pl: usize, len: usize) {
    for phase in 0..sw {
        // The first input column whose padded column is in this phase.
        let ix0 = (phase + sw - pl % sw) % sw;
        let start = phase * len + (ix0 + pl) / sw;
        for (d, &v) in dst[start..(phase + 1) * len]
            .iter_mut()
            .zip(row.iter().skip(ix0).step_by(sw))
        {
            *d = v;
        }
    }
}

/// Zero channels added before and after the existing ones (the models pad
/// channels so that a residual branch can be added to a wider layer).
pub(super) fn pad_channels(x: &[f32], before: usize, after: usize, plane: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; x.len() + (before + after) * plane];
    out[before * plane..before * plane + x.len()].copy_from_slice(x);
    out
}

/// Maximum over 2×2 windows with stride 2; an odd last row or column is
/// kept alone when `ceil` (ONNX's `SAME_UPPER` padding), dropped otherwise.
pub(super) fn max_pool_2x2(
    x: &[f32],
    c: usize,
    (h, w): (usize, usize),
    (oh, ow): (usize, usize),
) -> Vec<f32> {
    let mut out = vec![f32::NEG_INFINITY; c * oh * ow];
    // `max` without `f32::max`'s NaN rule compiles to one vector instruction.
    let max = |a: f32, b: f32| if a > b { a } else { b };
    for (plane, dst) in x.chunks_exact(h * w).zip(out.chunks_exact_mut(oh * ow)) {
        for (oy, out_row) in dst.chunks_exact_mut(ow).enumerate() {
            let top = &plane[2 * oy * w..(2 * oy + 1) * w];
            let below = plane.get((2 * oy + 1) * w..(2 * oy + 2) * w).unwrap_or(top);
            let pairs = top.chunks_exact(2).zip(below.chunks_exact(2));
            for (o, (a, b)) in out_row.iter_mut().zip(pairs) {
                *o = max(max(a[0], a[1]), max(b[0], b[1]));
            }
            if w % 2 == 1 && ow > w / 2 {
                out_row[ow - 1] = max(top[w - 1], below[w - 1]);
            }
        }
    }
    out
}

/// NCHW to NHWC.
pub(super) fn to_channels_last(x: &[f32], c: usize, plane: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; x.len()];
    for ch in 0..c {
        for (i, &v) in x[ch * plane..(ch + 1) * plane].iter().enumerate() {
            out[i * c + ch] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition of a convolution, written as plainly as possible.
    fn reference(conv: &Conv, x: &[f32], (h, w): (usize, usize)) -> Vec<f32> {
        let (oh, ow) = conv.out_size((h, w)).expect("fits");
        let (kh, kw) = conv.kernel;
        let per_group = conv.in_c / conv.group;
        let mut out = Vec::new();
        for o in 0..conv.out_c {
            let g = o / (conv.out_c / conv.group);
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut s = conv.bias[o];
                    for i in 0..per_group {
                        let c = g * per_group + i;
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let iy = (oy * conv.stride.0 + ky) as i64 - conv.pads[0] as i64;
                                let ix = (ox * conv.stride.1 + kx) as i64 - conv.pads[1] as i64;
                                if iy < 0 || ix < 0 || iy >= h as i64 || ix >= w as i64 {
                                    continue;
                                }
                                let wi = ((o * per_group + i) * kh + ky) * kw + kx;
                                s += conv.weights[wi] * x[(c * h + iy as usize) * w + ix as usize];
                            }
                        }
                    }
                    out.push(s);
                }
            }
        }
        out
    }

    fn numbers(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    }

    fn conv(out_c: usize, in_c: usize, k: usize, s: usize, pads: [usize; 4], group: usize) -> Conv {
        let weights = numbers(out_c * in_c / group * k * k, 7);
        Conv {
            out_c,
            in_c,
            kernel: (k, k),
            stride: (s, s),
            pads,
            group,
            packed: simd::Packed::new(&weights, (out_c, in_c / group * k * k)),
            weights,
            bias: numbers(out_c, 11),
        }
    }

    /// Rows read in place from the stride phases give what `im2col`'s
    /// columns give, to the bit: the models' first layers, other strides and
    /// pads, output rows a tile wide or more, finished or not.
    #[test]
    fn phased_rows_give_what_im2col_gives() {
        let cases = [
            conv(24, 3, 5, 2, [1, 1, 2, 2], 1),
            conv(16, 3, 3, 2, [0, 0, 1, 1], 1),
            conv(6, 4, 3, 1, [1, 1, 1, 1], 1),
            conv(5, 2, 3, 3, [0; 4], 1),
        ];
        let prelu = super::super::Act::PRelu(numbers(24, 5));
        let finishes = [
            Finish::NONE,
            Finish {
                residual: None,
                act: &prelu,
            },
        ];
        for (n, c) in cases.iter().enumerate() {
            for size in [(17, 19), (40, 26), (64, 64), (9, 50)] {
                let Some((oh, ow)) = c.out_size(size).filter(|&(_, ow)| ow >= 8) else {
                    continue;
                };
                let x = numbers(c.in_c * size.0 * size.1, 3 + n as u32);
                let cols = c.im2col(&x, size, (oh, ow));
                let k = c.in_c * c.kernel.0 * c.kernel.1;
                for finish in &finishes {
                    let dense = simd::Dense {
                        x: &cols,
                        n: oh * ow,
                    };
                    let want = c.matmul(&dense, k, oh * ow, finish);
                    let got = c.phased(&x, size, (oh, ow), finish);
                    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&got), bits(&want), "case {n} at {size:?}");
                }
            }
        }
    }

    /// Every path (matrix product, im2col, depthwise at strides 1 and 2, the
    /// models' asymmetric pads) against the definition, on odd sizes so that
    /// the edge arithmetic is exercised.
    #[test]
    fn every_convolution_path_agrees_with_the_definition() {
        let cases = [
            conv(5, 4, 1, 1, [0; 4], 1),
            conv(6, 3, 5, 2, [1, 1, 2, 2], 1),
            conv(4, 3, 3, 2, [0, 0, 1, 1], 1),
            conv(2, 3, 3, 3, [0; 4], 1),
            conv(4, 4, 3, 1, [1, 1, 1, 1], 4),
            conv(4, 4, 5, 1, [2, 2, 2, 2], 4),
            conv(3, 3, 3, 2, [0, 0, 1, 1], 3),
            conv(3, 3, 5, 2, [1, 1, 2, 2], 3),
        ];
        for (n, c) in cases.iter().enumerate() {
            // (17, 19): more columns than one panel of the matrix product;
            // (4, 125): rows wide enough for every block of the depthwise taps.
            for size in [(9, 7), (8, 8), (3, 3), (17, 19), (4, 125)] {
                let x = numbers(c.in_c * size.0 * size.1, 3 + n as u32);
                let (Some(_), got, want) = (
                    c.out_size(size),
                    c.run(&x, size, &Finish::NONE),
                    reference(c, &x, size),
                ) else {
                    continue;
                };
                assert_eq!(got.len(), want.len(), "case {n} at {size:?}");
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-5, "case {n} at {size:?}: {g} vs {w}");
                }
            }
        }
    }

    /// The stride-2 split of a row by pairs lays out the same phases as the
    /// split for any stride, for every left pad and odd and even widths.
    #[test]
    fn pairs_split_a_row_as_the_general_scatter_does() {
        for pl in 0..4 {
            for pr in 0..3 {
                for w in 1..12 {
                    let c = conv(1, 1, 3, 2, [0, pl, 0, pr], 1);
                    let split = Phases::new(&c, (1, w));
                    let row = numbers(w, w as u32);
                    let (mut a, mut b) = (split.data.clone(), split.data.clone());
                    pairs(&mut a, &row, pl, split.phase_len);
                    scatter(&mut b, &row, 2, pl, split.phase_len);
                    assert_eq!(a, b, "left pad {pl}, right pad {pr}, width {w}");
                    assert_eq!(a.iter().filter(|v| **v != 0.0).count(), w);
                }
            }
        }
    }

    /// Finishing each block in the kernels (residual, then activation) gives
    /// the bits of the separate passes it replaced, on every path: blocks of
    /// every width, leftover rows, the one-column product, depthwise.
    #[test]
    fn finishing_in_the_kernels_matches_passes_after_them() {
        use super::super::Act;
        let cases = [
            conv(9, 4, 1, 1, [0; 4], 1),
            conv(6, 3, 5, 2, [1, 1, 2, 2], 1),
            conv(5, 5, 3, 1, [1, 1, 1, 1], 5),
            conv(3, 3, 5, 2, [1, 1, 2, 2], 3),
        ];
        let acts = [Act::None, Act::Relu, Act::PRelu(numbers(9, 5))];
        for (n, c) in cases.iter().enumerate() {
            for size in [(1, 1), (9, 7), (17, 19), (6, 6)] {
                let Some((oh, ow)) = c.out_size(size) else {
                    continue;
                };
                let x = numbers(c.in_c * size.0 * size.1, 3 + n as u32);
                let residual = numbers(c.out_c * oh * ow, 13);
                for act in &acts {
                    let mut want = c.run(&x, size, &Finish::NONE);
                    want.iter_mut().zip(&residual).for_each(|(w, r)| *w += r);
                    act.apply(&mut want, oh * ow);
                    let finish = Finish {
                        residual: Some(&residual),
                        act,
                    };
                    let got = c.run(&x, size, &finish);
                    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&got), bits(&want), "case {n} at {size:?}, {act:?}");
                }
            }
        }
    }

    /// No input channels: every output is its bias (and the one-column
    /// product, a dot product of length 0, does not panic).
    #[test]
    fn an_empty_sum_leaves_the_bias() {
        let mut c = conv(2, 1, 1, 1, [0; 4], 1);
        c.in_c = 0;
        c.weights.clear();
        c.bias = vec![1.0, 2.0];
        assert_eq!(c.run(&[], (1, 1), &Finish::NONE), [1.0, 2.0]);
        assert_eq!(c.run(&[], (1, 2), &Finish::NONE), [1.0, 1.0, 2.0, 2.0]);
        // And the bias is still finished: residual added, then the activation.
        let finish = Finish {
            residual: Some(&[0.5, -3.0, 1.0, 1.0]),
            act: &super::super::Act::Relu,
        };
        assert_eq!(c.run(&[], (1, 2), &finish), [1.5, 0.0, 3.0, 3.0]);
    }

    #[test]
    fn pooling_keeps_the_largest_of_each_window() {
        let x: Vec<f32> = (0..15).map(|v| v as f32).collect();
        // One channel of 3×5: rows 0..5, 5..10, 10..15.
        assert_eq!(
            max_pool_2x2(&x, 1, (3, 5), (2, 3)),
            [6.0, 8.0, 9.0, 11.0, 13.0, 14.0]
        );
        assert_eq!(max_pool_2x2(&x, 1, (3, 5), (1, 2)), [6.0, 8.0]);
    }

    #[test]
    fn channels_move_last() {
        let x = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0];
        assert_eq!(
            to_channels_last(&x, 2, 3),
            [1.0, 10.0, 2.0, 20.0, 3.0, 30.0]
        );
        assert_eq!(
            pad_channels(&[1.0, 2.0], 1, 1, 2),
            [0.0, 0.0, 1.0, 2.0, 0.0, 0.0]
        );
    }
}
