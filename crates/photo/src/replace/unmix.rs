//! The edge's opacity read from its colours.
//!
//! The segmenter's matte, even snapped to the photo by the guided filter,
//! misplaces a head's soft edge by a few pixels: on real hair it calls the
//! thin tips of the hair, where the wall shows through, sure person, and the
//! wall they show is then copied into the new photo as a rim of the old
//! colour. On portraits with real hair (`tests/replace_hair.rs`) that rim
//! measured 15.6 RGB units around the head on average, twice the limit.
//!
//! Near its edge a person is a mix of two colours: the person's own at its
//! rim (hair) and the wall's behind it. Where the two differ enough, a
//! pixel's opacity is how far its colour has moved from the wall's toward
//! the person's (the projection on the line between them). Both colours are
//! local means: the wall's from the sure backdrop around the pixel, the
//! person's from the sure person's rim only, since a mean that reaches the
//! face is lighter than dark hair and reads the hair's tips as opaque.
//!
//! The same local means say whether the wall is plain enough for this: on a
//! cluttered room the backdrop's colours vary beside the head as much as
//! person and backdrop differ, so no pixel's mix can be read, and the
//! replacement is refused (`texture`).

use super::matte::box_mean;
use super::SURE;
use crate::raster::Rgb;

/// Reach of the local means around an edge pixel, in face widths.
pub(super) const LOCAL: f32 = 0.15;
/// How far inside the outline (face widths) pixels the matte calls sure
/// person are re-read from their colour: hair tips the matte swallowed.
const REREAD: f32 = 0.08;
/// The person's colour beside an edge is the mean of sure person within this
/// (face widths) of something unsure: the person's rim, not its inside.
const RIM: f32 = 0.05;
/// Least RGB distance between the person's and the wall's colour for a
/// pixel's opacity to be read from them; below it the matte stands.
const MIN_SEPARATION: f32 = 30.0;

/// The matte with its edge re-read, and how plain the wall beside the head
/// was.
pub(super) struct Unmixed {
    pub alpha: Vec<f32>,
    /// Mean over the unsure pixels around the head (above `chin`) of the
    /// backdrop's own spread of colour beside them over the colour distance
    /// between person and backdrop there: 0 on a plain wall, 1 where the
    /// wall varies as much as person and wall differ.
    pub texture: f32,
}

/// Re-reads the edge of `alpha` (the matte of `work`) from the colours; the
/// head is `width` pixels wide with its chin at row `chin`.
pub(super) fn unmix(work: &Rgb, alpha: &[f32], width: f32, chin: f32) -> Unmixed {
    let (w, h) = (work.width as usize, work.height as usize);
    let reach = |share: f32, least: usize| ((width * share) as usize).max(least);
    let r = reach(LOCAL, 4);
    let backdrop = Sums::new(work, |k| alpha[k] <= 1.0 - SURE, true);
    let inner = box_mean(alpha, w, h, reach(RIM, 1));
    let person = Sums::new(work, |k| alpha[k] >= SURE && inner[k] < 0.999, false);
    let near = box_mean(alpha, w, h, reach(REREAD, 2));
    let mut out = alpha.to_vec();
    let (mut texture, mut n) = (0.0f64, 0usize);
    for y in 0..h {
        for x in 0..w {
            let k = y * w + x;
            let a = alpha[k];
            let unsure = a > 1.0 - SURE && a < SURE;
            // Sure person this close to the wall may be hair tips the matte swallowed.
            let rim = a >= SURE && near[k] < SURE;
            if !(unsure || rim) {
                continue;
            }
            let (x0, y0) = (x.saturating_sub(r), y.saturating_sub(r));
            let (x1, y1) = ((x + r + 1).min(w), (y + r + 1).min(h));
            let (Some(b), Some(f)) = (backdrop.mean(x0, y0, x1, y1), person.mean(x0, y0, x1, y1))
            else {
                continue;
            };
            let d: [f32; 3] = std::array::from_fn(|c| f[c] - b[c]);
            let len2: f32 = d.iter().map(|v| v * v).sum();
            if unsure && (y as f32) < chin {
                let spread = backdrop.spread(x0, y0, x1, y1);
                texture += (spread / f64::from(len2.sqrt().max(1.0))).min(1.0);
                n += 1;
            }
            if len2 < MIN_SEPARATION * MIN_SEPARATION {
                continue;
            }
            let p = work.at(x as u32, y as u32);
            let along: f32 = (0..3).map(|c| (f32::from(p[c]) - b[c]) * d[c]).sum();
            out[k] = (along / len2).clamp(0.0, 1.0);
        }
    }
    Unmixed {
        alpha: out,
        texture: (texture / n.max(1) as f64) as f32,
    }
}

/// Sums of chosen pixels (count, R, G, B, and optionally R² + G² + B²) over
/// any box of an image, from summed-area tables: exact integers, O(1) per
/// box. The work image's long side is under 1,000 pixels, so no colour sum
/// comes near `u32::MAX`.
pub(super) struct Sums {
    stride: usize,
    /// `(w + 1) × (h + 1)`: entry (x, y) sums the pixels above and left of it.
    table: Vec<[u32; 4]>,
    squares: Vec<u64>,
}

impl Sums {
    /// Sums of the pixels `pick(k)` chooses (`k = y * width + x`), and of
    /// their squares if asked.
    pub(super) fn new(img: &Rgb, pick: impl Fn(usize) -> bool, squares: bool) -> Self {
        let (w, h) = (img.width as usize, img.height as usize);
        let stride = w + 1;
        let mut table = vec![[0u32; 4]; stride * (h + 1)];
        let mut sq = if squares {
            vec![0u64; stride * (h + 1)]
        } else {
            Vec::new()
        };
        for y in 0..h {
            let (mut run, mut run_sq) = ([0u32; 4], 0u64);
            for x in 0..w {
                if pick(y * w + x) {
                    let p = img.at(x as u32, y as u32);
                    run[0] += 1;
                    for c in 0..3 {
                        run[c + 1] += u32::from(p[c]);
                    }
                    run_sq += p.iter().map(|&c| u64::from(c) * u64::from(c)).sum::<u64>();
                }
                let (above, at) = (y * stride + x + 1, (y + 1) * stride + x + 1);
                let up = table[above];
                table[at] = std::array::from_fn(|i| up[i] + run[i]);
                if squares {
                    sq[at] = sq[above] + run_sq;
                }
            }
        }
        Sums {
            stride,
            table,
            squares: sq,
        }
    }

    /// Sums over columns `x0..x1` and rows `y0..y1`.
    fn sum(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> [u32; 4] {
        let at = |x: usize, y: usize| self.table[y * self.stride + x];
        let (a, b, c, d) = (at(x1, y1), at(x0, y1), at(x1, y0), at(x0, y0));
        std::array::from_fn(|i| a[i] + d[i] - b[i] - c[i])
    }

    pub(super) fn count(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> usize {
        self.sum(x0, y0, x1, y1)[0] as usize
    }

    /// Mean colour of the chosen pixels in the box, if it holds any.
    pub(super) fn mean(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> Option<[f32; 3]> {
        let s = self.sum(x0, y0, x1, y1);
        (s[0] > 0).then(|| std::array::from_fn(|c| s[c + 1] as f32 / s[0] as f32))
    }

    /// Standard deviation of the chosen pixels' colour in the box (the RGB
    /// distance from their mean); 0 without squares or pixels.
    fn spread(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
        let s = self.sum(x0, y0, x1, y1);
        if s[0] == 0 || self.squares.is_empty() {
            return 0.0;
        }
        let at = |x: usize, y: usize| self.squares[y * self.stride + x];
        let sq = (at(x1, y1) + at(x0, y0)) - (at(x0, y1) + at(x1, y0));
        let n = f64::from(s[0]);
        let mean_sq: f64 = (1..4).map(|c| (f64::from(s[c]) / n).powi(2)).sum();
        (sq as f64 / n - mean_sq).max(0.0).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::{unmix, Sums};
    use crate::raster::Rgb;

    /// A 60×60 head of `hair` on `wall`: a disc whose rim, from radius 20 to
    /// 24, mixes the two linearly; the matte calls all of it sure person up
    /// to radius 22 (too wide) and unsure beyond, up to 26.
    fn head(hair: [u8; 3], wall: impl Fn(u32, u32) -> [u8; 3]) -> (Rgb, Vec<f32>, Vec<f32>) {
        let truth = |x: u32, y: u32| {
            let d = ((x as f32 - 30.0).powi(2) + (y as f32 - 30.0).powi(2)).sqrt();
            ((24.0 - d) / 4.0).clamp(0.0, 1.0)
        };
        let img = Rgb::from_fn(60, 60, |x, y| {
            let a = truth(x, y);
            let back = wall(x, y);
            std::array::from_fn(|c| {
                (a * f32::from(hair[c]) + (1.0 - a) * f32::from(back[c])).round() as u8
            })
        });
        let matte = (0..60 * 60)
            .map(|k| {
                let (x, y) = ((k % 60) as f32, (k / 60) as f32);
                let d = ((x - 30.0).powi(2) + (y - 30.0).powi(2)).sqrt();
                ((26.0 - d) / 4.0).clamp(0.0, 1.0)
            })
            .collect();
        let truth = (0..60 * 60)
            .map(|k| truth((k % 60) as u32, (k / 60) as u32))
            .collect();
        (img, matte, truth)
    }

    fn mean_error(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
    }

    #[test]
    fn a_soft_edge_on_a_plain_wall_is_read_from_its_colours() {
        let (img, matte, truth) = head([40, 30, 25], |_, _| [200, 200, 190]);
        let got = unmix(&img, &matte, 40.0, 60.0);
        let (before, after) = (mean_error(&matte, &truth), mean_error(&got.alpha, &truth));
        assert!(after < before / 3.0, "{before} → {after}");
        assert!(got.texture < 0.01, "{}", got.texture);
    }

    #[test]
    fn a_wall_of_stripes_reads_as_texture() {
        let stripes = |x: u32, _| {
            if x / 3 % 2 == 0 {
                [220, 200, 160]
            } else {
                [90, 80, 70]
            }
        };
        let (img, matte, _) = head([40, 30, 25], stripes);
        let got = unmix(&img, &matte, 40.0, 60.0);
        assert!(got.texture > 0.3, "{}", got.texture);
    }

    proptest::proptest! {
        /// Any box of any image and choice of pixels: the tables give the
        /// count, mean and spread that adding the pixels up one by one does.
        #[test]
        fn sums_agree_with_adding_up_the_box(
            (w, h) in (1usize..14, 1usize..14),
            seed in 0u32..1000,
            corners in (0.0f32..1.0, 0.0f32..1.0, 0.0f32..1.0, 0.0f32..1.0),
        ) {
            let px = |x: u32, y: u32| {
                let v = (x * 7919 + y * 104_729 + seed * 31) % 65_521;
                [(v % 256) as u8, (v / 7 % 256) as u8, (v / 13 % 256) as u8]
            };
            let img = Rgb::from_fn(w as u32, h as u32, px);
            let chosen = |k: usize| (k as u32).wrapping_mul(2_654_435_761u32.wrapping_add(seed)) % 3 != 0;
            let sums = Sums::new(&img, chosen, true);
            let span = |a: f32, b: f32, len: usize| {
                let (a, b) = ((a * len as f32) as usize, (b * len as f32) as usize);
                (a.min(b), a.max(b).max(a.min(b) + 1).min(len))
            };
            let ((x0, x1), (y0, y1)) = (span(corners.0, corners.1, w), span(corners.2, corners.3, h));
            let picked: Vec<[f64; 3]> = (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| chosen(y * w + x))
                .map(|(x, y)| px(x as u32, y as u32).map(f64::from))
                .collect();
            proptest::prop_assert_eq!(sums.count(x0, y0, x1, y1), picked.len());
            let Some(mean) = sums.mean(x0, y0, x1, y1) else {
                proptest::prop_assert!(picked.is_empty());
                proptest::prop_assert_eq!(sums.spread(x0, y0, x1, y1), 0.0);
                return Ok(());
            };
            let n = picked.len() as f64;
            let want: [f64; 3] = std::array::from_fn(|c| picked.iter().map(|p| p[c]).sum::<f64>() / n);
            for c in 0..3 {
                proptest::prop_assert!((f64::from(mean[c]) - want[c]).abs() < 1e-3);
            }
            let var = picked
                .iter()
                .map(|p| (0..3).map(|c| (p[c] - want[c]).powi(2)).sum::<f64>())
                .sum::<f64>()
                / n;
            proptest::prop_assert!((sums.spread(x0, y0, x1, y1) - var.sqrt()).abs() < 1e-6 * (1.0 + var));
        }

        /// Whatever the photo and the matte: opacities stay in 0..=1, the
        /// matte's sure backdrop is left as it was, and the texture is a
        /// share.
        #[test]
        fn unmixing_only_rereads_the_edge(
            (w, h) in (4u32..40, 4u32..40),
            seed in 0u32..1000,
            width in 4.0f32..60.0,
        ) {
            let img = Rgb::from_fn(w, h, |x, y| {
                let v = (x * 7919 + y * 104_729 + seed * 31) % 65_521;
                [(v % 256) as u8, (v / 7 % 256) as u8, (v / 13 % 256) as u8]
            });
            let matte: Vec<f32> = (0..w * h)
                .map(|k| (k.wrapping_mul(2_654_435_761u32.wrapping_add(seed)) % 101) as f32 / 100.0)
                .collect();
            let got = unmix(&img, &matte, width, h as f32 / 2.0);
            proptest::prop_assert!((0.0..=1.0).contains(&got.texture));
            for (k, (&a, &b)) in matte.iter().zip(&got.alpha).enumerate() {
                proptest::prop_assert!((0.0..=1.0).contains(&b), "{} at {}", b, k);
                if a <= 0.05 {
                    proptest::prop_assert_eq!(a, b);
                }
            }
        }
    }

    #[test]
    fn sums_give_a_box_s_mean_and_spread() {
        let img = Rgb::from_fn(4, 2, |x, _| if x < 2 { [10, 20, 30] } else { [30, 20, 10] });
        let all = Sums::new(&img, |_| true, true);
        assert_eq!(all.count(0, 0, 4, 2), 8);
        assert_eq!(all.mean(0, 0, 4, 2), Some([20.0, 20.0, 20.0]));
        // Each pixel lies (±10, 0, ∓10) from the mean.
        assert!((all.spread(0, 0, 4, 2) - 200f64.sqrt()).abs() < 1e-9);
        assert_eq!(all.spread(0, 0, 2, 2), 0.0);
        let none = Sums::new(&img, |_| false, false);
        assert_eq!(none.mean(0, 0, 4, 2), None);
        assert_eq!(none.spread(0, 0, 4, 2), 0.0);
    }
}
