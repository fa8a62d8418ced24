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
        let even = |d| self.count(d, mean, |x| x < EVEN_RGB) as f32 / n >= EVEN_SHARE;
        if !even(0) {
            return 0;
        }
        let Some(end) = (1..=max.min(extent - 1)).find(|&d| !even(d)) else {
            return 0;
        };
        (end..(end + BLEND).min(extent))
            .find(|&d| self.count(d, mean, |x| x > JUMP_RGB) as f32 / n > JUMP_SHARE)
            .unwrap_or(0)
    }

    /// Lines and samples stay inside the image (`bands` sizes them), so the
    /// offset is never negative; a slip would panic on the index, not wrap.
    fn pixel(&self, d: u32, i: usize) -> [u8; 3] {
        let at = (self.first + d as isize * self.inward + i as isize * self.step) as usize;
        [self.data[at], self.data[at + 1], self.data[at + 2]]
    }

    /// Pixels of line `d` with `keep(distance to mean)`, eight at a time as
    /// lanes, so that the square roots run as one vector instruction.
    fn count(&self, d: u32, mean: [f32; 3], keep: impl Fn(f32) -> bool) -> usize {
        const LANES: usize = 8;
        let whole = self.samples / LANES * LANES;
        let mut n = 0;
        for i in (0..whole).step_by(LANES) {
            let mut dist = [0f32; LANES];
            let p: [[u8; 3]; LANES] = std::array::from_fn(|l| self.pixel(d, i + l));
            for c in 0..3 {
                for (dist, p) in dist.iter_mut().zip(&p) {
                    *dist += (f32::from(p[c]) - mean[c]).powi(2);
                }
            }
            n += dist.iter().filter(|x| keep(x.sqrt())).count();
        }
        n + (whole..self.samples)
            .filter(|&i| keep(distance(self.pixel(d, i), mean)))
            .count()
    }
}

fn distance(a: [u8; 3], b: [f32; 3]) -> f32 {
    ((f32::from(a[0]) - b[0]).powi(2)
        + (f32::from(a[1]) - b[1]).powi(2)
        + (f32::from(a[2]) - b[2]).powi(2))
    .sqrt()
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
