//! Box reduction: the mean of each `factor`×`factor` block, in integers.
//! The detector and the segmentation each look at a reduced copy of the
//! analysed image; when one factor divides the other (3 and 6 for a 12 MP
//! capture, 2 and 4 for a 480×640 file) both come from one pass over it.

use super::Rgb;

impl Rgb {
    /// Averages `factor`×`factor` blocks (the last partial blocks too).
    pub fn reduce(&self, factor: u32) -> Rgb {
        if factor <= 1 {
            return self.clone();
        }
        let mut out = Rgb::new(self.width.div_ceil(factor), self.height.div_ceil(factor));
        let mut rows = vec![0u32; self.width as usize * 3];
        for by in 0..out.height as usize {
            rows.iter_mut().for_each(|a| *a = 0);
            let ny = self.add_rows(&mut rows, by, factor);
            band_means(&rows, ny, factor, &mut out, by);
        }
        out
    }

    /// `reduce(fine)` and `reduce(coarse)` with one pass over the pixels
    /// when `coarse` is a multiple of `fine` (the detector's and the
    /// segmentation's reductions of a capture, 3 and 6 at 750×1000): a
    /// coarse band's column sums are its fine bands' sums added, so each
    /// image is what `reduce` gives, to the bit.
    pub fn reduce_nested(&self, fine: u32, coarse: u32) -> (Rgb, Rgb) {
        if fine <= 1 || coarse <= fine || coarse % fine != 0 {
            return (self.reduce(fine), self.reduce(coarse));
        }
        let k = (coarse / fine) as usize;
        let mut small = Rgb::new(self.width.div_ceil(fine), self.height.div_ceil(fine));
        let mut smaller = Rgb::new(self.width.div_ceil(coarse), self.height.div_ceil(coarse));
        let mut rows = vec![0u32; self.width as usize * 3];
        let mut coarse_rows = rows.clone();
        let mut coarse_ny = 0;
        for by in 0..small.height as usize {
            rows.iter_mut().for_each(|a| *a = 0);
            let ny = self.add_rows(&mut rows, by, fine);
            band_means(&rows, ny, fine, &mut small, by);
            coarse_rows.iter_mut().zip(&rows).for_each(|(c, r)| *c += r);
            coarse_ny += ny;
            if (by + 1) % k == 0 || by + 1 == small.height as usize {
                band_means(&coarse_rows, coarse_ny, coarse, &mut smaller, by / k);
                coarse_rows.iter_mut().for_each(|a| *a = 0);
                coarse_ny = 0;
            }
        }
        (small, smaller)
    }

    /// Adds the rows of band `by` (`factor` rows, fewer at the bottom) into
    /// `rows`, column by column; returns how many rows it added.
    fn add_rows(&self, rows: &mut [u32], by: usize, factor: u32) -> u32 {
        let (f, stride) = (factor as usize, self.width as usize * 3);
        let y_end = ((by + 1) * f).min(self.height as usize);
        for y in by * f..y_end {
            rows.iter_mut()
                .zip(&self.data[y * stride..(y + 1) * stride])
                .for_each(|(a, &v)| *a += u32::from(v));
        }
        (y_end - by * f) as u32
    }
}

/// Row `by` of `out`: the means of `factor`-wide blocks of a band's column
/// sums, `ny` rows deep.
fn band_means(rows: &[u32], ny: u32, factor: u32, out: &mut Rgb, by: usize) {
    let (f, w) = (factor as usize, out.width as usize);
    let src_w = rows.len() / 3;
    let whole = BlockMean::new(ny * factor);
    let out_row = &mut out.data[by * w * 3..(by + 1) * w * 3];
    // Whole blocks with the factor known to the compiler (the detector
    // reduces by 3, the segmentation by 6 on a 12 MP capture).
    let done = match f {
        2 => whole_blocks::<2>(rows, out_row, whole),
        3 => whole_blocks::<3>(rows, out_row, whole),
        4 => whole_blocks::<4>(rows, out_row, whole),
        6 => whole_blocks::<6>(rows, out_row, whole),
        8 => whole_blocks::<8>(rows, out_row, whole),
        _ => 0,
    };
    for bx in done..w {
        let x_end = ((bx + 1) * f).min(src_w);
        let n = ny * (x_end - bx * f) as u32;
        let mean = if n == whole.n {
            whole
        } else {
            BlockMean::new(n)
        };
        block_mean(
            &rows[bx * f * 3..x_end * 3],
            mean,
            &mut out_row[bx * 3..bx * 3 + 3],
        );
    }
}

/// The first blocks of a band's column sums, each `F` pixels wide, into
/// `out_row`; returns how many were done (the last, partial block is not).
fn whole_blocks<const F: usize>(rows: &[u32], out_row: &mut [u8], mean: BlockMean) -> usize {
    let mut done = 0;
    for (dst, block) in out_row.chunks_exact_mut(3).zip(rows.chunks_exact(3 * F)) {
        block_mean(block, mean, dst);
        done += 1;
    }
    done
}

/// One output pixel, `dst`: the mean of a block's column sums (RGB triples).
#[inline(always)]
fn block_mean(block: &[u32], mean: BlockMean, dst: &mut [u8]) {
    let mut acc = [0u32; 3];
    for px in block.chunks_exact(3) {
        acc[0] += px[0];
        acc[1] += px[1];
        acc[2] += px[2];
    }
    for (d, a) in dst.iter_mut().zip(acc) {
        *d = mean.of(a);
    }
}

/// A block's mean, `(sum + n / 2) / n`, by one multiplication: hardware
/// division was most of `reduce`'s time. With `m = ⌈2⁴⁰ / n⌉` the error
/// `m·n − 2⁴⁰` is below `n`, so for a numerator below 2²⁴ the product adds
/// less than `1/n` to a quotient whose fraction is at most `(n − 1)/n`, and
/// its top bits are the exact quotient. Sums of 8-bit values over at most
/// 2¹⁶ pixels stay below 2²⁴; larger blocks divide.
#[derive(Debug, Clone, Copy)]
struct BlockMean {
    n: u32,
    /// 0 when `n` is beyond the exact range.
    m: u64,
}

impl BlockMean {
    fn new(n: u32) -> BlockMean {
        let m = match n {
            1..=65_536 => (1u64 << 40).div_ceil(u64::from(n)),
            _ => 0,
        };
        BlockMean { n, m }
    }

    fn of(self, sum: u32) -> u8 {
        let rounded = sum + self.n / 2;
        if self.m == 0 {
            (rounded / self.n.max(1)) as u8
        } else {
            ((u64::from(rounded) * self.m) >> 40) as u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every factor (those with whole blocks unrolled and the others), sizes
    /// with and without a partial last block, against the rounded mean
    /// computed plainly.
    #[test]
    fn reduce_matches_the_rounded_mean_of_each_block() {
        for f in 2..=9u32 {
            for (w, h) in [(1, 1), (7, 5), (16, 9), (19, 23), (24, 24)] {
                let img = Rgb::from_fn(w, h, |x, y| {
                    [
                        (x * 37 + y * 11) as u8,
                        (x * y * 5 + 3) as u8,
                        (255 - (x + y) * 9 % 256) as u8,
                    ]
                });
                let r = img.reduce(f);
                assert_eq!((r.width, r.height), (w.div_ceil(f), h.div_ceil(f)));
                for (by, bx) in (0..r.height).flat_map(|y| (0..r.width).map(move |x| (y, x))) {
                    let (xs, ys) = (bx * f..((bx + 1) * f).min(w), by * f..((by + 1) * f).min(h));
                    let n = xs.len() as u32 * ys.len() as u32;
                    let want: [u8; 3] = std::array::from_fn(|c| {
                        let sum: u32 = ys
                            .clone()
                            .flat_map(|y| xs.clone().map(move |x| (x, y)))
                            .map(|(x, y)| u32::from(img.at(x, y)[c]))
                            .sum();
                        ((sum + n / 2) / n) as u8
                    });
                    assert_eq!(
                        r.at(bx, by),
                        want,
                        "factor {f}, {w}×{h}, block ({bx}, {by})"
                    );
                }
            }
        }
    }

    #[test]
    fn reduce_averages_blocks() {
        let img = Rgb::from_fn(4, 2, |x, _| if x < 2 { [0, 0, 0] } else { [200, 200, 200] });
        let r = img.reduce(2);
        assert_eq!((r.width, r.height), (2, 1));
        assert_eq!(r.at(0, 0), [0, 0, 0]);
        assert_eq!(r.at(1, 0), [200, 200, 200]);
    }

    /// Both images of `reduce_nested`, for nested factors and not, sizes
    /// with and without partial blocks, are `reduce`'s, to the bit.
    #[test]
    fn a_nested_reduction_is_each_reduction() {
        let pairs = [
            (2, 4),
            (3, 6),
            (2, 6),
            (3, 9),
            (2, 8),
            (4, 8),
            (3, 8),
            (1, 4),
            (2, 2),
        ];
        for (fine, coarse) in pairs {
            for (w, h) in [(1, 1), (7, 5), (16, 9), (19, 23), (24, 24), (50, 37)] {
                let img = Rgb::from_fn(w, h, |x, y| {
                    [
                        (x * 37 + y * 11) as u8,
                        (x * y * 5 + 3) as u8,
                        (x ^ y) as u8,
                    ]
                });
                let (a, b) = img.reduce_nested(fine, coarse);
                assert_eq!(a, img.reduce(fine), "{fine} {coarse} {w}×{h}");
                assert_eq!(b, img.reduce(coarse), "{fine} {coarse} {w}×{h}");
            }
        }
    }

    /// Every sum a block of up to 300 pixels can have, and the largest
    /// blocks' extremes, against plain division.
    #[test]
    fn block_means_divide_exactly() {
        for n in 1..=300u32 {
            let mean = BlockMean::new(n);
            for sum in 0..=255 * n {
                assert_eq!(u32::from(mean.of(sum)), (sum + n / 2) / n, "{sum} / {n}");
            }
        }
        for n in [65_535u32, 65_536, 65_537, 1 << 20] {
            let mean = BlockMean::new(n);
            for sum in [0, 1, n / 2 - 1, n / 2, n - 1, n, 127 * n + n / 2, 255 * n] {
                assert_eq!(u32::from(mean.of(sum)), (sum + n / 2) / n, "{sum} / {n}");
            }
        }
    }
}
