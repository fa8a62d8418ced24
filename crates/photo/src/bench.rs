//! Benchmark inputs and a simple timer, shared by `biye photo bench` and the
//! criterion benchmarks so both measure the same thing: a delivered
//! 480×640 JPEG, and a 12 MP phone JPEG (stored 4000×3000 landscape with EXIF
//! orientation 6, as phones store portrait shots), each with the time of
//! decoding alone as the floor.

use std::time::Instant;

use crate::check::ANALYSIS_SHORT_SIDE;
use crate::decode::{self, Want};
use crate::raster::Rgb;
use crate::{Engine, Input, PhotoSpec, Stage};

/// A sample portrait (AI-generated, MIT; see tests/photos/README.md).
static PORTRAIT: &[u8] = include_bytes!("../tests/photos/sample_id_3.png");

pub struct BenchInput {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub stage: Stage,
}

/// The two inputs. Deterministic: the same bytes on every run.
pub fn inputs(engine: &Engine, spec: &PhotoSpec) -> Result<Vec<BenchInput>, String> {
    let fixed = engine
        .fix(PORTRAIT, spec)
        .map_err(|u| format!("样例照片无法修正：{:?}", u.advice()))?;
    Ok(vec![
        BenchInput {
            name: "480×640 JPEG（交付件）",
            bytes: fixed.jpeg,
            stage: Stage::Delivery,
        },
        BenchInput {
            name: "4000×3000 手机 JPEG（采集件）",
            bytes: phone_capture()?,
            stage: Stage::Capture,
        },
    ])
}

/// A 12 MP portrait-orientation phone shot: the sample enlarged on a plain
/// backdrop with sensor-like noise, stored landscape with EXIF orientation 6.
pub fn phone_capture() -> Result<Vec<u8>, String> {
    enlarge(portrait()?)
}

/// The same shot as a phone saves it at its highest quality (4:4:4, quality
/// 97): 3–5 MB, the size the final-day load test uploads.
pub fn phone_capture_full_quality() -> Result<Vec<u8>, String> {
    encode_stored(&enlarged(portrait()?), 97, crate::encode::Subsampling::S444)
}

/// The same shot taken in front of a warm wall (`wall`), as a home capture
/// comes out: it fails on the backdrop alone, which replacement repairs. The
/// person is cut from the sample's studio backdrop by the segmenter's matte.
pub fn phone_capture_on_wall(wall: [u8; 3]) -> Result<Vec<u8>, String> {
    let src = portrait()?;
    let models = crate::face::Models::load().map_err(|e| e.to_string())?;
    let alpha = crate::replace::matte(&models, &src).map_err(|e| e.to_string())?;
    let w = src.width as usize;
    let moved = Rgb::from_fn(src.width, src.height, |x, y| {
        let a = alpha[y as usize * w + x as usize];
        let p = src.at(x, y);
        std::array::from_fn(|c| {
            (a * f32::from(p[c]) + (1.0 - a) * f32::from(wall[c])).round() as u8
        })
    });
    enlarge(moved)
}

/// The same shot under coloured or dim light: each channel of the portrait
/// scaled by `gains` in linear light, as a warm lamp or a dim room does to
/// the whole scene. A near-neutral wall under it is what `cast` corrects.
pub fn phone_capture_under_light(gains: [f32; 3]) -> Result<Vec<u8>, String> {
    let mut lit = portrait()?;
    crate::cast::apply_gains(&mut lit, gains);
    enlarge(lit)
}

fn portrait() -> Result<Rgb, String> {
    Ok(decode::decode(
        PORTRAIT,
        Want {
            min_short_side: 0,
            max_pixels: 1 << 24,
        },
    )
    .map_err(|e| e.to_string())?
    .image)
}

fn enlarge(src: Rgb) -> Result<Vec<u8>, String> {
    encode_stored(&enlarged(src), 92, crate::encode::Subsampling::S420)
}

/// The portrait placed on a 3000×4000 frame with sensor-like noise.
fn enlarged(src: Rgb) -> Rgb {
    let (w, h) = (3000u32, 4000u32);
    let k = 4.2f32;
    let (pw, ph) = (src.width as f32 * k, src.height as f32 * k);
    let (px, py) = ((w as f32 - pw) / 2.0, h as f32 - ph);
    let bg = src.at(2, 2);
    let mut seed = 0x2023_0614u32;
    let mut noise = move || {
        // xorshift: deterministic, dependency-free sensor noise of ±3 levels.
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        (seed % 7) as i16 - 3
    };
    let mut portrait = Rgb::from_fn(w, h, |x, y| {
        let (u, v) = ((x as f32 + 0.5 - px) / k, (y as f32 + 0.5 - py) / k);
        if u >= 0.0 && v >= 0.0 && u < src.width as f32 && v < src.height as f32 {
            src.sample(u, v).map(|c| c.map(|v| v as u8)).unwrap_or(bg)
        } else {
            bg
        }
    });
    for v in portrait.data.iter_mut() {
        *v = (i16::from(*v) + noise()).clamp(0, 255) as u8;
    }
    portrait
}

/// Stored landscape: orientation 6 means "rotate 90° clockwise to display".
fn encode_stored(
    portrait: &Rgb,
    quality: u8,
    sub: crate::encode::Subsampling,
) -> Result<Vec<u8>, String> {
    let (w, h) = (portrait.width, portrait.height);
    let stored = Rgb::from_fn(h, w, |sx, sy| portrait.at(w - 1 - sy, sx));
    let jpeg = crate::encode::jpeg(&stored, quality, sub, 72).map_err(|e| e.to_string())?;
    Ok(with_orientation_6(&jpeg))
}

fn with_orientation_6(jpeg: &[u8]) -> Vec<u8> {
    let tiff: &[u8] = b"MM\x00\x2A\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00";
    let mut seg = b"Exif\0\0".to_vec();
    seg.extend_from_slice(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((seg.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&seg);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Median milliseconds of each operation on one input, measured in one run.
#[derive(Debug, Clone)]
pub struct Timing {
    pub name: &'static str,
    pub bytes: usize,
    pub decode_ms: f64,
    pub check_ms: f64,
    pub fix_ms: f64,
}

pub fn decode_only(input: &BenchInput, spec: &PhotoSpec) -> Result<Rgb, String> {
    let want = Want {
        min_short_side: match input.stage {
            Stage::Delivery => 0,
            Stage::Capture => ANALYSIS_SHORT_SIDE,
        },
        max_pixels: spec.capture.max_pixels,
    };
    decode::decode(&input.bytes, want)
        .map(|d| d.image)
        .map_err(|e| e.to_string())
}

fn median_ms(iterations: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..iterations.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Times decode, check and fix of every input: medians of `iterations` runs,
/// all in one process, so the three are comparable with each other.
pub fn run(engine: &Engine, spec: &PhotoSpec, iterations: usize) -> Result<Vec<Timing>, String> {
    let mut out = Vec::new();
    for input in inputs(engine, spec)? {
        decode_only(&input, spec)?;
        let check = || {
            std::hint::black_box(engine.check_input(
                &Input {
                    bytes: &input.bytes,
                    name: None,
                    stage: input.stage,
                },
                spec,
            ));
        };
        // Warm up once (first inference allocates the models' buffers).
        check();
        let decode_ms = median_ms(iterations, || {
            std::hint::black_box(decode_only(&input, spec).ok());
        });
        let check_ms = median_ms(iterations, check);
        let fix_ms = median_ms(iterations, || {
            std::hint::black_box(engine.fix(&input.bytes, spec).ok());
        });
        out.push(Timing {
            name: input.name,
            bytes: input.bytes.len(),
            decode_ms,
            check_ms,
            fix_ms,
        });
    }
    Ok(out)
}
