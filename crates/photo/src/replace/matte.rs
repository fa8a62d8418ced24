//! The person's matte: where the person is, at the photo's resolution.
//!
//! MediaPipe's selfie segmenter sees the photo squeezed to 256×256, so its
//! mask is coarse; a guided filter with the photo as its guide snaps the
//! mask's edge to the photo's own edges. What is left unsure along the edge
//! is read from its colours afterwards (`unmix.rs`).

use crate::face::models::{run, Models};
use crate::face::ModelError;
use crate::raster::Rgb;
use tract_onnx::prelude::Tensor;

pub(crate) const SIDE: usize = 256;

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
pub(crate) fn segment(models: &Models, img: &Rgb) -> Result<Vec<f32>, ModelError> {
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

/// The `sw`×`sh` plane read bilinearly between its samples (clamped at the
/// edges) at each of `w`×`h` pixel centres.
fn upsample(src: &[f32], sw: usize, sh: usize, w: usize, h: usize) -> Vec<f32> {
    let cols = taps(w, sw);
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let (y0, y1, ty) = taps_at(y, h, sh);
        let (top, bottom) = (&src[y0 * sw..(y0 + 1) * sw], &src[y1 * sw..(y1 + 1) * sw]);
        out.extend(cols.iter().map(|&(x0, x1, tx)| {
            (top[x0] * (1.0 - tx) + top[x1] * tx) * (1.0 - ty)
                + (bottom[x0] * (1.0 - tx) + bottom[x1] * tx) * ty
        }));
    }
    out
}

/// Mean over the (2r+1)² window around each pixel, clipped at the edges:
/// two passes of a running sum (rows, then columns), so the cost does not
/// grow with the radius.
pub fn box_mean(v: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut rows = vec![0.0f32; w * h];
    for y in 0..h {
        let line = &v[y * w..(y + 1) * w];
        let out = &mut rows[y * w..(y + 1) * w];
        let mut sum: f32 = line[..(r + 1).min(w)].iter().sum();
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            out[x] = sum / (x1 - x0) as f32;
            if x + r + 1 < w {
                sum += line[x + r + 1];
            }
            if x >= r {
                sum -= line[x - r];
            }
        }
    }
    let mut out = vec![0.0f32; w * h];
    let mut sums: Vec<f32> = (0..w)
        .map(|x| (0..(r + 1).min(h)).map(|y| rows[y * w + x]).sum())
        .collect();
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        let n = (y1 - y0) as f32;
        for x in 0..w {
            out[y * w + x] = sums[x] / n;
        }
        if y + r + 1 < h {
            let add = &rows[(y + r + 1) * w..(y + r + 2) * w];
            sums.iter_mut().zip(add).for_each(|(s, a)| *s += a);
        }
        if y >= r {
            let sub = &rows[(y - r) * w..(y - r + 1) * w];
            sums.iter_mut().zip(sub).for_each(|(s, a)| *s -= a);
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

/// For each of `n` output samples over a plane of `m` samples: the two
/// neighbours read (clamped at the edges) and the weight of the second.
pub(super) fn taps(n: usize, m: usize) -> Vec<(usize, usize, f32)> {
    (0..n).map(|i| taps_at(i, n, m)).collect()
}

pub(super) fn taps_at(i: usize, n: usize, m: usize) -> (usize, usize, f32) {
    let f = ((i as f32 + 0.5) * (m as f32 / n as f32) - 0.5).clamp(0.0, (m - 1) as f32);
    let i0 = f as usize;
    (i0, (i0 + 1).min(m - 1), f - i0 as f32)
}

#[cfg(test)]
mod tests {
    use super::box_mean;

    #[test]
    fn box_mean_holds_on_a_photo_sized_plane() {
        let (w, h) = (413, 531);
        let v: Vec<f32> = (0..w * h).map(|k| ((k * 7919) % 256) as f32).collect();
        for r in [3, 60] {
            let got = box_mean(&v, w, h, r);
            for &(x, y) in &[(0usize, 0usize), (200, 300), (412, 530), (5, 400), (100, 2)] {
                let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
                let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
                let mut s = 0f64;
                for yy in y0..y1 {
                    for xx in x0..x1 {
                        s += f64::from(v[yy * w + xx]);
                    }
                }
                let want = s / ((x1 - x0) * (y1 - y0)) as f64;
                assert!(
                    (f64::from(got[y * w + x]) - want).abs() < 0.05,
                    "r {r} ({x},{y}): {} vs {want}",
                    got[y * w + x]
                );
            }
        }
    }

    #[test]
    fn box_mean_is_the_clipped_window_mean() {
        let (w, h) = (7, 5);
        let v: Vec<f32> = (0..w * h).map(|k| ((k * 37) % 11) as f32).collect();
        for r in [0, 1, 2, 6] {
            let got = box_mean(&v, w, h, r);
            for y in 0..h {
                for x in 0..w {
                    let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
                    let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
                    let mut s = 0.0;
                    for yy in y0..y1 {
                        for xx in x0..x1 {
                            s += v[yy * w + xx];
                        }
                    }
                    let want = s / ((x1 - x0) * (y1 - y0)) as f32;
                    assert!((got[y * w + x] - want).abs() < 1e-3, "r {r} at ({x}, {y})");
                }
            }
        }
    }
}
