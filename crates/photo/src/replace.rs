//! Background replacement: the person stays exactly as photographed, the
//! backdrop becomes one of the standard's colours.
//!
//! A phone photo taken at home fails mostly on the backdrop: a cluttered
//! room, an off-white wall under warm light, a shadow. The standard allows
//! replacing the backdrop's colour (never touching the person) where the
//! person's outline is sure. So:
//! 1. MediaPipe's selfie segmenter gives a coarse person mask (256×256);
//! 2. a guided filter refines it at the photo's resolution, using the photo
//!    itself as the guide, so the edge follows hair and shoulders;
//! 3. the outline is judged: where person and backdrop are too alike, or the
//!    edge is wide and unsure, the photo is refused with retake advice rather
//!    than given a cut-out look or lost hair;
//! 4. each edge pixel's colour is separated from the old backdrop's (estimated
//!    locally) before the new colour is mixed in, so no fringe of the old
//!    backdrop is left around the head.

use crate::colour::{delta_e76, lab, Lab};
use crate::face::models::{run, Models};
use crate::face::{Face, ModelError};
use crate::raster::Rgb;
use tract_onnx::prelude::Tensor;

const SIDE: usize = 256;
/// A pixel this sure is person (or backdrop, below `1 - SURE`).
const SURE: f32 = 0.95;
/// Above this opacity a pixel is the person's alone and is copied untouched.
const OPAQUE: f32 = 0.995;
/// Least colour difference (CIE76) between the person just inside the outline
/// and the backdrop just outside it, in the worst part of the head's outline.
/// Below this, hair against a similar backdrop cannot be separated.
pub const MIN_EDGE_CONTRAST: f32 = 12.0;
/// Widest unsure band around the head, as a share of the face's width: wider
/// means the segmenter could not tell where the person ends.
pub const MAX_EDGE_BAND: f32 = 0.08;

/// Why the backdrop was not replaced.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Person and backdrop too alike somewhere around the head (CIE76).
    LowContrast(f32),
    /// The unsure band around the head is this wide (share of face width).
    UnsureEdge(f32),
    Model(String),
}

/// The replaced image and how sure its outline was.
pub struct Replaced {
    pub img: Rgb,
    /// Worst person-to-backdrop contrast around the head (CIE76).
    pub edge_contrast: f32,
    /// Mean unsure band around the head, share of the face width.
    pub edge_band: f32,
}

pub fn replace(models: &Models, img: &Rgb, face: &Face, colour: [u8; 3]) -> Result<Replaced, Refusal> {
    let alpha = matte(models, img).map_err(|e| Refusal::Model(e.to_string()))?;
    let (edge_contrast, edge_band) = judge_edge(img, &alpha, face);
    if edge_contrast < MIN_EDGE_CONTRAST {
        return Err(Refusal::LowContrast(edge_contrast));
    }
    if edge_band > MAX_EDGE_BAND {
        return Err(Refusal::UnsureEdge(edge_band));
    }
    Ok(Replaced {
        img: composite(img, &alpha, face, colour),
        edge_contrast,
        edge_band,
    })
}

/// Person opacity per pixel (0–1), at the image's resolution.
pub fn matte(models: &Models, img: &Rgb) -> Result<Vec<f32>, ModelError> {
    let coarse = segment(models, img)?;
    let (w, h) = (img.width as usize, img.height as usize);
    let up = upsample(&coarse, SIDE, SIDE, w, h);
    let guide: Vec<f32> = img.luma().iter().map(|&v| f32::from(v) / 255.0).collect();
    let radius = (w.min(h) / 160).max(2);
    let refined = guided_filter(&guide, &up, w, h, radius, 1e-3);
    Ok(refined.into_iter().map(|v| v.clamp(0.0, 1.0)).collect())
}

/// The segmenter's 256×256 person probabilities. Like MediaPipe's own graph,
/// the whole photo is stretched to the square (no letterbox).
fn segment(models: &Models, img: &Rgb) -> Result<Vec<f32>, ModelError> {
    let factor = (img.width.min(img.height) / (SIDE as u32 * 2)).max(1);
    let small = img.reduce(factor);
    let (sx, sy) = (
        small.width as f32 / SIDE as f32,
        small.height as f32 / SIDE as f32,
    );
    let mut data = Vec::with_capacity(SIDE * SIDE * 3);
    for v in 0..SIDE {
        for u in 0..SIDE {
            let p = small
                .sample((u as f32 + 0.5) * sx, (v as f32 + 0.5) * sy)
                .unwrap_or([0.0; 3]);
            data.extend(p.iter().map(|c| c / 255.0));
        }
    }
    let input = Tensor::from_shape(&[1, SIDE, SIDE, 3], &data)
        .map_err(|e| ModelError::shape(&format!("segmenter {e}")))?;
    let out = run(&models.segmenter, input)?;
    match out.into_iter().next() {
        Some(m) if m.len() == SIDE * SIDE => Ok(m),
        _ => Err(ModelError::shape("segmenter")),
    }
}

fn upsample(src: &[f32], sw: usize, sh: usize, w: usize, h: usize) -> Vec<f32> {
    let mut out = vec![0.0; w * h];
    for y in 0..h {
        let fy = ((y as f32 + 0.5) * sh as f32 / h as f32 - 0.5).clamp(0.0, (sh - 1) as f32);
        let (y0, ty) = (fy.floor() as usize, fy.fract());
        let y1 = (y0 + 1).min(sh - 1);
        for x in 0..w {
            let fx = ((x as f32 + 0.5) * sw as f32 / w as f32 - 0.5).clamp(0.0, (sw - 1) as f32);
            let (x0, tx) = (fx.floor() as usize, fx.fract());
            let x1 = (x0 + 1).min(sw - 1);
            let top = src[y0 * sw + x0] * (1.0 - tx) + src[y0 * sw + x1] * tx;
            let bottom = src[y1 * sw + x0] * (1.0 - tx) + src[y1 * sw + x1] * tx;
            out[y * w + x] = top * (1.0 - ty) + bottom * ty;
        }
    }
    out
}

/// Mean over the (2r+1)² window around each pixel, clipped at the edges; by
/// summed-area table, so the cost does not grow with the radius.
pub fn box_mean(v: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut sat = vec![0f64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0f64;
        for x in 0..w {
            row += f64::from(v[y * w + x]);
            sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1] + row;
        }
    }
    let mut out = vec![0.0; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let s = sat[y1 * (w + 1) + x1] - sat[y0 * (w + 1) + x1] - sat[y1 * (w + 1) + x0]
                + sat[y0 * (w + 1) + x0];
            out[y * w + x] = (s / ((y1 - y0) * (x1 - x0)) as f64) as f32;
        }
    }
    out
}

/// He, Sun and Tang's guided filter with a grey guide: the output is locally
/// a linear function of the guide, so the mask's edge snaps to the photo's.
fn guided_filter(guide: &[f32], p: &[f32], w: usize, h: usize, r: usize, eps: f32) -> Vec<f32> {
    let mean_i = box_mean(guide, w, h, r);
    let mean_p = box_mean(p, w, h, r);
    let ii: Vec<f32> = guide.iter().map(|g| g * g).collect();
    let ip: Vec<f32> = guide.iter().zip(p).map(|(g, q)| g * q).collect();
    let corr_i = box_mean(&ii, w, h, r);
    let corr_ip = box_mean(&ip, w, h, r);
    let mut a = vec![0.0; w * h];
    let mut b = vec![0.0; w * h];
    for k in 0..w * h {
        let var = corr_i[k] - mean_i[k] * mean_i[k];
        let cov = corr_ip[k] - mean_i[k] * mean_p[k];
        a[k] = cov / (var + eps);
        b[k] = mean_p[k] - a[k] * mean_i[k];
    }
    let (ma, mb) = (box_mean(&a, w, h, r), box_mean(&b, w, h, r));
    (0..w * h).map(|k| ma[k] * guide[k] + mb[k]).collect()
}

/// Around the head (above the chin), in twelve sectors: the colour contrast
/// between sure person and sure backdrop next to the outline (the worst
/// sector counts), and the unsure band's mean width.
fn judge_edge(img: &Rgb, alpha: &[f32], face: &Face) -> (f32, f32) {
    let (w, h) = (img.width as usize, img.height as usize);
    let ring = ((face.face_width * 0.04) as usize).max(2);
    let near = box_mean(alpha, w, h, ring);
    let centre = (face.centre_x, (face.forehead.1 + face.chin.1) / 2.0);
    let mut inside: [Vec<Lab>; 12] = Default::default();
    let mut outside: [Vec<Lab>; 12] = Default::default();
    let (mut unsure, mut outline) = (0usize, 0usize);
    let bottom = (face.chin.1.max(0.0) as usize).min(h);
    for y in 0..bottom {
        for x in 0..w {
            let k = y * w + x;
            let (a, n) = (alpha[k], near[k]);
            if a > 1.0 - SURE && a < SURE {
                unsure += 1;
            }
            if a >= 0.5 && (x + 1 < w && alpha[k + 1] < 0.5 || y + 1 < h && alpha[k + w] < 0.5) {
                outline += 1;
            }
            if n <= 1.0 - SURE || n >= SURE {
                continue;
            }
            let angle = (y as f32 - centre.1).atan2(x as f32 - centre.0);
            let sector = (((angle + std::f32::consts::PI) / std::f32::consts::TAU * 12.0) as usize).min(11);
            if a >= SURE {
                inside[sector].push(lab(img.at(x as u32, y as u32)));
            } else if a <= 1.0 - SURE {
                outside[sector].push(lab(img.at(x as u32, y as u32)));
            }
        }
    }
    let mean = |v: &[Lab]| {
        let n = v.len() as f32;
        Lab {
            l: v.iter().map(|c| c.l).sum::<f32>() / n,
            a: v.iter().map(|c| c.a).sum::<f32>() / n,
            b: v.iter().map(|c| c.b).sum::<f32>() / n,
        }
    };
    let enough = ring * 4;
    let contrast = inside
        .iter()
        .zip(&outside)
        .filter(|(i, o)| i.len() >= enough && o.len() >= enough)
        .map(|(i, o)| delta_e76(mean(i), mean(o)))
        .fold(f32::MAX, f32::min);
    let band = unsure as f32 / outline.max(1) as f32 / face.face_width.max(1.0);
    (if contrast == f32::MAX { 0.0 } else { contrast }, band)
}

/// New backdrop behind the person. Each pixel's own colour is first freed of
/// the old backdrop's share (estimated from sure backdrop nearby), so the
/// edge takes the new colour instead of keeping a rim of the old.
fn composite(img: &Rgb, alpha: &[f32], face: &Face, colour: [u8; 3]) -> Rgb {
    let (w, h) = (img.width as usize, img.height as usize);
    let r = ((face.face_width * 0.15) as usize).max(4);
    let backdrop: Vec<f32> = alpha.iter().map(|&a| if a <= 1.0 - SURE { 1.0 } else { 0.0 }).collect();
    let weight = box_mean(&backdrop, w, h, r);
    let mut old = [vec![], vec![], vec![]];
    for (c, plane) in old.iter_mut().enumerate() {
        let masked: Vec<f32> = (0..w * h)
            .map(|k| backdrop[k] * f32::from(img.at((k % w) as u32, (k / w) as u32)[c]))
            .collect();
        *plane = box_mean(&masked, w, h, r);
    }
    let global: [f32; 3] = std::array::from_fn(|c| {
        let n: f32 = backdrop.iter().sum();
        let s: f32 = (0..w * h)
            .map(|k| backdrop[k] * f32::from(img.at((k % w) as u32, (k / w) as u32)[c]))
            .sum();
        if n > 0.0 { s / n } else { 255.0 }
    });
    let new = colour.map(f32::from);
    Rgb::from_fn(img.width, img.height, |x, y| {
        let k = y as usize * w + x as usize;
        let a = alpha[k];
        if a <= 1.0 - SURE {
            return colour;
        }
        let p = img.at(x, y);
        if a >= OPAQUE {
            return p;
        }
        let out: [u8; 3] = std::array::from_fn(|c| {
            let b = if weight[k] > 0.01 { old[c][k] / weight[k] } else { global[c] };
            let fg = ((f32::from(p[c]) - (1.0 - a) * b) / a.max(0.1)).clamp(0.0, 255.0);
            (a * fg + (1.0 - a) * new[c]).round().clamp(0.0, 255.0) as u8
        });
        out
    })
}
