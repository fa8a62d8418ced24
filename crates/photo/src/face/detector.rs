//! BlazeFace short-range detection: the whole image letterboxed into 128×128,
//! 896 anchors decoded into boxes with six keypoints, weighted non-maximum
//! suppression. Follows MediaPipe's face_detection_short_range graph.

use super::models::{sigmoid, ModelError, Models, Outside, Roi};
use crate::raster::Rgb;

const SIDE: usize = 128;
const MIN_SCORE: f32 = 0.5;
const NMS_IOU: f32 = 0.3;

/// A detected face in image pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// xmin, ymin, xmax, ymax.
    pub bbox: [f32; 4],
    /// Right eye, left eye (as seen in the image: first is image-left), nose
    /// tip, mouth, right and left ear tragion.
    pub keypoints: [(f32, f32); 6],
}

impl Detection {
    pub fn width(&self) -> f32 {
        self.bbox[2] - self.bbox[0]
    }
    pub fn height(&self) -> f32 {
        self.bbox[3] - self.bbox[1]
    }
    fn iou(&self, o: &Detection) -> f32 {
        super::box_iou(&self.bbox, &o.bbox)
    }
}

/// Anchor centres of the short-range model: strides 8, 16, 16, 16 with two
/// anchors per cell (MediaPipe's SsdAnchorsCalculator, trimmed).
fn anchors() -> Vec<(f32, f32)> {
    let mut out = Vec::with_capacity(896);
    for (stride, repeats) in [(8usize, 2usize), (16, 6)] {
        let cells = SIDE / stride;
        for y in 0..cells {
            for x in 0..cells {
                let centre = (
                    (x as f32 + 0.5) / cells as f32,
                    (y as f32 + 0.5) / cells as f32,
                );
                out.extend(std::iter::repeat_n(centre, repeats));
            }
        }
    }
    out
}

/// The block reduction the whole-image detection looks at: big images are
/// reduced first so that bilinear sampling into 128×128 does not alias.
pub fn reduction(img: &Rgb) -> u32 {
    (img.width.max(img.height) / (SIDE as u32 * 2)).max(1)
}

/// All faces in the image, best first, found in `small`, the image reduced
/// by `factor` ([`reduction`]); boxes and keypoints are in image pixels.
pub fn detect(models: &Models, small: &Rgb, factor: u32) -> Result<Vec<Detection>, ModelError> {
    let side = small.width.max(small.height) as f32;
    let letterbox = Roi {
        cx: small.width as f32 / 2.0,
        cy: small.height as f32 / 2.0,
        side,
        rotation: 0.0,
    };
    detect_roi(models, small, letterbox, factor as f32, Outside::Black)
}

/// Faces inside one square of the image (centre and side in image pixels),
/// seen at the detector's full 128-pixel resolution: a finer look than
/// [`detect`] gives the whole image, for small faces in the background.
pub fn detect_in(
    models: &Models,
    img: &Rgb,
    (cx, cy, side): (f32, f32, f32),
    outside: Outside,
) -> Result<Vec<Detection>, ModelError> {
    let roi = Roi {
        cx,
        cy,
        side,
        rotation: 0.0,
    };
    detect_roi(models, img, roi, 1.0, outside)
}

/// Runs the detector on `letterbox` of `small`, whose pixels are `f` image pixels.
fn detect_roi(
    models: &Models,
    small: &Rgb,
    letterbox: Roi,
    f: f32,
    outside: Outside,
) -> Result<Vec<Detection>, ModelError> {
    let side = letterbox.side;
    let out = models
        .detector
        .run(letterbox.pixels(small, SIDE, (-1.0, 1.0), outside))?;
    let (boxes, scores) = match out.as_slice() {
        [b, s, ..] => (b, s),
        _ => return Ok(Vec::new()),
    };
    let mut found = Vec::new();
    for (i, (ax, ay)) in anchors().into_iter().enumerate() {
        let score = sigmoid(*scores.get(i).unwrap_or(&-100.0));
        if score < MIN_SCORE {
            continue;
        }
        let Some(r) = boxes.get(i * 16..i * 16 + 16) else {
            break;
        };
        let n = SIDE as f32;
        // Model units are pixels of the 128 grid, relative to the anchor.
        let point = |dx: f32, dy: f32| {
            let (x, y) = letterbox.to_image(ax * n + dx, ay * n + dy, n);
            (x * f, y * f)
        };
        let (cx, cy) = point(r[0], r[1]);
        let (w, h) = (r[2] / n * side * f, r[3] / n * side * f);
        if w <= 0.0 || h <= 0.0 {
            continue;
        }
        let mut keypoints = [(0.0, 0.0); 6];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = point(r[4 + 2 * k], r[5 + 2 * k]);
        }
        found.push(Detection {
            score,
            bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
            keypoints,
        });
    }
    Ok(weighted_nms(found))
}

/// MediaPipe's weighted NMS: overlapping detections are averaged, weighted by
/// score, into the best one.
fn weighted_nms(mut all: Vec<Detection>) -> Vec<Detection> {
    all.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = all.first().cloned() {
        let (overlapping, rest): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|d| d.iou(&best) > NMS_IOU);
        all = rest;
        let total: f32 = overlapping.iter().map(|d| d.score).sum();
        let mut merged = best.clone();
        if total > 0.0 {
            merged.bbox = [0.0; 4];
            merged.keypoints = [(0.0, 0.0); 6];
            for d in &overlapping {
                let w = d.score / total;
                for k in 0..4 {
                    merged.bbox[k] += d.bbox[k] * w;
                }
                for k in 0..6 {
                    merged.keypoints[k].0 += d.keypoints[k].0 * w;
                    merged.keypoints[k].1 += d.keypoints[k].1 * w;
                }
            }
        }
        out.push(merged);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn there_are_896_anchors() {
        assert_eq!(super::anchors().len(), 896);
    }
}
