//! The rules of the standard that look at pixels. Each submodule turns one
//! part of the standard into findings, from a [`Scene`]: the analysed image,
//! the face, and the background segmentation.

pub mod appearance;
pub mod background;
pub mod border;
pub mod file;
pub mod geometry;
pub mod hidden;
pub mod pose;
pub mod segment;
pub mod shadow;

use crate::face::Face;
use crate::raster::Rgb;
use crate::spec::PhotoSpec;
use segment::Segmentation;

/// Everything a pixel rule may look at.
pub struct Scene<'a> {
    pub spec: &'a PhotoSpec,
    /// The photo as the camera saw it (oriented), possibly reduced.
    pub img: &'a Rgb,
    /// Final-frame pixels per analysed pixel.
    pub to_frame: f32,
    pub face: &'a Face,
    pub seg: &'a Segmentation,
    /// The segmentation `background.clutter` counts on: `seg`, or a copy
    /// with the clutter it hid in the person given back (`hidden`).
    pub clutter_seg: &'a Segmentation,
}

impl Scene<'_> {
    /// Pixels of the analysed image per final-frame pixel.
    pub fn from_frame(&self) -> f32 {
        1.0 / self.to_frame
    }
}

/// Formats a frame-pixel measure: “38 像素”.
pub(crate) fn px(v: f32) -> String {
    format!("{} 像素", v.round() as i64)
}

pub(crate) fn deg(v: f32) -> String {
    format!("{:.1}°", v)
}

/// The `k`-th smallest value (`None` past the end): what a full sort would
/// put at `k`, without sorting the rest. Under `total_cmp` equal values have
/// equal bits, so the answer is the sort's to the bit.
pub(crate) fn nth(v: &mut [f32], k: usize) -> Option<f32> {
    (k < v.len()).then(|| *v.select_nth_unstable_by(k, f32::total_cmp).1)
}

/// The upper median (the middle value, or the higher of the two middle
/// ones), `None` for no values.
pub(crate) fn median(mut v: Vec<f32>) -> Option<f32> {
    let mid = v.len() / 2;
    nth(&mut v, mid)
}

pub(crate) fn range_px(r: &crate::spec::Range) -> String {
    format!("{}–{} 像素", r.min.round() as i64, r.max.round() as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn nth_is_what_a_sort_puts_there() {
        let mut s = 7u32;
        for len in 0..40 {
            let v: Vec<f32> = (0..len)
                .map(|_| {
                    s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    // Few distinct values, so that ties are common; a -0.0 too.
                    [(s >> 28) as f32 - 8.0, -0.0][(s & 1) as usize]
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(f32::total_cmp);
            for k in 0..len + 2 {
                let want = sorted.get(k).map(|x| x.to_bits());
                assert_eq!(
                    super::nth(&mut v.clone(), k).map(f32::to_bits),
                    want,
                    "{len} {k}"
                );
            }
        }
    }
}
