//! The delivered JPEG: baseline, JFIF with the spec's density, no other
//! metadata, and a quality chosen so that the file lands inside the size
//! window without ever going below the quality floor or padding bytes.

use jpeg_encoder::{ColorType, Encoder, PixelDensity, SamplingFactor};

use crate::raster::Rgb;
use crate::spec::PhotoSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Subsampling {
    #[serde(rename = "4:2:0")]
    S420,
    #[serde(rename = "4:4:4")]
    S444,
}

#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub quality: u8,
    pub subsampling: Subsampling,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EncodeError {
    #[error("图像尺寸超出 JPEG 上限")]
    TooLarge,
    #[error("JPEG 编码失败：{0}")]
    Encoder(String),
    #[error("在品质 {min_quality} 以上无法把文件压到 {max_bytes} 字节以内（图像细节或噪点过多）")]
    TooDetailed { min_quality: u8, max_bytes: u64 },
    #[error("即使最高品质文件也小于 {min_bytes} 字节（图像过于平滑）")]
    TooSmooth { min_bytes: u64 },
}

pub fn jpeg(img: &Rgb, quality: u8, sub: Subsampling, dpi: u16) -> Result<Vec<u8>, EncodeError> {
    let (w, h) = (
        u16::try_from(img.width).map_err(|_| EncodeError::TooLarge)?,
        u16::try_from(img.height).map_err(|_| EncodeError::TooLarge)?,
    );
    let mut out = Vec::with_capacity(48 * 1024);
    let mut enc = Encoder::new(&mut out, quality);
    enc.set_sampling_factor(match sub {
        Subsampling::S420 => SamplingFactor::F_2_2,
        Subsampling::S444 => SamplingFactor::F_1_1,
    });
    enc.set_density(PixelDensity::dpi(dpi));
    enc.set_optimized_huffman_tables(true);
    enc.encode(&img.data, w, h, ColorType::Rgb)
        .map_err(|e| EncodeError::Encoder(e.to_string()))?;
    Ok(out)
}

/// Finds the quality (and subsampling) that puts the file inside the spec's
/// target window: 4:2:0 first (what cameras write), 4:4:4 for images too
/// smooth to reach the window otherwise. The search interpolates the
/// quality from the sizes seen (size grows roughly exponentially with
/// quality), so it usually needs two or three encodes rather than a bisection's
/// six or seven.
pub fn to_spec(img: &Rgb, spec: &PhotoSpec) -> Result<Encoded, EncodeError> {
    let target = &spec.fix.target_bytes;
    let (lo, hi) = (target.min as usize, target.max as usize);
    let floor = spec.file.min_quality.clamp(1, 95);
    for sub in [Subsampling::S420, Subsampling::S444] {
        if let Some(found) = search(img, sub, floor, (lo, hi), spec.file.dpi)? {
            return Ok(found);
        }
    }
    // Nothing reaches the target window: accept the spec's own window, never pad.
    let floor_size = jpeg(img, floor, Subsampling::S420, spec.file.dpi)?;
    if floor_size.len() as u64 > spec.file.max_bytes {
        return Err(EncodeError::TooDetailed {
            min_quality: floor,
            max_bytes: spec.file.max_bytes,
        });
    }
    for q in (floor..=100).rev() {
        let bytes = jpeg(img, q, Subsampling::S444, spec.file.dpi)?;
        let n = bytes.len() as u64;
        if n >= spec.file.min_bytes && n <= spec.file.max_bytes {
            return Ok(Encoded {
                bytes,
                quality: q,
                subsampling: Subsampling::S444,
            });
        }
        if n < spec.file.min_bytes {
            break;
        }
    }
    Err(EncodeError::TooSmooth {
        min_bytes: spec.file.min_bytes,
    })
}

/// Bracketing search on quality for a size in `lo..=hi`.
fn search(
    img: &Rgb,
    sub: Subsampling,
    floor: u8,
    (lo, hi): (usize, usize),
    dpi: u16,
) -> Result<Option<Encoded>, EncodeError> {
    let mid = (lo + hi) as f32 / 2.0;
    // (quality, size) of the best below the window and the best above it.
    let mut below: Option<(u8, usize)> = None;
    let mut above: Option<(u8, usize)> = None;
    let mut q = 88u8.max(floor);
    for _ in 0..8 {
        let bytes = jpeg(img, q, sub, dpi)?;
        let n = bytes.len();
        if (lo..=hi).contains(&n) {
            return Ok(Some(Encoded {
                bytes,
                quality: q,
                subsampling: sub,
            }));
        }
        if n < lo {
            below = Some((q, n));
            if q >= 95 {
                return Ok(None);
            }
        } else {
            above = Some((q, n));
            if q <= floor {
                return Ok(None);
            }
        }
        let next = match (below, above) {
            (Some((ql, nl)), Some((qh, nh))) => {
                // Interpolate in log size between the bracket's ends.
                let t = ((mid.ln() - (nl as f32).ln()) / ((nh as f32).ln() - (nl as f32).ln()))
                    .clamp(0.0, 1.0);
                let guess = (f32::from(ql) + t * f32::from(qh - ql)).round() as u8;
                guess.clamp(ql + 1, qh.saturating_sub(1).max(ql + 1))
            }
            // One side only: size roughly doubles every ten quality steps here.
            (Some((ql, nl)), None) => ql
                .saturating_add(((mid / nl as f32).log2() * 10.0).ceil().max(1.0) as u8)
                .min(95),
            (None, Some((qh, nh))) => qh
                .saturating_sub(((nh as f32 / mid).log2() * 10.0).ceil().max(1.0) as u8)
                .max(floor),
            (None, None) => return Ok(None),
        };
        if let (Some((ql, _)), Some((qh, _))) = (below, above) {
            if qh <= ql + 1 {
                // Adjacent qualities straddle the window: no quality lands inside it.
                return Ok(None);
            }
        }
        q = next;
    }
    Ok(None)
}
