//! Bands added around the picture: a frame someone drew, or the even padding
//! an editor or a cropping tool leaves where the photo ended. A band is
//! reported (`image.border`) and, because it is not the wall behind the
//! candidate, the backdrop measures look inside it: otherwise a black band
//! along the top would be taken as a perfectly uniform backdrop and hide the
//! room behind the candidate.

use crate::raster::Rgb;

/// RGB distance within which a band counts as one even colour.
const EVEN_RGB: f32 = 14.0;
/// RGB distance of the step from a band to the picture inside it. Compared in
/// RGB: an added band is a large, exact step, no perceptual subtlety needed.
const JUMP_RGB: f32 = 30.0;
/// Share of a line that must be even (band) or must jump (picture).
const EVEN_SHARE: f32 = 0.95;
const JUMP_SHARE: f32 = 0.6;
/// Rows between the band's last even row and the picture that may blend the
/// two (JPEG ringing, a resampled edge).
const BLEND: u32 = 3;
/// Deepest band, as a share of the image's shorter side. Padding left by a
/// crop can be deep (a face library's 250 px images carry up to about 50 px);
/// deeper than this, an even edge is the backdrop itself.
const MAX_DEPTH: f32 = 0.25;

/// Depth in pixels of the band along each edge; 0 where there is none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bands {
    pub top: u32,
    pub bottom: u32,
    pub left: u32,
    pub right: u32,
}

impl Bands {
    /// The first edge with a band, named for the candidate.
    pub fn side(&self) -> Option<&'static str> {
        [
            ("上边", self.top),
            ("下边", self.bottom),
            ("左边", self.left),
            ("右边", self.right),
        ]
        .into_iter()
        .find(|&(_, d)| d > 0)
        .map(|(name, _)| name)
    }
}

/// Finds the band along each edge: an outer line of one even colour that
/// stays even inwards, then gives way, within a few blended lines, to a
/// picture that differs sharply from it along most of the edge.
pub fn bands(img: &Rgb) -> Bands {
    let (w, h) = (img.width, img.height);
    if w < 32 || h < 32 {
        return Bands::default();
    }
    let max = ((w.min(h) as f32 * MAX_DEPTH) as u32).max(2);
    let (row, px) = (w as isize * 3, 3);
    let (last_row, last_col) = ((h as isize - 1) * row, (w as isize - 1) * px);
    // Every other pixel along each edge; each line deeper moves `inward`.
    let edge = |len: u32, along: isize, first: isize, inward: isize| Edge {
        data: &img.data,
        samples: len.div_ceil(2) as usize,
        step: 2 * along,
        first,
        inward,
    };
    Bands {
        top: edge(w, px, 0, row).depth(h, max),
        bottom: edge(w, px, last_row, -row).depth(h, max),
        left: edge(h, row, 0, px).depth(w, max),
        right: edge(h, row, last_col, -px).depth(w, max),
    }
}

/// One edge of the image: line `d` (0 outermost) is `samples` pixels, the
/// first at byte `first + d × inward`, then `step` bytes apart. Read straight
/// from the image: gathering each line through `Rgb::at` into a vector first
/// took most of the time on a plain wall, which is read `MAX_DEPTH` deep on
/// three edges.
struct Edge<'a> {
    data: &'a [u8],
    samples: usize,
    step: isize,
    first: isize,
    inward: isize,
}

/// Lines of a side edge counted together. A side edge's line is a column,
/// one pixel per image row, so it is read a block of columns at a time: each
/// row's pixels of the block are adjacent bytes.
const BLOCK: usize = 8;

/// How many of a line's samples are even with the outer line's mean, and
/// how many jump from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    even: usize,
    jump: usize,
}

impl Edge<'_> {
    /// An outer line of one colour that stays even inwards, then the picture:
    /// the band's depth in lines, or 0. `extent` lines exist.
    fn depth(&self, extent: u32, max: u32) -> u32 {
        let n = self.samples as f32;
        let mean = (0..self.samples).fold([0f32; 3], |m, i| {
            let p = self.pixel(0, i);
            [
                m[0] + f32::from(p[0]) / n,
                m[1] + f32::from(p[1]) / n,
                m[2] + f32::from(p[2]) / n,
            ]
        });
        let near = Near::new(mean);
        // Lines 0..len are counted; a line past them counts its whole block.
        let mut tallies: Vec<Tally> = Vec::new();
        let mut tally = |d: u32| -> Tally {
            let d = d as usize;
            while tallies.len() <= d {
                let lines = BLOCK.min(extent as usize - tallies.len());
                self.count(tallies.len(), lines, &near, &mut tallies);
            }
            tallies[d]
        };
        let mut even = |d| tally(d).even as f32 / n >= EVEN_SHARE;
        if !even(0) {
            return 0;
        }
        let Some(end) = (1..=max.min(extent - 1)).find(|&d| !even(d)) else {
            return 0;
        };
        (end..(end + BLEND).min(extent))
            .find(|&d| tally(d).jump as f32 / n > JUMP_SHARE)
            .unwrap_or(0)
    }

    /// Lines and samples stay inside the image (`bands` sizes them), so the
    /// offset is never negative; a slip would panic on the index, not wrap.
    fn pixel(&self, d: u32, i: usize) -> [u8; 3] {
        let at = (self.first + d as isize * self.inward + i as isize * self.step) as usize;
        [self.data[at], self.data[at + 1], self.data[at + 2]]
    }

    /// Tallies lines `d0..d0 + lines` onto `out`.
    fn count(&self, d0: usize, lines: usize, near: &Near, out: &mut Vec<Tally>) {
        if self.inward.unsigned_abs() == 3 {
            self.count_columns(d0, lines, near, out);
        } else {
            for d in d0..d0 + lines {
                out.push(self.count_row(d, near));
            }
        }
    }

    /// A top or bottom line: every other pixel of one row.
    fn count_row(&self, d: usize, near: &Near) -> Tally {
        let start = (self.first + d as isize * self.inward) as usize;
        let row = &self.data[start..start + (self.samples - 1) * 6 + 3];
        let mut t = Tally::default();
        for p in row.chunks(6) {
            near.add(&mut t, p);
        }
        t
    }

    /// Side lines `d0..d0 + lines` (at most `BLOCK`), read row by row: the
    /// block's pixels in one row are adjacent, in line order on the left
    /// edge and in reverse on the right.
    fn count_columns(&self, d0: usize, lines: usize, near: &Near, out: &mut Vec<Tally>) {
        let mut t = [Tally::default(); BLOCK];
        let forward = self.inward > 0;
        for i in 0..self.samples {
            let base = self.first + i as isize * self.step;
            let lo = if forward {
                base + 3 * d0 as isize
            } else {
                base - 3 * (d0 + lines - 1) as isize
            } as usize;
            for (t, p) in t
                .iter_mut()
                .zip(self.data[lo..lo + 3 * lines].chunks_exact(3))
            {
                near.add(t, p);
            }
        }
        // Entry `l` is line `d0 + l`, or `d0 + lines - 1 - l` on the right.
        let t = &mut t[..lines];
        if !forward {
            t.reverse();
        }
        out.extend_from_slice(t);
    }
}

/// A pixel's RGB distance to the outer line's mean, compared with the two
/// limits without a square root: each channel's squared difference comes
/// from a table of all 256 byte values, and the three are summed red, green,
/// blue (the float the scan took the root of when it computed it per
/// pixel); the root is below (or above) a limit exactly when that sum is
/// below (or above) the thresholds `Near::new` finds, the square root being
/// monotonic. Every pixel counts where it counted before, for two additions
/// and two comparisons.
struct Near {
    squares: [[f32; 256]; 3],
    /// Sums below this are even: the least `x` with `√x ≥ EVEN_RGB`.
    even_below: f32,
    /// Sums above this jump: the greatest `x` with `√x ≤ JUMP_RGB`.
    jump_above: f32,
}

impl Near {
    fn new(mean: [f32; 3]) -> Near {
        Near {
            squares: mean.map(|m| std::array::from_fn(|v| (v as f32 - m).powi(2))),
            even_below: least_with_root_at_least(EVEN_RGB),
            jump_above: f32::from_bits(least_with_root_above(JUMP_RGB).to_bits() - 1),
        }
    }

    #[inline(always)]
    fn add(&self, t: &mut Tally, p: &[u8]) {
        if let [r, g, b, ..] = *p {
            let [sr, sg, sb] = &self.squares;
            let x = sr[usize::from(r)] + sg[usize::from(g)] + sb[usize::from(b)];
            t.even += usize::from(x < self.even_below);
            t.jump += usize::from(x > self.jump_above);
        }
    }
}

/// The least non-negative float whose square root is at least `limit`
/// (positive floats order like their bits, so a step is one bit).
fn least_with_root_at_least(limit: f32) -> f32 {
    least(limit, |x| x.sqrt() >= limit)
}

fn least_with_root_above(limit: f32) -> f32 {
    least(limit, |x| x.sqrt() > limit)
}

/// The least float from `limit²`'s neighbourhood satisfying `holds`, which
/// is false below it and true above it.
fn least(limit: f32, holds: impl Fn(f32) -> bool) -> f32 {
    let mut x = limit * limit;
    while x > 0.0 && holds(f32::from_bits(x.to_bits() - 1)) {
        x = f32::from_bits(x.to_bits() - 1);
    }
    while !holds(x) {
        x = f32::from_bits(x.to_bits() + 1);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portrait(band: impl Fn(u32, u32) -> bool) -> Rgb {
        Rgb::from_fn(120, 160, |x, y| {
            if band(x, y) {
                [10, 10, 120]
            } else if y > 100 && x > 30 && x < 90 {
                [20, 20, 20]
            } else {
                [235, 235, 235]
            }
        })
    }

    #[test]
    fn a_plain_picture_has_no_band() {
        assert_eq!(bands(&portrait(|_, _| false)), Bands::default());
        assert_eq!(bands(&portrait(|_, _| false)).side(), None);
    }

    #[test]
    fn a_frame_is_found_on_every_side() {
        let framed = portrait(|x, y| x < 4 || y < 4 || x >= 116 || y >= 156);
        let b = bands(&framed);
        assert_eq!(
            b,
            Bands {
                top: 4,
                bottom: 4,
                left: 4,
                right: 4
            }
        );
        assert_eq!(b.side(), Some("上边"));
    }

    #[test]
    fn deep_padding_with_a_blended_edge_is_one_band() {
        // Padding 28 rows deep, then a row that is neither padding nor wall.
        let padded = Rgb::from_fn(120, 160, |x, y| match y {
            0..28 => [2, 2, 2],
            28 => [18, 18, 18],
            _ if y > 100 && x > 30 && x < 90 => [20, 20, 20],
            _ => [235, 235, 235],
        });
        assert_eq!(bands(&padded).top, 29);
    }

    #[test]
    fn an_even_edge_deeper_than_a_band_is_the_backdrop() {
        // A dark wall whose upper half is even, then a light one: no band.
        let two_tone = Rgb::from_fn(
            120,
            160,
            |_, y| if y < 80 { [30, 30, 30] } else { [220; 3] },
        );
        assert_eq!(bands(&two_tone).top, 0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// Any picture: bands stay shallower than the limit (so the picture
        /// inside is never empty), and mirroring it swaps the sides exactly.
        #[test]
        fn bands_stay_within_the_limit_and_follow_a_mirror(
            w in 1u32..120,
            h in 1u32..120,
            band in 0u32..40,
            colour in proptest::prelude::any::<[u8; 3]>(),
            seed in proptest::prelude::any::<u32>(),
        ) {
            let noise = |x: u32, y: u32| {
                let v = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663) ^ seed)
                    .wrapping_mul(2_654_435_761);
                [(v >> 8) as u8, (v >> 16) as u8, (v >> 24) as u8]
            };
            let img = Rgb::from_fn(w, h, |x, y| if x < band || y < band { colour } else { noise(x, y) });
            let b = bands(&img);
            let limit = ((w.min(h) as f32 * MAX_DEPTH) as u32).max(2) + BLEND;
            for d in [b.top, b.bottom, b.left, b.right] {
                proptest::prop_assert!(d < limit, "{b:?} limit {limit}");
            }
            if w >= 32 && h >= 32 {
                proptest::prop_assert!(b.top + b.bottom < h && b.left + b.right < w, "{b:?}");
            }
            let mirrored = bands(&Rgb::from_fn(w, h, |x, y| img.at(w - 1 - x, y)));
            proptest::prop_assert_eq!((mirrored.left, mirrored.right), (b.right, b.left));
            let flipped = bands(&Rgb::from_fn(w, h, |x, y| img.at(x, h - 1 - y)));
            proptest::prop_assert_eq!((flipped.top, flipped.bottom), (b.bottom, b.top));
        }

        /// Reading the lines straight from the image finds what gathering
        /// them through `Rgb::at` found: bands of any depth on any side, with
        /// noise around both thresholds.
        #[test]
        fn edges_read_in_place_find_what_gathered_lines_found(
            w in 32u32..100,
            h in 32u32..100,
            depths in proptest::prelude::any::<[u8; 4]>(),
            colour in proptest::prelude::any::<[u8; 3]>(),
            noise in 0u32..48,
            seed in proptest::prelude::any::<u32>(),
        ) {
            let jitter = |x: u32, y: u32, c: u8| {
                let v = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663) ^ seed)
                    .wrapping_mul(2_654_435_761);
                let off = (v >> 16) % (2 * noise + 1);
                (i64::from(c) + i64::from(off) - i64::from(noise)).clamp(0, 255) as u8
            };
            let d = depths.map(|d| u32::from(d % 24));
            let img = Rgb::from_fn(w, h, |x, y| {
                let band = y < d[0] || y >= h - d[1].min(h) || x < d[2] || x >= w - d[3].min(w);
                let base = if band { colour } else { [colour[2], 255 - colour[0], colour[1] / 2] };
                [jitter(x, y, base[0]), jitter(y, x, base[1]), jitter(x ^ y, y, base[2])]
            });
            let max = ((w.min(h) as f32 * MAX_DEPTH) as u32).max(2);
            let want = Bands {
                top: gathered(w, h, max, |a, d| img.at(a, d)),
                bottom: gathered(w, h, max, |a, d| img.at(a, h - 1 - d)),
                left: gathered(h, w, max, |a, d| img.at(d, a)),
                right: gathered(h, w, max, |a, d| img.at(w - 1 - d, a)),
            };
            proptest::prop_assert_eq!(bands(&img), want);
        }
    }

    /// RGB distance as the edge scan first computed it, with a square root.
    fn distance(a: [u8; 3], b: [f32; 3]) -> f32 {
        ((f32::from(a[0]) - b[0]).powi(2)
            + (f32::from(a[1]) - b[1]).powi(2)
            + (f32::from(a[2]) - b[2]).powi(2))
        .sqrt()
    }

    /// The tables and thresholds classify every sum of squares as the
    /// square root did: checked on every float within 2²² steps of each
    /// limit's square (the root is monotonic, so farther floats follow), and
    /// on the per-channel tables against `distance` for a spread of colours.
    #[test]
    fn thresholds_without_a_square_root_classify_as_with_one() {
        let near = Near::new([100.0, 100.0, 100.0]);
        for limit in [EVEN_RGB, JUMP_RGB] {
            let centre = (limit * limit).to_bits();
            for bits in centre - (1 << 22)..centre + (1 << 22) {
                let x = f32::from_bits(bits);
                assert_eq!(x < near.even_below, x.sqrt() < EVEN_RGB, "{x}");
                assert_eq!(x > near.jump_above, x.sqrt() > JUMP_RGB, "{x}");
            }
        }
        for mean in [[0.0, 0.0, 0.0], [12.5, 200.25, 99.9], [255.0, 254.3, 1.7]] {
            let near = Near::new(mean);
            for v in (0..1 << 24).step_by(97) {
                let p = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
                let mut t = Tally::default();
                near.add(&mut t, &p);
                let d = distance(p, mean);
                let want = Tally {
                    even: usize::from(d < EVEN_RGB),
                    jump: usize::from(d > JUMP_RGB),
                };
                assert_eq!(t, want, "{p:?} {mean:?}");
            }
        }
    }

    /// The edge scan as first written: each line gathered through `Rgb::at`.
    fn gathered(len: u32, extent: u32, max: u32, px: impl Fn(u32, u32) -> [u8; 3]) -> u32 {
        let line = |d: u32| -> Vec<[u8; 3]> { (0..len).step_by(2).map(|a| px(a, d)).collect() };
        let outer = line(0);
        let n = outer.len() as f32;
        let mean = outer.iter().fold([0f32; 3], |m, p| {
            [
                m[0] + f32::from(p[0]) / n,
                m[1] + f32::from(p[1]) / n,
                m[2] + f32::from(p[2]) / n,
            ]
        });
        let share = |v: &[[u8; 3]], f: &dyn Fn(f32) -> bool| {
            v.iter().filter(|p| f(distance(**p, mean))).count() as f32 / n
        };
        let even = |d: u32| share(&line(d), &|x| x < EVEN_RGB) >= EVEN_SHARE;
        if !even(0) {
            return 0;
        }
        let Some(end) = (1..=max.min(extent - 1)).find(|&d| !even(d)) else {
            return 0;
        };
        (end..(end + BLEND).min(extent))
            .find(|&d| share(&line(d), &|x| x > JUMP_RGB) > JUMP_SHARE)
            .unwrap_or(0)
    }
}
