//! The two loops where the face models spend their time — the matrix product
//! of the 1×1 convolutions and the per-channel taps of the depthwise ones —
//! written as fixed-size blocks that the compiler turns into vector
//! instructions. The build targets plain x86-64 (SSE2), so on a CPU with AVX2
//! and FMA the same loops are also compiled for those and chosen at run time;
//! that choice, and clearing the registers' upper halves after tract
//! (`clear_upper_state`), are the crate's only `unsafe`.

use super::Finish;

/// tract's kernels (the segmenter's and the face embedding's) leave the
/// vector registers' upper halves dirty. Until something clears them, every
/// SSE instruction of this crate's baseline build pays for a merge with
/// those halves: the face cascade ran at half speed after the segmenter
/// (`docs/benchmarks.md`). Called after each tract run.
pub(crate) fn clear_upper_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has just been seen to support AVX.
        unsafe { std::arch::x86_64::_mm256_zeroupper() };
    }
}

/// Accumulator block of the matrix product: rows of the weights × columns of
/// the input, 4 × 24 floats (twelve AVX registers, leaving room for the three
/// input vectors and the broadcast weight).
const ROWS: usize = 4;
const COLS: usize = 24;
/// Width of the dot product's lanes.
const LANES: usize = 16;
/// Outputs of a depthwise row summed together: eight AVX accumulators. Each
/// tap adds to every output once, so with fewer the loop waits on the
/// previous tap's sum (four cycles an FMA) instead of issuing.
const TAP_BLOCK: usize = 64;
/// Columns of the input handled together: their rows (k × 1 KB for the
/// widest layer) stay in the second-level cache while every row block of
/// the weights passes over them, and each row is read as one run.
const PANEL: usize = 256;

/// The weights of a convolution in the order the matrix product reads them:
/// each block of `ROWS` output channels interleaved by input (`k × ROWS`
/// floats per block), so that one step of the product reads `ROWS`
/// consecutive weights. Rows beyond the last whole block are read from the
/// plain weights.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Packed(Vec<f32>);

impl Packed {
    /// `w` is `[m × k]`, row-major.
    pub fn new(w: &[f32], (m, k): (usize, usize)) -> Packed {
        let mut p = Vec::with_capacity(m / ROWS * ROWS * k);
        for block in w.chunks_exact(ROWS * k.max(1)).take(m / ROWS) {
            for kk in 0..k {
                p.extend((0..ROWS).map(|r| block[r * k + kk]));
            }
        }
        Packed(p)
    }
}

/// The input of the matrix product: `k` rows of `n` columns, read a tile
/// of adjacent columns at a time.
pub(super) trait Columns {
    /// Where column `c`'s rows are read from, for [`Columns::row`].
    fn base(&self, c: usize) -> usize;
    /// Row `kk` from the column at `base`, to the end of its panel or
    /// beyond; `None` past the data (a shape the loader refuses).
    fn row(&self, kk: usize, base: usize) -> Option<&[f32]>;
    /// Width of the panels columns are taken in: a tile never crosses one.
    fn panel(&self) -> usize;
}

/// Rows stored one after another, `n` floats each.
pub(super) struct Dense<'a> {
    pub x: &'a [f32],
    pub n: usize,
}

impl Columns for Dense<'_> {
    #[inline(always)]
    fn base(&self, c: usize) -> usize {
        c
    }

    #[inline(always)]
    fn row(&self, kk: usize, base: usize) -> Option<&[f32]> {
        self.x.get(kk * self.n + base..)
    }

    fn panel(&self) -> usize {
        PANEL
    }
}

/// A convolution's input rows read in place from its channels' stride
/// phases (see `kernels::Phases`) instead of copied into columns (im2col):
/// row `(channel, tap)` of output row `oy` starts `oy × row_step` after
/// `starts[row]`, and an output row's columns are adjacent there. A panel is
/// one output row.
pub(super) struct Phased<'a> {
    pub data: &'a [f32],
    pub starts: &'a [usize],
    pub row_step: usize,
    /// Output columns per output row.
    pub width: usize,
}

impl Columns for Phased<'_> {
    #[inline(always)]
    fn base(&self, c: usize) -> usize {
        let w = self.width.max(1);
        c / w * self.row_step + c % w
    }

    #[inline(always)]
    fn row(&self, kk: usize, base: usize) -> Option<&[f32]> {
        self.data.get(self.starts.get(kk)? + base..)
    }

    fn panel(&self) -> usize {
        self.width.max(1)
    }
}

/// `out[m × n] += w[m × k] · x[k × n]`, all row-major, each output then
/// finished by `finish` (row `r` is channel `r`); `packed` is `w` as
/// [`Packed::new`] lays it out.
pub(super) fn gemm<X: Columns>(
    out: &mut [f32],
    w: &[f32],
    packed: &Packed,
    x: &X,
    dims: (usize, usize, usize),
    finish: &Finish,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has just been seen to support AVX2 and FMA.
        unsafe { gemm_avx2(out, w, packed, x, dims, finish) };
        return;
    }
    gemm_body::<false, X>(out, w, packed, x, dims, finish);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gemm_avx2<X: Columns>(
    out: &mut [f32],
    w: &[f32],
    packed: &Packed,
    x: &X,
    dims: (usize, usize, usize),
    finish: &Finish,
) {
    gemm_body::<true, X>(out, w, packed, x, dims, finish);
}

/// Panels of columns outside, row blocks inside. Every output element is
/// still its bias plus the products in input order, so the blocking changes
/// no bits.
#[inline(always)]
fn gemm_body<const FMA: bool, X: Columns>(
    out: &mut [f32],
    w: &[f32],
    packed: &Packed,
    x: &X,
    (m, k, n): (usize, usize, usize),
    finish: &Finish,
) {
    // A short slice is a shape the loader should have refused, and is left
    // alone rather than read past.
    let blocks = m / ROWS;
    if out.len() < m * n || w.len() < m * k || packed.0.len() < blocks * ROWS * k {
        return;
    }
    if k == 0 {
        // An empty sum leaves the bias, which is still finished.
        for (r, row) in out.chunks_exact_mut(n.max(1)).take(m).enumerate() {
            finish.apply(r, r * n, row);
        }
        return;
    }
    if n == 1 {
        // One column: a dot product per row, over the column gathered once.
        let Some(column) = (0..k)
            .map(|kk| x.row(kk, x.base(0)).and_then(|r| r.first().copied()))
            .collect::<Option<Vec<f32>>>()
        else {
            return;
        };
        for (r, (o, row)) in out.iter_mut().zip(w.chunks_exact(k)).enumerate() {
            *o += dot::<FMA>(row, &column);
            finish.apply(r, r, std::slice::from_mut(o));
        }
        return;
    }
    let panel = x.panel();
    for p0 in (0..n).step_by(panel) {
        let p1 = (p0 + panel).min(n);
        for (b, weights) in packed.0.chunks_exact(ROWS * k).enumerate() {
            columns::<ROWS, FMA, X>(out, weights, x, (b * ROWS, p0, p1), (k, n), finish);
        }
        for r in blocks * ROWS..m {
            let weights = &w[r * k..(r + 1) * k];
            columns::<1, FMA, X>(out, weights, x, (r, p0, p1), (k, n), finish);
        }
    }
}

/// `R` rows of the output from `r0`, over columns `c0..c1`; `weights` holds
/// their `k × R` weights interleaved by input.
#[inline(always)]
fn columns<const R: usize, const FMA: bool, X: Columns>(
    out: &mut [f32],
    weights: &[f32],
    x: &X,
    (r0, c0, c1): (usize, usize, usize),
    (k, n): (usize, usize),
    finish: &Finish,
) {
    // Finished below while the block's rows are still in the first-level
    // cache; inside the tile, the extra code made the accumulators spill.
    let mut c = c0;
    while c + COLS <= c1 {
        tile::<R, COLS, FMA, X>(out, weights, x, (r0, c), (k, n));
        c += COLS;
    }
    // The panel's and the small maps' leftover columns (a 6×6 map has 36),
    // narrower blocks.
    if c + 16 <= c1 {
        tile::<R, 16, FMA, X>(out, weights, x, (r0, c), (k, n));
        c += 16;
    }
    if c + 8 <= c1 {
        tile::<R, 8, FMA, X>(out, weights, x, (r0, c), (k, n));
        c += 8;
    }
    for c in c..c1 {
        tile::<R, 1, FMA, X>(out, weights, x, (r0, c), (k, n));
    }
    for r in r0..r0 + R {
        finish.apply(r, r * n + c0, &mut out[r * n + c0..r * n + c1]);
    }
}

#[inline(always)]
fn tile<const R: usize, const C: usize, const FMA: bool, X: Columns>(
    out: &mut [f32],
    weights: &[f32],
    x: &X,
    (r0, c0): (usize, usize),
    (k, n): (usize, usize),
) {
    let mut acc = [[0.0f32; C]; R];
    for (r, a) in acc.iter_mut().enumerate() {
        a.copy_from_slice(&out[(r0 + r) * n + c0..(r0 + r) * n + c0 + C]);
    }
    let base = x.base(c0);
    for (kk, wv) in weights.chunks_exact(R).take(k).enumerate() {
        let (Some(Ok(xv)), Ok(wv)) = (
            x.row(kk, base)
                .and_then(|row| row.get(..C))
                .map(<&[f32; C]>::try_from),
            <&[f32; R]>::try_from(wv),
        ) else {
            return;
        };
        for (a, &wv) in acc.iter_mut().zip(wv) {
            for (a, &xv) in a.iter_mut().zip(xv) {
                *a = madd::<FMA>(wv, xv, *a);
            }
        }
    }
    for (r, a) in acc.iter().enumerate() {
        out[(r0 + r) * n + c0..(r0 + r) * n + c0 + C].copy_from_slice(a);
    }
}

/// A dot product split over 16 lanes: it vectorises, where one running sum
/// would not, and its order is fixed, so every run gives the same bits.
#[inline(always)]
fn dot<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for ((l, &x), &y) in lanes.iter_mut().zip(x).zip(y) {
            *l = madd::<FMA>(x, y, *l);
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// One channel's kernel over its padded input, split into stride phases:
/// row `py`, phase `p` starts at `(py × sw + p) × phase_len`.
pub(super) struct Taps<'a> {
    pub kernel: &'a [f32],
    /// Where each tap reads, from the start of its output row's first input
    /// row: `(ky × sw + kx mod sw) × phase_len + kx / sw`, computed once so
    /// that the loop divides nothing.
    pub offsets: &'a [usize],
    /// Distance between the input rows of two successive output rows.
    pub row_step: usize,
}

impl Taps<'_> {
    pub fn offsets(size: (usize, usize), stride: (usize, usize), phase_len: usize) -> Vec<usize> {
        let ((kh, kw), sw) = (size, stride.1);
        (0..kh)
            .flat_map(|ky| (0..kw).map(move |kx| (ky * sw + kx % sw) * phase_len + kx / sw))
            .collect()
    }
}

/// `out` (channel `c`, `ow` wide, holding the bias) += the taps, then
/// finished by `finish`.
pub(super) fn depthwise(
    out: &mut [f32],
    phases: &[f32],
    taps: &Taps,
    ow: usize,
    finish: (&Finish, usize),
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has just been seen to support AVX2 and FMA.
        unsafe { depthwise_avx2(out, phases, taps, ow, finish) };
        return;
    }
    depthwise_body::<false>(out, phases, taps, ow, finish);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn depthwise_avx2(
    out: &mut [f32],
    phases: &[f32],
    taps: &Taps,
    ow: usize,
    finish: (&Finish, usize),
) {
    depthwise_body::<true>(out, phases, taps, ow, finish);
}

#[inline(always)]
fn depthwise_body<const FMA: bool>(
    out: &mut [f32],
    phases: &[f32],
    taps: &Taps,
    ow: usize,
    (finish, c): (&Finish, usize),
) {
    if ow == 0 {
        return;
    }
    // The flat index of this plane's first output, for the residual.
    let plane = c * out.len();
    for (oy, row) in out.chunks_exact_mut(ow).enumerate() {
        let mut ox = 0;
        while ox + TAP_BLOCK <= ow {
            block::<TAP_BLOCK, FMA>(row, phases, taps, (oy, &mut ox));
        }
        // Fewer than 64 are left, so each narrower block fits once at most.
        block::<32, FMA>(row, phases, taps, (oy, &mut ox));
        block::<LANES, FMA>(row, phases, taps, (oy, &mut ox));
        block::<8, FMA>(row, phases, taps, (oy, &mut ox));
        block::<4, FMA>(row, phases, taps, (oy, &mut ox));
        while ox < ow {
            block::<1, FMA>(row, phases, taps, (oy, &mut ox));
        }
        finish.apply(c, plane + oy * ow, row);
    }
}

/// The `C` outputs of `row` from `*ox`, when that many are left, and `*ox`
/// moved past them.
#[inline(always)]
fn block<const C: usize, const FMA: bool>(
    row: &mut [f32],
    phases: &[f32],
    taps: &Taps,
    (oy, ox): (usize, &mut usize),
) {
    if *ox + C <= row.len() {
        taps_at::<C, FMA>(row, phases, taps, (oy, *ox));
        *ox += C;
    }
}

#[inline(always)]
fn taps_at<const C: usize, const FMA: bool>(
    row: &mut [f32],
    phases: &[f32],
    taps: &Taps,
    (oy, ox): (usize, usize),
) {
    let Ok(acc) = <&mut [f32; C]>::try_from(&mut row[ox..ox + C]) else {
        return;
    };
    let mut sum = *acc;
    let base = oy * taps.row_step + ox;
    for (&k, &off) in taps.kernel.iter().zip(taps.offsets) {
        let Some(src) = phases.get(base + off..base + off + C) else {
            return;
        };
        for (s, &v) in sum.iter_mut().zip(src) {
            *s = madd::<FMA>(k, v, *s);
        }
    }
    *acc = sum;
}
