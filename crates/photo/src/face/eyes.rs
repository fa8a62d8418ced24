//! The iris inside each eye, found from pixels within the mesh's eye contour:
//! the iris and pupil are the darkest part of an open eye, so the centroid of
//! its darkest pixels is the iris centre. This replaces MediaPipe's separate
//! iris model, which would double the inference time of a check for a
//! measurement the contour already bounds.

use super::mesh::Point3;
use crate::raster::Rgb;

/// Eye contours of the mesh, in order around each eye (image-left eye first).
pub const CONTOUR_L: [usize; 16] = [
    33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
];
pub const CONTOUR_R: [usize; 16] = [
    263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
];

/// Share of the eye's pixels counted as iris when locating it.
const DARK_SHARE: f32 = 0.3;

#[derive(Debug, Clone, PartialEq)]
pub struct Eye {
    /// Outline of the visible eye (between the lids), image pixels.
    pub contour: Vec<(f32, f32)>,
    /// Iris centre.
    pub centre: (f32, f32),
    /// Radius of a disc with the iris's visible area.
    pub radius: f32,
    /// Pixels inside the contour (sampled at one per image pixel).
    pub pixels: Vec<[u8; 3]>,
}

pub fn locate(img: &Rgb, mesh: &[Point3], contour: &[usize; 16]) -> Eye {
    let poly: Vec<(f32, f32)> = contour.iter().map(|&i| (mesh[i].x, mesh[i].y)).collect();
    let inside = pixels_in(img, &poly);
    let centroid = {
        let n = poly.len() as f32;
        (
            poly.iter().map(|p| p.0).sum::<f32>() / n,
            poly.iter().map(|p| p.1).sum::<f32>() / n,
        )
    };
    let mut lumas: Vec<f32> = inside.iter().map(|(_, _, p)| luma(*p)).collect();
    if lumas.len() < 8 {
        return Eye {
            contour: poly,
            centre: centroid,
            radius: 0.0,
            pixels: inside.into_iter().map(|(_, _, p)| p).collect(),
        };
    }
    lumas.sort_by(f32::total_cmp);
    let cut = lumas[((lumas.len() as f32 * DARK_SHARE) as usize).min(lumas.len() - 1)];
    let (mut sx, mut sy, mut sw, mut n) = (0f32, 0f32, 0f32, 0usize);
    for &(x, y, p) in &inside {
        let l = luma(p);
        if l < cut {
            // Darker pixels weigh more: the pupil anchors the centre.
            let w = cut - l;
            sx += w * (x as f32 + 0.5);
            sy += w * (y as f32 + 0.5);
            sw += w;
            n += 1;
        }
    }
    Eye {
        contour: poly,
        centre: if sw > 0.0 {
            (sx / sw, sy / sw)
        } else {
            centroid
        },
        radius: (n as f32 / std::f32::consts::PI).sqrt(),
        pixels: inside.into_iter().map(|(_, _, p)| p).collect(),
    }
}

fn luma(p: [u8; 3]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

/// Pixels whose centres lie inside the polygon, by scanline.
fn pixels_in(img: &Rgb, poly: &[(f32, f32)]) -> Vec<(u32, u32, [u8; 3])> {
    let mut out = Vec::new();
    img.polygon_spans(poly, 1, |y, xs| {
        out.extend(xs.map(|x| (x, y, img.at(x, y))));
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dark_disc_inside_the_contour_is_the_iris() {
        // A light almond with a dark disc at (62, 50).
        let img = Rgb::from_fn(120, 100, |x, y| {
            let (dx, dy) = (x as f32 + 0.5 - 62.0, y as f32 + 0.5 - 50.0);
            if dx * dx + dy * dy < 64.0 {
                [40, 30, 25]
            } else {
                [230, 225, 220]
            }
        });
        let mut mesh = vec![Point3::default(); 468];
        for (k, &i) in CONTOUR_L.iter().enumerate() {
            let a = k as f32 / 16.0 * std::f32::consts::TAU;
            mesh[i] = Point3 {
                x: 60.0 + 30.0 * a.cos(),
                y: 50.0 + 12.0 * a.sin(),
                z: 0.0,
            };
        }
        let eye = locate(&img, &mesh, &CONTOUR_L);
        assert!(
            (eye.centre.0 - 62.0).abs() < 1.0 && (eye.centre.1 - 50.0).abs() < 1.0,
            "{:?}",
            eye.centre
        );
        assert!(eye.radius > 4.0 && eye.radius < 10.0, "{}", eye.radius);
    }
}
