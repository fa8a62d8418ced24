//! The two loops where the face models spend their time — the matrix product
//! of the 1×1 convolutions and the per-channel taps of the depthwise ones —
//! written as fixed-size blocks that the compiler turns into vector
//! instructions. The build targets plain x86-64 (SSE2), so on a CPU with AVX2
//! and FMA the same loops are also compiled for those and chosen at run time;
//! that choice is the crate's only `unsafe`.

/// Accumulator block of the matrix product: rows of the weights × columns of
/// the input, 4 × 16 floats (eight AVX registers).
const ROWS: usize = 4;
const COLS: usize = 16;

/// `out[m × n] += w[m × k] · x[k × n]`, all row-major.
pub(super) fn gemm(out: &mut [f32], w: &[f32], x: &[f32], dims: (usize, usize, usize)) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has just been seen to support AVX2 and FMA.
        unsafe { gemm_avx2(out, w, x, dims) };
        return;
    }
    gemm_body::<false>(out, w, x, dims);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gemm_avx2(out: &mut [f32], w: &[f32], x: &[f32], dims: (usize, usize, usize)) {
    gemm_body::<true>(out, w, x, dims);
}

/// Column blocks outside, row blocks inside: a block's 16 columns of `x`
/// (k × 64 bytes) stay in the first-level cache while every row block of
/// the weights passes over them.
#[inline(always)]
fn gemm_body<const FMA: bool>(
    out: &mut [f32],
    w: &[f32],
    x: &[f32],
    (m, k, n): (usize, usize, usize),
) {
    // An empty sum leaves the bias; a short slice is a shape the loader
    // should have refused, and is left alone rather than read past.
    if k == 0 || out.len() < m * n || w.len() < m * k || x.len() < k * n {
        return;
    }
    if n == 1 {
        for (o, row) in out.iter_mut().zip(w.chunks_exact(k)) {
            *o += dot::<FMA>(row, &x[..k]);
        }
        return;
    }
    let mut c0 = 0;
    while c0 + COLS <= n {
        columns::<COLS, FMA>(out, w, x, c0, (m, k, n));
        c0 += COLS;
    }
    // The small maps' leftover columns (a 6×6 map has 36), narrower blocks.
    if c0 + 8 <= n {
        columns::<8, FMA>(out, w, x, c0, (m, k, n));
        c0 += 8;
    }
    if c0 + 4 <= n {
        columns::<4, FMA>(out, w, x, c0, (m, k, n));
        c0 += 4;
    }
    for c in c0..n {
        columns::<1, FMA>(out, w, x, c, (m, k, n));
    }
}

/// Every row of the output over `C` columns from `c0`.
#[inline(always)]
fn columns<const C: usize, const FMA: bool>(
    out: &mut [f32],
    w: &[f32],
    x: &[f32],
    c0: usize,
    (m, k, n): (usize, usize, usize),
) {
    let mut r0 = 0;
    while r0 + ROWS <= m {
        tile::<ROWS, C, FMA>(out, w, x, (r0, c0), (k, n));
        r0 += ROWS;
    }
    for r in r0..m {
        tile::<1, C, FMA>(out, w, x, (r, c0), (k, n));
    }
}

#[inline(always)]
fn tile<const R: usize, const C: usize, const FMA: bool>(
    out: &mut [f32],
    w: &[f32],
    x: &[f32],
    (r0, c0): (usize, usize),
    (k, n): (usize, usize),
) {
    let mut acc = [[0.0f32; C]; R];
    for (r, a) in acc.iter_mut().enumerate() {
        a.copy_from_slice(&out[(r0 + r) * n + c0..(r0 + r) * n + c0 + C]);
    }
    for kk in 0..k {
        let Ok(xv) = <&[f32; C]>::try_from(&x[kk * n + c0..kk * n + c0 + C]) else {
            return;
        };
        for (r, a) in acc.iter_mut().enumerate() {
            let wv = w[(r0 + r) * k + kk];
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
    let mut lanes = [0.0f32; COLS];
    let (ca, cb) = (a.chunks_exact(COLS), b.chunks_exact(COLS));
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

/// `out` (one channel, `ow` wide, holding the bias) += the taps.
pub(super) fn depthwise(out: &mut [f32], phases: &[f32], taps: &Taps, ow: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has just been seen to support AVX2 and FMA.
        unsafe { depthwise_avx2(out, phases, taps, ow) };
        return;
    }
    depthwise_body::<false>(out, phases, taps, ow);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn depthwise_avx2(out: &mut [f32], phases: &[f32], taps: &Taps, ow: usize) {
    depthwise_body::<true>(out, phases, taps, ow);
}

#[inline(always)]
fn depthwise_body<const FMA: bool>(out: &mut [f32], phases: &[f32], taps: &Taps, ow: usize) {
    if ow == 0 {
        return;
    }
    for (oy, row) in out.chunks_exact_mut(ow).enumerate() {
        let mut ox = 0;
        while ox + COLS <= ow {
            taps_at::<COLS, FMA>(row, phases, taps, (oy, ox));
            ox += COLS;
        }
        if ox + 8 <= ow {
            taps_at::<8, FMA>(row, phases, taps, (oy, ox));
            ox += 8;
        }
        if ox + 4 <= ow {
            taps_at::<4, FMA>(row, phases, taps, (oy, ox));
            ox += 4;
        }
        for ox in ox..ow {
            taps_at::<1, FMA>(row, phases, taps, (oy, ox));
        }
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
