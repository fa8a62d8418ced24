//! The rules of the standard that look at pixels. Each submodule turns one
//! part of the standard into findings, from a [`Scene`]: the analysed image,
//! the face, and the background segmentation.

pub mod appearance;
pub mod background;
pub mod border;
pub mod file;
pub mod geometry;
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

pub(crate) fn range_px(r: &crate::spec::Range) -> String {
    format!("{}–{} 像素", r.min.round() as i64, r.max.round() as i64)
}
