//! The 468-point face mesh, run on the region MediaPipe's face-mesh graph
//! derives from a detection: the detection box squared and enlarged 1.5×,
//! turned upright by the eye and mouth keypoints.

use super::detector::Detection;
use super::models::{sigmoid, ModelError, Models, Outside, Roi};
use crate::raster::Rgb;

pub const MESH_POINTS: usize = 468;
const MESH_SIDE: usize = 192;

/// A landmark in image pixels; `z` is depth in the same scale (smaller is
/// nearer the camera), relative to the head's centre.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point3 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

/// Mesh landmarks.
#[derive(Debug, Clone)]
pub struct Landmarks {
    pub mesh: Vec<Point3>,
    /// The mesh model's own confidence that its input held a face.
    pub presence: f32,
}

/// The upright, enlarged square the mesh model expects.
pub fn mesh_roi(d: &Detection) -> Roi {
    let (w, h) = (d.width(), d.height());
    let (cx, cy) = super::box_centre(&d.bbox);
    Roi {
        cx,
        cy,
        side: w.max(h) * 1.5,
        rotation: upright_angle(d),
    }
}

/// The angle that makes the face upright: from the eye midpoint towards the
/// mouth is "down" in the region's frame. Robust to faces turned 90° or 180°.
fn upright_angle(d: &Detection) -> f32 {
    let (r, l, mouth) = (d.keypoints[0], d.keypoints[1], d.keypoints[3]);
    let mid = ((r.0 + l.0) / 2.0, (r.1 + l.1) / 2.0);
    let (dx, dy) = (mouth.0 - mid.0, mouth.1 - mid.1);
    (-dx).atan2(dy)
}

pub fn landmarks(models: &Models, img: &Rgb, d: &Detection) -> Result<Landmarks, ModelError> {
    let roi = mesh_roi(d);
    let out = models
        .mesh
        .run(roi.pixels(img, MESH_SIDE, (0.0, 1.0), Outside::Black))?;
    let (raw, flag) = match out.as_slice() {
        [raw, flag, ..] => (raw, flag),
        _ => return Err(ModelError::shape("face mesh")),
    };
    let presence = sigmoid(flag.first().copied().unwrap_or(-100.0));
    let n = MESH_SIDE as f32;
    let scale = roi.side / n;
    let mesh: Vec<Point3> = raw
        .chunks_exact(3)
        .take(MESH_POINTS)
        .map(|p| {
            let (x, y) = roi.to_image(p[0], p[1], n);
            Point3 {
                x,
                y,
                z: p[2] * scale,
            }
        })
        .collect();
    if mesh.len() != MESH_POINTS {
        return Err(ModelError::shape("face mesh"));
    }
    Ok(Landmarks { mesh, presence })
}
