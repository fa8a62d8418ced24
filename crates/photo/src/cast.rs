//! Colour-cast and exposure correction of a capture taken in front of a
//! near-neutral wall: an off-white wall under a warm lamp, or a white wall in
//! a dim room. The wall is known to be neutral, so whatever colour and
//! darkness it shows is the light's; one gain per channel in linear light
//! (a camera's white balance and exposure, one linear transform of the whole
//! image, never local) makes it neutral and bright enough again, and the face
//! under the same light is corrected with it.
//!
//! A wall whose colour is its own (a strongly tinted or a dark wall) is left
//! alone: beyond [`MAX_CAST_CHROMA`] the correction would paint the face, so
//! such a backdrop is the replacement's job or the candidate's.

use crate::colour::{lab_of_linear, linear, srgb8, Lab};
use crate::measure::background::{accepts_colour, neutral_band};
use crate::measure::segment::{Label, Segmentation};
use crate::raster::Rgb;
use crate::spec::BackgroundRules;

/// A wall further from neutral than this (CIELAB chroma) is a coloured
/// wall, not a neutral one under coloured light. Typical casts: an off-white
/// wall under a 3000 K lamp measures 8–14; a cream or yellow wall 20 and more.
pub const MAX_CAST_CHROMA: f32 = 15.0;
/// A wall darker than this is not a light wall in dim light.
const MIN_WALL_L: f32 = 45.0;
/// The gains stay within this range, and the largest within this ratio of
/// the smallest: a stronger correction would amplify noise or invent colour.
const GAIN_RANGE: (f32, f32) = (0.5, 2.5);
const MAX_GAIN_RATIO: f32 = 1.6;
/// Share of face pixels allowed to reach white (every channel ≥ 250) after
/// the correction; more, and the exposure part is reduced.
const MAX_FACE_CLIPPING: f32 = 0.002;

/// The correction: gains for red, green and blue, in linear light.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correction {
    pub gains: [f32; 3],
    /// The wall before and after.
    pub wall_before: Lab,
    pub wall_after: Lab,
}

/// The correction that makes the backdrop an accepted neutral, or `None`
/// when the backdrop is not a near-neutral wall or no correction within the
/// limits makes it pass. `face` is the face's box in `img` pixels.
pub fn plan(
    img: &Rgb,
    seg: &Segmentation,
    face: (f32, f32, f32, f32),
    rules: &BackgroundRules,
) -> Option<Correction> {
    let wall = backdrop_linear(img, seg)?;
    let before = lab_of_linear(wall[0], wall[1], wall[2]);
    if before.chroma() > MAX_CAST_CHROMA || before.l < MIN_WALL_L {
        return None;
    }
    // Neutral at the wall's own lightness, raised into the accepted band
    // when the room was dim.
    let (lo, hi) = neutral_band(rules)?;
    let target_l = before.l.clamp(lo + 3.0, hi - 2.0);
    let y = luminance_of_l(target_l);
    let mut gains = wall.map(|c| y / c.max(1e-4));
    let (min, max) = minmax(&gains);
    if min < GAIN_RANGE.0 || max > GAIN_RANGE.1 || max / min > MAX_GAIN_RATIO {
        return None;
    }
    // Keep the face's highlights: lower the exposure part until they hold.
    let face_pixels = face_samples(img, face);
    while clipped_share(&face_pixels, gains) > MAX_FACE_CLIPPING {
        gains = gains.map(|g| g * 0.97);
        if minmax(&gains).0 < GAIN_RANGE.0 {
            return None;
        }
    }
    let after = lab_of_linear(wall[0] * gains[0], wall[1] * gains[1], wall[2] * gains[2]);
    accepts_colour(after, rules).then_some(Correction {
        gains,
        wall_before: before,
        wall_after: after,
    })
}

impl Correction {
    /// The image with the gains applied (one lookup table per channel).
    pub fn apply(&self, img: &Rgb) -> Rgb {
        let mut out = img.clone();
        self.apply_in_place(&mut out);
        out
    }

    pub fn apply_in_place(&self, img: &mut Rgb) {
        apply_gains(img, self.gains);
    }
}

/// Scales each channel of `img` by its gain in linear light (one lookup
/// table per channel): what a change of light does to a whole scene, and
/// what undoes it.
pub fn apply_gains(img: &mut Rgb, gains: [f32; 3]) {
    let tables: [[u8; 256]; 3] =
        std::array::from_fn(|c| std::array::from_fn(|v| srgb8(linear(v as u8) * gains[c])));
    for p in img.data.chunks_exact_mut(3) {
        for (c, v) in p.iter_mut().enumerate() {
            *v = tables[c][usize::from(*v)];
        }
    }
}

/// The backdrop's mean colour in linear light.
fn backdrop_linear(img: &Rgb, seg: &Segmentation) -> Option<[f32; 3]> {
    let f = seg.factor;
    let (mut sum, mut n) = ([0f64; 3], 0u32);
    for y in 0..seg.height {
        for x in 0..seg.width {
            if seg.label(x, y) != Label::Background {
                continue;
            }
            let p = img.at(
                (x * f + f / 2).min(img.width - 1),
                (y * f + f / 2).min(img.height - 1),
            );
            for c in 0..3 {
                sum[c] += f64::from(linear(p[c]));
            }
            n += 1;
        }
    }
    (n > 0).then(|| sum.map(|s| (s / f64::from(n)) as f32))
}

fn face_samples(img: &Rgb, (x0, y0, x1, y1): (f32, f32, f32, f32)) -> Vec<[u8; 3]> {
    const GRID: usize = 24;
    let mut out = Vec::with_capacity(GRID * GRID);
    for j in 0..GRID {
        for i in 0..GRID {
            let x = x0 + (x1 - x0) * (i as f32 + 0.5) / GRID as f32;
            let y = y0 + (y1 - y0) * (j as f32 + 0.5) / GRID as f32;
            if x >= 0.0 && y >= 0.0 && (x as u32) < img.width && (y as u32) < img.height {
                out.push(img.at(x as u32, y as u32));
            }
        }
    }
    out
}

fn clipped_share(pixels: &[[u8; 3]], gains: [f32; 3]) -> f32 {
    if pixels.is_empty() {
        return 0.0;
    }
    let clipped = pixels
        .iter()
        .filter(|p| (0..3).all(|c| srgb8(linear(p[c]) * gains[c]) >= 250))
        .count();
    clipped as f32 / pixels.len() as f32
}

fn minmax(v: &[f32; 3]) -> (f32, f32) {
    (v[0].min(v[1]).min(v[2]), v[0].max(v[1]).max(v[2]))
}

/// Relative luminance Y of a CIELAB lightness.
fn luminance_of_l(l: f32) -> f32 {
    let f = (l + 16.0) / 116.0;
    if f > 6.0 / 29.0 {
        f * f * f
    } else {
        3.0 * (6.0f32 / 29.0).powi(2) * (f - 4.0 / 29.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_round_trips_through_linear() {
        for v in 0..=255u8 {
            assert_eq!(srgb8(linear(v)), v);
        }
    }

    #[test]
    fn luminance_inverts_lightness() {
        for l in [20.0f32, 50.0, 75.0, 90.0, 100.0] {
            let y = luminance_of_l(l);
            assert!((lab_of_linear(y, y, y).l - l).abs() < 0.05, "{l}");
        }
    }
}
