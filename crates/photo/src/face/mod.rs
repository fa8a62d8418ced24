//! Face analysis: detect faces, fit the mesh to the main one, find the irises, and
//! derive the quantities the standard speaks of (eye line, cheek-to-cheek
//! width, head pose, eye and mouth openness, gaze) in image pixels; and a
//! second detector (`cascade`) for other people's faces in a busy backdrop.

pub mod cascade;
pub mod detector;
pub mod eyes;
pub mod mesh;
pub mod models;
mod net;

pub use detector::Detection;
pub use eyes::Eye;
pub use mesh::{Landmarks, Point3};
pub use models::{ModelError, Models};

use crate::raster::Rgb;

/// Intersection over union of two boxes (xmin, ymin, xmax, ymax).
pub fn box_iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    inter / (area(a) + area(b) - inter).max(1e-6)
}

/// The centre of a box (xmin, ymin, xmax, ymax).
pub fn box_centre(b: &[f32; 4]) -> (f32, f32) {
    ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
}

/// Whether box `b`'s centre lies inside `region` (both xmin, ymin, xmax,
/// ymax): how a second look at a picture tells a face it already knows.
pub fn centred_in(b: &[f32; 4], region: &[f32; 4]) -> bool {
    let (cx, cy) = box_centre(b);
    cx > region[0] && cx < region[2] && cy > region[1] && cy < region[3]
}

/// Mesh indices (MediaPipe canonical face mesh) used below.
pub mod idx {
    pub const FOREHEAD: usize = 10;
    pub const CHIN: usize = 152;
    pub const NOSE_TIP: usize = 1;
    /// Cheek contour at the level of the eyes: image-left and image-right.
    pub const CHEEK_L: usize = 234;
    pub const CHEEK_R: usize = 454;
    /// Eye corners (outer, inner) of the image-left eye, then (inner, outer).
    pub const EYE_L: (usize, usize) = (33, 133);
    pub const EYE_R: (usize, usize) = (362, 263);
    /// Upper and lower eyelids.
    pub const LIDS_L: (usize, usize) = (159, 145);
    pub const LIDS_R: (usize, usize) = (386, 374);
    /// Inner lips and mouth corners.
    pub const LIPS: (usize, usize) = (13, 14);
    pub const MOUTH: (usize, usize) = (61, 291);
    /// The lips' outer outline, clockwise from the image-left corner.
    pub const OUTER_LIPS: [usize; 20] = [
        61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
    ];
    /// The middle of the lips' seam, image-left to image-right: pairs of
    /// inner-lip points (upper, lower) that meet when the lips are closed.
    pub const SEAM: [(usize, usize); 6] = [
        (81, 178),
        (82, 87),
        (13, 14),
        (312, 317),
        (311, 402),
        (310, 318),
    ];
    /// Eyebrows, middle of each.
    pub const BROW_L: usize = 105;
    pub const BROW_R: usize = 334;
}

/// Measures of one face, in image pixels and degrees.
#[derive(Debug, Clone)]
pub struct Face {
    pub detection: Detection,
    pub landmarks: Landmarks,
    /// Image-left eye first.
    pub eyes: [Eye; 2],
    pub eye_line: f32,
    pub cheeks: [(f32, f32); 2],
    pub face_width: f32,
    /// Horizontal centre of the face (between the cheeks).
    pub centre_x: f32,
    pub chin: (f32, f32),
    pub forehead: (f32, f32),
    /// In-plane tilt of the eye line; positive: the image-right eye is lower.
    pub roll: f32,
    /// Turn left/right, from the depth of the two cheeks.
    pub yaw: f32,
    /// Nod up/down, from the depth of forehead and chin, relative to a level
    /// face (see [`PITCH_NEUTRAL`]).
    pub pitch: f32,
    /// Smaller eye opening ÷ distance from the eyes' midpoint to the chin.
    pub eye_opening: f32,
    /// Inner-lip gap ÷ the same distance.
    pub mouth_opening: f32,
    /// Largest offset of an iris from the middle of its eye, ÷ the eye's width.
    pub gaze_offset: f32,
}

/// What the mesh's forehead-to-chin depth angle reads for a level face: the
/// canonical mesh is not upright in depth. Calibrated on the frontal sample
/// portraits (their pitch measures within ±2° of this).
pub const PITCH_NEUTRAL: f32 = 8.6;

/// Every face found (best first) and the analysis of the largest one.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub detections: Vec<Detection>,
    pub face: Option<Face>,
}

pub fn analyse(models: &Models, img: &Rgb) -> Result<Analysis, ModelError> {
    let factor = detector::reduction(img);
    analyse_reduced(models, img, &img.reduce(factor))
}

/// [`analyse`], given the image already reduced by [`detector::reduction`].
pub fn analyse_reduced(models: &Models, img: &Rgb, small: &Rgb) -> Result<Analysis, ModelError> {
    let factor = detector::reduction(img);
    debug_assert_eq!(
        (small.width, small.height),
        (img.width.div_ceil(factor), img.height.div_ceil(factor))
    );
    let detections = detector::detect(models, small, factor)?;
    let main = detections
        .iter()
        .max_by(|a, b| (a.width() * a.height()).total_cmp(&(b.width() * b.height())));
    let face = match main {
        Some(d) => {
            let lm = mesh::landmarks(models, img, d)?;
            (lm.presence > 0.5).then(|| measure(img, d.clone(), lm))
        }
        None => None,
    };
    Ok(Analysis { detections, face })
}

fn dist(a: (f32, f32), b: (f32, f32)) -> f32 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// In-plane tilt from three lines across the eyes: the outer corners, the
/// inner corners, and the iris centres. Each alone fails on real faces (an iris
/// found off-centre in a small or shadowed eye, a corner lost under glasses), so
/// the middle of the three is taken: one wrong line cannot move it.
fn roll(lm: &Landmarks, irises: [(f32, f32); 2]) -> f32 {
    let angle = |a: (f32, f32), b: (f32, f32)| (b.1 - a.1).atan2(b.0 - a.0).to_degrees();
    let p = |i: usize| (lm.mesh[i].x, lm.mesh[i].y);
    let mut lines = [
        angle(p(idx::EYE_L.0), p(idx::EYE_R.1)),
        angle(p(idx::EYE_L.1), p(idx::EYE_R.0)),
        angle(irises[0], irises[1]),
    ];
    lines.sort_by(f32::total_cmp);
    lines[1]
}

fn measure(img: &Rgb, detection: Detection, lm: Landmarks) -> Face {
    let p = |i: usize| (lm.mesh[i].x, lm.mesh[i].y);
    let eyes = [
        eyes::locate(img, &lm.mesh, &eyes::CONTOUR_L),
        eyes::locate(img, &lm.mesh, &eyes::CONTOUR_R),
    ];
    let centres = [eyes[0].centre, eyes[1].centre];
    let cheeks = [p(idx::CHEEK_L), p(idx::CHEEK_R)];
    let (cl, cr) = (lm.mesh[idx::CHEEK_L], lm.mesh[idx::CHEEK_R]);
    let (fh, ch) = (lm.mesh[idx::FOREHEAD], lm.mesh[idx::CHIN]);
    let eye_mid = (
        (centres[0].0 + centres[1].0) / 2.0,
        (centres[0].1 + centres[1].1) / 2.0,
    );
    let eye_chin = dist(eye_mid, p(idx::CHIN)).max(1.0);
    let opening = |(a, b): (usize, usize)| dist(p(a), p(b)) / eye_chin;
    let gaze = |iris: (f32, f32), (a, b): (usize, usize)| {
        let (ax, ay, bx, by) = (lm.mesh[a].x, lm.mesh[a].y, lm.mesh[b].x, lm.mesh[b].y);
        let (vx, vy) = (bx - ax, by - ay);
        let len2 = (vx * vx + vy * vy).max(1e-6);
        let t = ((iris.0 - ax) * vx + (iris.1 - ay) * vy) / len2;
        (t - 0.5).abs()
    };
    Face {
        eye_line: eye_mid.1,
        face_width: dist(cheeks[0], cheeks[1]),
        centre_x: (cheeks[0].0 + cheeks[1].0) / 2.0,
        chin: p(idx::CHIN),
        forehead: p(idx::FOREHEAD),
        roll: roll(&lm, centres),
        yaw: (cr.z - cl.z).atan2(cr.x - cl.x).to_degrees(),
        pitch: (ch.z - fh.z).atan2(ch.y - fh.y).to_degrees() - PITCH_NEUTRAL,
        eye_opening: opening(idx::LIDS_L).min(opening(idx::LIDS_R)),
        mouth_opening: opening(idx::LIPS),
        gaze_offset: gaze(centres[0], idx::EYE_L).max(gaze(centres[1], idx::EYE_R)),
        eyes,
        cheeks,
        detection,
        landmarks: lm,
    }
}
