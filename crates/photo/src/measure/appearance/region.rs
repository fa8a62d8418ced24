//! Where on the face the appearance rules read their pixels: mesh points,
//! discs around a point, and polygons of mesh points (the face oval, the
//! lips), scanned a row at a time.

use crate::face::Face;
use crate::raster::Rgb;

/// Face oval of the MediaPipe mesh, in order around the face.
const FACE_OVAL: [usize; 36] = [
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/// Mesh point `i` in image pixels.
pub(super) fn point(face: &Face, i: usize) -> (f32, f32) {
    let p = face.landmarks.mesh[i];
    (p.x, p.y)
}

/// Pixels within `r` of `c` (a disc), every `step`-th row and column.
pub(super) fn patch(img: &Rgb, c: (f32, f32), r: f32, step: u32) -> Vec<[u8; 3]> {
    let mut out = Vec::new();
    let (x0, x1) = (
        (c.0 - r).max(0.0) as u32,
        ((c.0 + r) as u32).min(img.width.saturating_sub(1)),
    );
    let (y0, y1) = (
        (c.1 - r).max(0.0) as u32,
        ((c.1 + r) as u32).min(img.height.saturating_sub(1)),
    );
    for y in (y0..=y1).step_by(step as usize) {
        for x in (x0..=x1).step_by(step as usize) {
            let (dx, dy) = (x as f32 - c.0, y as f32 - c.1);
            if dx * dx + dy * dy <= r * r {
                out.push(img.at(x, y));
            }
        }
    }
    out
}

/// Pixels inside a polygon, by scanline; each span is copied from its row
/// (the face oval is tens of thousands of pixels on a capture).
pub(super) fn polygon_pixels(img: &Rgb, poly: &[(f32, f32)], step: u32) -> Vec<[u8; 3]> {
    let mut out = Vec::new();
    img.polygon_spans(poly, step, |y, xs| {
        let row = &img.data[y as usize * img.width as usize * 3..];
        let span = row[xs.start as usize * 3..xs.end as usize * 3].chunks_exact(3);
        out.extend(span.step_by(step as usize).map(|p| [p[0], p[1], p[2]]));
    });
    out
}

/// The face oval, shrunk towards its centre to `scale` (1: the mesh's own).
pub(super) fn oval(face: &Face, scale: f32) -> Vec<(f32, f32)> {
    let poly: Vec<(f32, f32)> = FACE_OVAL.iter().map(|&i| point(face, i)).collect();
    let n = poly.len() as f32;
    let cx = poly.iter().map(|p| p.0).sum::<f32>() / n;
    let cy = poly.iter().map(|p| p.1).sum::<f32>() / n;
    poly.iter()
        .map(|p| (cx + (p.0 - cx) * scale, cy + (p.1 - cy) * scale))
        .collect()
}
