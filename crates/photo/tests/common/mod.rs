//! Shared by the photo crate's integration tests: the sample and labelled
//! photos, one engine, JPEG helpers and the image edits that make the derived
//! cases (`derived.rs`) — each a known transformation of a compliant photo,
//! so each knows its own ground truth.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use photo::decode::{decode, Want};
use photo::face::{Face, Models};
use photo::raster::Rgb;
use photo::{Code, Engine, PhotoSpec};

pub mod derived;
pub mod halo;
pub mod labels;

pub fn photos_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/photos")
}

/// The hand-labelled real portraits (`labels.csv`, `images/`).
pub fn real_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/real")
}

/// A labelled real portrait (`tests/real/images/`) decoded as the check
/// decodes it for analysis.
pub fn real_analysed(file: &str) -> Rgb {
    let bytes = std::fs::read(real_dir().join("images").join(file)).expect("photo");
    let want = photo::decode::Want {
        min_short_side: 640,
        max_pixels: 50_000_000,
    };
    photo::decode::decode(&bytes, want).expect("decodes").image
}

pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(photos_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load().expect("bundled models load"))
}

pub fn models() -> &'static Models {
    static MODELS: OnceLock<Models> = OnceLock::new();
    MODELS.get_or_init(|| Models::load().expect("bundled models load"))
}

pub fn spec() -> PhotoSpec {
    PhotoSpec::certificate()
}

pub fn pixels(bytes: &[u8]) -> Rgb {
    decode(
        bytes,
        Want {
            min_short_side: 0,
            max_pixels: 100_000_000,
        },
    )
    .expect("decodable")
    .image
}

/// Baseline 4:2:0 JPEG at 300 dpi, as a camera app would write it.
pub fn jpeg(img: &Rgb, quality: u8) -> Vec<u8> {
    photo::encode::jpeg(img, quality, photo::encode::Subsampling::S420, 300).expect("encodes")
}

/// A JPEG of `img` in the size window (the fixer's encoder search).
pub fn deliverable(img: &Rgb) -> Vec<u8> {
    photo::encode::to_spec(img, &spec())
        .expect("encodes to spec")
        .bytes
}

/// The compliant base photo every derived case starts from: sample 3, fixed.
pub fn base() -> &'static (Vec<u8>, Rgb) {
    static BASE: OnceLock<(Vec<u8>, Rgb)> = OnceLock::new();
    BASE.get_or_init(|| {
        let fixed = engine()
            .fix(&sample("sample_id_3.png"), &spec())
            .unwrap_or_else(|u| panic!("sample 3 fixes: {:?}", u.advice()));
        let img = pixels(&fixed.jpeg);
        (fixed.jpeg, img)
    })
}

pub fn base_face() -> &'static Face {
    static FACE: OnceLock<Face> = OnceLock::new();
    FACE.get_or_init(|| {
        photo::face::analyse(models(), &base().1)
            .expect("analysis runs")
            .face
            .expect("the base has a face")
    })
}

pub fn failed(report: &photo::Report) -> Vec<&'static str> {
    report.failures().map(|f| f.code.as_str()).collect()
}

pub fn assert_fails(report: &photo::Report, code: Code, case: &str) {
    assert_eq!(
        report.outcome(code),
        Some(photo::Outcome::Fail),
        "{case}: expected {} to fail; failures: {:?}",
        code.as_str(),
        failed(report)
    );
}

// Transformations --------------------------------------------------------------

pub fn map(img: &Rgb, f: impl Fn(u32, u32, [u8; 3]) -> [u8; 3]) -> Rgb {
    Rgb::from_fn(img.width, img.height, |x, y| f(x, y, img.at(x, y)))
}

/// Moves the picture by (dx, dy), repeating the edges into the gap.
pub fn shift(img: &Rgb, dx: i64, dy: i64) -> Rgb {
    Rgb::from_fn(img.width, img.height, |x, y| {
        img.at_clamped(i64::from(x) - dx, i64::from(y) - dy)
    })
}

/// Scales about the centre (bilinear), repeating the edges when shrinking.
pub fn zoom(img: &Rgb, k: f32) -> Rgb {
    let (cx, cy) = (img.width as f32 / 2.0, img.height as f32 / 2.0);
    Rgb::from_fn(img.width, img.height, |x, y| {
        let sx = cx + (x as f32 + 0.5 - cx) / k;
        let sy = cy + (y as f32 + 0.5 - cy) / k;
        let p = img
            .sample(
                sx.clamp(0.5, img.width as f32 - 0.5),
                sy.clamp(0.5, img.height as f32 - 0.5),
            )
            .unwrap_or([0.0; 3]);
        p.map(|v| v.round() as u8)
    })
}

/// Rotates by `deg` degrees about (cx, cy).
pub fn rotate(img: &Rgb, deg: f32, cx: f32, cy: f32) -> Rgb {
    let (s, c) = deg.to_radians().sin_cos();
    Rgb::from_fn(img.width, img.height, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        let (sx, sy) = (cx + dx * c + dy * s, cy - dx * s + dy * c);
        let p = img
            .sample(
                sx.clamp(0.5, img.width as f32 - 0.5),
                sy.clamp(0.5, img.height as f32 - 0.5),
            )
            .unwrap_or([0.0; 3]);
        p.map(|v| v.round() as u8)
    })
}

pub fn mirror(img: &Rgb) -> Rgb {
    Rgb::from_fn(img.width, img.height, |x, y| img.at(img.width - 1 - x, y))
}

/// Separable Gaussian blur.
pub fn blur(img: &Rgb, sigma: f32) -> Rgb {
    let r = (sigma * 3.0).ceil() as i64;
    let k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = k.iter().sum();
    let pass = |src: &Rgb, horizontal: bool| {
        Rgb::from_fn(src.width, src.height, |x, y| {
            let mut acc = [0f32; 3];
            for (i, w) in k.iter().enumerate() {
                let d = i as i64 - r;
                let p = if horizontal {
                    src.at_clamped(i64::from(x) + d, i64::from(y))
                } else {
                    src.at_clamped(i64::from(x), i64::from(y) + d)
                };
                for c in 0..3 {
                    acc[c] += w * f32::from(p[c]);
                }
            }
            acc.map(|v| (v / sum).round() as u8)
        })
    };
    pass(&pass(img, true), false)
}

pub fn is_backdrop(p: [u8; 3], backdrop: [u8; 3]) -> bool {
    let d: i32 = (0..3)
        .map(|c| (i32::from(p[c]) - i32::from(backdrop[c])).abs())
        .sum();
    d < 24
}

/// The base's backdrop colour (its top-left corner).
pub fn backdrop() -> [u8; 3] {
    base().1.at(4, 4)
}

/// Replaces backdrop pixels by `f(x, y)`.
pub fn repaint_backdrop(img: &Rgb, f: impl Fn(u32, u32) -> [u8; 3]) -> Rgb {
    let bg = backdrop();
    map(img, |x, y, p| if is_backdrop(p, bg) { f(x, y) } else { p })
}

pub fn scale_rgb(p: [u8; 3], k: f32) -> [u8; 3] {
    p.map(|v| (f32::from(v) * k).round().clamp(0.0, 255.0) as u8)
}

/// A brown sunglass lens over a pixel: it passes a quarter of the light and
/// adds its own reflection of the room, a faint brown veil. The veil is what
/// tells a lens from a shadow (`min_shadowed_eye_contrast`): darkening alone
/// would keep the whites of the eye as bright against the iris as before.
pub fn tinted_lens(p: [u8; 3]) -> [u8; 3] {
    let veil = [24.0, 19.0, 14.0];
    std::array::from_fn(|c| (f32::from(p[c]) * 0.25 + veil[c]).round().clamp(0.0, 255.0) as u8)
}

/// `a` moved a share `t` of the way to `b`.
pub fn blend(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    std::array::from_fn(|c| (f32::from(a[c]) * (1.0 - t) + f32::from(b[c]) * t).round() as u8)
}

/// Inserts a JFIF-compatible APP1 EXIF block with an orientation tag after SOI.
pub fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2A\x00\x00\x00\x08\x00\x01".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut seg = b"Exif\0\0".to_vec();
    seg.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((seg.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&seg);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Rewrites the frame header's dimensions: a header that promises a bomb.
pub fn with_dimensions(jpeg: &[u8], w: u16, h: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let at = out
        .windows(2)
        .position(|m| m == [0xFF, 0xC0] || m == [0xFF, 0xC2])
        .expect("a frame header");
    out[at + 5..at + 7].copy_from_slice(&h.to_be_bytes());
    out[at + 7..at + 9].copy_from_slice(&w.to_be_bytes());
    out
}
