//! Antialiased crop-and-scale: a triangle filter widened by the reduction
//! factor, applied along rows and then down columns. The fixed photo is
//! made by it from the analysed image, and the sharpness rule reads the face
//! through it, so it runs on every check and every fix.

use super::Rgb;

impl Rgb {
    /// Antialiased resampling of the source rectangle (x, y, w, h in source
    /// pixels, may extend beyond the image: edge pixels are repeated there,
    /// and callers paint those parts themselves) to `out_w`×`out_h`.
    pub fn resample(&self, rect: (f32, f32, f32, f32), out_w: u32, out_h: u32) -> Rgb {
        let (rx, ry, rw, rh) = rect;
        let horizontal = Taps::new(rx, rw, out_w, self.width).windows(self.width as usize);
        let vertical = Taps::new(ry, rh, out_h, self.height);
        let mid = self.horizontal_pass(&horizontal, vertical.source_span());
        vertical_pass(&mid, &vertical, out_w, out_h)
    }

    /// The horizontal pass over the source rows `row_lo..=row_hi`, those the
    /// vertical pass will read: per row and output column, the weighted sum
    /// of each channel, tap by tap in source order. Each row is widened to
    /// four floats a pixel first, so that a tap is one vector multiply-add.
    fn horizontal_pass(&self, taps: &Windows, (row_lo, row_hi): (u32, u32)) -> Vec<f32> {
        let out_w = taps.starts.len();
        let n = taps.n;
        let lo = taps.starts.iter().copied().min().unwrap_or(0);
        let hi = taps.starts.iter().copied().max().map_or(lo, |s| s + n);
        let rows = (row_hi - row_lo + 1) as usize;
        let mut mid = vec![0f32; rows * out_w * 3];
        let mut wide = vec![0f32; (hi - lo) * 4];
        for (r, out) in mid.chunks_exact_mut((out_w * 3).max(1)).enumerate() {
            let y = row_lo + r as u32;
            let src = &self.data[self.index(0, y) + lo * 3..self.index(0, y) + hi * 3];
            for (w, p) in wide.chunks_exact_mut(4).zip(src.chunks_exact(3)) {
                w.copy_from_slice(&[f32::from(p[0]), f32::from(p[1]), f32::from(p[2]), 0.0]);
            }
            let wide = &wide[..];
            // Each arm inlines `row_sums` with its window width known, so
            // that the compiler unrolls the taps; a check's and a fix's
            // scales use at most eight.
            match n {
                1 => row_sums(out, wide, taps, lo, 1),
                2 => row_sums(out, wide, taps, lo, 2),
                3 => row_sums(out, wide, taps, lo, 3),
                4 => row_sums(out, wide, taps, lo, 4),
                5 => row_sums(out, wide, taps, lo, 5),
                6 => row_sums(out, wide, taps, lo, 6),
                7 => row_sums(out, wide, taps, lo, 7),
                8 => row_sums(out, wide, taps, lo, 8),
                n => row_sums(out, wide, taps, lo, n),
            }
        }
        mid
    }
}

/// One row of the horizontal pass, windows of `n` taps.
#[inline(always)]
fn row_sums(out: &mut [f32], wide: &[f32], taps: &Windows, lo: usize, n: usize) {
    for ((dst, &start), weights) in out
        .chunks_exact_mut(3)
        .zip(&taps.starts)
        .zip(taps.weights.chunks_exact(n))
    {
        let window = &wide[(start - lo) * 4..(start - lo + n) * 4];
        let mut acc = [0f32; 4];
        for (&wgt, px) in weights.iter().zip(window.chunks_exact(4)) {
            for c in 0..4 {
                acc[c] += wgt * px[c];
            }
        }
        dst.copy_from_slice(&acc[..3]);
    }
}

/// The vertical pass: per output row, the weighted sum of the horizontal
/// pass's rows, rounded to bytes.
fn vertical_pass(mid: &[f32], vertical: &Taps, out_w: u32, out_h: u32) -> Rgb {
    let row_lo = vertical.source_span().0 as usize;
    let mut out = Rgb::new(out_w, out_h);
    let stride = out_w as usize * 3;
    let mut acc = vec![0f32; stride];
    for (oy, dst) in out.data.chunks_exact_mut(stride.max(1)).enumerate() {
        let (start, weights) = vertical.of(oy);
        acc.fill(0.0);
        for (k, &wgt) in weights.iter().enumerate() {
            let r = start + k - row_lo;
            let row = &mid[r * stride..(r + 1) * stride];
            acc.iter_mut().zip(row).for_each(|(a, v)| *a += wgt * v);
        }
        dst.iter_mut().zip(&acc).for_each(|(d, &v)| *d = to_byte(v));
    }
    out
}

/// `v.round().clamp(0.0, 255.0) as u8` to the bit, without the C library's
/// `roundf` (baseline x86-64 has no rounding instruction, and a fixed photo
/// rounds a million values). For v ≥ 0.5, adding 0.5 is exact or rounds
/// within the same integer, so truncating it rounds half away from zero;
/// below 0.5 (where 0.49999997 + 0.5 would round up to 1) and for NaN the
/// answer is 0.
#[inline]
fn to_byte(v: f32) -> u8 {
    if v >= 0.5 {
        (v + 0.5).min(255.0) as u8
    } else {
        0
    }
}

/// Precomputed filter taps of one axis of a resampling: for each output pixel
/// the first source index and normalised weights (a triangle filter widened
/// by the reduction factor, so downscaling averages instead of aliasing).
struct Taps {
    starts: Vec<usize>,
    weights: Vec<Vec<f32>>,
}

impl Taps {
    fn new(origin: f32, extent: f32, out: u32, source_len: u32) -> Taps {
        let scale = extent / out.max(1) as f32;
        let support = scale.max(1.0);
        let last = source_len.saturating_sub(1) as i64;
        let mut starts = Vec::with_capacity(out as usize);
        let mut weights = Vec::with_capacity(out as usize);
        for o in 0..out {
            let centre = origin + (o as f32 + 0.5) * scale;
            let lo = (centre - support).floor() as i64;
            let hi = (centre + support).ceil() as i64;
            let lo_c = lo.clamp(0, last);
            let hi_c = hi.clamp(0, last);
            let mut w = vec![0f32; (hi_c - lo_c + 1) as usize];
            for s in lo..=hi {
                let d = ((s as f32 + 0.5) - centre).abs() / support;
                let k = (1.0 - d).max(0.0);
                // Outside the image the edge pixel stands in.
                let idx = (s.clamp(0, last) - lo_c) as usize;
                w[idx] += k;
            }
            let sum: f32 = w.iter().sum();
            if sum > 0.0 {
                w.iter_mut().for_each(|v| *v /= sum);
            } else {
                w[0] = 1.0;
            }
            starts.push(lo_c as usize);
            weights.push(w);
        }
        Taps { starts, weights }
    }

    fn of(&self, o: usize) -> (usize, &[f32]) {
        (self.starts[o], &self.weights[o])
    }

    fn source_span(&self) -> (u32, u32) {
        let lo = self.starts.iter().copied().min().unwrap_or(0);
        let hi = self
            .starts
            .iter()
            .zip(&self.weights)
            .map(|(s, w)| s + w.len().saturating_sub(1))
            .max()
            .unwrap_or(0);
        (lo as u32, hi as u32)
    }
}

/// One axis's taps laid out with one window width for every output: each
/// output's weights sit at their offset in a window of `n` source pixels,
/// and the rest of the window weighs zero. Every weight and pixel is at
/// least +0, so a zero product added before or after the real taps leaves
/// the sum exactly as it was: the result is the variable-width sum's.
struct Windows {
    n: usize,
    starts: Vec<usize>,
    weights: Vec<f32>,
}

impl Taps {
    fn windows(&self, source_len: usize) -> Windows {
        let n = self.weights.iter().map(Vec::len).max().unwrap_or(1);
        let mut starts = Vec::with_capacity(self.starts.len());
        let mut weights = vec![0f32; self.starts.len() * n];
        for ((&start, w), row) in self
            .starts
            .iter()
            .zip(&self.weights)
            .zip(weights.chunks_exact_mut(n))
        {
            // Windows never pass the last source pixel: n is at most the
            // source's length, since each output's taps lie inside it.
            let window = start.min(source_len.saturating_sub(n));
            row[start - window..start - window + w.len()].copy_from_slice(w);
            starts.push(window);
        }
        Windows { n, starts, weights }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::tests::gradient;

    #[test]
    fn resampling_a_flat_image_keeps_it_flat_and_identity_is_exact() {
        let flat = Rgb::from_fn(40, 30, |_, _| [200, 100, 50]);
        let r = flat.resample((3.0, 2.0, 30.0, 20.0), 13, 9);
        assert!(r.data.chunks(3).all(|p| p == [200, 100, 50]));
        let img = gradient(16, 12);
        assert_eq!(img.resample((0.0, 0.0, 16.0, 12.0), 16, 12), img);
    }

    /// The horizontal pass as first written: each output's own taps, read
    /// from the bytes. The windowed pass must give its every bit.
    fn horizontal_plain(img: &Rgb, taps: &Taps, (row_lo, row_hi): (u32, u32)) -> Vec<f32> {
        let out_w = taps.starts.len();
        let mut mid = Vec::new();
        for y in row_lo..=row_hi {
            let src = &img.data[img.index(0, y)..img.index(0, y) + img.width as usize * 3];
            for ox in 0..out_w {
                let (start, weights) = taps.of(ox);
                let mut acc = [0f32; 3];
                for (k, &wgt) in weights.iter().enumerate() {
                    let sx = (start + k) * 3;
                    for c in 0..3 {
                        acc[c] += wgt * f32::from(src[sx + c]);
                    }
                }
                mid.extend_from_slice(&acc);
            }
        }
        mid
    }

    #[test]
    fn to_byte_is_round_and_clamp() {
        let plain = |v: f32| v.round().clamp(0.0, 255.0) as u8;
        // Every 64th float from -1 to 300 (by their bits: from -1 up to -0,
        // then from 0 up), and the neighbours of every half-integer, where
        // rounding can go wrong.
        let mut bits = (-1.0f32).to_bits();
        let mut negatives = 0;
        while bits > (-0.0f32).to_bits() {
            let v = f32::from_bits(bits);
            assert_eq!(to_byte(v), plain(v), "{v}");
            bits -= 64;
            negatives += 1;
        }
        assert!(negatives > 10_000_000, "{negatives}");
        let mut v = 0.0f32;
        while v < 300.0 {
            assert_eq!(to_byte(v), plain(v), "{v}");
            v = f32::from_bits(v.to_bits() + 64);
        }
        for half in (0..600).map(|i| i as f32 * 0.5) {
            for v in [
                half,
                f32::from_bits(half.to_bits().saturating_sub(1)),
                f32::from_bits(half.to_bits() + 1),
            ] {
                assert_eq!(to_byte(v), plain(v), "{v}");
            }
        }
        for v in [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            0.49999997,
            1e30,
        ] {
            assert_eq!(to_byte(v), plain(v), "{v}");
        }
    }

    #[test]
    fn the_windowed_pass_is_the_plain_sum_to_the_bit() {
        let mut s = 12345u32;
        let mut next = || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            s >> 8
        };
        for _ in 0..400 {
            let (w, h) = (1 + next() % 60, 1 + next() % 8);
            let img = Rgb::from_fn(w, h, |x, y| {
                [
                    (x * 37 + y) as u8,
                    (x * x + 3 * y) as u8,
                    255 - (x * 11) as u8,
                ]
            });
            // Rectangles inside, across and beyond the edges, scaled up and down.
            let rx = (next() % 400) as f32 / 10.0 - 10.0;
            let rw = (next() % 900) as f32 / 10.0 + 0.5;
            let out_w = 1 + next() % 70;
            let taps = Taps::new(rx, rw, out_w, w);
            let span = (0, h - 1);
            let plain = horizontal_plain(&img, &taps, span);
            let windowed = img.horizontal_pass(&taps.windows(w as usize), span);
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&windowed), bits(&plain), "{w}×{h} {rx} {rw} {out_w}");
        }
    }
}
